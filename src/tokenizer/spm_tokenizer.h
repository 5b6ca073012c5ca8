#pragma once
// SentencePiece-style BPE (tokenizer.ggml.model = "llama": Gemma, Llama 2,
// Mistral). The GGUF carries no merge list, only pieces and scores.
//
// encode: special tokens are cut out of the raw text first; in the rest every
// space becomes U+2581 '▁' (plus one at the very start when add_space_prefix);
// the whole fragment, one symbol per character, is merged greedily: the
// adjacent pair whose concatenation is the best-scoring piece merges first,
// the leftmost on ties. Characters the vocabulary lacks become their UTF-8
// bytes as <0xNN> tokens (byte fallback), or <unk> where those are missing.
//
// Reference: Hugging Face's tokenizer built from the same GGUF (golden ids in
// tests/golden/tokenizer_gemma3.golden, made by
// scripts/golden/make_gemma_tokenizer_goldens.py), cross-checked with llama.cpp.
#include <array>
#include <string_view>

#include "tokenizer/piece_index.h"
#include "tokenizer/special_tokens.h"
#include "tokenizer/tokenizer.h"

namespace kvzip {

class SpmBpeTokenizer final : public Tokenizer {
public:
    explicit SpmBpeTokenizer(Vocab vocab);

    // As Tokenizer::decode, less the leading space add_space_prefix put there.
    std::string decode(const std::vector<TokenId>& ids, bool keep_special = false) const override;
    std::string token_to_piece(TokenId id, bool keep_special = false) const override;

    // Merge priority of the piece `id` as a merge result (higher merges
    // first), or -infinity when merging never produces it. Exposed for tests.
    float merge_score(TokenId id) const { return merge_score_[id]; }

private:
    const SpecialTokenMatcher& special_tokens() const override { return specials_; }
    // SentencePiece's dummy prefix goes before the start of the input only
    // (llama.cpp's rule), not after every special token.
    void encode_text(std::string_view text, bool at_start, std::vector<TokenId>& out) const override {
        encode_fragment(text, vocab_.add_space_prefix && at_start, out);
    }
    void build_spellings();
    void build_merge_scores();
    // Appends the ids of one fragment of plain text (no special tokens in it).
    void encode_fragment(std::string_view text, bool prefix_space, std::vector<TokenId>& out) const;
    TokenId find_piece(std::string_view spelling) const;

    SpecialTokenMatcher specials_;
    std::vector<std::string> spelling_;                        // each piece as the merges see it ('▁' for space)
    PieceIndex piece_index_;                                   // spelling -> id
    std::vector<float> merge_score_;
    std::array<TokenId, 256> byte_token_{};  // <0xNN> tokens, -1 if missing
    std::array<TokenId, 128> ascii_piece_{};  // single ASCII character pieces, -1 if missing (hot path)
    std::vector<std::string> pieces_;        // decoded bytes of every token
};

}  // namespace kvzip
