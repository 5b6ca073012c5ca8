#include "kv/pruning.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

#include "util/error.h"

namespace kvzip {

PruneLevel parse_prune_level(const std::string& s) {
    if (s == "pair") return PruneLevel::Pair;
    if (s == "pair-uniform") return PruneLevel::PairUniform;
    if (s == "head") return PruneLevel::Head;
    throw Error("unknown pruning level '" + s + "' (expected pair, pair-uniform or head)");
}

std::string to_string(PruneLevel level) {
    switch (level) {
        case PruneLevel::Pair: return "pair";
        case PruneLevel::PairUniform: return "pair-uniform";
        case PruneLevel::Head: return "head";
    }
    return "?";
}

namespace {

// Marks the `k` best of `n` candidates, best = higher score, then lower index
// (the index encodes position first within a head, so ties favour earlier
// positions). O(n) selection, no full sort.
void keep_top(const float* score, int64_t n, int64_t k, uint8_t* keep,
              const std::function<int64_t(int64_t)>& tie_key) {
    if (k <= 0) return;
    if (k >= n) {
        std::fill(keep, keep + n, 1);
        return;
    }
    std::vector<int64_t> idx(n);
    std::iota(idx.begin(), idx.end(), 0);
    auto better = [&](int64_t a, int64_t b) {
        if (score[a] != score[b]) return score[a] > score[b];
        return tie_key(a) < tie_key(b);
    };
    std::nth_element(idx.begin(), idx.begin() + (k - 1), idx.end(), better);
    for (int64_t i = 0; i < k; ++i) keep[idx[i]] = 1;
}

}  // namespace

std::vector<uint8_t> select_kept(const ImportanceScores& s, double ratio, PruneLevel level,
                                 const std::vector<float>& head_scores) {
    if (!(ratio >= 0.0 && ratio <= 1.0)) throw Error("ratio must be in [0, 1], got " + std::to_string(ratio));
    const int64_t n_heads = (int64_t)s.n_layer * s.n_head_kv, N = s.n_ctx;
    std::vector<uint8_t> keep((size_t)(n_heads * N), 0);
    switch (level) {
        case PruneLevel::Pair: {
            const int64_t k = std::llround(ratio * (double)(n_heads * N));
            // flat index = head * N + j; ties: lower position j, then lower head.
            keep_top(s.data.data(), n_heads * N, k, keep.data(),
                     [N, n_heads](int64_t i) { return (i % N) * n_heads + i / N; });
            break;
        }
        case PruneLevel::PairUniform: {
            const int64_t k = std::llround(ratio * (double)N);
            for (int64_t h = 0; h < n_heads; ++h)
                keep_top(s.data.data() + h * N, N, k, keep.data() + h * N, [](int64_t j) { return j; });
            break;
        }
        case PruneLevel::Head: {
            std::vector<float> hs = head_scores;
            if (hs.empty()) {
                hs.resize(n_heads, 0.0f);
                for (int64_t h = 0; h < n_heads; ++h)
                    for (int64_t j = 0; j < N; ++j) hs[h] = std::max(hs[h], s.data[h * N + j]);
            }
            if ((int64_t)hs.size() != n_heads)
                throw Error("head scores have " + std::to_string(hs.size()) + " entries, the model has " +
                            std::to_string(n_heads) + " KV heads");
            const int64_t k = std::llround(ratio * (double)n_heads);
            std::vector<uint8_t> head_keep(n_heads, 0);
            keep_top(hs.data(), n_heads, k, head_keep.data(), [](int64_t h) { return h; });
            for (int64_t h = 0; h < n_heads; ++h)
                if (head_keep[h]) std::fill(keep.begin() + h * N, keep.begin() + (h + 1) * N, 1);
            break;
        }
    }
    return keep;
}

}  // namespace kvzip
