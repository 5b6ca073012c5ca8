#include "kv/kvzip_scorer.h"

#include <algorithm>
#include <vector>

#include "ops/attention.h"
#include "ops/vec.h"
#include "util/error.h"

namespace kvzip {

namespace {

// Index of the first entry with position >= pos.
int64_t lower_index(const KVHeadView& v, int64_t pos) {
    return std::lower_bound(v.positions, v.positions + v.n, (int32_t)pos) - v.positions;
}

}  // namespace

KVzipScorer::KVzipScorer(ImportanceScores& scores, const ModelConfig& config, int64_t prefix_len, ThreadPool& pool)
    : scores_(scores), config_(config), prefix_len_(prefix_len), pool_(pool) {}

void KVzipScorer::set_chunk(int64_t begin, int64_t end, int64_t repeat_begin) {
    if (begin < scores_.ctx_begin || end > scores_.ctx_begin + scores_.n_ctx || begin >= end)
        throw Error("KVzip scoring: chunk [" + std::to_string(begin) + ", " + std::to_string(end) +
                    ") is outside the context");
    chunk_begin_ = begin;
    chunk_end_ = end;
    repeat_begin_ = repeat_begin;
}

void KVzipScorer::observe(int layer, const float* q, int64_t T, int64_t pos0, const KVCache& cache) {
    if (cache.masked()) throw Error("KVzip scoring needs the unpruned cache");
    const int n_head = config_.n_head, hd = config_.head_dim, G = config_.group_size();
    const int n_kv = config_.n_head_kv;
    const int64_t q_stride = (int64_t)n_head * hd;

    struct Ranges {
        KVHeadView view;
        int64_t prefix_end, chunk_begin, chunk_end, repeat_begin;
    };
    std::vector<Ranges> ranges(n_kv);
    for (int h = 0; h < n_kv; ++h) {
        Ranges& r = ranges[h];
        r.view = cache.head(layer, h);
        r.prefix_end = lower_index(r.view, prefix_len_);
        r.chunk_begin = lower_index(r.view, chunk_begin_);
        r.chunk_end = lower_index(r.view, chunk_end_);
        r.repeat_begin = lower_index(r.view, repeat_begin_);
        if (r.view.n - r.repeat_begin != pos0 + T - repeat_begin_ || r.chunk_end - r.chunk_begin != chunk_end_ - chunk_begin_)
            throw Error("KVzip scoring: the cache does not hold the full context and repeat tokens");
    }
    const int64_t n_chunk = chunk_end_ - chunk_begin_;
    const int64_t score_offset = chunk_begin_ - scores_.ctx_begin;

    // Work items: (repeat position t, KV head h); the G query heads of h are
    // scored together (one pass over the keys).
    pool_.parallel_for(T * n_kv, [&](int64_t i0, int64_t i1) {
        std::vector<float> local((size_t)n_kv * n_chunk, 0.0f);
        std::vector<float> p;
        for (int64_t i = i0; i < i1; ++i) {
            const int64_t t = i / n_kv;
            const int h = (int)(i % n_kv);
            const Ranges& r = ranges[h];
            const int64_t n_prefix = r.prefix_end;
            const int64_t n_rep = pos0 - repeat_begin_ + t + 1;  // causal: repeat keys up to t
            const int64_t n_sub = n_prefix + n_chunk + n_rep;
            p.resize((size_t)G * n_sub);
            const float* qg = q + t * q_stride + (int64_t)h * G * hd;
            key_logits(qg, G, r.view, 0, r.prefix_end, p.data(), n_sub);
            key_logits(qg, G, r.view, r.chunk_begin, r.chunk_end, p.data() + n_prefix, n_sub);
            key_logits(qg, G, r.view, r.repeat_begin, r.repeat_begin + n_rep, p.data() + n_prefix + n_chunk, n_sub);
            float* best = local.data() + (size_t)h * n_chunk;
            for (int g = 0; g < G; ++g) {
                float* pg = p.data() + (size_t)g * n_sub;
                for (int64_t j = 0; j < n_sub; ++j) pg[j] *= config_.attn_scale;
                softmax_f32(pg, n_sub);
                const float* pc = pg + n_prefix;
                for (int64_t j = 0; j < n_chunk; ++j) best[j] = std::max(best[j], pc[j]);
            }
        }
        std::lock_guard<std::mutex> lock(merge_mutex_);
        for (int h = 0; h < n_kv; ++h) {
            float* dst = scores_.row(layer, h) + score_offset;
            const float* src = local.data() + (size_t)h * n_chunk;
            for (int64_t j = 0; j < n_chunk; ++j) dst[j] = std::max(dst[j], src[j]);
        }
    });
}

}  // namespace kvzip
