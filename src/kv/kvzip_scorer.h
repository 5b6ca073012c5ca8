#pragma once
// KVzip importance scoring by context reconstruction (DESIGN.md 1.2).
//
// The engine runs repeat_i = q_i + postfix + chunk_i over the prefilled cache
// with this observer attached. In every layer, for every KV head, the queries
// of its G query heads at all repeat positions attend to the sub-key set
//     K_sub = [prefix keys ; keys of chunk_i in the cache ; keys of repeat_i]
// (causal within repeat_i), softmax over K_sub only, and each chunk position
// keeps the max probability it receives over heads and repeat positions.
// One query row is processed at a time: the attention matrix never exists.
#include <cstdint>
#include <mutex>
#include <vector>

#include "kv/importance.h"
#include "model/transformer.h"
#include "model/weights.h"
#include "ops/threadpool.h"

namespace kvzip {

// KVzip+ (kvpress's kvzip_plus_normalization): each probability p_t(j) is
// multiplied by ||W_o^(g) v_j|| / ||x_t||, where W_o^(g) is query head g's
// slice of the output projection, v_j the value and x_t the attention input
// (after its RMSNorm) at repeat position t. ||W_o^(g) v||^2 = v^T M_g v with
// the head_dim x head_dim Gram matrix M_g = W_o^(g)^T W_o^(g), computed once.
struct KVzipPlusWeights {
    std::vector<std::vector<float>> gram;  // [layer][n_head * hd * hd]; empty for unscored layers

    static KVzipPlusWeights compute(const ModelWeights& w, const ModelConfig& c, const std::vector<uint8_t>& fixed_layers,
                                    ThreadPool& pool);
};

class KVzipScorer : public AttentionObserver {
public:
    // `scores` spans the whole context; prefix_len tokens precede it. With
    // `plus`, scores use the KVzip+ normalization.
    KVzipScorer(ImportanceScores& scores, const ModelConfig& config, int64_t prefix_len, ThreadPool& pool,
                const KVzipPlusWeights* plus = nullptr);

    // The chunk scored by the next forward passes: context positions
    // [begin, end); repeat_i starts at position repeat_begin (it may be run in
    // several batches: earlier batches' keys count as repeat keys).
    void set_chunk(int64_t begin, int64_t end, int64_t repeat_begin);

    void observe(int layer, const float* q, int64_t T, int64_t pos0, const KVCache& cache) override;
    void observe_input(int layer, const float* x, int64_t T) override;

private:
    // KVzip+: ||W_o^(g) v_j|| for the chunk's entries, [n_kv][G][n_chunk], per layer (cached per chunk).
    const std::vector<float>& value_output_norms(int layer, const KVCache& cache);

    ImportanceScores& scores_;
    const ModelConfig& config_;
    int64_t prefix_len_;
    ThreadPool& pool_;
    int64_t chunk_begin_ = 0, chunk_end_ = 0, repeat_begin_ = 0;
    std::mutex merge_mutex_;
    const KVzipPlusWeights* plus_ = nullptr;
    std::vector<float> inv_input_norm_;             // 1 / ||x_t|| of the current layer's tokens
    std::vector<std::vector<float>> wov_norms_;     // [layer], see value_output_norms
};

}  // namespace kvzip
