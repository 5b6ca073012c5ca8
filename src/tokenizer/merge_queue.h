#pragma once
// The merge loop shared by the byte-level BPE and the SentencePiece BPE
// tokenizers: starting from one symbol per byte (or character), repeatedly
// merge the adjacent pair with the highest priority, leftmost first, until no
// pair can merge. A heap of candidates makes it O(n log n) instead of the
// textbook O(n^2) rescan; the tokenizers differ only in how a pair is looked
// up and ranked, which they pass in.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace kvzip {

// A symbol of the piece being merged, in a doubly linked list over the input.
struct MergeSymbol {
    TokenId id;          // negative: no token (a byte or character without one; or merged away)
    int32_t start, len;  // the bytes of the input it covers
    int32_t prev, next;  // neighbours; -1 and n at the ends
};

// What may become of two adjacent symbols: result < 0 when they do not merge.
struct MergeChoice {
    double priority;  // higher merges first (BPE: minus the merge rank; SentencePiece: the piece's score)
    TokenId result;
};

struct MergeCandidate {
    double priority;
    int32_t left, right;
    TokenId left_id, right_id, result;
};

inline constexpr TokenId kMergedAway = -2;

// Merges `sym` in place; the survivors are those reached from sym[0] through
// `next` whose id is not kMergedAway. `heap` is scratch space, passed in so
// callers can reuse it. find_merge(const MergeSymbol& left, const MergeSymbol&
// right) -> MergeChoice.
template <class FindMerge>
void merge_symbols(std::vector<MergeSymbol>& sym, std::vector<MergeCandidate>& heap, FindMerge&& find_merge) {
    const auto n = static_cast<int32_t>(sym.size());
    heap.clear();
    auto worse = [](const MergeCandidate& a, const MergeCandidate& b) {
        return a.priority != b.priority ? a.priority < b.priority : a.left > b.left;
    };
    auto consider = [&](int32_t left, int32_t right) {
        if (left < 0 || right >= n) return;
        const MergeChoice m = find_merge(sym[left], sym[right]);
        if (m.result < 0) return;
        heap.push_back({m.priority, left, right, sym[left].id, sym[right].id, m.result});
        std::push_heap(heap.begin(), heap.end(), worse);
    };
    for (int32_t i = 0; i + 1 < n; ++i) consider(i, i + 1);

    while (!heap.empty()) {
        std::pop_heap(heap.begin(), heap.end(), worse);
        const MergeCandidate c = heap.back();
        heap.pop_back();
        MergeSymbol& l = sym[c.left];
        // A position's symbol only ever grows into a longer token, so an id
        // never returns to it: equal ids plus adjacency mean "still valid".
        if (l.id != c.left_id || l.next != c.right || sym[c.right].id != c.right_id) continue;
        l.id = c.result;
        l.len += sym[c.right].len;
        l.next = sym[c.right].next;
        if (l.next < n) sym[l.next].prev = c.left;
        sym[c.right].id = kMergedAway;
        consider(l.prev, c.left);
        consider(c.left, l.next);
    }
}

}  // namespace kvzip
