#include "io/hf_config.h"

#include <cmath>
#include <numbers>
#include <regex>

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace kvzip::hf {

namespace {

using nlohmann::json;

const json& require(const json& j, const std::string& key, const std::string& source) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) throw Error(source + ": missing '" + key + "'");
    return *it;
}

int64_t require_int(const json& j, const std::string& key, const std::string& source) {
    const json& v = require(j, key, source);
    if (!v.is_number_integer() || v.get<int64_t>() <= 0)
        throw Error(source + ": '" + key + "' is " + v.dump() + ", expected a positive integer");
    return v.get<int64_t>();
}

double number_or(const json& j, const std::string& key, double def, const std::string& source) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return def;
    if (!it->is_number()) throw Error(source + ": '" + key + "' is " + it->dump() + ", expected a number");
    return it->get<double>();
}

// Llama 3.1's frequency-dependent scaling ("llama3" rope type): wavelengths
// longer than the original context are stretched by `factor`, shorter than
// original/high_freq_factor are kept, and those in between interpolated.
std::vector<float> llama3_rope_factors(const json& rope, int n_rot, double base, const std::string& source) {
    const double factor = number_or(rope, "factor", 8.0, source);
    const double low = number_or(rope, "low_freq_factor", 1.0, source);
    const double high = number_or(rope, "high_freq_factor", 4.0, source);
    const double original = number_or(rope, "original_max_position_embeddings", 8192, source);
    if (factor <= 0 || low <= 0 || high <= low || original <= 0)
        throw Error(source + ": inconsistent llama3 rope scaling " + rope.dump());
    const double low_freq_wavelen = original / low, high_freq_wavelen = original / high;
    std::vector<float> factors(n_rot / 2);
    for (int i = 0; i < n_rot / 2; ++i) {
        const double wavelen = 2 * std::numbers::pi * std::pow(base, 2.0 * i / n_rot);
        double f = 1.0;
        if (wavelen > low_freq_wavelen) {
            f = factor;
        } else if (wavelen >= high_freq_wavelen) {
            const double smooth = (original / wavelen - low) / (high - low);
            f = 1.0 / ((1 - smooth) / factor + smooth);
        }
        factors[i] = (float)f;
    }
    return factors;
}

// rope_theta and the scaling, in the layouts of transformers 4 (rope_theta and
// rope_scaling at the top level) and 5 (both inside rope_parameters).
std::vector<float> rope_factors(const json& config, int n_rot, double& base, const std::string& source) {
    const json* rope = nullptr;
    for (const char* key : {"rope_parameters", "rope_scaling"})
        if (auto it = config.find(key); it != config.end() && it->is_object()) rope = &*it;
    base = number_or(config, "rope_theta", rope ? number_or(*rope, "rope_theta", 10000.0, source) : 10000.0, source);
    if (!rope) return {};
    std::string type = "default";
    for (const char* key : {"rope_type", "type"})
        if (auto it = rope->find(key); it != rope->end() && it->is_string()) type = it->get<std::string>();
    if (type == "default") return {};
    if (type == "llama3") return llama3_rope_factors(*rope, n_rot, base, source);
    if (type == "linear") return std::vector<float>(n_rot / 2, (float)number_or(*rope, "factor", 1.0, source));
    throw Error(source + ": rope scaling type '" + type + "' is not supported (supported: default, linear, llama3)");
}

}  // namespace

