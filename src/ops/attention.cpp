#include "ops/attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "ops/nn.h"
#include "ops/vec.h"

namespace kvzip {

void attend_one(const float* q, int64_t query_pos, const KVHeadView& view, const AttentionParams& p,
                float* out, float* scratch) {
    const int hd = view.head_dim;
    std::memset(out, 0, sizeof(float) * hd);
    // Entries are in position order: the visible ones form one contiguous range.
    const int32_t* pos = view.positions;
    const int64_t end = std::upper_bound(pos, pos + view.n, (int32_t)query_pos) - pos;
    const int64_t begin =
        p.window > 0 ? std::upper_bound(pos, pos + end, (int32_t)(query_pos - p.window)) - pos : 0;
    const int64_t n = end - begin;
    if (n <= 0) return;

    const bool f16 = view.type == KVType::F16;
    const size_t row = (size_t)hd * (f16 ? 2 : 4);
    const auto* keys = static_cast<const uint8_t*>(view.keys) + begin * row;
    const auto* values = static_cast<const uint8_t*>(view.values) + begin * row;
    for (int64_t j = 0; j < n; ++j) {
        const void* k = keys + j * row;
        float s = f16 ? dot_f16(static_cast<const uint16_t*>(k), q, hd) : dot_f32(static_cast<const float*>(k), q, hd);
        s *= p.scale;
        if (p.softcap > 0.0f) s = p.softcap * std::tanh(s / p.softcap);
        scratch[j] = s;
    }
    softmax(scratch, n);
    for (int64_t j = 0; j < n; ++j) {
        const void* v = values + j * row;
        if (f16) axpy_f16(scratch[j], static_cast<const uint16_t*>(v), out, hd);
        else axpy_f32(scratch[j], static_cast<const float*>(v), out, hd);
    }
}

}  // namespace kvzip
