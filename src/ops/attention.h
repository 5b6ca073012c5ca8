#pragma once
// Attention of new queries over one KV head's entries (a ragged cache view).
#include <cstdint>

#include "kv/kv_cache.h"

namespace kvzip {

struct AttentionParams {
    float scale = 1.0f;        // logit multiplier, usually 1/sqrt(head_dim)
    float softcap = 0.0f;      // > 0: logits = softcap * tanh(logits / softcap)
    int64_t window = 0;        // > 0: only keys with position > query_pos - window
};

// For the n_q query heads that share this KV head (GQA group), queries
// contiguous at q (n_q x head_dim):
//   out[g] = sum_j softmax_j(scale * q_g . k_j) v_j
// over the active entries j with position <= query_pos (causal) inside the
// window. Each key and value row is read once for the whole group.
// `scratch` must hold n_q * view.n_active() floats.
void attend_group(const float* q, int n_q, int64_t query_pos, const KVHeadView& view, const AttentionParams& p,
                  float* out, float* scratch);

// Logits of n_q queries against active entries [begin, end) of a view:
// out[g * out_stride + (j - begin)] = q_g . k_j (unscaled).
void key_logits(const float* q, int n_q, const KVHeadView& view, int64_t begin, int64_t end, float* out,
                int64_t out_stride);

}  // namespace kvzip
