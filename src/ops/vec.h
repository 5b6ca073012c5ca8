#pragma once
// Vector kernels for attention: float32 and fp16 (IEEE half, stored as
// uint16_t) operands. SIMD with run-time dispatch (Highway).
#include <cstdint>

namespace kvzip {

// Grouped-query kernels: nq queries (e.g. the G query heads that share one KV
// head) against the same key/value rows, so each row is loaded and converted
// once. `idx` (may be null) lists the rows to use; otherwise rows 0..n-1.
// `dim` must be a multiple of 16 (kvzip::Error otherwise).
//   dots:  out[g * out_stride + r] = q_g . rows[r]       (q_g = q + g * dim)
//   sums:  y[g * dim + :] += sum_r w[g * w_stride + r] * rows[r]
void dot_rows_multi_f16(const uint16_t* rows, const int32_t* idx, int64_t n, int64_t dim, const float* q,
                        int64_t nq, float* out, int64_t out_stride);
void dot_rows_multi_f32(const float* rows, const int32_t* idx, int64_t n, int64_t dim, const float* q, int64_t nq,
                        float* out, int64_t out_stride);
void weighted_sum_multi_f16(const float* w, int64_t w_stride, const uint16_t* rows, const int32_t* idx, int64_t n,
                            int64_t dim, int64_t nq, float* y);
void weighted_sum_multi_f32(const float* w, int64_t w_stride, const float* rows, const int32_t* idx, int64_t n,
                            int64_t dim, int64_t nq, float* y);

// In-place softmax of x[0..n) (vectorized exp).
void softmax_f32(float* x, int64_t n);

}  // namespace kvzip
