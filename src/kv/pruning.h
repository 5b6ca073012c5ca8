#pragma once
// Pruning policies (DESIGN.md 1.3): which context KV pairs to keep, given
// their importance scores and the kept ratio r.
#include <cstdint>
#include <string>
#include <vector>

#include "kv/importance.h"

namespace kvzip {

enum class PruneLevel {
    Pair,         // rank all L*Hkv*N scores together: non-uniform head budgets
    PairUniform,  // every (layer, KV head) keeps its own top round(r*N)
    Head,         // keep whole heads: the top round(r*L*Hkv) by head score
};

PruneLevel parse_prune_level(const std::string& s);  // "pair", "pair-uniform", "head"; throws otherwise
std::string to_string(PruneLevel level);

// keep[(layer * n_head_kv + head) * n_ctx + j] = 1 if context position
// ctx_begin + j stays. Ties break toward the lower position (then the lower
// layer and head). `head_scores` ([layer][head]) is used by PruneLevel::Head;
// when empty, each head's score is its max over this context's scores.
// Only layers not in scores.fixed_layers compete; the ratio applies to them,
// and the fixed layers come back fully kept (the caller applies their rule).
std::vector<uint8_t> select_kept(const ImportanceScores& scores, double ratio, PruneLevel level,
                                 const std::vector<float>& head_scores = {});

}  // namespace kvzip
