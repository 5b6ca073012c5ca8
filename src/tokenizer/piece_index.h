#pragma once
// Text -> token id lookup for the SentencePiece tokenizer's hot loop, where
// every candidate merge is one lookup of a short substring and most of them
// miss. A flat open-addressing table that keeps each entry's hash next to its
// id answers a miss from one cache line, unlike std::unordered_map's chained
// nodes (several cache misses per probe, measured at ~half the encode time).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace kvzip {

class PieceIndex {
public:
    // Indexes pieces[i] -> i; the first occurrence wins should a text repeat.
    // `pieces` must outlive the index and stay unchanged.
    void build(const std::vector<std::string>& pieces);

    TokenId find(std::string_view text) const;  // -1 if absent

private:
    struct Slot {
        uint32_t hash;
        TokenId id;  // -1: empty
    };
    static uint32_t hash(std::string_view text);

    const std::vector<std::string>* pieces_ = nullptr;
    std::vector<Slot> slots_{Slot{0, -1}};  // a power of two, at most half full
    uint32_t mask_ = 0;
};

}  // namespace kvzip
