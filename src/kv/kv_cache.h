#pragma once
// The KV cache: for every (layer, KV head) its own list of (position, key,
// value) entries in position order. Keys are stored after RoPE, so an entry
// keeps its original position whatever is dropped around it — which is what
// lets KVzip prune each head independently (a ragged cache, DESIGN.md 1.4).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace kvzip {

enum class KVType { F16, F32 };

// Read-only view of one (layer, KV head): n entries, keys and values each
// head_dim elements of `type`, positions ascending. When `index` is set (a
// retain-mode keep list) only the entries index[0..n_index) take part.
struct KVHeadView {
    KVType type = KVType::F16;
    int head_dim = 0;
    int64_t n = 0;
    const void* keys = nullptr;
    const void* values = nullptr;
    const int32_t* positions = nullptr;
    const int32_t* index = nullptr;
    int64_t n_index = 0;

    int64_t n_active() const { return index ? n_index : n; }
    int32_t active_position(int64_t k) const { return positions[index ? index[k] : k]; }
};

// Decides, per (layer, KV head, entry), whether an entry stays.
using KeepFn = std::function<bool(int layer, int kv_head, int32_t position)>;

class KVCache {
public:
    KVCache() = default;
    KVCache(int n_layer, int n_head_kv, int head_dim, KVType type);

    int n_layer() const { return n_layer_; }
    int n_head_kv() const { return n_head_kv_; }
    int head_dim() const { return head_dim_; }
    KVType type() const { return type_; }
    size_t elem_bytes() const { return type_ == KVType::F16 ? 2 : 4; }

    // Next position to be written: one past the last token ever appended
    // (pruning entries does not change it).
    int64_t next_position() const { return next_pos_; }
    void set_next_position(int64_t p) { next_pos_ = p; }

    // Appends T tokens at positions [pos0, pos0+T) to layer `layer`:
    // k and v are T rows of n_head_kv*head_dim floats (head-major within a row).
    void append(int layer, const float* k, const float* v, int64_t T, int64_t pos0);

    KVHeadView head(int layer, int kv_head) const;
    int64_t head_size(int layer, int kv_head) const { return (int64_t)at(layer, kv_head).positions.size(); }

    // Drops every entry at a position >= pos in every head and sets
    // next_position() to pos (used to forget a query after answering it).
    void truncate(int64_t pos);
    // Drops the entries at positions [pos_begin, pos_end) of every head of
    // `layer` (a sliding-window layer forgetting what no later token can see).
    // Not allowed on a masked (retain-mode) cache, whose keep lists index entries.
    void erase_positions(int layer, int64_t pos_begin, int64_t pos_end);
    void clear();
    void reserve(int64_t tokens_per_head);

    // Pruning. Evict mode (compact = true) erases the dropped entries, so
    // memory really shrinks. Retain mode keeps every entry and a keep list per
    // head, so that one prefill can be evaluated at many ratios; attention
    // then reads only the listed entries. Tokens appended later are kept.
    void prune(const KeepFn& keep, bool compact);
    void clear_mask();           // retain mode: every entry active again
    bool masked() const { return masked_; }

    size_t bytes() const;          // key + value bytes held in memory
    size_t active_bytes() const;   // key + value bytes of the entries attention reads
    int64_t n_entries() const;     // entries held, over all heads
    int64_t n_active() const;      // entries attention reads, over all heads
    int64_t head_active(int layer, int kv_head) const;
    // Exact equality of the held content (entries, positions, keep lists);
    // used to check that a query leaves the cache as it found it.
    bool same_content(const KVCache& other) const;

private:
    struct Head {
        std::vector<uint8_t> keys, values;
        std::vector<int32_t> positions;
        std::vector<int32_t> active;  // retain mode: kept entry indices, ascending
    };
    size_t row_bytes() const { return (size_t)head_dim_ * elem_bytes(); }
    Head& at(int layer, int h) { return heads_[(size_t)layer * n_head_kv_ + h]; }
    const Head& at(int layer, int h) const { return heads_[(size_t)layer * n_head_kv_ + h]; }

    int n_layer_ = 0, n_head_kv_ = 0, head_dim_ = 0;
    KVType type_ = KVType::F16;
    int64_t next_pos_ = 0;
    bool masked_ = false;
    std::vector<Head> heads_;
};

}  // namespace kvzip
