#pragma once
// A prefilled context: its KV cache, the importance score of every context
// KV pair, and pruning to a kept ratio (DESIGN.md 1.3-1.4).
//
//   kvzip::Cache kv = model.prefill(context);   // KV cache + importance scores
//   kv.prune(0.3);                              // keep 30 % of the context KV
//   model.generate(model.apply_template(question), kv);
#include <cstdint>
#include <string>
#include <vector>

#include "kv/importance.h"
#include "kv/kv_cache.h"
#include "kv/pruning.h"

namespace kvzip {

enum class CacheMode {
    Retain,  // full cache + keep lists: re-prunable at any ratio (evaluation)
    Evict,   // dropped pairs freed: real memory savings (serving)
};
CacheMode parse_cache_mode(const std::string& s);  // "retain" | "evict"

struct PruneStats {
    double ratio_requested = 1.0;
    double ratio_kept = 1.0;       // kept context pairs / all context pairs
    int64_t context_pairs = 0;     // L * Hkv * context tokens (scored layers only: not sliding-window ones)
    int64_t kept_pairs = 0;
    size_t bytes_full = 0;         // KV bytes of the unpruned cache
    size_t bytes_kept = 0;         // KV bytes attention reads after pruning
    size_t bytes_held = 0;         // KV bytes in memory after pruning
};

class Cache {
public:
    KVCache kv;
    ImportanceScores scores;        // empty when scoring was skipped
    std::vector<float> head_scores; // [layer][kv head], for PruneLevel::Head
    int64_t prefix_len = 0;         // template prefix tokens (never evicted)
    int64_t context_len = 0;        // context tokens
    std::vector<int32_t> context_ids;
    // Sliding-window layers (Gemma 3) are not pruned by score: they keep the
    // last `sliding_window` positions, all any later token can see.
    std::vector<uint8_t> sliding_layers;  // [layer], empty: none
    int64_t sliding_window = 0;
    double prefill_seconds = 0, scoring_seconds = 0;

    // Keeps `ratio` of the context KV pairs chosen by `level`; the prefix and
    // everything after the context always stay. Retain mode can be re-pruned
    // at another ratio; evict mode frees memory and cannot grow back.
    PruneStats prune(double ratio, PruneLevel level = PruneLevel::Pair, CacheMode mode = CacheMode::Evict);

    size_t bytes() const { return kv.bytes(); }
    const PruneStats& last_prune() const { return last_; }

private:
    bool evicted_ = false;
    PruneStats last_;
};

}  // namespace kvzip
