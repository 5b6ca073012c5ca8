#include "model/weights.h"

#include "io/gguf.h"
#include "ops/quant.h"
#include "util/error.h"

namespace kvzip {

namespace {

std::string shape_str(const std::vector<int64_t>& ne) {
    std::string s = "[";
    for (size_t i = 0; i < ne.size(); ++i) s += (i ? ", " : "") + std::to_string(ne[i]);
    return s + "]";
}

void check_type(const GGUFFile& f, const GGUFTensor& t) {
    if (!type_supported(t.type))
        throw Error(f.path() + ": tensor '" + t.name + "' has quantization type " + type_name(t.type) +
                    ", which kvzip cannot compute with yet");
}

WeightMatrix matrix(const GGUFFile& f, const std::string& name, int64_t cols, int64_t rows) {
    const GGUFTensor& t = f.tensor(name);
    if (t.ne.size() != 2 || t.ne[0] != cols || t.ne[1] != rows)
        throw Error(f.path() + ": tensor '" + name + "' has shape " + shape_str(t.ne) + ", expected [" +
                    std::to_string(cols) + ", " + std::to_string(rows) + "]");
    check_type(f, t);
    return WeightMatrix{t.type, t.data, rows, cols};
}

std::vector<float> vec(const GGUFFile& f, const GGUFTensor& t, int64_t n) {
    if (t.n_elements() != n)
        throw Error(f.path() + ": tensor '" + t.name + "' has shape " + shape_str(t.ne) + ", expected " +
                    std::to_string(n) + " elements");
    check_type(f, t);
    std::vector<float> out(n);
    dequantize_row(t.type, t.data, out.data(), n);
    return out;
}

std::vector<float> vec(const GGUFFile& f, const std::string& name, int64_t n) { return vec(f, f.tensor(name), n); }

std::vector<float> optional_vec(const GGUFFile& f, const std::string& name, int64_t n) {
    const GGUFTensor* t = f.find_tensor(name);
    return t ? vec(f, *t, n) : std::vector<float>{};
}

}  // namespace

ModelWeights ModelWeights::from_gguf(const GGUFFile& f, const ModelConfig& c) {
    ModelWeights w;
    w.token_embd = matrix(f, "token_embd.weight", c.n_embd, c.n_vocab);
    w.output = f.find_tensor("output.weight") ? matrix(f, "output.weight", c.n_embd, c.n_vocab) : w.token_embd;
    w.output_norm = vec(f, "output_norm.weight", c.n_embd);
    const int64_t q_dim = (int64_t)c.n_head * c.head_dim, kv_dim = (int64_t)c.n_head_kv * c.head_dim;
    for (int l = 0; l < c.n_layer; ++l) {
        const std::string p = "blk." + std::to_string(l) + ".";
        LayerWeights L;
        L.attn_norm = vec(f, p + "attn_norm.weight", c.n_embd);
        L.wq = matrix(f, p + "attn_q.weight", c.n_embd, q_dim);
        L.wk = matrix(f, p + "attn_k.weight", c.n_embd, kv_dim);
        L.wv = matrix(f, p + "attn_v.weight", c.n_embd, kv_dim);
        L.wo = matrix(f, p + "attn_output.weight", q_dim, c.n_embd);
        L.bq = optional_vec(f, p + "attn_q.bias", q_dim);
        L.bk = optional_vec(f, p + "attn_k.bias", kv_dim);
        L.bv = optional_vec(f, p + "attn_v.bias", kv_dim);
        if (c.qk_norm) {
            L.q_norm = vec(f, p + "attn_q_norm.weight", c.head_dim);
            L.k_norm = vec(f, p + "attn_k_norm.weight", c.head_dim);
        }
        if (c.post_norms) {
            L.post_attn_norm = vec(f, p + "post_attention_norm.weight", c.n_embd);
            L.post_ffn_norm = vec(f, p + "post_ffw_norm.weight", c.n_embd);
        }
        L.ffn_norm = vec(f, p + "ffn_norm.weight", c.n_embd);
        L.w_gate = matrix(f, p + "ffn_gate.weight", c.n_embd, c.n_ff);
        L.w_up = matrix(f, p + "ffn_up.weight", c.n_embd, c.n_ff);
        L.w_down = matrix(f, p + "ffn_down.weight", c.n_ff, c.n_embd);
        w.layers.push_back(std::move(L));
    }
    return w;
}

}  // namespace kvzip
