#include "ops/attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "ops/vec.h"

namespace kvzip {

namespace {

// First active entry k in [lo, hi) whose position is > pos.
int64_t first_after(const KVHeadView& v, int64_t lo, int64_t hi, int64_t pos) {
    while (lo < hi) {
        const int64_t mid = (lo + hi) / 2;
        if (v.active_position(mid) <= pos) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

}  // namespace

void key_logits(const float* q, int n_q, const KVHeadView& v, int64_t begin, int64_t end, float* out,
                int64_t out_stride) {
    const int64_t n = end - begin;
    if (n <= 0) return;
    const int32_t* idx = v.index ? v.index + begin : nullptr;
    const int64_t off = v.index ? 0 : begin * v.head_dim;  // contiguous rows start at `begin`
    if (v.type == KVType::F16)
        dot_rows_multi_f16(static_cast<const uint16_t*>(v.keys) + off, idx, n, v.head_dim, q, n_q, out, out_stride);
    else
        dot_rows_multi_f32(static_cast<const float*>(v.keys) + off, idx, n, v.head_dim, q, n_q, out, out_stride);
}

void attend_group(const float* q, int n_q, int64_t query_pos, const KVHeadView& v, const AttentionParams& p,
                  float* out, float* scratch) {
    const int hd = v.head_dim;
    std::memset(out, 0, sizeof(float) * hd * n_q);
    // Entries are in position order: the visible ones are one range [begin, end).
    const int64_t end = first_after(v, 0, v.n_active(), query_pos);
    const int64_t begin = p.window > 0 ? first_after(v, 0, end, query_pos - p.window) : 0;
    const int64_t n = end - begin;
    if (n <= 0) return;

    key_logits(q, n_q, v, begin, end, scratch, n);
    for (int g = 0; g < n_q; ++g) {
        float* s = scratch + (int64_t)g * n;
        for (int64_t j = 0; j < n; ++j) s[j] *= p.scale;
        if (p.softcap > 0.0f)
            for (int64_t j = 0; j < n; ++j) s[j] = p.softcap * std::tanh(s[j] / p.softcap);
        softmax_f32(s, n);
    }
    const int32_t* idx = v.index ? v.index + begin : nullptr;
    const int64_t off = v.index ? 0 : begin * hd;
    if (v.type == KVType::F16)
        weighted_sum_multi_f16(scratch, n, static_cast<const uint16_t*>(v.values) + off, idx, n, hd, n_q, out);
    else
        weighted_sum_multi_f32(scratch, n, static_cast<const float*>(v.values) + off, idx, n, hd, n_q, out);
}

}  // namespace kvzip
