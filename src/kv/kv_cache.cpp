#include "kv/kv_cache.h"

#include <algorithm>
#include <cstring>

#include "ops/vec.h"

namespace kvzip {

KVCache::KVCache(int n_layer, int n_head_kv, int head_dim, KVType type)
    : n_layer_(n_layer), n_head_kv_(n_head_kv), head_dim_(head_dim), type_(type),
      heads_((size_t)n_layer * n_head_kv) {}

void KVCache::append(int layer, const float* k, const float* v, int64_t T, int64_t pos0) {
    const size_t row = (size_t)head_dim_ * elem_bytes();
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
                f32_to_f16_row(ks, reinterpret_cast<uint16_t*>(kd), head_dim_);
                f32_to_f16_row(vs, reinterpret_cast<uint16_t*>(vd), head_dim_);
            } else {
                std::memcpy(kd, ks, row);
                std::memcpy(vd, vs, row);
            }
            hd.positions.push_back((int32_t)(pos0 + t));
        }
    }
    if (layer == n_layer_ - 1) next_pos_ = std::max(next_pos_, pos0 + T);
}

KVHeadView KVCache::head(int layer, int kv_head) const {
    const Head& hd = at(layer, kv_head);
    return KVHeadView{type_, head_dim_, (int64_t)hd.positions.size(), hd.keys.data(), hd.values.data(),
                      hd.positions.data()};
}

void KVCache::truncate(int64_t pos) {
    const size_t row = (size_t)head_dim_ * elem_bytes();
    for (Head& hd : heads_) {
        const auto keep = std::lower_bound(hd.positions.begin(), hd.positions.end(), (int32_t)pos) - hd.positions.begin();
        hd.positions.resize(keep);
        hd.keys.resize(keep * row);
        hd.values.resize(keep * row);
    }
    next_pos_ = std::min(next_pos_, pos);
}

void KVCache::clear() {
    for (Head& hd : heads_) {
        hd.positions.clear();
        hd.keys.clear();
        hd.values.clear();
    }
    next_pos_ = 0;
}

void KVCache::reserve(int64_t tokens_per_head) {
    const size_t row = (size_t)head_dim_ * elem_bytes();
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

int64_t KVCache::n_entries() const {
    int64_t n = 0;
    for (const Head& hd : heads_) n += (int64_t)hd.positions.size();
    return n;
}

}  // namespace kvzip
