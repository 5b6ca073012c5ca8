#pragma once
// Hyper-parameters of a decoder-only transformer, read from GGUF metadata.
// One struct covers the supported families (Llama, Qwen2/Qwen3, Gemma 3): the
// flags below say which of the family-specific pieces the forward pass uses.
#include <cstdint>
#include <string>
#include <vector>

#include "ops/nn.h"

namespace kvzip {

class GGUFFile;

enum class FfnActivation {
    SiLU,      // SwiGLU: Llama, Qwen
    GeluTanh,  // GeGLU with the tanh approximation: Gemma
};

struct ModelConfig {
    std::string arch;          // general.architecture: "llama", "qwen2", "qwen3", "gemma3"
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

    // Family-specific pieces (all off for Llama).
    float embd_scale = 1.0f;       // embeddings are multiplied by this (Gemma: sqrt(n_embd))
    bool qk_norm = false;          // RMSNorm over each query and key head before RoPE (Qwen3, Gemma 3)
    bool post_norms = false;       // RMSNorm on the attention and MLP outputs before the residual add (Gemma)
    FfnActivation ffn_act = FfnActivation::SiLU;
    float attn_softcap = 0.0f;     // > 0: attention logits soft-capped (Gemma 2 style)
    float final_softcap = 0.0f;    // > 0: output logits soft-capped
    // Sliding-window attention (Gemma 3): layers marked here attend only to the
    // last `sliding_window` positions and rotate with their own RoPE base.
    int64_t sliding_window = 0;
    std::vector<bool> layer_sliding;           // n_layer entries (all false without SWA)
    std::vector<float> rope_inv_freq_sliding;  // like rope_inv_freq, for the sliding layers

    bool is_sliding(int layer) const { return !layer_sliding.empty() && layer_sliding[layer]; }
    bool has_sliding_layers() const { return sliding_window > 0; }

    int group_size() const { return n_head / n_head_kv; }  // query heads per KV head

    // Reads and validates; throws kvzip::Error naming the file and the problem.
    static ModelConfig from_gguf(const GGUFFile& f);
};

}  // namespace kvzip
