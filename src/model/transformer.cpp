#include "model/transformer.h"

#include <cmath>
#include <cstring>

#include "io/gguf.h"
#include "ops/attention.h"
#include "ops/nn.h"
#include "ops/quant.h"
#include "util/error.h"

namespace kvzip {

Transformer::Transformer(const GGUFFile& file, ThreadPool& pool)
    : config_(ModelConfig::from_gguf(file)), weights_(ModelWeights::from_gguf(file, config_)), pool_(pool) {}

KVCache Transformer::new_cache(KVType type) const {
    return KVCache(config_.n_layer, config_.n_head_kv, config_.head_dim, type);
}

void Transformer::forward(const int32_t* tokens, int64_t T, KVCache& cache, std::vector<float>* logits,
                          bool all_logits, AttentionObserver* observer) {
    const ModelConfig& c = config_;
    if (T <= 0) return;
    const int64_t pos0 = cache.next_position();
    const int64_t d = c.n_embd;
    const int64_t q_dim = (int64_t)c.n_head * c.head_dim, kv_dim = (int64_t)c.n_head_kv * c.head_dim;
    x_.resize(T * d);
    xn_.resize(T * d);
    q_.resize(T * q_dim);
    k_.resize(T * kv_dim);
    v_.resize(T * kv_dim);
    attn_.resize(T * q_dim);
    gate_.resize(T * c.n_ff);
    up_.resize(T * c.n_ff);
    const int half = c.n_rot / 2;
    auto angles = [&](const std::vector<float>& inv_freq, std::vector<float>& cs, std::vector<float>& sn) {
        cs.resize(T * half);
        sn.resize(T * half);
        for (int64_t t = 0; t < T; ++t)
            rope_angles(pos0 + t, inv_freq.data(), c.n_rot, cs.data() + t * half, sn.data() + t * half);
    };
    angles(c.rope_inv_freq, rope_cos_, rope_sin_);
    if (c.has_sliding_layers()) angles(c.rope_inv_freq_sliding, rope_cos_sliding_, rope_sin_sliding_);

    const WeightMatrix& emb = weights_.token_embd;
    for (int64_t t = 0; t < T; ++t) {
        if (tokens[t] < 0 || tokens[t] >= c.n_vocab)
            throw Error("token id " + std::to_string(tokens[t]) + " is outside the vocabulary (" +
                        std::to_string(c.n_vocab) + ")");
        dequantize_row(emb.type, emb.data + (size_t)tokens[t] * emb.row_stride(), x_.data() + t * d, d);
    }
    if (c.embd_scale != 1.0f)
        for (float& x : x_) x *= c.embd_scale;

    for (int l = 0; l < c.n_layer; ++l) {
        attention_block(l, T, pos0, cache, observer);
        mlp_block(l, T);
    }

    if (!logits) return;
    const int64_t first = all_logits ? 0 : T - 1, n_out = T - first;
    for (int64_t t = first; t < T; ++t)
        rms_norm(x_.data() + t * d, weights_.output_norm.data(), xn_.data() + (t - first) * d, d, c.rms_eps);
    logits->resize(n_out * c.n_vocab);
    matmul(weights_.output, xn_.data(), n_out, logits->data(), pool_);
    if (c.final_softcap > 0.0f)
        for (float& z : *logits) z = c.final_softcap * std::tanh(z / c.final_softcap);
}

void Transformer::attention_block(int layer, int64_t T, int64_t pos0, KVCache& cache, AttentionObserver* observer) {
    const ModelConfig& c = config_;
    const LayerWeights& L = weights_.layers[layer];
    const int64_t d = c.n_embd, hd = c.head_dim;
    const int64_t q_dim = (int64_t)c.n_head * hd, kv_dim = (int64_t)c.n_head_kv * hd;

    for (int64_t t = 0; t < T; ++t) rms_norm(x_.data() + t * d, L.attn_norm.data(), xn_.data() + t * d, d, c.rms_eps);
    matmul(L.wq, xn_.data(), T, q_.data(), pool_);
    matmul(L.wk, xn_.data(), T, k_.data(), pool_);
    matmul(L.wv, xn_.data(), T, v_.data(), pool_);
    auto add_bias = [T](std::vector<float>& y, const std::vector<float>& b) {
        if (b.empty()) return;
        const int64_t n = (int64_t)b.size();
        for (int64_t t = 0; t < T; ++t)
            for (int64_t i = 0; i < n; ++i) y[t * n + i] += b[i];
    };
    add_bias(q_, L.bq);
    add_bias(k_, L.bk);
    add_bias(v_, L.bv);
    if (c.qk_norm) {
        // Per-head RMSNorm; heads are contiguous rows of head_dim in q and k.
        for (int64_t r = 0; r < T * c.n_head; ++r)
            rms_norm(q_.data() + r * hd, L.q_norm.data(), q_.data() + r * hd, hd, c.rms_eps);
        for (int64_t r = 0; r < T * c.n_head_kv; ++r)
            rms_norm(k_.data() + r * hd, L.k_norm.data(), k_.data() + r * hd, hd, c.rms_eps);
    }
    const bool sliding = c.is_sliding(layer);
    const std::vector<float>& cos_all = sliding ? rope_cos_sliding_ : rope_cos_;
    const std::vector<float>& sin_all = sliding ? rope_sin_sliding_ : rope_sin_;
    for (int64_t t = 0; t < T; ++t) {
        const float* cs = cos_all.data() + t * (c.n_rot / 2);
        const float* sn = sin_all.data() + t * (c.n_rot / 2);
        rope(q_.data() + t * q_dim, c.n_head, (int)hd, c.n_rot, cs, sn, c.rope_style);
        rope(k_.data() + t * kv_dim, c.n_head_kv, (int)hd, c.n_rot, cs, sn, c.rope_style);
    }
    cache.append(layer, k_.data(), v_.data(), T, pos0);
    if (observer) {
        observer->observe_input(layer, xn_.data(), T);
        observer->observe(layer, q_.data(), T, pos0, cache);
    }

    AttentionParams ap;
    ap.scale = c.attn_scale;
    ap.softcap = c.attn_softcap;
    ap.window = sliding ? c.sliding_window : 0;
    // One work item per (token, KV head): the G query heads of the group share
    // every key and value row they read.
    const int G = c.group_size();
    pool_.parallel_for(T * c.n_head_kv, [&](int64_t i0, int64_t i1) {
        std::vector<float> scratch;
        for (int64_t i = i0; i < i1; ++i) {
            const int64_t t = i / c.n_head_kv;
            const int h = (int)(i % c.n_head_kv);
            const KVHeadView view = cache.head(layer, h);
            scratch.resize((size_t)G * view.n_active());
            const int64_t off = t * q_dim + (int64_t)h * G * hd;
            attend_group(q_.data() + off, G, pos0 + t, view, ap, attn_.data() + off, scratch.data());
        }
    });
    matmul(L.wo, attn_.data(), T, xn_.data(), pool_);
    add_residual(L.post_attn_norm, T);
}

// x += out (in xn_), through the post-norm when the model has one (Gemma).
void Transformer::add_residual(const std::vector<float>& post_norm, int64_t T) {
    const int64_t d = config_.n_embd;
    if (!post_norm.empty())
        for (int64_t t = 0; t < T; ++t)
            rms_norm(xn_.data() + t * d, post_norm.data(), xn_.data() + t * d, d, config_.rms_eps);
    for (int64_t i = 0; i < T * d; ++i) x_[i] += xn_[i];
}

void Transformer::mlp_block(int layer, int64_t T) {
    const ModelConfig& c = config_;
    const LayerWeights& L = weights_.layers[layer];
    const int64_t d = c.n_embd;
    for (int64_t t = 0; t < T; ++t) rms_norm(x_.data() + t * d, L.ffn_norm.data(), xn_.data() + t * d, d, c.rms_eps);
    matmul(L.w_gate, xn_.data(), T, gate_.data(), pool_);
    matmul(L.w_up, xn_.data(), T, up_.data(), pool_);
    if (c.ffn_act == FfnActivation::GeluTanh)
        gelu_mul(gate_.data(), up_.data(), T * c.n_ff);
    else
        silu_mul(gate_.data(), up_.data(), T * c.n_ff);
    matmul(L.w_down, gate_.data(), T, xn_.data(), pool_);
    add_residual(L.post_ffn_norm, T);
}

}  // namespace kvzip
