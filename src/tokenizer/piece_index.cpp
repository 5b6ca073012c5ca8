#include "tokenizer/piece_index.h"

#include <cstring>

namespace kvzip {

void PieceIndex::build(const std::vector<std::string>& pieces) {
    pieces_ = &pieces;
    size_t size = 16;
    while (size < pieces.size() * 2) size *= 2;
    slots_.assign(size, Slot{0, -1});
    mask_ = static_cast<uint32_t>(size - 1);
    for (size_t id = 0; id < pieces.size(); ++id) {
        const uint32_t h = hash(pieces[id]);
        for (uint32_t i = h & mask_;; i = (i + 1) & mask_) {
            Slot& s = slots_[i];
            if (s.id < 0) {
                s = {h, static_cast<TokenId>(id)};
                break;
            }
            if (s.hash == h && pieces[s.id] == pieces[id]) break;  // a repeat: keep the first
        }
    }
}

TokenId PieceIndex::find(std::string_view text) const {
    const uint32_t h = hash(text);
    for (uint32_t i = h & mask_;; i = (i + 1) & mask_) {
        const Slot& s = slots_[i];
        if (s.id < 0) return -1;
        if (s.hash == h && (*pieces_)[s.id] == text) return s.id;
    }
}

// 8 bytes at a time, multiply-xorshift mixing: fast on the short strings
// pieces are, and well spread over the low bits the table uses.
uint32_t PieceIndex::hash(std::string_view text) {
    constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;
    uint64_t h = text.size() * kMul;
    size_t pos = 0;
    for (; pos + 8 <= text.size(); pos += 8) {
        uint64_t w;
        std::memcpy(&w, text.data() + pos, 8);
        h = (h ^ w) * kMul;
        h ^= h >> 29;
    }
    if (pos < text.size()) {
        uint64_t w = 0;
        std::memcpy(&w, text.data() + pos, text.size() - pos);
        h = (h ^ w) * kMul;
        h ^= h >> 29;
    }
    h *= kMul;
    return static_cast<uint32_t>(h >> 32);
}

}  // namespace kvzip
