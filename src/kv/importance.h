#pragma once
// Importance scores of the context KV pairs, one per (layer, KV head,
// context position), filled by a scoring policy (KVzip's context
// reconstruction, or a baseline) and read by the pruning policies.
#include <cstdint>
#include <string>
#include <vector>

namespace kvzip {

// A score above any attention probability (or average of them): always kept first.
inline constexpr float kAlwaysKeep = 1e9f;

struct ImportanceScores {
    int n_layer = 0;
    int n_head_kv = 0;
    int64_t ctx_begin = 0;  // absolute position of the first context token
    int64_t n_ctx = 0;      // context tokens scored
    std::vector<float> data;  // [n_layer][n_head_kv][n_ctx]
    // Layers that pruning leaves to their own rule (Gemma 3's sliding-window
    // layers keep their window): not scored, not counted in the kept ratio.
    // Empty: every layer is pruned by score.
    std::vector<uint8_t> fixed_layers;

    bool is_fixed(int layer) const { return !fixed_layers.empty() && fixed_layers[layer]; }
    int n_scored_layers() const {
        int n = 0;
        for (int l = 0; l < n_layer; ++l) n += !is_fixed(l);
        return n;
    }

    ImportanceScores() = default;
    ImportanceScores(int layers, int heads, int64_t begin, int64_t n)
        : n_layer(layers), n_head_kv(heads), ctx_begin(begin), n_ctx(n), data((size_t)layers * heads * n, 0.0f) {}

    float* row(int layer, int head) { return data.data() + ((size_t)layer * n_head_kv + head) * n_ctx; }
    const float* row(int layer, int head) const { return data.data() + ((size_t)layer * n_head_kv + head) * n_ctx; }
    bool contains(int64_t pos) const { return pos >= ctx_begin && pos < ctx_begin + n_ctx; }

    // Marks the last `n` context positions of every head as always kept
    // (a recent window on top of a policy's scores, as H2O and SnapKV have).
    void keep_recent(int64_t n);

    // Writes a NumPy .npy file (float32, shape [layers, kv_heads, positions]).
    void save_npy(const std::string& path) const;
};

}  // namespace kvzip
