#pragma once
// Exact scalar conversions between IEEE binary16 / bfloat16 bit patterns and
// float. Header-only so that scalar code anywhere (block scales, tests) can
// inline them; the row converters in quant.h use hardware F16C where present.
//
// Hand-written because the portable alternatives fall short: _Float16 is not
// available for x86 in the clang we build the fuzzers with, and Highway 1.0.3's
// non-F16C fallback truncates instead of rounding and mishandles inf/NaN.
#include <bit>
#include <cstdint>

namespace kvzip::half {

// binary16 -> float. Exact for every input: normals and subnormals map to the
// same value, +-0/+-inf keep their sign, NaNs stay NaN with their payload and
// come out quiet (bit-identical to F16C's vcvtph2ps).
inline float to_float(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    const uint32_t exp = (h >> 10) & 0x1fu;
    const uint32_t mant = h & 0x3ffu;
    if (exp == 0x1f) {
        const uint32_t quiet = mant != 0 ? 0x400000u : 0u;
        return std::bit_cast<float>(sign | 0x7f800000u | quiet | (mant << 13));
    }
    if (exp != 0) {
        // Re-bias the exponent from 15 to 127; the mantissa just widens.
        return std::bit_cast<float>(sign | ((exp + 112u) << 23) | (mant << 13));
    }
    // Zero or subnormal: the value is mant * 2^-24, exact in float (and a
    // normal float, so this never touches float subnormals).
    const float mag = static_cast<float>(mant) * 0x1p-24f;
    return std::bit_cast<float>(sign | std::bit_cast<uint32_t>(mag));
}

// float -> binary16 with round-to-nearest-even (what F16C's vcvtps2ph and
// numpy do). Overflow gives inf, NaN stays a (quiet) NaN, tiny values become
// subnormals or zero with correct rounding.
inline uint16_t from_float(float f) {
    const uint32_t bits = std::bit_cast<uint32_t>(f);
    const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
    const uint32_t abs = bits & 0x7fffffffu;
    if (abs > 0x7f800000u) {
        // NaN: keep the top payload bits and force the quiet bit so the
        // payload cannot truncate to zero (which would read as inf).
        return static_cast<uint16_t>(sign | 0x7e00u | ((abs >> 13) & 0x3ffu));
    }
    if (abs >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // >= 65520 rounds to inf; inf
    if (abs >= 0x38800000u) {
        // Normal half (>= 2^-14): drop 13 mantissa bits, rounding to nearest even.
        // A carry out of the mantissa correctly bumps the exponent.
        uint32_t h = (abs >> 13) - (112u << 10);
        const uint32_t rest = abs & 0x1fffu;
        if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;
        return static_cast<uint16_t>(sign | h);
    }
    // Subnormal half or zero: the result is round(|f| * 2^24) as an integer.
    // |f| = m * 2^(e-150) with the implicit bit in m, so shift m right by
    // 126 - e; a shift of 25 or more leaves less than half of the last place.
    const uint32_t e = abs >> 23;
    const uint32_t shift = 126u - e;
    if (shift >= 25) return sign;
    const uint32_t m = (abs & 0x7fffffu) | 0x800000u;
    uint32_t h = m >> shift;
    const uint32_t rest = m & ((1u << shift) - 1u);
    const uint32_t halfway = 1u << (shift - 1);
    if (rest > halfway || (rest == halfway && (h & 1u))) ++h;  // may carry into the smallest normal: correct
    return static_cast<uint16_t>(sign | h);
}

// bfloat16 is the top half of a float: widening is exact.
inline float bf16_to_float(uint16_t h) { return std::bit_cast<float>(static_cast<uint32_t>(h) << 16); }

}  // namespace kvzip::half
