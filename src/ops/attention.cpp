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
    // Entries are in position order: the visible ones form one contiguous
    // range [begin, end) of the active entries.
    auto first_after = [&](int64_t lo, int64_t hi, int64_t pos) {  // first k in [lo, hi) with position > pos
        while (lo < hi) {
            const int64_t mid = (lo + hi) / 2;
            if (view.active_position(mid) <= pos) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    };
    const int64_t end = first_after(0, view.n_active(), query_pos);
    const int64_t begin = p.window > 0 ? first_after(0, end, query_pos - p.window) : 0;
    const int64_t n = end - begin;
    if (n <= 0) return;

    const bool f16 = view.type == KVType::F16;
    if (view.index) {
        const int32_t* idx = view.index + begin;
        if (f16) dot_rows_f16_idx(static_cast<const uint16_t*>(view.keys), idx, n, hd, q, scratch);
        else dot_rows_f32_idx(static_cast<const float*>(view.keys), idx, n, hd, q, scratch);
    } else {
        if (f16) dot_rows_f16(static_cast<const uint16_t*>(view.keys) + begin * hd, n, hd, q, scratch);
        else dot_rows_f32(static_cast<const float*>(view.keys) + begin * hd, n, hd, q, scratch);
    }
    for (int64_t j = 0; j < n; ++j) scratch[j] *= p.scale;
    if (p.softcap > 0.0f)
        for (int64_t j = 0; j < n; ++j) scratch[j] = p.softcap * std::tanh(scratch[j] / p.softcap);
    softmax(scratch, n);
    if (view.index) {
        const int32_t* idx = view.index + begin;
        if (f16) weighted_sum_f16_idx(scratch, static_cast<const uint16_t*>(view.values), idx, n, hd, out);
        else weighted_sum_f32_idx(scratch, static_cast<const float*>(view.values), idx, n, hd, out);
    } else {
        if (f16) weighted_sum_f16(scratch, static_cast<const uint16_t*>(view.values) + begin * hd, n, hd, out);
        else weighted_sum_f32(scratch, static_cast<const float*>(view.values) + begin * hd, n, hd, out);
    }
}

}  // namespace kvzip
