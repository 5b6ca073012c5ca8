#pragma once
// Tokenizer built from GGUF metadata (tokenizer.ggml.*): byte-level BPE
// (`gpt2`, bpe_tokenizer.h) and SentencePiece-style BPE (`llama`, e.g. Gemma,
// spm_tokenizer.h) behind one interface.
//
// Reference behaviour: Hugging Face tokenizers (golden ids in
// tests/golden/tokenizer_smollm2.golden and tokenizer_gemma3.golden, made by
// scripts/golden/make_tokenizer_goldens.py and make_gemma_tokenizer_goldens.py).
// Thread-safe: encode/decode are const and keep no shared mutable state.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace kvzip {

class GGUFFile;
class SpecialTokenMatcher;

using TokenId = int32_t;

// Token types as stored in tokenizer.ggml.token_type.
enum class TokenType : int32_t { NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6 };

// The vocabulary exactly as the GGUF stores it.
struct Vocab {
    std::string model;                 // tokenizer.ggml.model: "gpt2", "llama", ...
    std::string pre;                   // tokenizer.ggml.pre: "smollm", "llama-bpe", "qwen2", ...
    std::vector<std::string> tokens;
    std::vector<TokenType> types;      // NORMAL when absent
    std::vector<float> scores;         // SentencePiece scores (empty for gpt2)
    std::vector<std::string> merges;   // "a b" pairs, highest priority first
    TokenId bos = -1, eos = -1, eot = -1, unk = -1, pad = -1;
    bool add_bos = false, add_eos = false, add_space_prefix = false;
    std::string chat_template;         // tokenizer.chat_template (Jinja source), may be empty

    // Reads tokenizer.* metadata; throws kvzip::Error naming the file and key
    // when something required is missing or inconsistent.
    static Vocab from_gguf(const GGUFFile& f);
    // Fills defaults (types NORMAL when absent) and checks sizes and special
    // ids; `source` names the origin in error messages. create() calls it.
    void validate(const std::string& source = "vocabulary");
};

class Tokenizer {
public:
    virtual ~Tokenizer() = default;
    // Picks the implementation for vocab.model; throws kvzip::Error if unsupported
    // (naming the model type) or if the vocabulary is inconsistent.
    static std::unique_ptr<Tokenizer> create(Vocab vocab);

    // Text to ids. With parse_special, special/control tokens written in the
    // text (e.g. "<|im_start|>") become their ids; otherwise they are plain text.
    // add_bos: prepend BOS when the vocab asks for it (vocab.add_bos).
    std::vector<TokenId> encode(const std::string& text, bool add_bos = false, bool parse_special = true) const;
    // Ids to UTF-8 text. Control tokens are skipped unless keep_special. The
    // tokens' bytes are joined first, then any ill-formed UTF-8 left (e.g. a
    // character cut at the end) becomes U+FFFD, as in Hugging Face's decode.
    // Throws kvzip::Error for an id outside the vocabulary.
    virtual std::string decode(const std::vector<TokenId>& ids, bool keep_special = false) const;
    // The raw bytes of one token as they appear in decoded text (for streaming);
    // may be part of a UTF-8 character. Control tokens give "" unless keep_special.
    virtual std::string token_to_piece(TokenId id, bool keep_special = false) const = 0;

    const Vocab& vocab() const { return vocab_; }
    int n_vocab() const { return (int)vocab_.tokens.size(); }
    bool is_end_of_generation(TokenId id) const;  // EOS, EOT or another end-of-turn token
    TokenId find_token(const std::string& text) const;  // -1 if absent

protected:
    explicit Tokenizer(Vocab v);
    // The special tokens cut out of the text before encode_text sees it.
    virtual const SpecialTokenMatcher& special_tokens() const = 0;
    // Appends the ids of a run of text with no special token in it;
    // at_start: the run begins the input.
    virtual void encode_text(std::string_view text, bool at_start, std::vector<TokenId>& out) const = 0;
    void check_id(TokenId id) const;  // throws kvzip::Error when out of range
    Vocab vocab_;
    std::unordered_map<std::string, TokenId> token_index_;  // token text -> id

private:
    std::vector<TokenId> end_of_generation_;  // sorted
};

}  // namespace kvzip
