// Per-target block decoders for the ggml quant formats (Highway -inl header:
// included once per SIMD target from quant.cpp, hence the toggling guard).
//
// Each format is a struct with its block geometry and
//     Decode(df, block, sink)
// which turns one block into float vectors of Lanes(df) weights and hands each
// to sink(offset_in_block, weights). The same decoder feeds the dequantizer
// (sink stores) and the dot kernels (sink multiplies by x in registers), so the
// two can never disagree about a layout.
//
// Exactness: every format computes w = a * q (+ b) where a is a fp16 scale,
// possibly times a small integer sub-scale, and q a small integer. All those
// products fit in float's 24-bit significand (at most 11 + 7 + 6 bits), so
// they are exact, and the one add that follows rounds once whether or not it
// is fused with the multiply. Hence the decoders reproduce the reference
// dequantization (ggml's dequantize_row_*, gguf-py's dequantize) bit for bit
// on every target, with or without FMA. Offsets of signed formats (q - 8,
// q - 32, ...) are subtracted in integers before the multiply, as the
// reference does: folding them into the FMA would give +0 where it gives -0.
//
// Layouts are those of ggml-common.h; element order within a block follows
// ggml's dequantize_row_* reference code.

#if defined(KVZIP_OPS_QUANT_DECODE_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef KVZIP_OPS_QUANT_DECODE_INL_H_
#undef KVZIP_OPS_QUANT_DECODE_INL_H_
#else
#define KVZIP_OPS_QUANT_DECODE_INL_H_
#endif

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "hwy/highway.h"
#include "ops/fp16.h"

// Hardware fp16 conversion (F16C) comes with Highway's AVX2 and AVX3 targets.
// Elsewhere Highway 1.0.3 emulates it, but its emulation mishandles inf/NaN
// (and truncates when narrowing), so we use our own exact code instead.
#undef KVZIP_HAVE_F16C
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2 && !defined(HWY_DISABLE_F16C)
#define KVZIP_HAVE_F16C 1
#else
#define KVZIP_HAVE_F16C 0
#endif

// Loops over the vectors of a block are fully unrolled so that the dot
// kernels' accumulator index, (offset / lanes) % slots, is a constant and the
// accumulators live in registers. The 1-lane fallback targets would unroll
// 32-fold for no speed, only compile time (many minutes under sanitizers).
#undef KVZIP_UNROLL_VECTORS
#if HWY_TARGET == HWY_SCALAR || HWY_TARGET == HWY_EMU128
#define KVZIP_UNROLL_VECTORS HWY_UNROLL(1)
#else
#define KVZIP_UNROLL_VECTORS HWY_UNROLL(32)
#endif

