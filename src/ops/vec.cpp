#include "ops/vec.h"

#include <algorithm>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "ops/vec.cpp"
#include <hwy/foreach_target.h>  // re-includes this file once per SIMD target
#include <hwy/highway.h>
#include <hwy/contrib/math/math-inl.h>

HWY_BEFORE_NAMESPACE();
namespace kvzip {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// One vector of row elements as float, from fp16 or float storage.
template <class D>
HWY_INLINE hn::Vec<D> LoadAsFloat(D d, const float* p) {
    return hn::LoadU(d, p);
}
template <class D>
HWY_INLINE hn::Vec<D> LoadAsFloat(D d, const uint16_t* p) {
    const hn::Rebind<hwy::float16_t, D> dh;
    return hn::PromoteTo(d, hn::LoadU(dh, reinterpret_cast<const hwy::float16_t*>(p)));
}

template <typename T>
void DotRowsMulti(const T* rows, const int32_t* idx, int64_t n, int64_t dim, const float* q, int64_t nq, float* out,
                  int64_t out_stride) {
    const hn::ScalableTag<float> d;
    const int64_t N = (int64_t)hn::Lanes(d);
    constexpr int64_t kMaxQ = 8;
    if (dim % N != 0 || nq > kMaxQ) {  // rare shapes: one query at a time, scalar tail
        for (int64_t g = 0; g < nq; ++g)
            for (int64_t r = 0; r < n; ++r) {
                const T* row = rows + (idx ? (int64_t)idx[r] : r) * dim;
                float acc = 0.0f;
                for (int64_t i = 0; i < dim; ++i) {
                    float v[hn::MaxLanes(d)];
                    hn::StoreU(LoadAsFloat(d, row + (i / N) * N), d, v);
                    acc += v[i % N] * q[g * dim + i];
                }
                out[g * out_stride + r] = acc;
            }
        return;
    }
    for (int64_t r = 0; r < n; ++r) {
        const T* row = rows + (idx ? (int64_t)idx[r] : r) * dim;
        hn::Vec<decltype(d)> acc[kMaxQ];
        for (int64_t g = 0; g < nq; ++g) acc[g] = hn::Zero(d);
        for (int64_t i = 0; i < dim; i += N) {
            const auto k = LoadAsFloat(d, row + i);
            for (int64_t g = 0; g < nq; ++g) acc[g] = hn::MulAdd(k, hn::LoadU(d, q + g * dim + i), acc[g]);
        }
        for (int64_t g = 0; g < nq; ++g) out[g * out_stride + r] = hn::GetLane(hn::SumOfLanes(d, acc[g]));
    }
}

template <typename T>
void WeightedSumMulti(const float* w, int64_t w_stride, const T* rows, const int32_t* idx, int64_t n, int64_t dim,
                      int64_t nq, float* y) {
    const hn::ScalableTag<float> d;
    const int64_t N = (int64_t)hn::Lanes(d);
    constexpr int64_t kMaxQ = 8;
    if (dim % N != 0 || nq > kMaxQ) {
        for (int64_t g = 0; g < nq; ++g)
            for (int64_t r = 0; r < n; ++r) {
                const T* row = rows + (idx ? (int64_t)idx[r] : r) * dim;
                for (int64_t i = 0; i < dim; i += N) {
                    float v[hn::MaxLanes(d)];
                    hn::StoreU(LoadAsFloat(d, row + i), d, v);
                    for (int64_t k = 0; k < N && i + k < dim; ++k) y[g * dim + i + k] += w[g * w_stride + r] * v[k];
                }
            }
        return;
    }
    // One column block of every row at a time: nq accumulators stay in registers.
    for (int64_t i = 0; i < dim; i += N) {
        hn::Vec<decltype(d)> acc[kMaxQ];
        for (int64_t g = 0; g < nq; ++g) acc[g] = hn::LoadU(d, y + g * dim + i);
        for (int64_t r = 0; r < n; ++r) {
            const auto v = LoadAsFloat(d, rows + (idx ? (int64_t)idx[r] : r) * dim + i);
            for (int64_t g = 0; g < nq; ++g) acc[g] = hn::MulAdd(hn::Set(d, w[g * w_stride + r]), v, acc[g]);
        }
        for (int64_t g = 0; g < nq; ++g) hn::StoreU(acc[g], d, y + g * dim + i);
    }
}

void DotRowsMultiF16(const uint16_t* rows, const int32_t* idx, int64_t n, int64_t dim, const float* q, int64_t nq,
                     float* out, int64_t out_stride) {
    DotRowsMulti(rows, idx, n, dim, q, nq, out, out_stride);
}
void DotRowsMultiF32(const float* rows, const int32_t* idx, int64_t n, int64_t dim, const float* q, int64_t nq,
                     float* out, int64_t out_stride) {
    DotRowsMulti(rows, idx, n, dim, q, nq, out, out_stride);
}
void WeightedSumMultiF16(const float* w, int64_t w_stride, const uint16_t* rows, const int32_t* idx, int64_t n,
                         int64_t dim, int64_t nq, float* y) {
    WeightedSumMulti(w, w_stride, rows, idx, n, dim, nq, y);
}
void WeightedSumMultiF32(const float* w, int64_t w_stride, const float* rows, const int32_t* idx, int64_t n,
                         int64_t dim, int64_t nq, float* y) {
    WeightedSumMulti(w, w_stride, rows, idx, n, dim, nq, y);
}

void SoftmaxF32(float* x, int64_t n) {
    const hn::ScalableTag<float> d;
    const int64_t N = (int64_t)hn::Lanes(d);
    float mx = x[0];
    int64_t i = 0;
    if (n >= N) {
        auto vmax = hn::LoadU(d, x);
        for (i = N; i + N <= n; i += N) vmax = hn::Max(vmax, hn::LoadU(d, x + i));
        mx = hn::GetLane(hn::MaxOfLanes(d, vmax));
    }
    for (; i < n; ++i) mx = std::max(mx, x[i]);
    const auto vm = hn::Set(d, mx);
    auto vsum = hn::Zero(d);
    for (i = 0; i + N <= n; i += N) {
        const auto e = hn::Exp(d, hn::Sub(hn::LoadU(d, x + i), vm));
        hn::StoreU(e, d, x + i);
        vsum = hn::Add(vsum, e);
    }
    float sum = hn::GetLane(hn::SumOfLanes(d, vsum));
    const hn::CappedTag<float, 1> d1;
    for (; i < n; ++i) {
        x[i] = hn::GetLane(hn::Exp(d1, hn::Set(d1, x[i] - mx)));
        sum += x[i];
    }
    const auto inv = hn::Set(d, 1.0f / sum);
    for (i = 0; i + N <= n; i += N) hn::StoreU(hn::Mul(hn::LoadU(d, x + i), inv), d, x + i);
    for (; i < n; ++i) x[i] *= 1.0f / sum;
}

void F32ToF16(const float* x, uint16_t* y, int64_t n) {
    const hn::ScalableTag<float> d;
    const hn::Rebind<hwy::float16_t, decltype(d)> dh;
    const int64_t N = (int64_t)hn::Lanes(d);
    auto* yh = reinterpret_cast<hwy::float16_t*>(y);
    int64_t i = 0;
    for (; i + N <= n; i += N) hn::StoreU(hn::DemoteTo(dh, hn::LoadU(d, x + i)), dh, yh + i);
    const hn::CappedTag<float, 1> d1;
    const hn::CappedTag<hwy::float16_t, 1> dh1;
    for (; i < n; ++i) hn::StoreU(hn::DemoteTo(dh1, hn::LoadU(d1, x + i)), dh1, yh + i);
}

}  // namespace HWY_NAMESPACE
}  // namespace kvzip
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace kvzip {
HWY_EXPORT(DotRowsMultiF16);
HWY_EXPORT(DotRowsMultiF32);
HWY_EXPORT(WeightedSumMultiF16);
HWY_EXPORT(WeightedSumMultiF32);
HWY_EXPORT(SoftmaxF32);
HWY_EXPORT(F32ToF16);

void dot_rows_multi_f16(const uint16_t* rows, const int32_t* idx, int64_t n, int64_t dim, const float* q,
                        int64_t nq, float* out, int64_t out_stride) {
    HWY_DYNAMIC_DISPATCH(DotRowsMultiF16)(rows, idx, n, dim, q, nq, out, out_stride);
}
void dot_rows_multi_f32(const float* rows, const int32_t* idx, int64_t n, int64_t dim, const float* q, int64_t nq,
                        float* out, int64_t out_stride) {
    HWY_DYNAMIC_DISPATCH(DotRowsMultiF32)(rows, idx, n, dim, q, nq, out, out_stride);
}
void weighted_sum_multi_f16(const float* w, int64_t w_stride, const uint16_t* rows, const int32_t* idx, int64_t n,
                            int64_t dim, int64_t nq, float* y) {
    HWY_DYNAMIC_DISPATCH(WeightedSumMultiF16)(w, w_stride, rows, idx, n, dim, nq, y);
}
void weighted_sum_multi_f32(const float* w, int64_t w_stride, const float* rows, const int32_t* idx, int64_t n,
                            int64_t dim, int64_t nq, float* y) {
    HWY_DYNAMIC_DISPATCH(WeightedSumMultiF32)(w, w_stride, rows, idx, n, dim, nq, y);
}
void softmax_f32(float* x, int64_t n) {
    if (n > 0) HWY_DYNAMIC_DISPATCH(SoftmaxF32)(x, n);
}
void f32_to_f16_row(const float* x, uint16_t* y, int64_t n) { HWY_DYNAMIC_DISPATCH(F32ToF16)(x, y, n); }
}  // namespace kvzip
#endif
