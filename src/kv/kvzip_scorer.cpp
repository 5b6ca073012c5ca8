#include "kv/kvzip_scorer.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "ops/attention.h"
#include "ops/quant.h"
#include "ops/vec.h"
#include "util/error.h"

namespace kvzip {

namespace {

// Index of the first entry with position >= pos.
int64_t lower_index(const KVHeadView& v, int64_t pos) {
    return std::lower_bound(v.positions, v.positions + v.n, (int32_t)pos) - v.positions;
}

}  // namespace

KVzipPlusWeights KVzipPlusWeights::compute(const ModelWeights& w, const ModelConfig& c,
                                            const std::vector<uint8_t>& fixed_layers, ThreadPool& pool) {
    KVzipPlusWeights out;
    out.gram.resize(c.n_layer);
    const int hd = c.head_dim;
    const int64_t d = c.n_embd, q_dim = (int64_t)c.n_head * hd;
    pool.parallel_for(c.n_layer, [&](int64_t l0, int64_t l1) {
        std::vector<float> wo((size_t)(d * q_dim));
        for (int64_t l = l0; l < l1; ++l) {
            if (!fixed_layers.empty() && fixed_layers[l]) continue;
            const WeightMatrix& W = w.layers[l].wo;  // rows: n_embd outputs, cols: n_head * hd inputs
            for (int64_t r = 0; r < d; ++r) dequantize_row(W.type, W.data + r * W.row_stride(), wo.data() + r * q_dim, q_dim);
            std::vector<float>& gram = out.gram[l];
            gram.assign((size_t)c.n_head * hd * hd, 0.0f);
            for (int g = 0; g < c.n_head; ++g) {
                float* M = gram.data() + (size_t)g * hd * hd;
                std::vector<double> acc((size_t)hd * hd, 0.0);
                for (int64_t r = 0; r < d; ++r) {
                    const float* row = wo.data() + r * q_dim + (int64_t)g * hd;
                    for (int a = 0; a < hd; ++a)
                        for (int b = 0; b < hd; ++b) acc[(size_t)a * hd + b] += (double)row[a] * row[b];
                }
                for (size_t i = 0; i < acc.size(); ++i) M[i] = (float)acc[i];
            }
        }
    });
    return out;
}

KVzipScorer::KVzipScorer(ImportanceScores& scores, const ModelConfig& config, int64_t prefix_len, ThreadPool& pool,
                         const KVzipPlusWeights* plus)
    : scores_(scores), config_(config), prefix_len_(prefix_len), pool_(pool), plus_(plus),
      wov_norms_(config.n_layer) {}

void KVzipScorer::observe_input(int layer, const float* x, int64_t T) {
    if (!plus_ || scores_.is_fixed(layer)) return;
    const int64_t d = config_.n_embd;
    inv_input_norm_.resize(T);
    for (int64_t t = 0; t < T; ++t) {
        double ss = 0;
        for (int64_t i = 0; i < d; ++i) ss += (double)x[t * d + i] * x[t * d + i];
        inv_input_norm_[t] = ss > 0 ? (float)(1.0 / std::sqrt(ss)) : 0.0f;
    }
}

const std::vector<float>& KVzipScorer::value_output_norms(int layer, const KVCache& cache) {
    std::vector<float>& out = wov_norms_[layer];
    const int n_kv = config_.n_head_kv, G = config_.group_size(), hd = config_.head_dim;
    const int64_t n_chunk = chunk_end_ - chunk_begin_;
    if ((int64_t)out.size() == (int64_t)n_kv * G * n_chunk) return out;  // this chunk's, already computed
    out.assign((size_t)n_kv * G * n_chunk, 0.0f);
    const std::vector<float>& gram = plus_->gram.at(layer);
    if (gram.empty()) throw Error("KVzip+: no output-projection Gram matrices for layer " + std::to_string(layer));
    pool_.parallel_for(n_kv * n_chunk, [&](int64_t i0, int64_t i1) {
        std::vector<float> v(hd), Mv(hd);
        for (int64_t i = i0; i < i1; ++i) {
            const int h = (int)(i / n_chunk);
            const int64_t j = i % n_chunk;
            const KVHeadView view = cache.head(layer, h);
            const int64_t e = lower_index(view, chunk_begin_ + j);
            if (view.type == KVType::F16)
                fp16_to_fp32_row(static_cast<const uint16_t*>(view.values) + e * hd, v.data(), hd);
            else
                std::copy_n(static_cast<const float*>(view.values) + e * hd, hd, v.data());
            for (int g = 0; g < G; ++g) {
                const float* M = gram.data() + (size_t)(h * G + g) * hd * hd;
                double q = 0;
                for (int a = 0; a < hd; ++a) q += (double)v[a] * dot_row(GGMLType::F32, M + (size_t)a * hd, v.data(), hd);
                out[((size_t)h * G + g) * n_chunk + j] = (float)std::sqrt(std::max(0.0, q));
            }
        }
    });
    return out;
}

void KVzipScorer::set_chunk(int64_t begin, int64_t end, int64_t repeat_begin) {
    if (begin < scores_.ctx_begin || end > scores_.ctx_begin + scores_.n_ctx || begin >= end)
        throw Error("KVzip scoring: chunk [" + std::to_string(begin) + ", " + std::to_string(end) +
                    ") is outside the context");
    if (begin != chunk_begin_ || end != chunk_end_)
        for (auto& n : wov_norms_) n.clear();  // KVzip+ value norms belong to one chunk
    chunk_begin_ = begin;
    chunk_end_ = end;
    repeat_begin_ = repeat_begin;
}

void KVzipScorer::observe(int layer, const float* q, int64_t T, int64_t pos0, const KVCache& cache) {
    if (cache.masked()) throw Error("KVzip scoring needs the unpruned cache");
    if (scores_.is_fixed(layer)) return;  // sliding-window layers are not pruned by score
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
    const float* wov = nullptr;  // KVzip+ column factors
    if (plus_) {
        if ((int64_t)inv_input_norm_.size() != T) throw Error("KVzip+: the attention input was not observed");
        wov = value_output_norms(layer, cache).data();
    }

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
                if (config_.attn_softcap > 0.0f)  // the same logits the forward pass uses
                    for (int64_t j = 0; j < n_sub; ++j)
                        pg[j] = config_.attn_softcap * std::tanh(pg[j] / config_.attn_softcap);
                softmax_f32(pg, n_sub);
                const float* pc = pg + n_prefix;
                if (wov) {
                    const float* col = wov + ((size_t)h * G + g) * n_chunk;
                    const float row = inv_input_norm_[t];
                    for (int64_t j = 0; j < n_chunk; ++j) best[j] = std::max(best[j], pc[j] * col[j] * row);
                } else {
                    for (int64_t j = 0; j < n_chunk; ++j) best[j] = std::max(best[j], pc[j]);
                }
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
