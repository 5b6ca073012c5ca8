#pragma once
// The forward pass of a decoder-only transformer (Llama, Qwen2/3, Gemma 3):
// embeddings (x scale) -> [RMSNorm -> GQA attention (q/k norm, RoPE, sliding
// window) over the KV cache -> (post-norm) -> residual -> RMSNorm -> SwiGLU or
// GeGLU MLP -> (post-norm) -> residual] x L -> RMSNorm -> LM head (soft-cap).
#include <cstdint>
#include <memory>
#include <vector>

#include "kv/kv_cache.h"
#include "model/config.h"
#include "model/weights.h"
#include "ops/threadpool.h"

namespace kvzip {

class GGUFFile;

// Sees every layer's queries during a forward pass; the KVzip scoring pass
// (kv/kvzip_scorer.h) is one. Called after the new tokens' keys and values were
// appended to the cache, before attention.
class AttentionObserver {
public:
    virtual ~AttentionObserver() = default;
    // q: the T new tokens' queries after RoPE, [T][n_head][head_dim];
    // their positions are pos0 ... pos0 + T - 1.
    virtual void observe(int layer, const float* q, int64_t T, int64_t pos0, const KVCache& cache) = 0;
    // Called just before observe() for the same layer with the attention
    // block's input after its RMSNorm, [T][n_embd] (KVzip+ divides by its norm).
    virtual void observe_input(int /*layer*/, const float* /*x*/, int64_t /*T*/) {}
};

class Transformer {
public:
    Transformer(const GGUFFile& file, ThreadPool& pool);

    const ModelConfig& config() const { return config_; }
    KVCache new_cache(KVType type) const;

    // Runs T tokens at positions cache.next_position() ... + T - 1, appending
    // their keys and values to `cache`. If `logits` is given it receives the
    // last token's logits (n_vocab floats), or every token's (T * n_vocab) when
    // all_logits. Callers bound T (chunked prefill) to bound activation memory.
    void forward(const int32_t* tokens, int64_t T, KVCache& cache, std::vector<float>* logits = nullptr,
                 bool all_logits = false, AttentionObserver* observer = nullptr);

    ThreadPool& pool() { return pool_; }
    const ModelWeights& weights() const { return weights_; }

private:
    void attention_block(int layer, int64_t T, int64_t pos0, KVCache& cache, AttentionObserver* observer);
    void mlp_block(int layer, int64_t T);
    void add_residual(const std::vector<float>& post_norm, int64_t T);

    ModelConfig config_;
    ModelWeights weights_;
    ThreadPool& pool_;
    // Activations of the current call, [T][width] each.
    std::vector<float> x_, xn_, q_, k_, v_, attn_, gate_, up_;
    std::vector<float> rope_cos_, rope_sin_;  // [T][n_rot/2], shared by every (global) layer
    std::vector<float> rope_cos_sliding_, rope_sin_sliding_;  // the same for sliding-window layers
};

}  // namespace kvzip
