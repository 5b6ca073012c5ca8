#pragma once
// A Hugging Face config.json as the GGUF metadata llama.cpp's converter would
// write (general.architecture, <arch>.block_count, ...), and Hugging Face
// tensor names as GGUF tensor names.
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "io/metadata_builder.h"

namespace kvzip::hf {

// The model types whose checkpoints we map (their forward pass must also be
// supported by ModelConfig for the model to load).
inline constexpr const char* kModelTypes[] = {"llama", "qwen2", "qwen3"};

struct ConfigInfo {
    std::string arch;                 // model_type
    bool tied_embeddings = false;     // tie_word_embeddings: no lm_head
    int head_dim = 0;
    int n_layer = 0;
    // Per-frequency RoPE divisors from rope scaling (llama.cpp's rope_freqs.weight);
    // empty when the model has no frequency scaling.
    std::vector<float> rope_factors;
};

// Adds general.* and <arch>.* keys; `source` (the config.json path) names the
// file in errors. Throws kvzip::Error for a missing key, an unsupported
// model_type, activation or rope scaling.
ConfigInfo convert_config(const nlohmann::json& config, const std::string& name, const std::string& source,
                          MetadataBuilder& md);

// "model.layers.3.self_attn.q_proj.weight" -> "blk.3.attn_q.weight". Returns ""
// for tensors that carry nothing we need (precomputed rotary inv_freq); throws
// kvzip::Error naming a tensor we do not know (its weights would be silently
// ignored otherwise).
// The tensors every supported model has (Hugging Face names), so that a
// missing one is reported under the name the user can find in the checkpoint.
std::vector<std::string> required_tensors(const ConfigInfo& info);

std::string gguf_tensor_name(const std::string& hf_name, const std::string& source);

}  // namespace kvzip::hf
