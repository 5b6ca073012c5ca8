#include "model/config.h"

#include <cmath>

#include "io/gguf.h"
#include "ops/quant.h"
#include "util/error.h"

namespace kvzip {

namespace {

const char* const kSupportedArchs[] = {"llama", "qwen2", "qwen3", "gemma3"};

bool arch_supported(const std::string& a) {
    for (const char* s : kSupportedArchs)
        if (a == s) return true;
    return false;
}

// RoPE inverse frequencies, divided by the per-dimension factors when the file
// carries them (llama.cpp's converter stores Llama-3.1 frequency scaling as the
// tensor rope_freqs.weight).
std::vector<float> plain_rope_inv_freq(int n_rot, float base) {
    std::vector<float> inv(n_rot / 2);
    for (int i = 0; i < n_rot / 2; ++i) inv[i] = (float)std::pow((double)base, -2.0 * i / n_rot);
    return inv;
}

std::vector<float> compute_rope_inv_freq(const GGUFFile& f, const std::string& arch, int n_rot, float base) {
    std::vector<float> inv = plain_rope_inv_freq(n_rot, base);
    // Linear position interpolation (Gemma 3 4B and larger): positions are divided by the factor.
    if (f.get_string(arch + ".rope.scaling.type", "") == "linear") {
        const double factor = f.get_float(arch + ".rope.scaling.factor", 1.0);
        if (!(factor > 0.0)) throw Error(f.path() + ": bad " + arch + ".rope.scaling.factor");
        for (float& x : inv) x = (float)(x / factor);
    }
    if (const GGUFTensor* t = f.find_tensor("rope_freqs.weight")) {
        if (t->type != GGMLType::F32 || t->n_elements() != n_rot / 2)
            throw Error(f.path() + ": tensor rope_freqs.weight should be F32 with " + std::to_string(n_rot / 2) +
                        " elements");
        std::vector<float> factors(n_rot / 2);
        dequantize_row(GGMLType::F32, t->data, factors.data(), n_rot / 2);
        for (int i = 0; i < n_rot / 2; ++i) inv[i] /= factors[i];
    }
    return inv;
}

// Gemma 3 specifics. The GGUF has no keys for the layer pattern or the local
// RoPE base: like llama.cpp we use Gemma 3's fixed values (every 6th layer is
// global, local base 10000) unless the file states them. Note that llama.cpp's
// converter stores every Gemma norm weight as (1 + w), so plain RMSNorm applies.
void read_gemma3(const GGUFFile& f, ModelConfig& c) {
    const std::string p = c.arch + ".";
    c.embd_scale = std::sqrt((float)c.n_embd);
    c.post_norms = true;
    c.ffn_act = FfnActivation::GeluTanh;
    c.attn_softcap = (float)f.get_float(p + "attn_logit_softcapping", 0.0);
    c.final_softcap = (float)f.get_float(p + "final_logit_softcapping", 0.0);
    c.sliding_window = f.get_int(p + "attention.sliding_window", 0);
    if (c.sliding_window < 0) throw Error(f.path() + ": negative " + p + "attention.sliding_window");
    if (c.sliding_window == 0) return;
    const int64_t pattern = f.get_int(p + "attention.sliding_window_pattern", 6);
    if (pattern <= 0) throw Error(f.path() + ": bad " + p + "attention.sliding_window_pattern");
    c.layer_sliding.resize(c.n_layer);
    for (int l = 0; l < c.n_layer; ++l) c.layer_sliding[l] = (l + 1) % pattern != 0;
    c.rope_inv_freq_sliding = plain_rope_inv_freq(c.n_rot, (float)f.get_float(p + "rope.freq_base_swa", 10000.0));
}

}  // namespace

ModelConfig ModelConfig::from_gguf(const GGUFFile& f) {
    ModelConfig c;
    c.arch = f.get_string("general.architecture");
    if (!arch_supported(c.arch)) {
        std::string list;
        for (const char* s : kSupportedArchs) list += std::string(list.empty() ? "" : ", ") + s;
        throw Error(f.path() + ": unsupported architecture '" + c.arch + "' (supported: " + list + ")");
    }
    c.name = f.get_string("general.name", c.arch);
    const std::string p = c.arch + ".";
    c.n_layer = (int)f.get_int(p + "block_count");
    c.n_embd = (int)f.get_int(p + "embedding_length");
    c.n_head = (int)f.get_int(p + "attention.head_count");
    c.n_head_kv = (int)f.get_int(p + "attention.head_count_kv", c.n_head);
    c.n_ff = (int)f.get_int(p + "feed_forward_length");
    c.n_ctx_train = f.get_int(p + "context_length", 2048);
    c.rms_eps = (float)f.get_float(p + "attention.layer_norm_rms_epsilon", 1e-5);
    c.rope_base = (float)f.get_float(p + "rope.freq_base", 10000.0);
    if (c.n_layer <= 0 || c.n_embd <= 0 || c.n_head <= 0 || c.n_head_kv <= 0 || c.n_ff <= 0 ||
        c.n_head % c.n_head_kv != 0)
        throw Error(f.path() + ": inconsistent hyper-parameters (layers " + std::to_string(c.n_layer) + ", embd " +
                    std::to_string(c.n_embd) + ", heads " + std::to_string(c.n_head) + "/" +
                    std::to_string(c.n_head_kv) + ", ff " + std::to_string(c.n_ff) + ")");
    c.head_dim = (int)f.get_int(p + "attention.key_length", c.n_embd / c.n_head);
    // The attention kernels step through a head in whole SIMD vectors (up to 16 floats).
    if (c.head_dim <= 0 || c.head_dim % 16 != 0)
        throw Error(f.path() + ": head size " + std::to_string(c.head_dim) + " is not supported (must be a multiple of 16)");
    c.n_rot = (int)f.get_int(p + "rope.dimension_count", c.head_dim);
    c.attn_scale = 1.0f / std::sqrt((float)c.head_dim);
    if (c.n_rot <= 0 || c.n_rot > c.head_dim || c.n_rot % 2)
        throw Error(f.path() + ": bad rope.dimension_count " + std::to_string(c.n_rot));

    const GGUFTensor& emb = f.tensor("token_embd.weight");
    if (emb.ne.size() != 2 || emb.ne[0] != c.n_embd)
        throw Error(f.path() + ": token_embd.weight should have shape [" + std::to_string(c.n_embd) + ", vocab]");
    c.n_vocab = (int)emb.ne[1];
    // GGUF llama weights are permuted by the converter for pairwise (interleaved)
    // rotation; the other families keep the Hugging Face half-split layout.
    c.rope_style = c.arch == "llama" ? RopeStyle::Interleaved : RopeStyle::Neox;
    // Set by the Hugging Face checkpoint adapter (src/io/hf_config.cpp), whose q/k rows are not permuted.
    const std::string style = f.get_string("kvzip.rope.style", "");
    if (style == "neox") c.rope_style = RopeStyle::Neox;
    else if (style == "interleaved") c.rope_style = RopeStyle::Interleaved;
    else if (!style.empty()) throw Error(f.path() + ": unknown kvzip.rope.style '" + style + "'");
    c.rope_inv_freq = compute_rope_inv_freq(f, c.arch, c.n_rot, c.rope_base);
    c.qk_norm = c.arch == "qwen3" || c.arch == "gemma3";
    if (c.arch == "gemma3") read_gemma3(f, c);
    return c;
}

}  // namespace kvzip
