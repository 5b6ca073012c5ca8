#include "ops/matmul.h"

#include <algorithm>

#include "ops/quant.h"

namespace kvzip {

namespace {
// Rows handed to one dot_rows_multi call: small enough that each thread gets
// many blocks (load balance), large enough to amortize the call.
constexpr int64_t kRowBlock = 16;
}  // namespace

void matmul_rows(const WeightMatrix& W, int64_t row_begin, int64_t row_end, const float* X, int64_t T,
                 float* Y, ThreadPool& pool) {
    const int64_t n_rows = row_end - row_begin;
    if (n_rows <= 0 || T <= 0) return;
    const size_t stride = W.row_stride();
    const uint8_t* base = W.data + (size_t)row_begin * stride;
    if (T == 1) {
        pool.parallel_for(n_rows, [&](int64_t r0, int64_t r1) {
            for (int64_t r = r0; r < r1; ++r) Y[r] = dot_row(W.type, base + (size_t)r * stride, X, W.cols);
        });
        return;
    }
    const int64_t n_blocks = (n_rows + kRowBlock - 1) / kRowBlock;
    pool.parallel_for(n_blocks, [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) {
            const int64_t r = b * kRowBlock;
            const int64_t nr = std::min(kRowBlock, n_rows - r);
            dot_rows_multi(W.type, base + (size_t)r * stride, stride, nr, X, W.cols, T, W.cols, Y + r, n_rows);
        }
    });
}

void matmul(const WeightMatrix& W, const float* X, int64_t T, float* Y, ThreadPool& pool) {
    matmul_rows(W, 0, W.rows, X, T, Y, pool);
}

}  // namespace kvzip