HWY_BEFORE_NAMESPACE();
namespace kvzip {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// All kernels use at most 8 float lanes: every sub-block of every format
// (16 or 32 elements) is then a whole number of vectors, on every target.
using DF = hn::CappedTag<float, 8>;
using VF = hn::Vec<DF>;
using DI = hn::RebindToSigned<DF>;
using VI = hn::Vec<DI>;
constexpr size_t kLanes = hn::MaxLanes(DF());
static_assert(16 % kLanes == 0, "decoders assume vectors tile 16-element sub-blocks");

// ---------------------------------------------------------------- helpers

// kLanes bytes at p, zero-extended to int32 lanes.
HWY_INLINE VI LoadU8(const uint8_t* p) {
    const hn::Rebind<uint8_t, DF> du8;
    return hn::PromoteTo(DI(), hn::LoadU(du8, p));
}

// kLanes bytes at p read as int8, sign-extended to int32 lanes.
HWY_INLINE VI LoadI8(const uint8_t* p) {
    const hn::Rebind<int8_t, DF> di8;
    return hn::PromoteTo(DI(), hn::LoadU(di8, reinterpret_cast<const int8_t*>(p)));
}

HWY_INLINE VF ToFloat(VI q) { return hn::ConvertTo(DF(), q); }

// The fp16 stored (unaligned, little-endian) at p, as float.
HWY_INLINE float LoadHalf(const uint8_t* p) {
#if KVZIP_HAVE_F16C
    // hwy::float16_t is a packed 2-byte struct, so the cast is alignment-safe
    // and LoadU copies the bytes.
    const hn::CappedTag<hwy::float16_t, 1> dh;
    const hn::CappedTag<float, 1> df1;
    return hn::GetLane(hn::PromoteTo(df1, hn::LoadU(dh, reinterpret_cast<const hwy::float16_t*>(p))));
#else
    uint16_t h;
    std::memcpy(&h, p, sizeof h);
    return half::to_float(h);
#endif
}

// kLanes fp16 values at p, widened to float exactly.
HWY_INLINE VF LoadHalves(const uint16_t* p) {
    const DF df;
#if KVZIP_HAVE_F16C
    const hn::Rebind<hwy::float16_t, DF> dh;
    return hn::PromoteTo(df, hn::LoadU(dh, reinterpret_cast<const hwy::float16_t*>(p)));
#else
    // Same cases as half::to_float, branch-free: re-bias normals, scale
    // subnormals by 2^-24 (exact, and no float subnormal is touched).
    const hn::Rebind<uint16_t, DF> du16;
    const DI di;
    const VI bits = hn::BitCast(di, hn::PromoteTo(hn::RebindToUnsigned<DF>(), hn::LoadU(du16, p)));
    const VI mag = hn::And(bits, hn::Set(di, 0x7fff));
    const VI sign = hn::ShiftLeft<16>(hn::And(bits, hn::Set(di, 0x8000)));
    const VI wide = hn::ShiftLeft<13>(mag);
    const VF normal = hn::BitCast(df, hn::Add(wide, hn::Set(di, 112 << 23)));
    const VF subnormal = hn::Mul(hn::ConvertTo(df, mag), hn::Set(df, 0x1p-24f));
    // inf stays inf; a NaN keeps its payload and is made quiet, as by F16C.
    const VI quiet = hn::IfThenElseZero(hn::Gt(mag, hn::Set(di, 0x7c00)), hn::Set(di, 0x400000));
    const VF infnan = hn::BitCast(df, hn::Or(hn::Or(wide, quiet), hn::Set(di, 0x7f800000)));
    VF r = hn::IfThenElse(hn::RebindMask(df, hn::Lt(mag, hn::Set(di, 0x0400))), subnormal, normal);
    r = hn::IfThenElse(hn::RebindMask(df, hn::Gt(mag, hn::Set(di, 0x7bff))), infnan, r);
    return hn::Or(r, hn::BitCast(df, sign));
#endif
}

// kLanes bf16 values at p, widened to float (exact: bf16 is a float's top half).
HWY_INLINE VF LoadBF16(const uint16_t* p) {
    const hn::Rebind<uint16_t, DF> du16;
    const hn::RebindToUnsigned<DF> du32;
    return hn::BitCast(DF(), hn::ShiftLeft<16>(hn::PromoteTo(du32, hn::LoadU(du16, p))));
}

// The 4-bit-field trick of Q5_0/Q5_1: bit (first + lane) of `bits`, as 0 or 16
// per lane. The 32 high bits of the block are one little-endian word.
HWY_INLINE VI HighBit16(uint32_t bits, int first) {
    const DI di;
    const VI shifted = hn::Set(di, static_cast<int32_t>(bits)) >> hn::Iota(di, first);
    return hn::ShiftLeft<4>(hn::And(shifted, hn::Set(di, 1)));
}

inline uint32_t LoadU32(const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// The 6-bit scale and min of sub-block j (0..7) of a Q4_K/Q5_K block, packed
// in 12 bytes: bytes 0-3 hold scales 0-3 (low 6 bits) and the top 2 bits of
// scales 4-7; bytes 4-7 the same for mins; bytes 8-11 the low 4 bits of
// scales 4-7 (low nibble) and mins 4-7 (high nibble).
inline void ScaleMinK4(const uint8_t* s, int j, int& scale, int& min) {
    if (j < 4) {
        scale = s[j] & 63;
        min = s[j + 4] & 63;
    } else {
        scale = (s[j + 4] & 0x0f) | ((s[j - 4] >> 6) << 4);
        min = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

// ---------------------------------------------------------------- formats

// Q4_0: fp16 d, 16 bytes of nibbles. Low nibbles are elements 0-15, high
// nibbles 16-31; w = d * (q - 8).
struct FormatQ4_0 {
    static constexpr size_t kElems = 32, kBytes = 18;
    template <class Sink>
    static HWY_INLINE void Decode(const uint8_t* b, Sink&& sink) {
        const DI di;
        const VF vd = hn::Set(DF(), LoadHalf(b));
        const VI mask = hn::Set(di, 0x0f), eight = hn::Set(di, 8);
        KVZIP_UNROLL_VECTORS
        for (size_t i = 0; i < 16; i += kLanes) {
            const VI q = LoadU8(b + 2 + i);
            sink(i, hn::Mul(ToFloat(hn::Sub(hn::And(q, mask), eight)), vd));
            sink(16 + i, hn::Mul(ToFloat(hn::Sub(hn::ShiftRight<4>(q), eight)), vd));
        }
    }
};

// Q4_1: fp16 d, fp16 m, nibbles as Q4_0; w = d * q + m.
struct FormatQ4_1 {
    static constexpr size_t kElems = 32, kBytes = 20;
    template <class Sink>
    static HWY_INLINE void Decode(const uint8_t* b, Sink&& sink) {
        const DF df;
        const VF vd = hn::Set(df, LoadHalf(b)), vm = hn::Set(df, LoadHalf(b + 2));
        const VI mask = hn::Set(DI(), 0x0f);
        KVZIP_UNROLL_VECTORS
        for (size_t i = 0; i < 16; i += kLanes) {
            const VI q = LoadU8(b + 4 + i);
            sink(i, hn::MulAdd(ToFloat(hn::And(q, mask)), vd, vm));
            sink(16 + i, hn::MulAdd(ToFloat(hn::ShiftRight<4>(q)), vd, vm));
        }
    }
};

// Q5_0: fp16 d, 32 high bits (bit i belongs to element i), nibbles as Q4_0;
// w = d * (q - 16).
struct FormatQ5_0 {
    static constexpr size_t kElems = 32, kBytes = 22;
    template <class Sink>
    static HWY_INLINE void Decode(const uint8_t* b, Sink&& sink) {
        const DI di;
        const VF vd = hn::Set(DF(), LoadHalf(b));
        const uint32_t qh = LoadU32(b + 2);
        const VI mask = hn::Set(di, 0x0f), sixteen = hn::Set(di, 16);
        KVZIP_UNROLL_VECTORS
        for (size_t i = 0; i < 16; i += kLanes) {
            const VI q = LoadU8(b + 6 + i);
            const VI lo = hn::Or(hn::And(q, mask), HighBit16(qh, static_cast<int>(i)));
            const VI hi = hn::Or(hn::ShiftRight<4>(q), HighBit16(qh, static_cast<int>(16 + i)));
            sink(i, hn::Mul(ToFloat(hn::Sub(lo, sixteen)), vd));
            sink(16 + i, hn::Mul(ToFloat(hn::Sub(hi, sixteen)), vd));
        }
    }
};

// Q5_1: fp16 d, fp16 m, 32 high bits, nibbles; w = d * q + m.
struct FormatQ5_1 {
    static constexpr size_t kElems = 32, kBytes = 24;
    template <class Sink>
    static HWY_INLINE void Decode(const uint8_t* b, Sink&& sink) {
        const DF df;
        const VF vd = hn::Set(df, LoadHalf(b)), vm = hn::Set(df, LoadHalf(b + 2));
        const uint32_t qh = LoadU32(b + 4);
        const VI mask = hn::Set(DI(), 0x0f);
        KVZIP_UNROLL_VECTORS
        for (size_t i = 0; i < 16; i += kLanes) {
            const VI q = LoadU8(b + 8 + i);
            const VI lo = hn::Or(hn::And(q, mask), HighBit16(qh, static_cast<int>(i)));
            const VI hi = hn::Or(hn::ShiftRight<4>(q), HighBit16(qh, static_cast<int>(16 + i)));
            sink(i, hn::MulAdd(ToFloat(lo), vd, vm));
            sink(16 + i, hn::MulAdd(ToFloat(hi), vd, vm));
        }
    }
};

// Q8_0: fp16 d, 32 int8; w = d * q.
struct FormatQ8_0 {
    static constexpr size_t kElems = 32, kBytes = 34;
    template <class Sink>
    static HWY_INLINE void Decode(const uint8_t* b, Sink&& sink) {
        const VF vd = hn::Set(DF(), LoadHalf(b));
        KVZIP_UNROLL_VECTORS
        for (size_t i = 0; i < 32; i += kLanes) sink(i, hn::Mul(ToFloat(LoadI8(b + 2 + i)), vd));
    }
};

// Q2_K: 16 scale bytes (low nibble: 4-bit scale, high nibble: 4-bit min, one
// per 16 elements), 64 bytes of 2-bit quants, fp16 d, fp16 dmin.
// Element 128h + 32k + i is bits 2k..2k+1 of qs[32h + i];
// w = d * scale * q - dmin * min.
struct FormatQ2_K {
    static constexpr size_t kElems = 256, kBytes = 84;
    template <class Sink>
    static HWY_INLINE void Decode(const uint8_t* b, Sink&& sink) {
        const DF df;
        const DI di;
        const uint8_t* scales = b;
        const uint8_t* qs = b + 16;
        const float d = LoadHalf(b + 80), dmin = LoadHalf(b + 82);
        for (size_t h = 0; h < 2; ++h) {
            KVZIP_UNROLL_VECTORS
            for (size_t i = 0; i < 32; i += kLanes) {
                const VI q = LoadU8(qs + 32 * h + i);
                HWY_UNROLL(4)
                for (int k = 0; k < 4; ++k) {
                    const uint8_t sc = scales[8 * h + 2 * k + i / 16];
                    const VF a = hn::Set(df, d * static_cast<float>(sc & 0x0f));
                    const VF m = hn::Set(df, dmin * static_cast<float>(sc >> 4));
                    const VI qk = hn::And(hn::ShiftRightSame(q, 2 * k), hn::Set(di, 3));
                    sink(128 * h + 32 * k + i, hn::MulSub(ToFloat(qk), a, m));
                }
            }
        }
    }
};

// Q3_K: 32 bytes of high bits (bit 4h + k of hmask[i] belongs to element
// 128h + 32k + i), 64 bytes of low 2-bit quants laid out as in Q2_K, 12 bytes
// of 6-bit signed scales (one per 16 elements), fp16 d.
// w = d * (scale - 32) * (q_low - (high bit set ? 0 : 4)).
struct FormatQ3_K {
    static constexpr size_t kElems = 256, kBytes = 110;

    // Scales 0-7 keep their low nibble in bytes 0-7 (low half), 8-15 in the
    // high half of the same bytes; the top 2 bits of scale s sit in byte
    // 8 + (s % 4) at bit 2 * (s / 4).
    static int Scale(const uint8_t* s, int idx) {
        const int low = idx < 8 ? (s[idx] & 0x0f) : (s[idx - 8] >> 4);
        const int high = (s[8 + (idx & 3)] >> (2 * (idx >> 2))) & 3;
        return (low | (high << 4)) - 32;
    }

    template <class Sink>
    static HWY_INLINE void Decode(const uint8_t* b, Sink&& sink) {
        const DF df;
        const DI di;
        const uint8_t* hmask = b;
        const uint8_t* qs = b + 32;
        const uint8_t* scales = b + 96;
        const float d = LoadHalf(b + 108);
        for (size_t h = 0; h < 2; ++h) {
            KVZIP_UNROLL_VECTORS
            for (size_t i = 0; i < 32; i += kLanes) {
                const VI q = LoadU8(qs + 32 * h + i);
                const VI hb = LoadU8(hmask + i);
                HWY_UNROLL(4)
                for (int k = 0; k < 4; ++k) {
                    const int idx = static_cast<int>(8 * h) + 2 * k + static_cast<int>(i / 16);
                    const VF a = hn::Set(df, d * static_cast<float>(Scale(scales, idx)));
                    const VI low = hn::And(hn::ShiftRightSame(q, 2 * k), hn::Set(di, 3));
                    const VI high = hn::And(hn::ShiftRightSame(hb, static_cast<int>(4 * h) + k), hn::Set(di, 1));
                    const VI qk = hn::Sub(hn::Add(low, hn::ShiftLeft<2>(high)), hn::Set(di, 4));
                    sink(128 * h + 32 * k + i, hn::Mul(ToFloat(qk), a));
                }
            }
        }
    }
};

// Q4_K: fp16 d, fp16 dmin, 12 bytes of packed 6-bit scales/mins (8
// sub-blocks of 32), 128 bytes of nibbles. Bytes 32j..32j+31 hold sub-block
// 2j in their low nibbles and 2j+1 in their high nibbles;
// w = d * scale * q - dmin * min.
struct FormatQ4_K {
    static constexpr size_t kElems = 256, kBytes = 144;
    template <class Sink>
    static HWY_INLINE void Decode(const uint8_t* b, Sink&& sink) {
        const DF df;
        const float d = LoadHalf(b), dmin = LoadHalf(b + 2);
        const uint8_t* scales = b + 4;
        const uint8_t* qs = b + 16;
        const VI mask = hn::Set(DI(), 0x0f);
        HWY_UNROLL(4)
        for (int j = 0; j < 4; ++j) {
            int sc0, m0, sc1, m1;
            ScaleMinK4(scales, 2 * j, sc0, m0);
            ScaleMinK4(scales, 2 * j + 1, sc1, m1);
            const VF a0 = hn::Set(df, d * static_cast<float>(sc0)), b0 = hn::Set(df, dmin * static_cast<float>(m0));
            const VF a1 = hn::Set(df, d * static_cast<float>(sc1)), b1 = hn::Set(df, dmin * static_cast<float>(m1));
            KVZIP_UNROLL_VECTORS
            for (size_t i = 0; i < 32; i += kLanes) {
                const VI q = LoadU8(qs + 32 * j + i);
                sink(64 * j + i, hn::MulSub(ToFloat(hn::And(q, mask)), a0, b0));
                sink(64 * j + 32 + i, hn::MulSub(ToFloat(hn::ShiftRight<4>(q)), a1, b1));
            }
        }
    }
};

// Q5_K: as Q4_K plus 32 bytes of high bits before the nibbles: bit s of
// qh[i] is the fifth bit of element 32s + i.
struct FormatQ5_K {
    static constexpr size_t kElems = 256, kBytes = 176;
    template <class Sink>
    static HWY_INLINE void Decode(const uint8_t* b, Sink&& sink) {
        const DF df;
        const DI di;
        const float d = LoadHalf(b), dmin = LoadHalf(b + 2);
        const uint8_t* scales = b + 4;
        const uint8_t* qh = b + 16;
        const uint8_t* qs = b + 48;
        const VI mask = hn::Set(di, 0x0f), one = hn::Set(di, 1);
        HWY_UNROLL(4)
        for (int j = 0; j < 4; ++j) {
            int sc0, m0, sc1, m1;
            ScaleMinK4(scales, 2 * j, sc0, m0);
            ScaleMinK4(scales, 2 * j + 1, sc1, m1);
            const VF a0 = hn::Set(df, d * static_cast<float>(sc0)), b0 = hn::Set(df, dmin * static_cast<float>(m0));
            const VF a1 = hn::Set(df, d * static_cast<float>(sc1)), b1 = hn::Set(df, dmin * static_cast<float>(m1));
            KVZIP_UNROLL_VECTORS
            for (size_t i = 0; i < 32; i += kLanes) {
                const VI q = LoadU8(qs + 32 * j + i);
                const VI hb = LoadU8(qh + i);
                // Bit 2j (2j+1) of hb, moved to bit 4.
                const VI h0 = hn::ShiftLeft<4>(hn::And(hn::ShiftRightSame(hb, 2 * j), one));
                const VI h1 = hn::ShiftLeft<4>(hn::And(hn::ShiftRightSame(hb, 2 * j + 1), one));
                sink(64 * j + i, hn::MulSub(ToFloat(hn::Or(hn::And(q, mask), h0)), a0, b0));
                sink(64 * j + 32 + i, hn::MulSub(ToFloat(hn::Or(hn::ShiftRight<4>(q), h1)), a1, b1));
            }
        }
    }
};

// Q6_K: 128 bytes of low nibbles, 64 bytes of high 2-bit pairs, 16 int8
// scales (one per 16 elements), fp16 d. In half h (128 elements), element
// 128h + 64n + r takes nibble n of ql[64h + r], and element 128h + 32s + i
// takes bits 2s..2s+1 of qh[32h + i]; w = d * scale * (q - 32).
struct FormatQ6_K {
    static constexpr size_t kElems = 256, kBytes = 210;
    template <class Sink>
    static HWY_INLINE void Decode(const uint8_t* b, Sink&& sink) {
        const DF df;
        const DI di;
        const uint8_t* ql = b;
        const uint8_t* qh = b + 128;
        const int8_t* scales = reinterpret_cast<const int8_t*>(b + 192);
        const float d = LoadHalf(b + 208);
        const VI mask = hn::Set(di, 0x0f), top = hn::Set(di, 0x30), bias = hn::Set(di, 32);
        for (size_t h = 0; h < 2; ++h) {
            KVZIP_UNROLL_VECTORS
            for (size_t i = 0; i < 32; i += kLanes) {
                const VI l0 = LoadU8(ql + 64 * h + i);
                const VI l1 = LoadU8(ql + 64 * h + 32 + i);
                const VI hb = LoadU8(qh + 32 * h + i);
                const VI q[4] = {
                    hn::Or(hn::And(l0, mask), hn::And(hn::ShiftLeft<4>(hb), top)),
                    hn::Or(hn::And(l1, mask), hn::And(hn::ShiftLeft<2>(hb), top)),
                    hn::Or(hn::ShiftRight<4>(l0), hn::And(hb, top)),
                    hn::Or(hn::ShiftRight<4>(l1), hn::And(hn::ShiftRight<2>(hb), top)),
                };
                HWY_UNROLL(4)
                for (size_t s = 0; s < 4; ++s) {
                    const VF a = hn::Set(df, d * static_cast<float>(scales[8 * h + 2 * s + i / 16]));
                    sink(128 * h + 32 * s + i, hn::Mul(ToFloat(hn::Sub(q[s], bias)), a));
                }
            }
        }
    }
};

}  // namespace HWY_NAMESPACE
}  // namespace kvzip
HWY_AFTER_NAMESPACE();

#endif  // KVZIP_OPS_QUANT_DECODE_INL_H_
