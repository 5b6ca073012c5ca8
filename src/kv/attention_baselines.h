#pragma once
// Query-agnostic baselines that score KV pairs by the attention the context
// receives from its own queries during prefill (DESIGN.md 4). Both are
// AttentionObservers passed as PrefillOptions::prefill_observer; each
// streams over query rows (no attention matrix is ever held) and fills
// ImportanceScores so that the baselines share the pruning code. Prune with
// PruneLevel::PairUniform (per-head budgets, as in the papers and kvpress).
#include <cstdint>
#include <mutex>
#include <vector>

#include "kv/importance.h"
#include "model/transformer.h"
#include "ops/threadpool.h"

namespace kvzip {

// Shared machinery: for each observed query (position p, query head g of KV
// head h) the causal softmax over all cached keys at positions <= p, summed
// into acc[layer][h][context position] over queries and heads of the group.
class ContextAttentionAccumulator : public AttentionObserver {
public:
    // Only queries at positions [query_begin, query_end) are counted.
    ContextAttentionAccumulator(ImportanceScores& acc, const ModelConfig& config, int64_t query_begin,
                                int64_t query_end, ThreadPool& pool);
    void observe(int layer, const float* q, int64_t T, int64_t pos0, const KVCache& cache) override;

protected:
    ImportanceScores& acc_;

private:
    const ModelConfig& config_;
    int64_t query_begin_, query_end_;
    ThreadPool& pool_;
    std::mutex merge_mutex_;
};

// H2O (Zhang et al. 2023), query-agnostic: the attention each context key
// accumulates over every later context query ("heavy hitters").
class H2OScorer : public ContextAttentionAccumulator {
public:
    // `scores` spans the context; it is filled as the prefill runs.
    H2OScorer(ImportanceScores& scores, const ModelConfig& config, ThreadPool& pool)
        : ContextAttentionAccumulator(scores, config, scores.ctx_begin, scores.ctx_begin + scores.n_ctx, pool) {}
};

// SnapKV (Li et al. 2024) with the observation window at the end of the
// context (no question is seen): the attention of the last `window` context
// queries to each earlier key, averaged, then max-pooled over `kernel`
// neighbouring positions (keeps whole spans around a hit); the window itself
// is always kept. Call finish() after the prefill.
class SnapKVScorer : public ContextAttentionAccumulator {
public:
    SnapKVScorer(ImportanceScores& scores, const ModelConfig& config, ThreadPool& pool, int64_t window = 32,
                 int kernel = 7);
    void finish();

private:
    int64_t window_;
    int kernel_;
    int group_;
};

// Max-pools each row of `s` with an odd kernel (centered, edges use what exists).
void max_pool_rows(ImportanceScores& s, int kernel);

}  // namespace kvzip
