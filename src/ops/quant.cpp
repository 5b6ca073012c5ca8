// Dequantization and dot-product kernels for the ggml block formats.
//
// Compiled once per SIMD target by Highway's foreach_target (this file
// re-includes itself); HWY_DYNAMIC_DISPATCH picks the best compiled target the
// CPU supports on first use, so one binary runs on AVX2 machines and on
// AVX-only ones (which get the SSE4 code).
//
// Numerics: weights are dequantized exactly (see quant_decode-inl.h) and dotted
// with the float activations in float arithmetic, so results match
// dequantize-then-dot up to the order of the float additions. We deliberately
// do not quantize activations to 8 bits as llama.cpp does.
#include "ops/quant.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "ops/fp16.h"
#include "util/error.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "ops/quant.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "ops/quant_decode-inl.h"

HWY_BEFORE_NAMESPACE();
namespace kvzip {
namespace HWY_NAMESPACE {

// Independent accumulators in dot_row: the decoders emit vectors at distinct
// offsets, and spreading them over 8 registers keeps the FMA latency chain
// (4 cycles, 2 per cycle issued) from becoming the bottleneck.
constexpr size_t kSlots = 8;

HWY_INLINE float SumSlots(VF (&acc)[kSlots]) {
    const DF df;
    HWY_UNROLL(kSlots)
    for (size_t step = kSlots / 2; step > 0; step /= 2) {
        for (size_t i = 0; i < step; ++i) acc[i] = hn::Add(acc[i], acc[i + step]);
    }
    return hn::GetLane(hn::SumOfLanes(df, acc[0]));
}

// Calls fn(Format{}) for the block format of t; t must be a quantized type
// that type_supported() accepts (the public functions check). The per-format
// row kernels it reaches are HWY_NOINLINE: one call per row costs nothing,
// while inlining every unrolled decoder into one switch made that function
// slow to compile (minutes under the sanitizers).
template <class Fn>
HWY_INLINE void WithFormat(GGMLType t, Fn&& fn) {
    switch (t) {
        case GGMLType::Q4_0: return fn(FormatQ4_0{});
        case GGMLType::Q4_1: return fn(FormatQ4_1{});
        case GGMLType::Q5_0: return fn(FormatQ5_0{});
        case GGMLType::Q5_1: return fn(FormatQ5_1{});
        case GGMLType::Q8_0: return fn(FormatQ8_0{});
        case GGMLType::Q2_K: return fn(FormatQ2_K{});
        case GGMLType::Q3_K: return fn(FormatQ3_K{});
        case GGMLType::Q4_K: return fn(FormatQ4_K{});
        case GGMLType::Q5_K: return fn(FormatQ5_K{});
        case GGMLType::Q6_K: return fn(FormatQ6_K{});
        default: return;  // unreachable after the public checks
    }
}

// ---------------------------------------------------------------- dequantize

template <class Format>
HWY_NOINLINE void DequantBlocks(const uint8_t* src, float* dst, size_t n_blocks) {
    const DF df;
    for (size_t blk = 0; blk < n_blocks; ++blk) {
        float* out = dst + blk * Format::kElems;
        Format::Decode(src + blk * Format::kBytes, [&](size_t off, VF w) HWY_ATTR { hn::StoreU(w, df, out + off); });
    }
}

// Loads from a possibly unaligned byte pointer; memcpy is the portable way
// (compilers turn it into one unaligned load).
inline float ReadF32(const uint8_t* p, size_t i) {
    float v;
    std::memcpy(&v, p + 4 * i, sizeof v);
    return v;
}
inline uint16_t ReadU16(const uint8_t* p, size_t i) {
    uint16_t v;
    std::memcpy(&v, p + 2 * i, sizeof v);
    return v;
}

// Widens n fp16 or bf16 values to float. src is bytes because 16-bit rows come
// from a file mapping without alignment promises: vector loads are unaligned
// loads, and the scalar tail goes through memcpy.
HWY_INLINE void Widen16(GGMLType t, const uint8_t* src, float* dst, size_t n) {
    const DF df;
    const auto* p = reinterpret_cast<const uint16_t*>(src);
    size_t i = 0;
    if (t == GGMLType::F16) {
        for (; i + kLanes <= n; i += kLanes) hn::StoreU(LoadHalves(p + i), df, dst + i);
        for (; i < n; ++i) dst[i] = half::to_float(ReadU16(src, i));
    } else {
        for (; i + kLanes <= n; i += kLanes) hn::StoreU(LoadBF16(p + i), df, dst + i);
        for (; i < n; ++i) dst[i] = half::bf16_to_float(ReadU16(src, i));
    }
}

void DequantizeRowImpl(GGMLType t, const uint8_t* src, float* dst, size_t n) {
    switch (t) {
        case GGMLType::F32: std::memcpy(dst, src, n * sizeof(float)); return;
        case GGMLType::F16:
        case GGMLType::BF16: Widen16(t, src, dst, n); return;
        default:
            WithFormat(t, [&](auto fmt) HWY_ATTR {
                using F = decltype(fmt);
                DequantBlocks<F>(src, dst, n / F::kElems);
            });
    }
}

// ---------------------------------------------------------------- dot_row

template <class Format>
HWY_NOINLINE float DotBlocks(const uint8_t* row, const float* x, size_t n_blocks) {
    const DF df;
    VF acc[kSlots];
    for (auto& a : acc) a = hn::Zero(df);
    for (size_t blk = 0; blk < n_blocks; ++blk) {
        const float* xb = x + blk * Format::kElems;
        Format::Decode(row + blk * Format::kBytes, [&](size_t off, VF w) HWY_ATTR {
            VF& a = acc[(off / kLanes) % kSlots];
            a = hn::MulAdd(w, hn::LoadU(df, xb + off), a);
        });
    }
    return SumSlots(acc);
}

// Q8_0 is pure scale times int8, so the scale can wait: sum q * x over the
// block in two partial chains and multiply by d once per block. A quarter
// fewer FMAs than dequantizing in registers (measured ~25% faster on AVX2),
// and Q8_0 carries the largest matrices of our models (embeddings/output).
HWY_NOINLINE float DotQ8_0(const uint8_t* row, const float* x, size_t n_blocks) {
    const DF df;
    VF acc0 = hn::Zero(df), acc1 = hn::Zero(df);
    for (size_t blk = 0; blk < n_blocks; ++blk) {
        const uint8_t* b = row + blk * FormatQ8_0::kBytes;
        const float* xb = x + blk * FormatQ8_0::kElems;
        VF t[2] = {hn::Zero(df), hn::Zero(df)};
        KVZIP_UNROLL_VECTORS
        for (size_t i = 0; i < 32; i += kLanes) {
            VF& ti = t[(i / kLanes) & 1];
            ti = hn::MulAdd(ToFloat(LoadI8(b + 2 + i)), hn::LoadU(df, xb + i), ti);
        }
        const VF d = hn::Set(df, LoadHalf(b));
        acc0 = hn::MulAdd(d, t[0], acc0);
        acc1 = hn::MulAdd(d, t[1], acc1);
    }
    return hn::GetLane(hn::SumOfLanes(df, hn::Add(acc0, acc1)));
}

// Float rows: `load(i)` gives the weights i..i+kLanes as floats and
// `scalar(i)` weight i (for the tail when n is not a multiple of kLanes).
template <class LoadW, class ScalarW>
HWY_INLINE float DotFloats(const float* x, size_t n, LoadW load, ScalarW scalar) {
    const DF df;
    VF acc[kSlots];
    for (auto& a : acc) a = hn::Zero(df);
    size_t i = 0;
    for (; i + kSlots * kLanes <= n; i += kSlots * kLanes) {
        HWY_UNROLL(kSlots)
        for (size_t s = 0; s < kSlots; ++s) {
            acc[s] = hn::MulAdd(load(i + s * kLanes), hn::LoadU(df, x + i + s * kLanes), acc[s]);
        }
    }
    for (; i + kLanes <= n; i += kLanes) acc[0] = hn::MulAdd(load(i), hn::LoadU(df, x + i), acc[0]);
    float sum = SumSlots(acc);
    for (; i < n; ++i) sum += scalar(i) * x[i];
    return sum;
}

float DotRowImpl(GGMLType t, const uint8_t* row, const float* x, size_t n) {
    const DF df;
    switch (t) {
        case GGMLType::F32:
            // LoadU is an unaligned vector load, safe on any address.
            return DotFloats(x, n,
                             [&](size_t i) HWY_ATTR { return hn::LoadU(df, reinterpret_cast<const float*>(row) + i); },
                             [&](size_t i) { return ReadF32(row, i); });
        case GGMLType::F16:
            return DotFloats(x, n,
                             [&](size_t i) HWY_ATTR { return LoadHalves(reinterpret_cast<const uint16_t*>(row) + i); },
                             [&](size_t i) { return half::to_float(ReadU16(row, i)); });
        case GGMLType::BF16:
            return DotFloats(x, n,
                             [&](size_t i) HWY_ATTR { return LoadBF16(reinterpret_cast<const uint16_t*>(row) + i); },
                             [&](size_t i) { return half::bf16_to_float(ReadU16(row, i)); });
        case GGMLType::Q8_0: return DotQ8_0(row, x, n / FormatQ8_0::kElems);
        default: {
            float result = 0.0f;
            WithFormat(t, [&](auto fmt) HWY_ATTR {
                using F = decltype(fmt);
                result = DotBlocks<F>(row, x, n / F::kElems);
            });
            return result;
        }
    }
}

// ---------------------------------------------------------------- dot_rows_multi

// Register tile of the batched kernel: 4 weight rows x 2 vectors = 8
// accumulators, 6 loads per 8 FMAs, so the FMA units rather than the load
// ports set the pace. Weight tiles of up to 4 x 1024 floats (16 KiB) stay in L1
// while every vector streams past them.
constexpr size_t kRowBlock = 4;
constexpr size_t kVecBlock = 2;
constexpr size_t kTileFloats = 1024;

// res[r * V + v] = dot(w[r][0..len), x_v[0..len)) with x_v = x + v * x_stride.
template <size_t R, size_t V>
HWY_NOINLINE void MicroKernel(const float* const* w, const float* x, size_t x_stride, size_t len, float* res) {
    const DF df;
    VF acc[R][V];
    for (auto& row : acc)
        for (auto& a : row) a = hn::Zero(df);
    size_t k = 0;
    for (; k + kLanes <= len; k += kLanes) {
        VF xv[V];
        HWY_UNROLL(4)
        for (size_t v = 0; v < V; ++v) xv[v] = hn::LoadU(df, x + v * x_stride + k);
        HWY_UNROLL(4)
        for (size_t r = 0; r < R; ++r) {
            const VF wv = hn::LoadU(df, w[r] + k);
            HWY_UNROLL(4)
            for (size_t v = 0; v < V; ++v) acc[r][v] = hn::MulAdd(wv, xv[v], acc[r][v]);
        }
    }
    for (size_t r = 0; r < R; ++r) {
        for (size_t v = 0; v < V; ++v) {
            float s = hn::GetLane(hn::SumOfLanes(df, acc[r][v]));
            for (size_t kk = k; kk < len; ++kk) s += w[r][kk] * x[v * x_stride + kk];
            res[r * V + v] = s;
        }
    }
}

template <size_t V>
HWY_INLINE void MicroKernelRows(size_t rows, const float* const* w, const float* x, size_t x_stride, size_t len,
                                float* res) {
    switch (rows) {
        case 4: return MicroKernel<4, V>(w, x, x_stride, len, res);
        case 3: return MicroKernel<3, V>(w, x, x_stride, len, res);
        case 2: return MicroKernel<2, V>(w, x, x_stride, len, res);
        default: return MicroKernel<1, V>(w, x, x_stride, len, res);
    }
}

// Tile length: at most kTileFloats, whole blocks, and balanced so that a row
// of e.g. 1536 splits 768 + 768 rather than 1024 + 512.
inline size_t TileLength(size_t n, size_t block_elems) {
    const size_t tiles = (n + kTileFloats - 1) / kTileFloats;
    const size_t unit = std::max<size_t>(block_elems, 16);  // 16 | 1024 and every block size | 1024
    const size_t even = (n + tiles - 1) / tiles;
    return std::min(kTileFloats, (even + unit - 1) / unit * unit);
}

void DotRowsMultiImpl(GGMLType t, const uint8_t* rows, size_t row_stride, size_t n_rows, const float* x,
                      size_t x_stride, size_t n_vec, size_t n, float* out, size_t out_stride) {
    if (n_vec == 1) {
        // A single vector gains nothing from a dequantized tile: stream the
        // quantized rows instead (the decode kernel).
        for (size_t r = 0; r < n_rows; ++r) out[r] = DotRowImpl(t, rows + r * row_stride, x, n);
        return;
    }
    if (n == 0) {
        for (size_t j = 0; j < n_vec; ++j) std::fill_n(out + j * out_stride, n_rows, 0.0f);
        return;
    }
    const size_t block_elems = type_block_elems(t), block_bytes = type_block_bytes(t);
    const size_t tile = TileLength(n, block_elems);
    HWY_ALIGN float buf[kRowBlock][kTileFloats];
    for (size_t r0 = 0; r0 < n_rows; r0 += kRowBlock) {
        const size_t nr = std::min(kRowBlock, n_rows - r0);
        for (size_t k0 = 0; k0 < n; k0 += tile) {
            const size_t len = std::min(tile, n - k0);
            const float* w[kRowBlock];
            for (size_t r = 0; r < nr; ++r) {
                const uint8_t* src = rows + (r0 + r) * row_stride + k0 / block_elems * block_bytes;
                DequantizeRowImpl(t, src, buf[r], len);
                w[r] = buf[r];
            }
            for (size_t j0 = 0; j0 < n_vec; j0 += kVecBlock) {
                const size_t nv = std::min(kVecBlock, n_vec - j0);
                float res[kRowBlock * kVecBlock];
                const float* xj = x + j0 * x_stride + k0;
                if (nv == 2) {
                    MicroKernelRows<2>(nr, w, xj, x_stride, len, res);
                } else {
                    MicroKernelRows<1>(nr, w, xj, x_stride, len, res);
                }
                for (size_t v = 0; v < nv; ++v) {
                    for (size_t r = 0; r < nr; ++r) {
                        float& o = out[(j0 + v) * out_stride + r0 + r];
                        o = (k0 == 0 ? 0.0f : o) + res[r * nv + v];
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------- fp16 rows

void Fp16ToFp32RowImpl(const uint16_t* src, float* dst, size_t n) {
    Widen16(GGMLType::F16, reinterpret_cast<const uint8_t*>(src), dst, n);
}

void Fp32ToFp16RowImpl(const float* src, uint16_t* dst, size_t n) {
    size_t i = 0;
#if KVZIP_HAVE_F16C
    // vcvtps2ph rounds to nearest even and handles inf/NaN/subnormals exactly
    // like half::from_float.
    const DF df;
    const hn::Rebind<hwy::float16_t, DF> dh;
    for (; i + kLanes <= n; i += kLanes) {
        hn::StoreU(hn::DemoteTo(dh, hn::LoadU(df, src + i)), dh, reinterpret_cast<hwy::float16_t*>(dst + i));
    }
#endif
    for (; i < n; ++i) dst[i] = half::from_float(src[i]);
}

const char* TargetNameImpl() { return hwy::TargetName(HWY_TARGET); }

}  // namespace HWY_NAMESPACE
}  // namespace kvzip
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace kvzip {

HWY_EXPORT(DequantizeRowImpl);
HWY_EXPORT(DotRowImpl);
HWY_EXPORT(DotRowsMultiImpl);
HWY_EXPORT(Fp16ToFp32RowImpl);
HWY_EXPORT(Fp32ToFp16RowImpl);
HWY_EXPORT(TargetNameImpl);

namespace {

// Throws for what a caller (ultimately a model file) can get wrong.
void check_row(const char* fn, GGMLType t, int64_t n) {
    if (!type_supported(t)) {
        throw Error(std::string(fn) + ": tensor type " + type_name(t) + " is not supported");
    }
    const auto block = static_cast<int64_t>(type_block_elems(t));
    if (n < 0 || n % block != 0) {
        throw Error(std::string(fn) + ": row length " + std::to_string(n) + " is not a multiple of the " +
                    type_name(t) + " block size " + std::to_string(block));
    }
}

}  // namespace

void dequantize_row(GGMLType t, const void* src, float* dst, int64_t n) {
    check_row("dequantize_row", t, n);
    HWY_DYNAMIC_DISPATCH(DequantizeRowImpl)(t, static_cast<const uint8_t*>(src), dst, static_cast<size_t>(n));
}

float dot_row(GGMLType t, const void* row, const float* x, int64_t n) {
    check_row("dot_row", t, n);
    return HWY_DYNAMIC_DISPATCH(DotRowImpl)(t, static_cast<const uint8_t*>(row), x, static_cast<size_t>(n));
}

void dot_rows_multi(GGMLType t, const void* rows, size_t row_stride, int64_t n_rows, const float* x,
                    int64_t x_stride, int64_t n_vec, int64_t n, float* out, int64_t out_stride) {
    check_row("dot_rows_multi", t, n);
    if (n_rows < 0 || n_vec < 0 || x_stride < 0 || out_stride < 0) {
        throw Error("dot_rows_multi: negative row count, vector count or stride");
    }
    if (n_rows == 0 || n_vec == 0) return;
    HWY_DYNAMIC_DISPATCH(DotRowsMultiImpl)
    (t, static_cast<const uint8_t*>(rows), row_stride, static_cast<size_t>(n_rows), x, static_cast<size_t>(x_stride),
     static_cast<size_t>(n_vec), static_cast<size_t>(n), out, static_cast<size_t>(out_stride));
}

float fp16_to_fp32(uint16_t h) { return half::to_float(h); }
uint16_t fp32_to_fp16(float f) { return half::from_float(f); }
float bf16_to_fp32(uint16_t h) { return half::bf16_to_float(h); }

void fp16_to_fp32_row(const uint16_t* src, float* dst, int64_t n) {
    if (n > 0) HWY_DYNAMIC_DISPATCH(Fp16ToFp32RowImpl)(src, dst, static_cast<size_t>(n));
}

void fp32_to_fp16_row(const float* src, uint16_t* dst, int64_t n) {
    if (n > 0) HWY_DYNAMIC_DISPATCH(Fp32ToFp16RowImpl)(src, dst, static_cast<size_t>(n));
}

const char* quant_simd_target() { return HWY_DYNAMIC_DISPATCH(TargetNameImpl)(); }

}  // namespace kvzip
#endif  // HWY_ONCE
