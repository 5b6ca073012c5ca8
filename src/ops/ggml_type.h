#pragma once
// Tensor element types, numbered as in ggml / the GGUF spec, and their block geometry.
#include <cstddef>
#include <cstdint>
#include <string>

namespace kvzip {

enum class GGMLType : uint32_t {
    F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
    Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15, BF16 = 30,
};

bool type_supported(GGMLType t);          // can we dequantize / dot it?
bool type_known(uint32_t raw);            // is it a ggml type we can at least size?
std::string type_name(GGMLType t);        // "Q4_K", or "type#N" for unknown
size_t type_block_elems(GGMLType t);      // elements per block (1 for float types)
size_t type_block_bytes(GGMLType t);      // bytes per block
// Bytes of a row of n elements; n must be a multiple of the block size.
inline size_t row_bytes(GGMLType t, int64_t n) { return (size_t)n / type_block_elems(t) * type_block_bytes(t); }

}  // namespace kvzip
