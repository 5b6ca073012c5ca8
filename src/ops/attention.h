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

// out[d] = sum_j softmax_j(scale * q.k_j) v_j over entries j with
// position <= query_pos (causal) and inside the window. `scratch` must hold
// view.n floats.
void attend_one(const float* q, int64_t query_pos, const KVHeadView& view, const AttentionParams& p,
                float* out, float* scratch);

}  // namespace kvzip
