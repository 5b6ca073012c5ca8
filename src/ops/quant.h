#pragma once
// Quantized block formats: dequantize a row, and dot a quantized row with a
// float vector without materializing the dequantized row. SIMD paths are
// chosen at run time (Highway dynamic dispatch), so one binary serves CPUs
// with and without AVX2.
#include <cstdint>

#include "ops/ggml_type.h"

namespace kvzip {

// The row functions throw kvzip::Error for a type that type_supported()
// rejects or an n that is not a whole number of blocks; they are thread-free
// (callers split rows across threads) and use no heap memory.

// dst[0..n) = dequantized src row. n must be a multiple of type_block_elems(t).
void dequantize_row(GGMLType t, const void* src, float* dst, int64_t n);

// sum_i dequant(row)[i] * x[i] for a row of n elements.
float dot_row(GGMLType t, const void* row, const float* x, int64_t n);

// Several rows at once against several vectors: out[j * out_stride + r] =
// dot(row r, x_j) for r in [0, n_rows), j in [0, n_vec). Rows are `row_stride`
// bytes apart; vectors are `x_stride` floats apart. Dequantizes each row block
// once and reuses it for all vectors (the batched-prefill kernel).
void dot_rows_multi(GGMLType t, const void* rows, size_t row_stride, int64_t n_rows,
                    const float* x, int64_t x_stride, int64_t n_vec, int64_t n,
                    float* out, int64_t out_stride);

// fp16 <-> fp32 (IEEE half), used for the KV cache and F16 tensors.
float fp16_to_fp32(uint16_t h);
uint16_t fp32_to_fp16(float f);
float bf16_to_fp32(uint16_t h);

// Whole rows of fp16 <-> fp32 (F16C where the CPU has it); same results as the
// scalar functions above, element for element.
void fp16_to_fp32_row(const uint16_t* src, float* dst, int64_t n);
void fp32_to_fp16_row(const float* src, uint16_t* dst, int64_t n);

// Name of the SIMD target the kernels above dispatch to on this CPU ("AVX2",
// "SSE4", "EMU128", ...), for logs and benchmark reports.
const char* quant_simd_target();

}  // namespace kvzip
