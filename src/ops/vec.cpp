#include "ops/vec.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "ops/vec.cpp"
#include <hwy/foreach_target.h>  // re-includes this file once per SIMD target
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace kvzip {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

float DotF32(const float* a, const float* b, int64_t n) {
    const hn::ScalableTag<float> d;
    const int64_t N = (int64_t)hn::Lanes(d);
    auto s0 = hn::Zero(d), s1 = hn::Zero(d);
    int64_t i = 0;
    for (; i + 2 * N <= n; i += 2 * N) {
        s0 = hn::MulAdd(hn::LoadU(d, a + i), hn::LoadU(d, b + i), s0);
        s1 = hn::MulAdd(hn::LoadU(d, a + i + N), hn::LoadU(d, b + i + N), s1);
    }
    for (; i + N <= n; i += N) s0 = hn::MulAdd(hn::LoadU(d, a + i), hn::LoadU(d, b + i), s0);
    float sum = hn::GetLane(hn::SumOfLanes(d, hn::Add(s0, s1)));
    for (; i < n; ++i) sum += a[i] * b[i];
    return sum;
}

float DotF16(const uint16_t* a, const float* b, int64_t n) {
    const hn::ScalableTag<float> d;
    const hn::Rebind<hwy::float16_t, decltype(d)> dh;
    const int64_t N = (int64_t)hn::Lanes(d);
    const auto* ah = reinterpret_cast<const hwy::float16_t*>(a);
    auto s0 = hn::Zero(d), s1 = hn::Zero(d);
    int64_t i = 0;
    for (; i + 2 * N <= n; i += 2 * N) {
        s0 = hn::MulAdd(hn::PromoteTo(d, hn::LoadU(dh, ah + i)), hn::LoadU(d, b + i), s0);
        s1 = hn::MulAdd(hn::PromoteTo(d, hn::LoadU(dh, ah + i + N)), hn::LoadU(d, b + i + N), s1);
    }
    for (; i + N <= n; i += N) s0 = hn::MulAdd(hn::PromoteTo(d, hn::LoadU(dh, ah + i)), hn::LoadU(d, b + i), s0);
    float sum = hn::GetLane(hn::SumOfLanes(d, hn::Add(s0, s1)));
    const hn::CappedTag<float, 1> d1;
    const hn::CappedTag<hwy::float16_t, 1> dh1;
    for (; i < n; ++i) sum += hn::GetLane(hn::PromoteTo(d1, hn::LoadU(dh1, ah + i))) * b[i];
    return sum;
}

void AxpyF32(float alpha, const float* x, float* y, int64_t n) {
    const hn::ScalableTag<float> d;
    const int64_t N = (int64_t)hn::Lanes(d);
    const auto va = hn::Set(d, alpha);
    int64_t i = 0;
    for (; i + N <= n; i += N) hn::StoreU(hn::MulAdd(va, hn::LoadU(d, x + i), hn::LoadU(d, y + i)), d, y + i);
    for (; i < n; ++i) y[i] += alpha * x[i];
}

void AxpyF16(float alpha, const uint16_t* x, float* y, int64_t n) {
    const hn::ScalableTag<float> d;
    const hn::Rebind<hwy::float16_t, decltype(d)> dh;
    const int64_t N = (int64_t)hn::Lanes(d);
    const auto* xh = reinterpret_cast<const hwy::float16_t*>(x);
    const auto va = hn::Set(d, alpha);
    int64_t i = 0;
    for (; i + N <= n; i += N)
        hn::StoreU(hn::MulAdd(va, hn::PromoteTo(d, hn::LoadU(dh, xh + i)), hn::LoadU(d, y + i)), d, y + i);
    const hn::CappedTag<float, 1> d1;
    const hn::CappedTag<hwy::float16_t, 1> dh1;
    for (; i < n; ++i) y[i] += alpha * hn::GetLane(hn::PromoteTo(d1, hn::LoadU(dh1, xh + i)));
}

void DotRowsF32(const float* rows, int64_t n_rows, int64_t dim, const float* x, float* out) {
    for (int64_t r = 0; r < n_rows; ++r) out[r] = DotF32(rows + r * dim, x, dim);
}

void DotRowsF16(const uint16_t* rows, int64_t n_rows, int64_t dim, const float* x, float* out) {
    for (int64_t r = 0; r < n_rows; ++r) out[r] = DotF16(rows + r * dim, x, dim);
}

void WeightedSumF32(const float* w, const float* rows, int64_t n_rows, int64_t dim, float* y) {
    for (int64_t r = 0; r < n_rows; ++r) AxpyF32(w[r], rows + r * dim, y, dim);
}

void WeightedSumF16(const float* w, const uint16_t* rows, int64_t n_rows, int64_t dim, float* y) {
    for (int64_t r = 0; r < n_rows; ++r) AxpyF16(w[r], rows + r * dim, y, dim);
}

void DotRowsF32Idx(const float* rows, const int32_t* idx, int64_t n, int64_t dim, const float* x, float* out) {
    for (int64_t r = 0; r < n; ++r) out[r] = DotF32(rows + (int64_t)idx[r] * dim, x, dim);
}

void DotRowsF16Idx(const uint16_t* rows, const int32_t* idx, int64_t n, int64_t dim, const float* x, float* out) {
    for (int64_t r = 0; r < n; ++r) out[r] = DotF16(rows + (int64_t)idx[r] * dim, x, dim);
}

void WeightedSumF32Idx(const float* w, const float* rows, const int32_t* idx, int64_t n, int64_t dim, float* y) {
    for (int64_t r = 0; r < n; ++r) AxpyF32(w[r], rows + (int64_t)idx[r] * dim, y, dim);
}

void WeightedSumF16Idx(const float* w, const uint16_t* rows, const int32_t* idx, int64_t n, int64_t dim, float* y) {
    for (int64_t r = 0; r < n; ++r) AxpyF16(w[r], rows + (int64_t)idx[r] * dim, y, dim);
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

void F16ToF32(const uint16_t* x, float* y, int64_t n) {
    const hn::ScalableTag<float> d;
    const hn::Rebind<hwy::float16_t, decltype(d)> dh;
    const int64_t N = (int64_t)hn::Lanes(d);
    const auto* xh = reinterpret_cast<const hwy::float16_t*>(x);
    int64_t i = 0;
    for (; i + N <= n; i += N) hn::StoreU(hn::PromoteTo(d, hn::LoadU(dh, xh + i)), d, y + i);
    const hn::CappedTag<float, 1> d1;
    const hn::CappedTag<hwy::float16_t, 1> dh1;
    for (; i < n; ++i) hn::StoreU(hn::PromoteTo(d1, hn::LoadU(dh1, xh + i)), d1, y + i);
}

}  // namespace HWY_NAMESPACE
}  // namespace kvzip
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace kvzip {
HWY_EXPORT(DotF32);
HWY_EXPORT(DotF16);
HWY_EXPORT(AxpyF32);
HWY_EXPORT(AxpyF16);
HWY_EXPORT(DotRowsF32);
HWY_EXPORT(DotRowsF16);
HWY_EXPORT(WeightedSumF32);
HWY_EXPORT(WeightedSumF16);
HWY_EXPORT(DotRowsF32Idx);
HWY_EXPORT(DotRowsF16Idx);
HWY_EXPORT(WeightedSumF32Idx);
HWY_EXPORT(WeightedSumF16Idx);
HWY_EXPORT(F32ToF16);
HWY_EXPORT(F16ToF32);

float dot_f32(const float* a, const float* b, int64_t n) { return HWY_DYNAMIC_DISPATCH(DotF32)(a, b, n); }
float dot_f16(const uint16_t* a, const float* b, int64_t n) { return HWY_DYNAMIC_DISPATCH(DotF16)(a, b, n); }
void axpy_f32(float alpha, const float* x, float* y, int64_t n) { HWY_DYNAMIC_DISPATCH(AxpyF32)(alpha, x, y, n); }
void axpy_f16(float alpha, const uint16_t* x, float* y, int64_t n) { HWY_DYNAMIC_DISPATCH(AxpyF16)(alpha, x, y, n); }
void dot_rows_f32(const float* rows, int64_t n_rows, int64_t dim, const float* x, float* out) {
    HWY_DYNAMIC_DISPATCH(DotRowsF32)(rows, n_rows, dim, x, out);
}
void dot_rows_f16(const uint16_t* rows, int64_t n_rows, int64_t dim, const float* x, float* out) {
    HWY_DYNAMIC_DISPATCH(DotRowsF16)(rows, n_rows, dim, x, out);
}
void weighted_sum_f32(const float* w, const float* rows, int64_t n_rows, int64_t dim, float* y) {
    HWY_DYNAMIC_DISPATCH(WeightedSumF32)(w, rows, n_rows, dim, y);
}
void weighted_sum_f16(const float* w, const uint16_t* rows, int64_t n_rows, int64_t dim, float* y) {
    HWY_DYNAMIC_DISPATCH(WeightedSumF16)(w, rows, n_rows, dim, y);
}
void dot_rows_f32_idx(const float* rows, const int32_t* idx, int64_t n, int64_t dim, const float* x, float* out) {
    HWY_DYNAMIC_DISPATCH(DotRowsF32Idx)(rows, idx, n, dim, x, out);
}
void dot_rows_f16_idx(const uint16_t* rows, const int32_t* idx, int64_t n, int64_t dim, const float* x, float* out) {
    HWY_DYNAMIC_DISPATCH(DotRowsF16Idx)(rows, idx, n, dim, x, out);
}
void weighted_sum_f32_idx(const float* w, const float* rows, const int32_t* idx, int64_t n, int64_t dim, float* y) {
    HWY_DYNAMIC_DISPATCH(WeightedSumF32Idx)(w, rows, idx, n, dim, y);
}
void weighted_sum_f16_idx(const float* w, const uint16_t* rows, const int32_t* idx, int64_t n, int64_t dim, float* y) {
    HWY_DYNAMIC_DISPATCH(WeightedSumF16Idx)(w, rows, idx, n, dim, y);
}
void f32_to_f16_row(const float* x, uint16_t* y, int64_t n) { HWY_DYNAMIC_DISPATCH(F32ToF16)(x, y, n); }
void f16_to_f32_row(const uint16_t* x, float* y, int64_t n) { HWY_DYNAMIC_DISPATCH(F16ToF32)(x, y, n); }
}  // namespace kvzip
#endif
