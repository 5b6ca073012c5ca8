#pragma once
// Query-agnostic baseline scoring policies that need no attention weights
// (DESIGN.md 4). Each fills ImportanceScores like KVzip does, so that the
// baselines share the pruning and cache code. Use them with
// PruneLevel::PairUniform: every (layer, KV head) then keeps the same budget,
// as in the papers and kvpress.
#include <cstdint>

#include "kv/importance.h"
#include "kv/kv_cache.h"

namespace kvzip {

// StreamingLLM (Xiao et al. 2023): attention sinks + a recent window. The
// template prefix is always kept and is the main sink; the first `sink_tokens`
// context tokens are kept first as extra sinks, then the most recent ones.
// Scores rise with position, so any top-k per head is exactly
// "sinks + the last k - sink_tokens positions".
void streaming_llm_scores(ImportanceScores& scores, int64_t sink_tokens = 4);

// Key-norm (Devoto et al. 2024, kvpress KnormPress): a lower key L2 norm
// means more attention, so score = -||k||. Reads the prefilled, unpruned cache;
// layers marked fixed (sliding-window ones) are skipped: pruning ignores them.
void key_norm_scores(ImportanceScores& scores, const KVCache& cache);

// Uniform random scores from a seed (a floor any method should beat).
void random_scores(ImportanceScores& scores, uint64_t seed);

}  // namespace kvzip
