#pragma once
// Small vector kernels for attention and norms: float32 and fp16 (IEEE half,
// stored as uint16_t) operands. SIMD with run-time dispatch (Highway).
#include <cstdint>

namespace kvzip {

float dot_f32(const float* a, const float* b, int64_t n);
float dot_f16(const uint16_t* a, const float* b, int64_t n);   // a in fp16
void axpy_f32(float alpha, const float* x, float* y, int64_t n);  // y += alpha * x
void axpy_f16(float alpha, const uint16_t* x, float* y, int64_t n);
// out[r] = dot(rows[r], x) for n_rows contiguous rows of `dim` elements.
void dot_rows_f32(const float* rows, int64_t n_rows, int64_t dim, const float* x, float* out);
void dot_rows_f16(const uint16_t* rows, int64_t n_rows, int64_t dim, const float* x, float* out);
// y += sum_r w[r] * rows[r]  (attention's weighted sum of values)
void weighted_sum_f32(const float* w, const float* rows, int64_t n_rows, int64_t dim, float* y);
void weighted_sum_f16(const float* w, const uint16_t* rows, int64_t n_rows, int64_t dim, float* y);
// The same over the rows listed in idx[0..n_idx) (retain mode's keep lists):
// per row the arithmetic is identical to the contiguous versions, so a pruned
// cache gives bit-identical results whether it is masked or compacted.
void dot_rows_f32_idx(const float* rows, const int32_t* idx, int64_t n_idx, int64_t dim, const float* x, float* out);
void dot_rows_f16_idx(const uint16_t* rows, const int32_t* idx, int64_t n_idx, int64_t dim, const float* x, float* out);
void weighted_sum_f32_idx(const float* w, const float* rows, const int32_t* idx, int64_t n_idx, int64_t dim, float* y);
void weighted_sum_f16_idx(const float* w, const uint16_t* rows, const int32_t* idx, int64_t n_idx, int64_t dim, float* y);
void f32_to_f16_row(const float* x, uint16_t* y, int64_t n);
void f16_to_f32_row(const uint16_t* x, float* y, int64_t n);

}  // namespace kvzip
