#include "kv/attention_baselines.h"

#include <algorithm>

#include "ops/attention.h"
#include "ops/vec.h"
#include "util/error.h"

namespace kvzip {

ContextAttentionAccumulator::ContextAttentionAccumulator(ImportanceScores& acc, const ModelConfig& config,
                                                         int64_t query_begin, int64_t query_end, ThreadPool& pool)
    : acc_(acc), config_(config), query_begin_(query_begin), query_end_(query_end), pool_(pool) {}

void ContextAttentionAccumulator::observe(int layer, const float* q, int64_t T, int64_t pos0, const KVCache& cache) {
    if (cache.masked()) throw Error("attention baselines need the unpruned cache");
    const int hd = config_.head_dim, G = config_.group_size(), n_kv = config_.n_head_kv;
    const int64_t q_stride = (int64_t)config_.n_head * hd;
    const int64_t t0 = std::max<int64_t>(0, query_begin_ - pos0), t1 = std::min<int64_t>(T, query_end_ - pos0);
    if (t1 <= t0) return;
    const int64_t N = acc_.n_ctx, begin = acc_.ctx_begin;
    std::vector<KVHeadView> views(n_kv);
    for (int h = 0; h < n_kv; ++h) views[h] = cache.head(layer, h);

    // Work items: (query t, KV head h); the G query heads share one pass over the keys.
    pool_.parallel_for((t1 - t0) * n_kv, [&](int64_t i0, int64_t i1) {
        std::vector<float> local((size_t)n_kv * N, 0.0f), p;
        for (int64_t i = i0; i < i1; ++i) {
            const int64_t t = t0 + i / n_kv;
            const int h = (int)(i % n_kv);
            const KVHeadView& v = views[h];
            // Causal: entries at positions <= this query's.
            const int64_t n_keys = std::upper_bound(v.positions, v.positions + v.n, (int32_t)(pos0 + t)) - v.positions;
            p.resize((size_t)G * n_keys);
            key_logits(q + t * q_stride + (int64_t)h * G * hd, G, v, 0, n_keys, p.data(), n_keys);
            float* dst = local.data() + (size_t)h * N;
            for (int g = 0; g < G; ++g) {
                float* pg = p.data() + (size_t)g * n_keys;
                for (int64_t j = 0; j < n_keys; ++j) pg[j] *= config_.attn_scale;
                softmax_f32(pg, n_keys);
                for (int64_t j = 0; j < n_keys; ++j) {
                    const int64_t c = v.positions[j] - begin;
                    if (c >= 0 && c < N) dst[c] += pg[j];
                }
            }
        }
        std::lock_guard<std::mutex> lock(merge_mutex_);
        for (int h = 0; h < n_kv; ++h) {
            float* row = acc_.row(layer, h);
            const float* src = local.data() + (size_t)h * N;
            for (int64_t j = 0; j < N; ++j) row[j] += src[j];
        }
    });
}

SnapKVScorer::SnapKVScorer(ImportanceScores& scores, const ModelConfig& config, ThreadPool& pool, int64_t window,
                           int kernel)
    : ContextAttentionAccumulator(scores, config, scores.ctx_begin + std::max<int64_t>(0, scores.n_ctx - window),
                                  scores.ctx_begin + scores.n_ctx, pool),
      window_(std::min(window, scores.n_ctx)), kernel_(kernel), group_(config.group_size()) {
    if (window <= 0) throw Error("SnapKV: the observation window must be positive");
    if (kernel <= 0 || kernel % 2 == 0) throw Error("SnapKV: the pooling kernel must be odd and positive");
}

void SnapKVScorer::finish() {
    // Mean over the window's queries and the group's query heads.
    const float norm = 1.0f / (float)(window_ * group_);
    for (float& x : acc_.data) x *= norm;
    max_pool_rows(acc_, kernel_);
    acc_.keep_recent(window_);
}

void max_pool_rows(ImportanceScores& s, int kernel) {
    const int64_t N = s.n_ctx, r = kernel / 2;
    std::vector<float> in;
    for (int l = 0; l < s.n_layer; ++l)
        for (int h = 0; h < s.n_head_kv; ++h) {
            float* row = s.row(l, h);
            in.assign(row, row + N);
            for (int64_t j = 0; j < N; ++j) {
                const int64_t a = std::max<int64_t>(0, j - r), b = std::min<int64_t>(N, j + r + 1);
                row[j] = *std::max_element(in.begin() + a, in.begin() + b);
            }
        }
}

}  // namespace kvzip
