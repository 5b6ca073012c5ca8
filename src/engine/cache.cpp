#include "engine/cache.h"

#include "util/error.h"

namespace kvzip {

CacheMode parse_cache_mode(const std::string& s) {
    if (s == "retain") return CacheMode::Retain;
    if (s == "evict") return CacheMode::Evict;
    throw Error("unknown cache mode '" + s + "' (expected retain or evict)");
}

PruneStats Cache::prune(double ratio, PruneLevel level, CacheMode mode) {
    if (evicted_) throw Error("this cache was already pruned in evict mode; prefill again to prune differently");
    if (level != PruneLevel::Head && scores.data.empty())
        throw Error("no importance scores: prefill with scoring to prune at level " + to_string(level));
    if (level == PruneLevel::Head && scores.data.empty() && head_scores.empty())
        throw Error("head-level pruning needs head scores (a head-score file) or a scored prefill");

    // Whatever filled the scores (KVzip, a baseline), sliding-window layers
    // follow their own rule and do not count in the ratio.
    if (!scores.data.empty()) scores.fixed_layers = sliding_layers;
    // Head level without a scoring pass: scores are only needed for their shape.
    ImportanceScores shape_only;
    const ImportanceScores* s = &scores;
    if (scores.data.empty()) {
        shape_only = ImportanceScores(kv.n_layer(), kv.n_head_kv(), prefix_len, context_len);
        shape_only.fixed_layers = sliding_layers;
        s = &shape_only;
    }
    const std::vector<uint8_t> keep = select_kept(*s, ratio, level, head_scores);

    PruneStats st;
    st.ratio_requested = ratio;
    const int64_t begin = s->ctx_begin, N = s->n_ctx, H = kv.n_head_kv();
    st.context_pairs = (int64_t)s->n_scored_layers() * H * N;
    for (int l = 0; l < kv.n_layer(); ++l)
        if (!s->is_fixed(l))
            for (size_t i = (size_t)l * H * N; i < (size_t)(l + 1) * H * N; ++i) st.kept_pairs += keep[i];
    st.ratio_kept = st.context_pairs ? (double)st.kept_pairs / st.context_pairs : 1.0;
    if (kv.masked()) kv.clear_mask();
    st.bytes_full = kv.active_bytes();

    // A sliding-window layer's key at pos is seen by a later query only if
    // query_pos - pos < window, and every later query is at next_position or after.
    const int64_t window_start = kv.next_position() - sliding_window + 1;
    kv.prune(
        [&](int layer, int head, int32_t pos) {
            if (pos < begin || pos >= begin + N) return true;  // prefix, queries, answers
            if (!sliding_layers.empty() && sliding_layers[layer]) return pos >= window_start;
            return keep[((size_t)layer * H + head) * N + (pos - begin)] != 0;
        },
        /*compact=*/mode == CacheMode::Evict);
    evicted_ = mode == CacheMode::Evict;
    st.bytes_kept = kv.active_bytes();
    st.bytes_held = kv.bytes();
    last_ = st;
    return st;
}

}  // namespace kvzip
