#include "kv/kv_cache.h"

#include <algorithm>
#include <cstring>

#include "ops/quant.h"
#include "util/error.h"

namespace kvzip {

KVCache::KVCache(int n_layer, int n_head_kv, int head_dim, KVType type)
    : n_layer_(n_layer), n_head_kv_(n_head_kv), head_dim_(head_dim), type_(type),
      heads_((size_t)n_layer * n_head_kv) {}

void KVCache::append(int layer, const float* k, const float* v, int64_t T, int64_t pos0) {
    const size_t row = row_bytes();
    const int64_t stride = (int64_t)n_head_kv_ * head_dim_;
    for (int h = 0; h < n_head_kv_; ++h) {
        Head& hd = at(layer, h);
        const size_t old = hd.positions.size();
        hd.keys.resize((old + T) * row);
        hd.values.resize((old + T) * row);
        for (int64_t t = 0; t < T; ++t) {
            const float* ks = k + t * stride + (int64_t)h * head_dim_;
            const float* vs = v + t * stride + (int64_t)h * head_dim_;
            uint8_t* kd = hd.keys.data() + (old + t) * row;
            uint8_t* vd = hd.values.data() + (old + t) * row;
            if (type_ == KVType::F16) {
                fp32_to_fp16_row(ks, reinterpret_cast<uint16_t*>(kd), head_dim_);
                fp32_to_fp16_row(vs, reinterpret_cast<uint16_t*>(vd), head_dim_);
            } else {
                std::memcpy(kd, ks, row);
                std::memcpy(vd, vs, row);
            }
            hd.positions.push_back((int32_t)(pos0 + t));
            if (masked_) hd.active.push_back((int32_t)(old + t));
        }
    }
    if (layer == n_layer_ - 1) next_pos_ = std::max(next_pos_, pos0 + T);
}

KVHeadView KVCache::head(int layer, int kv_head) const {
    const Head& hd = at(layer, kv_head);
    return KVHeadView{type_,
                      head_dim_,
                      (int64_t)hd.positions.size(),
                      hd.keys.data(),
                      hd.values.data(),
                      hd.positions.data(),
                      masked_ ? hd.active.data() : nullptr,
                      masked_ ? (int64_t)hd.active.size() : 0};
}

void KVCache::truncate(int64_t pos) {
    const size_t row = row_bytes();
    for (Head& hd : heads_) {
        const auto keep = std::lower_bound(hd.positions.begin(), hd.positions.end(), (int32_t)pos) - hd.positions.begin();
        hd.positions.resize(keep);
        hd.keys.resize(keep * row);
        hd.values.resize(keep * row);
        hd.active.resize(std::lower_bound(hd.active.begin(), hd.active.end(), (int32_t)keep) - hd.active.begin());
    }
    next_pos_ = std::min(next_pos_, pos);
}

void KVCache::erase_positions(int layer, int64_t pos_begin, int64_t pos_end) {
    if (masked_) throw Error("erase_positions on a pruned (retain-mode) cache");
    if (pos_begin >= pos_end) return;
    const size_t row = row_bytes();
    for (int h = 0; h < n_head_kv_; ++h) {
        Head& hd = at(layer, h);
        const auto b = std::lower_bound(hd.positions.begin(), hd.positions.end(), (int32_t)pos_begin) - hd.positions.begin();
        const auto e = std::lower_bound(hd.positions.begin(), hd.positions.end(), (int32_t)pos_end) - hd.positions.begin();
        if (b == e) continue;
        hd.positions.erase(hd.positions.begin() + b, hd.positions.begin() + e);
        hd.keys.erase(hd.keys.begin() + b * row, hd.keys.begin() + e * row);
        hd.values.erase(hd.values.begin() + b * row, hd.values.begin() + e * row);
    }
}

void KVCache::prune(const KeepFn& keep, bool compact) {
    const size_t row = row_bytes();
    for (int l = 0; l < n_layer_; ++l) {
        for (int h = 0; h < n_head_kv_; ++h) {
            Head& hd = at(l, h);
            const int64_t n = (int64_t)hd.positions.size();
            if (compact) {
                // Evict: compact the kept entries to the front (already-masked
                // entries are dropped too), then release the memory.
                int64_t w = 0;
                auto is_active = [&](int64_t j) {
                    return !masked_ || std::binary_search(hd.active.begin(), hd.active.end(), (int32_t)j);
                };
                for (int64_t j = 0; j < n; ++j) {
                    if (!is_active(j) || !keep(l, h, hd.positions[j])) continue;
                    if (w != j) {
                        std::memmove(hd.keys.data() + w * row, hd.keys.data() + j * row, row);
                        std::memmove(hd.values.data() + w * row, hd.values.data() + j * row, row);
                        hd.positions[w] = hd.positions[j];
                    }
                    ++w;
                }
                hd.positions.resize(w);
                hd.keys.resize(w * row);
                hd.values.resize(w * row);
                hd.positions.shrink_to_fit();
                hd.keys.shrink_to_fit();
                hd.values.shrink_to_fit();
                hd.active.clear();
            } else {
                std::vector<int32_t> active;
                for (int64_t j = 0; j < n; ++j)
                    if (keep(l, h, hd.positions[j])) active.push_back((int32_t)j);
                hd.active = std::move(active);
            }
        }
    }
    masked_ = !compact;
}

void KVCache::clear_mask() {
    for (Head& hd : heads_) hd.active.clear();
    masked_ = false;
}

void KVCache::clear() {
    for (Head& hd : heads_) {
        hd.positions.clear();
        hd.keys.clear();
        hd.values.clear();
    }
    next_pos_ = 0;
    masked_ = false;
}

void KVCache::reserve(int64_t tokens_per_head) {
    const size_t row = row_bytes();
    for (Head& hd : heads_) {
        hd.positions.reserve(tokens_per_head);
        hd.keys.reserve(tokens_per_head * row);
        hd.values.reserve(tokens_per_head * row);
    }
}

size_t KVCache::bytes() const {
    size_t b = 0;
    for (const Head& hd : heads_) b += hd.keys.size() + hd.values.size();
    return b;
}

int64_t KVCache::head_active(int layer, int kv_head) const {
    const Head& hd = at(layer, kv_head);
    return masked_ ? (int64_t)hd.active.size() : (int64_t)hd.positions.size();
}

int64_t KVCache::n_active() const {
    int64_t n = 0;
    for (int l = 0; l < n_layer_; ++l)
        for (int h = 0; h < n_head_kv_; ++h) n += head_active(l, h);
    return n;
}

size_t KVCache::active_bytes() const { return (size_t)n_active() * 2 * row_bytes(); }

bool KVCache::same_content(const KVCache& o) const {
    if (n_layer_ != o.n_layer_ || n_head_kv_ != o.n_head_kv_ || head_dim_ != o.head_dim_ || type_ != o.type_ ||
        next_pos_ != o.next_pos_ || masked_ != o.masked_)
        return false;
    for (size_t i = 0; i < heads_.size(); ++i) {
        const Head &a = heads_[i], &b = o.heads_[i];
        if (a.keys != b.keys || a.values != b.values || a.positions != b.positions || a.active != b.active)
            return false;
    }
    return true;
}

int64_t KVCache::n_entries() const {
    int64_t n = 0;
    for (const Head& hd : heads_) n += (int64_t)hd.positions.size();
    return n;
}

}  // namespace kvzip
