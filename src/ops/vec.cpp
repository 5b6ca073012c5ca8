#include "ops/vec.h"

#include <string>

#include "util/error.h"

#include <algorithm>
#include <type_traits>

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

// NQ is a compile-time constant so that the NQ accumulators live in registers.
template <int NQ, typename T>
void DotRowsNQ(const T* rows, const int32_t* idx, int64_t n, int64_t dim, const float* q, float* out,
               int64_t out_stride) {
    const hn::ScalableTag<float> d;
    const int64_t N = (int64_t)hn::Lanes(d);
    for (int64_t r = 0; r < n; ++r) {
        const T* row = rows + (idx ? (int64_t)idx[r] : r) * dim;
        hn::Vec<decltype(d)> acc[NQ];
        for (int g = 0; g < NQ; ++g) acc[g] = hn::Zero(d);
        for (int64_t i = 0; i < dim; i += N) {
            const auto k = LoadAsFloat(d, row + i);
            for (int g = 0; g < NQ; ++g) acc[g] = hn::MulAdd(k, hn::LoadU(d, q + g * dim + i), acc[g]);
        }
        for (int g = 0; g < NQ; ++g) out[g * out_stride + r] = hn::GetLane(hn::SumOfLanes(d, acc[g]));
    }
}

template <int NQ, typename T>
void WeightedSumNQ(const float* w, int64_t w_stride, const T* rows, const int32_t* idx, int64_t n, int64_t dim,
                   float* y) {
    const hn::ScalableTag<float> d;
    const int64_t N = (int64_t)hn::Lanes(d);
    // One column block of every row at a time: the NQ accumulators stay in registers.
    for (int64_t i = 0; i < dim; i += N) {
        hn::Vec<decltype(d)> acc[NQ];
        for (int g = 0; g < NQ; ++g) acc[g] = hn::LoadU(d, y + g * dim + i);
        for (int64_t r = 0; r < n; ++r) {
            const auto v = LoadAsFloat(d, rows + (idx ? (int64_t)idx[r] : r) * dim + i);
            for (int g = 0; g < NQ; ++g) acc[g] = hn::MulAdd(hn::Set(d, w[g * w_stride + r]), v, acc[g]);
        }
        for (int g = 0; g < NQ; ++g) hn::StoreU(acc[g], d, y + g * dim + i);
    }
}

// Calls f(NQ, g) for consecutive groups of up to 4 queries starting at g, NQ
// as a compile-time constant (GQA groups are 1-8 wide). Head sizes must be a
// multiple of the vector length, which the model loader checks.
template <class F>
HWY_INLINE void ForEachQueryGroup(int64_t nq, F&& f) {
    for (int64_t g = 0; g < nq;) {
        const int64_t take = std::min<int64_t>(4, nq - g);
        switch (take) {
            case 4: f(std::integral_constant<int, 4>{}, g); break;
            case 3: f(std::integral_constant<int, 3>{}, g); break;
            case 2: f(std::integral_constant<int, 2>{}, g); break;
            default: f(std::integral_constant<int, 1>{}, g); break;
        }
        g += take;
    }
}

template <typename T>
void DotRowsMulti(const T* rows, const int32_t* idx, int64_t n, int64_t dim, const float* q, int64_t nq, float* out,
                  int64_t out_stride) {
    ForEachQueryGroup(nq, [&](auto NQ, int64_t g) {
        DotRowsNQ<decltype(NQ)::value>(rows, idx, n, dim, q + g * dim, out + g * out_stride, out_stride);
    });
}

template <typename T>
void WeightedSumMulti(const float* w, int64_t w_stride, const T* rows, const int32_t* idx, int64_t n, int64_t dim,
                      int64_t nq, float* y) {
    ForEachQueryGroup(nq, [&](auto NQ, int64_t g) {
        WeightedSumNQ<decltype(NQ)::value>(w + g * w_stride, w_stride, rows, idx, n, dim, y + g * dim);
    });
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

namespace {
// The kernels step through a row in whole vectors of up to 16 floats and have
// no tail loop (ModelConfig refuses other head sizes).
void check_dim(int64_t dim) {
    if (dim <= 0 || dim % 16 != 0) throw Error("attention kernels need a head size that is a multiple of 16, got " +
                                               std::to_string(dim));
}
}  // namespace

void dot_rows_multi_f16(const uint16_t* rows, const int32_t* idx, int64_t n, int64_t dim, const float* q,
                        int64_t nq, float* out, int64_t out_stride) {
    check_dim(dim);
    HWY_DYNAMIC_DISPATCH(DotRowsMultiF16)(rows, idx, n, dim, q, nq, out, out_stride);
}
void dot_rows_multi_f32(const float* rows, const int32_t* idx, int64_t n, int64_t dim, const float* q, int64_t nq,
                        float* out, int64_t out_stride) {
    check_dim(dim);
    HWY_DYNAMIC_DISPATCH(DotRowsMultiF32)(rows, idx, n, dim, q, nq, out, out_stride);
}
void weighted_sum_multi_f16(const float* w, int64_t w_stride, const uint16_t* rows, const int32_t* idx, int64_t n,
                            int64_t dim, int64_t nq, float* y) {
    check_dim(dim);
    HWY_DYNAMIC_DISPATCH(WeightedSumMultiF16)(w, w_stride, rows, idx, n, dim, nq, y);
}
void weighted_sum_multi_f32(const float* w, int64_t w_stride, const float* rows, const int32_t* idx, int64_t n,
                            int64_t dim, int64_t nq, float* y) {
    check_dim(dim);
    HWY_DYNAMIC_DISPATCH(WeightedSumMultiF32)(w, w_stride, rows, idx, n, dim, nq, y);
}
void softmax_f32(float* x, int64_t n) {
    if (n > 0) HWY_DYNAMIC_DISPATCH(SoftmaxF32)(x, n);
}
}  // namespace kvzip
#endif
