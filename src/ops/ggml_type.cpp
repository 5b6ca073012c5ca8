// Block geometry of every ggml tensor type.
//
// Ids, names and sizes follow ggml/include/ggml.h and ggml-common.h (checked
// against the gguf Python package's GGML_QUANT_SIZES, gguf 0.19.0). Ids that
// ggml retired (4, 5: Q4_2/Q4_3; 31-33 and 36-38: the repacked
// Q4_0_4_4 / IQ4_NL_4_4 variants, "removed from gguf files") are unknown here
// on purpose: a file that uses them is not a file we can read.
#include "ops/ggml_type.h"

#include <array>
#include <optional>

namespace kvzip {
namespace {

struct TypeInfo {
    const char* name = nullptr;  // nullptr: no ggml type has this id
    uint32_t block_elems = 0;
    uint32_t block_bytes = 0;
    bool supported = false;      // dequantize_row / dot_row implement it
};

constexpr uint32_t kQK = 256;  // elements per K-quant / i-quant super-block

constexpr auto make_table() {
    std::array<TypeInfo, 42> t{};
    // Float and integer types: one element per "block".
    t[0] = {"F32", 1, 4, true};
    t[1] = {"F16", 1, 2, true};
    t[30] = {"BF16", 1, 2, true};
    t[24] = {"I8", 1, 1, false};
    t[25] = {"I16", 1, 2, false};
    t[26] = {"I32", 1, 4, false};
    t[27] = {"I64", 1, 8, false};
    t[28] = {"F64", 1, 8, false};
    // Legacy 32-element blocks: fp16 scale (+ fp16 min) (+ 32 high bits) + quants.
    t[2] = {"Q4_0", 32, 2 + 16, true};
    t[3] = {"Q4_1", 32, 2 + 2 + 16, true};
    t[6] = {"Q5_0", 32, 2 + 4 + 16, true};
    t[7] = {"Q5_1", 32, 2 + 2 + 4 + 16, true};
    t[8] = {"Q8_0", 32, 2 + 32, true};
    t[9] = {"Q8_1", 32, 4 + 32, false};  // fp16 d + fp16 sum; an activation-only format
    // K-quants: 256-element super-blocks with packed sub-block scales.
    t[10] = {"Q2_K", kQK, kQK / 16 + kQK / 4 + 2 + 2, true};
    t[11] = {"Q3_K", kQK, kQK / 8 + kQK / 4 + 12 + 2, true};
    t[12] = {"Q4_K", kQK, 2 + 2 + 12 + kQK / 2, true};
    t[13] = {"Q5_K", kQK, 2 + 2 + 12 + kQK / 8 + kQK / 2, true};
    t[14] = {"Q6_K", kQK, kQK / 2 + kQK / 4 + kQK / 16 + 2, true};
    t[15] = {"Q8_K", kQK, 4 + kQK + kQK / 8, false};  // float d + int16 bsums; activation-only
    // i-quants and newer formats: sized so a file using them can be listed and
    // skipped, not decoded.
    t[16] = {"IQ2_XXS", kQK, 2 + kQK / 4, false};
    t[17] = {"IQ2_XS", kQK, 2 + kQK / 4 + kQK / 32, false};
    t[18] = {"IQ3_XXS", kQK, 2 + kQK / 4 + kQK / 8, false};
    t[19] = {"IQ1_S", kQK, 2 + kQK / 8 + kQK / 16, false};
    t[20] = {"IQ4_NL", 32, 2 + 16, false};
    t[21] = {"IQ3_S", kQK, 2 + kQK / 4 + kQK / 8 + kQK / 32 + 4, false};
    t[22] = {"IQ2_S", kQK, 2 + kQK / 4 + kQK / 16, false};
    t[23] = {"IQ4_XS", kQK, 2 + 2 + kQK / 2 + kQK / 64, false};
    t[29] = {"IQ1_M", kQK, kQK / 8 + kQK / 16 + kQK / 32, false};
    t[34] = {"TQ1_0", kQK, 2 + 4 * 13, false};
    t[35] = {"TQ2_0", kQK, 2 + 64, false};
    t[39] = {"MXFP4", 32, 1 + 16, false};
    t[40] = {"NVFP4", 64, 4 + 32, false};
    t[41] = {"Q1_0", 128, 2 + 16, false};
    return t;
}

constexpr auto kTypes = make_table();

// The entry for `raw`, or nullopt for an id no ggml version has used.
std::optional<TypeInfo> lookup(uint32_t raw) {
    if (raw >= kTypes.size() || kTypes[raw].name == nullptr) return std::nullopt;
    return kTypes[raw];
}

// Sizes are derived from the layouts in ggml-common.h; a typo in the table
// above would silently misread every tensor of that type, so pin the ones the
// engine decodes.
static_assert(kTypes[2].block_bytes == 18 && kTypes[3].block_bytes == 20);
static_assert(kTypes[6].block_bytes == 22 && kTypes[7].block_bytes == 24);
static_assert(kTypes[8].block_bytes == 34 && kTypes[9].block_bytes == 36);
static_assert(kTypes[10].block_bytes == 84 && kTypes[11].block_bytes == 110);
static_assert(kTypes[12].block_bytes == 144 && kTypes[13].block_bytes == 176);
static_assert(kTypes[14].block_bytes == 210 && kTypes[15].block_bytes == 292);

}  // namespace

bool type_supported(GGMLType t) {
    auto info = lookup(static_cast<uint32_t>(t));
    return info && info->supported;
}

bool type_known(uint32_t raw) { return lookup(raw).has_value(); }

std::string type_name(GGMLType t) {
    auto info = lookup(static_cast<uint32_t>(t));
    if (!info) return "type#" + std::to_string(static_cast<uint32_t>(t));
    return info->name;
}

// Unknown types report 0, never a valid size: a reader must check type_known()
// before sizing a tensor (and report the file as unsupported if it is not).
size_t type_block_elems(GGMLType t) {
    auto info = lookup(static_cast<uint32_t>(t));
    return info ? info->block_elems : 0;
}

size_t type_block_bytes(GGMLType t) {
    auto info = lookup(static_cast<uint32_t>(t));
    return info ? info->block_bytes : 0;
}

}  // namespace kvzip