ConfigInfo convert_config(const json& config, const std::string& name, const std::string& source,
                          MetadataBuilder& md) {
    if (!config.is_object()) throw Error(source + ": not a JSON object");
    ConfigInfo info;
    const json& type = require(config, "model_type", source);
    info.arch = type.is_string() ? type.get<std::string>() : type.dump();
    bool known = false;
    std::string list;
    for (const char* t : kModelTypes) {
        known |= info.arch == t;
        list += std::string(list.empty() ? "" : ", ") + t;
    }
    if (!known) throw Error(source + ": unsupported model_type '" + info.arch + "' (supported: " + list + ")");
    const std::string act = config.value("hidden_act", std::string("silu"));
    if (act != "silu") throw Error(source + ": hidden_act '" + act + "' is not supported (supported: silu)");
    if (config.value("mlp_bias", false)) throw Error(source + ": mlp_bias is not supported");
    if (config.value("use_sliding_window", false))
        throw Error(source + ": use_sliding_window is not supported (every layer attends to the whole context)");

    const int64_t n_embd = require_int(config, "hidden_size", source);
    const int64_t n_head = require_int(config, "num_attention_heads", source);
    const int64_t n_head_kv = config.contains("num_key_value_heads") && !config["num_key_value_heads"].is_null()
                                  ? require_int(config, "num_key_value_heads", source)
                                  : n_head;
    info.head_dim = (int)(config.contains("head_dim") && !config["head_dim"].is_null()
                              ? require_int(config, "head_dim", source)
                              : n_embd / n_head);
    info.tied_embeddings = config.value("tie_word_embeddings", false);
    double base = 10000.0;
    info.rope_factors = rope_factors(config, info.head_dim, base, source);

    const std::string p = info.arch + ".";
    md.set_string("general.architecture", info.arch);
    md.set_string("general.name", name);
    info.n_layer = (int)require_int(config, "num_hidden_layers", source);
    md.set_uint(p + "block_count", info.n_layer);
    md.set_uint(p + "context_length", require_int(config, "max_position_embeddings", source));
    md.set_uint(p + "embedding_length", n_embd);
    md.set_uint(p + "feed_forward_length", require_int(config, "intermediate_size", source));
    md.set_uint(p + "attention.head_count", n_head);
    md.set_uint(p + "attention.head_count_kv", n_head_kv);
    md.set_uint(p + "attention.key_length", info.head_dim);
    md.set_uint(p + "attention.value_length", info.head_dim);
    md.set_uint(p + "rope.dimension_count", info.head_dim);
    md.set_float(p + "rope.freq_base", base);
    md.set_float(p + "attention.layer_norm_rms_epsilon", number_or(config, "rms_norm_eps", 1e-6, source));
    md.set_uint(p + "vocab_size", require_int(config, "vocab_size", source));
    // Hugging Face keeps q/k rows in their original order and rotates the two
    // halves of each head (rotate_half); llama.cpp's converter permutes llama
    // q/k rows for pairwise rotation instead. ModelConfig reads this key.
    md.set_string("kvzip.rope.style", "neox");
    return info;
}

std::vector<std::string> required_tensors(const ConfigInfo& info) {
    std::vector<std::string> names = {"model.embed_tokens.weight", "model.norm.weight"};
    if (!info.tied_embeddings) names.push_back("lm_head.weight");
    for (int l = 0; l < info.n_layer; ++l)
        for (const char* t : {"input_layernorm.weight", "self_attn.q_proj.weight", "self_attn.k_proj.weight",
                              "self_attn.v_proj.weight", "self_attn.o_proj.weight", "post_attention_layernorm.weight",
                              "mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.down_proj.weight"})
            names.push_back("model.layers." + std::to_string(l) + "." + t);
    return names;
}

std::string gguf_tensor_name(const std::string& hf_name, const std::string& source) {
    static const std::pair<const char*, const char*> kGlobal[] = {
        {"model.embed_tokens.weight", "token_embd.weight"},
        {"model.norm.weight", "output_norm.weight"},
        {"lm_head.weight", "output.weight"},
    };
    static const std::pair<const char*, const char*> kLayer[] = {
        {"input_layernorm.weight", "attn_norm.weight"},
        {"self_attn.q_proj.weight", "attn_q.weight"},
        {"self_attn.k_proj.weight", "attn_k.weight"},
        {"self_attn.v_proj.weight", "attn_v.weight"},
        {"self_attn.q_proj.bias", "attn_q.bias"},
        {"self_attn.k_proj.bias", "attn_k.bias"},
        {"self_attn.v_proj.bias", "attn_v.bias"},
        {"self_attn.o_proj.weight", "attn_output.weight"},
        {"self_attn.q_norm.weight", "attn_q_norm.weight"},
        {"self_attn.k_norm.weight", "attn_k_norm.weight"},
        {"post_attention_layernorm.weight", "ffn_norm.weight"},
        {"mlp.gate_proj.weight", "ffn_gate.weight"},
        {"mlp.up_proj.weight", "ffn_up.weight"},
        {"mlp.down_proj.weight", "ffn_down.weight"},
        {"self_attn.rotary_emb.inv_freq", ""},  // old checkpoints; recomputed from the config
    };
    for (const auto& [hf, gguf] : kGlobal)
        if (hf_name == hf) return gguf;
    static const std::regex kLayerName(R"(model\.layers\.(\d+)\.(.+))");
    std::smatch m;
    if (std::regex_match(hf_name, m, kLayerName)) {
        for (const auto& [hf, gguf] : kLayer)
            if (m[2] == hf) return *gguf ? "blk." + m[1].str() + "." + gguf : "";
    }
    throw Error(source + ": tensor '" + hf_name + "' is not one kvzip knows how to use (unsupported model variant?)");
}

}  // namespace kvzip::hf
