#pragma once
// Pointers into the mapped GGUF for every weight the forward pass uses.
// Matrices stay quantized in place; small vectors (norms, biases) are
// converted to float once at load.
#include <vector>

#include "model/config.h"
#include "ops/matmul.h"

namespace kvzip {

class GGUFFile;

struct LayerWeights {
    std::vector<float> attn_norm, ffn_norm;
    WeightMatrix wq, wk, wv, wo;
    std::vector<float> bq, bk, bv;  // empty when the model has no attention bias
    std::vector<float> q_norm, k_norm;  // head_dim each, when config.qk_norm
    std::vector<float> post_attn_norm, post_ffn_norm;  // when config.post_norms
    WeightMatrix w_gate, w_up, w_down;
};

struct ModelWeights {
    WeightMatrix token_embd;  // rows = vocab, cols = n_embd
    WeightMatrix output;      // lm head; the embedding matrix when tied
    std::vector<float> output_norm;
    std::vector<LayerWeights> layers;

    // Looks up and shape-checks every tensor; throws kvzip::Error naming the
    // missing or malformed tensor.
    static ModelWeights from_gguf(const GGUFFile& f, const ModelConfig& c);
};

}  // namespace kvzip
