#pragma once
// Matrix products against (possibly quantized) weight matrices stored as GGUF
// rows: Y[t][r] = dot(W row r, X[t]). Weights are used in place, never dequantized
// as a whole; work is split over rows across the thread pool.
#include <cstddef>
#include <cstdint>

#include "ops/ggml_type.h"
#include "ops/threadpool.h"

namespace kvzip {

struct WeightMatrix {
    GGMLType type = GGMLType::F32;
    const uint8_t* data = nullptr;
    int64_t rows = 0;  // output features
    int64_t cols = 0;  // input features (contiguous within a row)
    size_t row_stride() const { return row_bytes(type, cols); }
};

// X: T vectors of W.cols floats, contiguous. Y: T vectors of W.rows floats.
void matmul(const WeightMatrix& W, const float* X, int64_t T, float* Y, ThreadPool& pool);

// Same, restricted to output rows [row_begin, row_end) written at Y[t][r - row_begin]
// (Y row stride = row_end - row_begin).
void matmul_rows(const WeightMatrix& W, int64_t row_begin, int64_t row_end, const float* X, int64_t T,
                 float* Y, ThreadPool& pool);

}  // namespace kvzip
