#include "kv/baselines.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "ops/fp16.h"
#include "util/error.h"

namespace kvzip {

void streaming_llm_scores(ImportanceScores& s, int64_t sink_tokens) {
    const int64_t N = s.n_ctx;
    for (int l = 0; l < s.n_layer; ++l)
        for (int h = 0; h < s.n_head_kv; ++h) {
            float* row = s.row(l, h);
            // Recent positions in (0, 1], increasing; sinks above all of them.
            for (int64_t j = 0; j < N; ++j) row[j] = j < sink_tokens ? 2.0f : (float)(j + 1) / (float)N;
        }
}

void key_norm_scores(ImportanceScores& s, const KVCache& cache) {
    if (cache.masked()) throw Error("key-norm scoring needs the unpruned cache");
    const int hd = cache.head_dim();
    for (int l = 0; l < s.n_layer; ++l) {
        if (s.is_fixed(l)) continue;  // a sliding-window layer: it no longer holds the whole context
        for (int h = 0; h < s.n_head_kv; ++h) {
            const KVHeadView v = cache.head(l, h);
            const int32_t* first = std::lower_bound(v.positions, v.positions + v.n, (int32_t)s.ctx_begin);
            const int64_t e0 = first - v.positions;
            if (v.n - e0 < s.n_ctx || v.positions[e0] != s.ctx_begin)
                throw Error("key-norm scoring: the cache does not hold the whole context");
            float* row = s.row(l, h);
            for (int64_t j = 0; j < s.n_ctx; ++j) {
                double sq = 0;
                for (int d = 0; d < hd; ++d) {
                    const size_t at = (size_t)(e0 + j) * hd + d;
                    const float x = v.type == KVType::F16 ? half::to_float(static_cast<const uint16_t*>(v.keys)[at])
                                                          : static_cast<const float*>(v.keys)[at];
                    sq += (double)x * x;
                }
                row[j] = -(float)std::sqrt(sq);
            }
        }
    }
}

void random_scores(ImportanceScores& s, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    for (float& x : s.data) x = u(rng);
}

}  // namespace kvzip
