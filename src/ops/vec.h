#pragma once
// Small vector kernels for attention and norms: float32 and fp16 (IEEE half,
// stored as uint16_t) operands. SIMD with run-time dispatch (Highway).
#include <cstdint>

namespace kvzip {

float dot_f32(const float* a, const float* b, int64_t n);
float dot_f16(const uint16_t* a, const float* b, int64_t n);   // a in fp16
void axpy_f32(float alpha, const float* x, float* y, int64_t n);  // y += alpha * x
void axpy_f16(float alpha, const uint16_t* x, float* y, int64_t n);
void f32_to_f16_row(const float* x, uint16_t* y, int64_t n);
void f16_to_f32_row(const uint16_t* x, float* y, int64_t n);

}  // namespace kvzip
