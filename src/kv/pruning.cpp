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
    if (!head_scores.empty() && (int64_t)head_scores.size() != n_heads)
        throw Error("head scores have " + std::to_string(head_scores.size()) + " entries, the model has " +
                    std::to_string(n_heads) + " KV heads");
    std::vector<uint8_t> keep((size_t)(n_heads * N), 0);
    // The (layer, head) rows that compete, as flat head indices.
    std::vector<int64_t> rows;
    for (int64_t h = 0; h < n_heads; ++h) {
        if (s.is_fixed((int)(h / s.n_head_kv)))
            std::fill(keep.begin() + h * N, keep.begin() + (h + 1) * N, 1);
        else
            rows.push_back(h);
    }
    const int64_t R = (int64_t)rows.size();
    switch (level) {
        case PruneLevel::Pair: {
            const int64_t k = std::llround(ratio * (double)(R * N));
            // Competing rows side by side (no copy when every row competes).
            std::vector<float> gathered;
            const float* score = s.data.data();
            if (R != n_heads) {
                gathered.resize((size_t)(R * N));
                for (int64_t r = 0; r < R; ++r)
                    std::copy_n(s.data.data() + rows[r] * N, N, gathered.data() + r * N);
                score = gathered.data();
            }
            std::vector<uint8_t> kept((size_t)(R * N), 0);
            // flat index = row * N + j; ties: lower position j, then lower row.
            keep_top(score, R * N, k, kept.data(), [N, R](int64_t i) { return (i % N) * R + i / N; });
            for (int64_t r = 0; r < R; ++r)
                std::copy_n(kept.data() + r * N, N, keep.data() + rows[r] * N);
            break;
        }
        case PruneLevel::PairUniform: {
            const int64_t k = std::llround(ratio * (double)N);
            for (int64_t h : rows)
                keep_top(s.data.data() + h * N, N, k, keep.data() + h * N, [](int64_t j) { return j; });
            break;
        }
        case PruneLevel::Head: {
            std::vector<float> hs(R, 0.0f);
            for (int64_t r = 0; r < R; ++r) {
                if (!head_scores.empty()) {
                    hs[r] = head_scores[rows[r]];
                } else {
                    const float* row = s.data.data() + rows[r] * N;
                    for (int64_t j = 0; j < N; ++j) hs[r] = std::max(hs[r], row[j]);
                }
            }
            const int64_t k = std::llround(ratio * (double)R);
            std::vector<uint8_t> head_keep(R, 0);
            keep_top(hs.data(), R, k, head_keep.data(), [](int64_t r) { return r; });
            for (int64_t r = 0; r < R; ++r)
                if (head_keep[r]) std::fill(keep.begin() + rows[r] * N, keep.begin() + (rows[r] + 1) * N, 1);
            break;
        }
    }
    return keep;
}

}  // namespace kvzip
