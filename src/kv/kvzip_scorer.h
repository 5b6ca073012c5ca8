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

#include "kv/importance.h"
#include "model/transformer.h"
#include "ops/threadpool.h"

namespace kvzip {

class KVzipScorer : public AttentionObserver {
public:
    // `scores` spans the whole context; prefix_len tokens precede it.
    KVzipScorer(ImportanceScores& scores, const ModelConfig& config, int64_t prefix_len, ThreadPool& pool);

    // The chunk scored by the next forward passes: context positions
    // [begin, end); repeat_i starts at position repeat_begin (it may be run in
    // several batches: earlier batches' keys count as repeat keys).
    void set_chunk(int64_t begin, int64_t end, int64_t repeat_begin);

    void observe(int layer, const float* q, int64_t T, int64_t pos0, const KVCache& cache) override;

private:
    ImportanceScores& scores_;
    const ModelConfig& config_;
    int64_t prefix_len_;
    ThreadPool& pool_;
    int64_t chunk_begin_ = 0, chunk_end_ = 0, repeat_begin_ = 0;
    std::mutex merge_mutex_;
};

}  // namespace kvzip
