#pragma once
// Regex pre-tokenization for byte-level BPE: the text is cut into pieces
// (words, numbers, punctuation runs, whitespace runs) and BPE never merges
// across a piece boundary. The regexes are those of the models' Hugging Face
// tokenizer.json files, run with PCRE2 (UTF + UCP, JIT when available).
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace kvzip {

// What tokenizer.ggml.pre implies.
struct PreTokenizerSpec {
    // Applied in sequence: each regex cuts every piece the previous one made,
    // keeping both the matches and the text between them ("isolated" split in
    // Hugging Face terms).
    std::vector<std::string> patterns;
    // Llama 3 style: a piece that is itself a vocabulary token is emitted as
    // that token without running the merges (tokenizer.json "ignore_merges").
    bool ignore_merges = false;
    bool known = true;  // false: `pre` was not recognised, GPT-2 regex used
};

// The spec for a tokenizer.ggml.pre value; unknown names get the GPT-2 regex
// and known = false.
PreTokenizerSpec pre_tokenizer_spec(const std::string& pre);

class RegexSplitter {
public:
    // Compiles the patterns; throws kvzip::Error if one does not compile.
    explicit RegexSplitter(const std::vector<std::string>& patterns);
    ~RegexSplitter();
    RegexSplitter(RegexSplitter&&) noexcept;
    RegexSplitter& operator=(RegexSplitter&&) noexcept;

    // Calls `piece` for each non-empty piece of `text`, in order; the pieces
    // concatenate to `text`. Ill-formed UTF-8 never matches a pattern, so it
    // ends up in pieces of its own. Thread-safe.
    void split(std::string_view text, const std::function<void(std::string_view)>& piece) const;

private:
    struct Compiled;
    std::vector<std::unique_ptr<Compiled>> regexes_;
    void split_level(size_t level, std::string_view text, void* match_data,
                     const std::function<void(std::string_view)>& piece) const;
};

}  // namespace kvzip
