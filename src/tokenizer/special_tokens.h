#pragma once
// Finds special tokens (e.g. "<|im_start|>") written in raw text, before any
// normalisation or pre-tokenization, so that they become single ids.
#include <array>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace kvzip {

class SpecialTokenMatcher {
public:
    // Takes the CONTROL, UNKNOWN and USER_DEFINED tokens of the vocabulary,
    // less those `skip` returns true for (tokens a tokenizer reaches otherwise).
    explicit SpecialTokenMatcher(const Vocab& vocab, const std::function<bool(TokenId)>& skip = {});

    // One piece of the split: either plain text (id == -1) or a special token.
    struct Segment {
        std::string_view text;
        TokenId id = -1;
    };

    // Cuts `text` at special tokens, scanning left to right and taking the
    // longest token that starts at a position (Hugging Face's leftmost-longest
    // added-token matching). CONTROL and UNKNOWN tokens count only with
    // parse_special; USER_DEFINED ones always, as in Hugging Face and llama.cpp
    // (they are ordinary added words such as "<think>").
    std::vector<Segment> split(std::string_view text, bool parse_special) const;

private:
    struct Entry {
        std::string text;
        TokenId id;
        bool needs_parse_special;
    };
    // Candidates by first byte, longest first: most bytes start no token at
    // all, so the scan is one table lookup per byte.
    std::array<std::vector<Entry>, 256> by_first_byte_;
};

}  // namespace kvzip
