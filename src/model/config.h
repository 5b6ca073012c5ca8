#pragma once
// Hyper-parameters of a decoder-only transformer, read from GGUF metadata.
#include <cstdint>
#include <string>
#include <vector>

#include "ops/nn.h"

namespace kvzip {

class GGUFFile;

struct ModelConfig {
    std::string arch;          // general.architecture: "llama", ...
    std::string name;          // general.name, for display
    int n_layer = 0;
    int n_embd = 0;
    int n_head = 0;
    int n_head_kv = 0;
    int head_dim = 0;
    int n_ff = 0;
    int n_vocab = 0;
    int64_t n_ctx_train = 0;   // the context length the model was trained for
    float rms_eps = 1e-5f;
    float attn_scale = 0.0f;   // attention logit multiplier, 1/sqrt(head_dim) for Llama
    float rope_base = 10000.0f;
    int n_rot = 0;             // rotated dims per head
    RopeStyle rope_style = RopeStyle::Interleaved;
    std::vector<float> rope_inv_freq;  // n_rot/2 entries, frequency scaling applied

    int group_size() const { return n_head / n_head_kv; }  // query heads per KV head

    // Reads and validates; throws kvzip::Error naming the file and the problem.
    static ModelConfig from_gguf(const GGUFFile& f);
};

}  // namespace kvzip
