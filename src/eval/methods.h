#pragma once
// The compression methods compared by `kvzip eval`. Every method fills
// ImportanceScores for the same prefilled cache and is pruned by the shared
// code (Cache::prune in retain mode), so one prefill serves every method and
// ratio of an example. All are query-agnostic: questions come after.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/model.h"

namespace kvzip::eval {

enum class Method {
    KVzip,         // KVzip scores, pair level (non-uniform head budgets)
    KVzipUniform,  // KVzip scores, every head the same budget
    KVzipHead,     // whole heads by head score (per-head max of the scores, or a head-score file)
    KVzipPlus,     // KVzip+ scores (probabilities weighted by the output norms), pair level
    SnapKV,        // attention of the context's last window, pooled
    H2O,           // attention accumulated over all context queries
    StreamingLLM,  // sinks + recent window
    KNorm,         // low key norm first
    Random,
};

const std::vector<std::string>& method_names();
Method parse_method(const std::string& name);  // throws kvzip::Error naming the valid ones
std::string to_string(Method m);
PruneLevel prune_level(Method m);
// Whether the method uses the plain KVzip scores (kvzip-plus has its own).
bool uses_kvzip_scores(Method m);

struct MethodOptions {
    uint64_t seed = 0;              // random scores
    int64_t snapkv_window = 32;     // SnapKV observation window (tokens)
    int snapkv_kernel = 7;          // SnapKV max-pool kernel (odd)
    int64_t sink_tokens = 4;        // StreamingLLM: context tokens kept as extra sinks
    // H2O: share of each budget given to the most recent tokens, as in the
    // H2O paper's heavy-hitter + recent split (0: heavy hitters only).
    double h2o_recent = 0.0;
    std::vector<float> head_scores; // kvzip-head: from a head-score file (empty: from this context's scores)
};

// One prefill of `context` with the observers the methods need, the KVzip
// scoring pass if any KVzip method is asked for (KVzip+ scores from the same
// pass), and every method's scores.
struct ScoredContext {
    Cache cache;
    std::map<Method, ImportanceScores> scores;
};
ScoredContext prefill_and_score(Model& model, const std::string& context, const std::vector<Method>& methods,
                                const MethodOptions& options,
                                const std::function<void(const std::string&, int64_t, int64_t)>& progress = {});

// The method's name in results: its name, with the option that changes its
// results when that is not the default (so runs with either can share a file
// and the report draws them apart).
std::string method_label(Method m, const MethodOptions& options);

// Prunes the cache (retain mode) with `method`'s scores to keep `ratio`.
PruneStats apply_method(ScoredContext& sc, Method method, double ratio, const MethodOptions& options);

}  // namespace kvzip::eval
