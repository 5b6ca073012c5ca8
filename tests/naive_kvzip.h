#pragma once
// DESIGN.md 1.2 computed naively, as a reference for the streaming scorer
// (kv/kvzip_scorer.cpp): for every (layer, KV head, query head, repeat
// position) the full row of logits over K_sub in double precision, the whole
// [T x |K_sub|] probability matrix, then the max per chunk position. With
// `plus`, each probability is multiplied by ||W_o^(g) v_j|| / ||x_t|| computed
// directly from the output projection read from the GGUF (no Gram matrix).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "io/gguf.h"
#include "kv/importance.h"
#include "model/transformer.h"
#include "ops/quant.h"

namespace kvzip::test {

class NaiveScorer : public AttentionObserver {
public:
    NaiveScorer(const ModelConfig& c, int64_t prefix_len, int64_t ctx_len, int64_t chunk,
                const GGUFFile* plus_weights = nullptr)
        : c_(c), prefix_(prefix_len), ctx_end_(prefix_len + ctx_len), chunk_(chunk),
          scores_(c.n_layer, c.n_head_kv, prefix_len, ctx_len), file_(plus_weights) {}

    void observe_input(int, const float* x, int64_t T) override {
        x_norm_.assign(T, 0.0);
        for (int64_t t = 0; t < T; ++t) {
            double ss = 0;
            for (int i = 0; i < c_.n_embd; ++i) ss += (double)x[t * c_.n_embd + i] * x[t * c_.n_embd + i];
            x_norm_[t] = std::sqrt(ss);
        }
    }

    void observe(int layer, const float* q, int64_t T, int64_t pos0, const KVCache& kv) override {
        if (layer == 0 && pos0 == ctx_end_) ++chunk_index_;
        if (c_.is_sliding(layer)) return;
        const int64_t cb = prefix_ + chunk_index_ * chunk_, ce = std::min(cb + chunk_, ctx_end_);
        const int G = c_.group_size(), hd = c_.head_dim;
        const std::vector<double> wo = file_ ? output_projection(layer) : std::vector<double>{};
        for (int h = 0; h < c_.n_head_kv; ++h) {
            const KVHeadView v = kv.head(layer, h);
            std::vector<int64_t> sub;  // entry indices of K_sub
            for (int64_t j = 0; j < v.n; ++j) {
                const int32_t p = v.positions[j];
                if (p < prefix_ || (p >= cb && p < ce) || p >= ctx_end_) sub.push_back(j);
            }
            const auto keys = rows(v.keys, v.type, sub, hd), values = rows(v.values, v.type, sub, hd);
            for (int g = 0; g < G; ++g) {
                const int head = h * G + g;
                std::vector<std::vector<double>> prob(T, std::vector<double>(sub.size()));
                for (int64_t t = 0; t < T; ++t) {
                    const float* qv = q + (t * c_.n_head + head) * hd;
                    double mx = -INFINITY;
                    for (size_t s = 0; s < sub.size(); ++s) {
                        if (v.positions[sub[s]] > pos0 + t) {
                            prob[t][s] = -INFINITY;
                            continue;
                        }
                        double dot = 0;
                        for (int d = 0; d < hd; ++d) dot += qv[d] * keys[s][d];
                        prob[t][s] = dot * c_.attn_scale;
                        mx = std::max(mx, prob[t][s]);
                    }
                    double sum = 0;
                    for (double& x : prob[t]) sum += x = std::exp(x - mx);
                    for (double& x : prob[t]) x /= sum;
                }
                for (size_t s = 0; s < sub.size(); ++s) {
                    const int32_t p = v.positions[sub[s]];
                    if (p < cb || p >= ce) continue;
                    double col = 1.0;  // KVzip+: ||W_o^(g) v_j||
                    if (file_) {
                        double ss = 0;
                        for (int r = 0; r < c_.n_embd; ++r) {
                            double o = 0;
                            for (int d = 0; d < hd; ++d) o += wo[(size_t)r * c_.n_head * hd + head * hd + d] * values[s][d];
                            ss += o * o;
                        }
                        col = std::sqrt(ss);
                    }
                    float& dst = scores_.row(layer, h)[p - prefix_];
                    for (int64_t t = 0; t < T; ++t)
                        dst = std::max(dst, (float)(prob[t][s] * (file_ ? col / x_norm_[t] : 1.0)));
                }
            }
        }
    }
    const ImportanceScores& scores() const { return scores_; }

private:
    static std::vector<std::vector<double>> rows(const void* data, KVType type, const std::vector<int64_t>& idx, int hd) {
        std::vector<std::vector<double>> out(idx.size(), std::vector<double>(hd));
        for (size_t s = 0; s < idx.size(); ++s)
            for (int d = 0; d < hd; ++d)
                out[s][d] = type == KVType::F16 ? fp16_to_fp32(static_cast<const uint16_t*>(data)[idx[s] * hd + d])
                                                : static_cast<const float*>(data)[idx[s] * hd + d];
        return out;
    }
    std::vector<double> output_projection(int layer) const {
        const GGUFTensor& t = file_->tensor("blk." + std::to_string(layer) + ".attn_output.weight");
        std::vector<float> f(t.n_elements());
        const int64_t cols = t.ne[0];
        for (int64_t r = 0; r < t.rows(); ++r)
            dequantize_row(t.type, t.data + r * row_bytes(t.type, cols), f.data() + r * cols, cols);
        return std::vector<double>(f.begin(), f.end());
    }

    const ModelConfig& c_;
    int64_t prefix_, ctx_end_, chunk_;
    int64_t chunk_index_ = -1;
    ImportanceScores scores_;
    const GGUFFile* file_;
    std::vector<double> x_norm_;
};

}  // namespace kvzip::test
