#pragma once
// Byte-level BPE (tokenizer.ggml.model = "gpt2": GPT-2, SmolLM2, Llama 3, Qwen).
//
// encode: special tokens are cut out of the raw text first; the rest is split
// by the pre-tokenizer regexes that tokenizer.ggml.pre implies; each piece's
// UTF-8 bytes are spelled in GPT-2's byte alphabet and merged by rank.
#include <array>
#include <string_view>
#include <unordered_map>

#include "tokenizer/pretokenizer.h"
#include "tokenizer/special_tokens.h"
#include "tokenizer/tokenizer.h"

namespace kvzip {

class ByteLevelBpeTokenizer final : public Tokenizer {
public:
    explicit ByteLevelBpeTokenizer(Vocab vocab);

    std::string token_to_piece(TokenId id, bool keep_special = false) const override;

private:
    struct Merge {
        int32_t rank;     // position in tokenizer.ggml.merges: lower merges first
        TokenId result;   // the token the pair becomes
    };
    static uint64_t pair_key(TokenId a, TokenId b) {
        return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
    }

    const SpecialTokenMatcher& special_tokens() const override { return specials_; }
    // Pre-tokenizes, then BPE on each piece.
    void encode_text(std::string_view text, bool at_start, std::vector<TokenId>& out) const override;
    void build_merges();
    void build_pieces();
    // Appends the ids of one pre-tokenized piece (raw UTF-8 bytes).
    void encode_piece(std::string_view piece, std::vector<TokenId>& out) const;
    // The piece spelled in the byte alphabet, as vocabulary strings are.
    static std::string to_byte_alphabet(std::string_view piece);

    RegexSplitter splitter_;
    bool ignore_merges_ = false;
    SpecialTokenMatcher specials_;
    std::unordered_map<uint64_t, Merge> merges_;  // (left id, right id) -> merge
    std::array<TokenId, 256> byte_token_{};       // single-byte tokens, -1 if missing (byte dropped)
    std::vector<std::string> pieces_;             // raw bytes of every token
};

}  // namespace kvzip
