// Quant block formats and dot kernels against the gguf Python package
// (goldens written by scripts/golden/make_quant_goldens.py).
//
// Dequantization is checked BITWISE: every supported format computes
// a * q (+ b) where the products are exact in float (few significant bits) and
// the one addition rounds once, so a correct decoder reproduces gguf's float32
// numpy result exactly, on every SIMD target, with or without FMA.
//
// Dot products are float sums in a kernel-specific order, so they are checked
// against a double-precision reference within 2e-6 of sum |w_i x_i|. Observed
// errors are ~1e-8 of that on AVX2/SSE4 and up to ~5e-7 on the 1-lane fallback
// (512 terms summed sequentially); a wrong element or a dropped block is
// orders of magnitude larger. Besides synthetic blocks, real rows of the test
// models (SmolLM2 Q4_1/Q8_0, Gemma 3 Q4_K/Q6_K/Q5_0/Q8_0) are checked too.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "hwy/targets.h"
#include "io/gguf.h"
#include "ops/fp16.h"
#include "ops/ggml_type.h"
#include "ops/quant.h"
#include "util/error.h"

namespace kvzip {
namespace {

constexpr double kDotRelTol = 2e-6;

std::vector<uint8_t> read_bytes(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

uint32_t read_u32(const std::vector<uint8_t>& b, size_t off) {
    uint32_t v;
    std::memcpy(&v, b.data() + off, 4);
    return v;
}

// One quant_<TYPE>.golden file: raw rows and gguf's dequantization of them.
struct QuantGolden {
    GGMLType type{};
    size_t rows = 0, n = 0, row_bytes = 0;
    std::vector<uint8_t> raw;
    std::vector<float> values;
    const uint8_t* row(size_t r) const { return raw.data() + r * row_bytes; }
    const float* vals(size_t r) const { return values.data() + r * n; }
};

// Loads a golden or fails the test (the caller checks HasFatalFailure).
QuantGolden load_golden(const std::string& name) {
    QuantGolden g;
    const std::string path = std::string(KVZIP_GOLDEN_DIR) + "/quant_" + name + ".golden";
    const std::vector<uint8_t> b = read_bytes(path);
    if (b.size() < 24 || std::memcmp(b.data(), "KVQG", 4) != 0 || read_u32(b, 4) != 1) {
        ADD_FAILURE() << "missing or malformed golden " << path;
        return g;
    }
    g.type = static_cast<GGMLType>(read_u32(b, 8));
    g.rows = read_u32(b, 12);
    g.n = read_u32(b, 16);
    g.row_bytes = read_u32(b, 20);
    const size_t raw_size = g.rows * g.row_bytes, val_size = g.rows * g.n * sizeof(float);
    if (b.size() != 24 + raw_size + val_size) {
        ADD_FAILURE() << "golden " << path << " has the wrong size";
        return g;
    }
    g.raw.assign(b.begin() + 24, b.begin() + 24 + static_cast<std::ptrdiff_t>(raw_size));
    g.values.resize(g.rows * g.n);
    std::memcpy(g.values.data(), b.data() + 24 + raw_size, val_size);
    return g;
}

std::vector<float> random_vector(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    std::vector<float> v(n);
    for (float& x : v) x = dist(rng);
    return v;
}

struct Reference {
    double dot = 0, abs = 0;  // sum w x, and sum |w x| (scale of the rounding error)
};

Reference reference_dot(const float* w, const float* x, size_t n) {
    Reference r;
    for (size_t i = 0; i < n; ++i) {
        const double p = static_cast<double>(w[i]) * static_cast<double>(x[i]);
        r.dot += p;
        r.abs += std::fabs(p);
    }
    return r;
}

void expect_close(float got, const Reference& ref, const std::string& what) {
    EXPECT_NEAR(got, ref.dot, kDotRelTol * ref.abs + 1e-30) << what;
}

// Index of the first element whose bits differ, or -1.
long first_bit_mismatch(const float* a, const float* b, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        if (std::bit_cast<uint32_t>(a[i]) != std::bit_cast<uint32_t>(b[i])) return static_cast<long>(i);
    }
    return -1;
}

const char* const kGoldenTypes[] = {"F32",  "F16",  "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
                                    "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"};

// ---------------------------------------------------------------- geometry

TEST(QuantTypes, GeometryMatchesGgml) {
    struct Row {
        GGMLType t;
        const char* name;
        size_t elems, bytes;
        bool supported;
    };
    const Row rows[] = {
        {GGMLType::F32, "F32", 1, 4, true},      {GGMLType::F16, "F16", 1, 2, true},
        {GGMLType::BF16, "BF16", 1, 2, true},    {GGMLType::Q4_0, "Q4_0", 32, 18, true},
        {GGMLType::Q4_1, "Q4_1", 32, 20, true},  {GGMLType::Q5_0, "Q5_0", 32, 22, true},
        {GGMLType::Q5_1, "Q5_1", 32, 24, true},  {GGMLType::Q8_0, "Q8_0", 32, 34, true},
        {GGMLType::Q8_1, "Q8_1", 32, 36, false}, {GGMLType::Q2_K, "Q2_K", 256, 84, true},
        {GGMLType::Q3_K, "Q3_K", 256, 110, true}, {GGMLType::Q4_K, "Q4_K", 256, 144, true},
        {GGMLType::Q5_K, "Q5_K", 256, 176, true}, {GGMLType::Q6_K, "Q6_K", 256, 210, true},
        {GGMLType::Q8_K, "Q8_K", 256, 292, false},
    };
    for (const Row& r : rows) {
        SCOPED_TRACE(r.name);
        EXPECT_TRUE(type_known(static_cast<uint32_t>(r.t)));
        EXPECT_EQ(type_name(r.t), r.name);
        EXPECT_EQ(type_block_elems(r.t), r.elems);
        EXPECT_EQ(type_block_bytes(r.t), r.bytes);
        EXPECT_EQ(type_supported(r.t), r.supported);
    }
    EXPECT_EQ(row_bytes(GGMLType::Q4_K, 1536), 6u * 144u);
    EXPECT_EQ(row_bytes(GGMLType::F16, 7), 14u);
}

TEST(QuantTypes, OtherGgmlIdsAreSizedButNotSupported) {
    // (id, name, block elements, block bytes) from ggml.h / gguf-py constants.
    struct Row {
        uint32_t id;
        const char* name;
        size_t elems, bytes;
    };
    const Row rows[] = {{16, "IQ2_XXS", 256, 66}, {17, "IQ2_XS", 256, 74}, {18, "IQ3_XXS", 256, 98},
                        {19, "IQ1_S", 256, 50},   {20, "IQ4_NL", 32, 18},  {21, "IQ3_S", 256, 110},
                        {22, "IQ2_S", 256, 82},   {23, "IQ4_XS", 256, 136}, {24, "I8", 1, 1},
                        {25, "I16", 1, 2},        {26, "I32", 1, 4},       {27, "I64", 1, 8},
                        {28, "F64", 1, 8},        {29, "IQ1_M", 256, 56},  {34, "TQ1_0", 256, 54},
                        {35, "TQ2_0", 256, 66},   {39, "MXFP4", 32, 17},   {40, "NVFP4", 64, 36},
                        {41, "Q1_0", 128, 18}};
    for (const Row& r : rows) {
        SCOPED_TRACE(r.name);
        const auto t = static_cast<GGMLType>(r.id);
        EXPECT_TRUE(type_known(r.id));
        EXPECT_FALSE(type_supported(t));
        EXPECT_EQ(type_name(t), r.name);
        EXPECT_EQ(type_block_elems(t), r.elems);
        EXPECT_EQ(type_block_bytes(t), r.bytes);
    }
    for (uint32_t id : {4u, 5u, 31u, 32u, 33u, 36u, 37u, 38u, 42u, 1000u}) {
        EXPECT_FALSE(type_known(id)) << id;
        EXPECT_FALSE(type_supported(static_cast<GGMLType>(id))) << id;
        EXPECT_EQ(type_name(static_cast<GGMLType>(id)), "type#" + std::to_string(id));
    }
}

TEST(QuantTypes, RejectsUnsupportedTypesAndPartialBlocks) {
    std::vector<uint8_t> raw(4096);
    std::vector<float> x(1024), out(1024);
    EXPECT_THROW(dequantize_row(GGMLType::Q8_K, raw.data(), out.data(), 256), Error);
    EXPECT_THROW(dot_row(static_cast<GGMLType>(16), raw.data(), x.data(), 256), Error);
    EXPECT_THROW(dot_row(GGMLType::Q4_K, raw.data(), x.data(), 128), Error);
    EXPECT_THROW(dot_rows_multi(GGMLType::Q4_0, raw.data(), 18, 1, x.data(), 48, 2, 48, out.data(), 1), Error);
    EXPECT_THROW(dot_rows_multi(GGMLType::Q4_0, raw.data(), 18, -1, x.data(), 32, 1, 32, out.data(), 1), Error);
}

// ---------------------------------------------------------------- goldens

class QuantGoldenTest : public ::testing::TestWithParam<const char*> {
protected:
    void SetUp() override {
        g_ = load_golden(GetParam());
        ASSERT_FALSE(HasFailure());
        ASSERT_EQ(type_name(g_.type), GetParam());
        ASSERT_EQ(row_bytes(g_.type, static_cast<int64_t>(g_.n)), g_.row_bytes);
    }
    QuantGolden g_;
};

TEST_P(QuantGoldenTest, DequantizeMatchesGgufBitwise) {
    std::vector<float> out(g_.n);
    for (size_t r = 0; r < g_.rows; ++r) {
        std::fill(out.begin(), out.end(), -12345.0f);
        dequantize_row(g_.type, g_.row(r), out.data(), static_cast<int64_t>(g_.n));
        const long bad = first_bit_mismatch(out.data(), g_.vals(r), g_.n);
        EXPECT_EQ(bad, -1) << "row " << r << ": element " << bad << " is " << out[bad < 0 ? 0 : bad]
                           << ", gguf says " << g_.vals(r)[bad < 0 ? 0 : bad];
    }
}

TEST_P(QuantGoldenTest, DotRowMatchesDoubleReference) {
    const std::vector<float> x = random_vector(g_.n, 7);
    for (size_t r = 0; r < g_.rows; ++r) {
        const float got = dot_row(g_.type, g_.row(r), x.data(), static_cast<int64_t>(g_.n));
        expect_close(got, reference_dot(g_.vals(r), x.data(), g_.n), "row " + std::to_string(r));
    }
}

TEST_P(QuantGoldenTest, DotRowReadsUnalignedRows) {
    // Rows inside a GGUF mapping are only as aligned as the block size makes
    // them; shift the row by one byte in a buffer to make sure nothing assumes more.
    const std::vector<float> x = random_vector(g_.n, 8);
    std::vector<uint8_t> shifted(g_.row_bytes + 1);
    std::memcpy(shifted.data() + 1, g_.row(1), g_.row_bytes);
    const float got = dot_row(g_.type, shifted.data() + 1, x.data(), static_cast<int64_t>(g_.n));
    expect_close(got, reference_dot(g_.vals(1), x.data(), g_.n), "unaligned");
    std::vector<float> out(g_.n);
    dequantize_row(g_.type, shifted.data() + 1, out.data(), static_cast<int64_t>(g_.n));
    EXPECT_EQ(first_bit_mismatch(out.data(), g_.vals(1), g_.n), -1);
}

TEST_P(QuantGoldenTest, DotRowsMultiMatchesReference) {
    // A matrix whose rows are the golden rows concatenated in rotating order:
    // rows of 5 * 512 elements (several dequantization tiles, with a
    // remainder), 7 rows (a 4-row block and a 3-row remainder) and 5 vectors
    // (two pairs and a single), all strides padded.
    const size_t parts = 5, n = parts * g_.n, n_rows = 7, n_vec = 5;
    const size_t row_stride = parts * g_.row_bytes + 8, x_stride = n + 3, out_stride = n_rows + 2;
    std::vector<uint8_t> rows(n_rows * row_stride);
    std::vector<float> vals(n_rows * n);
    for (size_t r = 0; r < n_rows; ++r) {
        for (size_t p = 0; p < parts; ++p) {
            const size_t src = (r + p) % g_.rows;
            std::memcpy(rows.data() + r * row_stride + p * g_.row_bytes, g_.row(src), g_.row_bytes);
            std::memcpy(vals.data() + r * n + p * g_.n, g_.vals(src), g_.n * sizeof(float));
        }
    }
    const std::vector<float> x = random_vector(n_vec * x_stride, 9);
    std::vector<float> out(n_vec * out_stride, NAN);
    dot_rows_multi(g_.type, rows.data(), row_stride, static_cast<int64_t>(n_rows), x.data(),
                   static_cast<int64_t>(x_stride), static_cast<int64_t>(n_vec), static_cast<int64_t>(n), out.data(),
                   static_cast<int64_t>(out_stride));
    for (size_t j = 0; j < n_vec; ++j) {
        for (size_t r = 0; r < n_rows; ++r) {
            const std::string what = "row " + std::to_string(r) + " vector " + std::to_string(j);
            const float* xj = x.data() + j * x_stride;
            const Reference ref = reference_dot(vals.data() + r * n, xj, n);
            expect_close(out[j * out_stride + r], ref, what);
            const float single = dot_row(g_.type, rows.data() + r * row_stride, xj, static_cast<int64_t>(n));
            expect_close(single, ref, what + " (dot_row)");
        }
        // The stride padding is not ours to write.
        EXPECT_TRUE(std::isnan(out[j * out_stride + n_rows])) << "vector " << j;
        EXPECT_TRUE(std::isnan(out[j * out_stride + n_rows + 1])) << "vector " << j;
    }
}

TEST_P(QuantGoldenTest, DotRowsMultiWithOneVectorMatchesDotRow) {
    const std::vector<float> x = random_vector(g_.n, 10);
    std::vector<float> out(g_.rows);
    dot_rows_multi(g_.type, g_.raw.data(), g_.row_bytes, static_cast<int64_t>(g_.rows), x.data(),
                   static_cast<int64_t>(g_.n), 1, static_cast<int64_t>(g_.n), out.data(), 0);
    for (size_t r = 0; r < g_.rows; ++r) {
        EXPECT_EQ(out[r], dot_row(g_.type, g_.row(r), x.data(), static_cast<int64_t>(g_.n))) << "row " << r;
    }
}

INSTANTIATE_TEST_SUITE_P(QuantGolden, QuantGoldenTest, ::testing::ValuesIn(kGoldenTypes),
                         [](const ::testing::TestParamInfo<const char*>& info) { return std::string(info.param); });

// Float rows have one-element blocks, so any n is legal: lengths that are not
// a multiple of the vector width exercise the scalar tails.
TEST(QuantFloatRows, OddLengthsMatchGoldenPrefix) {
    for (const char* name : {"F32", "F16", "BF16"}) {
        const QuantGolden g = load_golden(name);
        ASSERT_FALSE(::testing::Test::HasFailure());
        const size_t elem = type_block_bytes(g.type);
        for (size_t n : {1u, 7u, 13u, 37u, 130u}) {
            SCOPED_TRACE(std::string(name) + " n=" + std::to_string(n));
            std::vector<float> out(n);
            dequantize_row(g.type, g.row(0), out.data(), static_cast<int64_t>(n));
            EXPECT_EQ(first_bit_mismatch(out.data(), g.vals(0), n), -1);
            const std::vector<float> x = random_vector(3 * n, 11);
            expect_close(dot_row(g.type, g.row(0), x.data(), static_cast<int64_t>(n)),
                         reference_dot(g.vals(0), x.data(), n), "dot_row");
            // 3 rows x 3 vectors, rows taken from the start of each golden row.
            std::vector<uint8_t> rows(3 * n * elem);
            for (size_t r = 0; r < 3; ++r) std::memcpy(rows.data() + r * n * elem, g.row(r), n * elem);
            std::vector<float> res(9);
            dot_rows_multi(g.type, rows.data(), n * elem, 3, x.data(), static_cast<int64_t>(n), 3,
                           static_cast<int64_t>(n), res.data(), 3);
            for (size_t j = 0; j < 3; ++j)
                for (size_t r = 0; r < 3; ++r)
                    expect_close(res[j * 3 + r], reference_dot(g.vals(r), x.data() + j * n, n),
                                 "multi r" + std::to_string(r) + " j" + std::to_string(j));
        }
    }
}

TEST(QuantFloatRows, EmptyRows) {
    const std::vector<float> x(4, 1.0f);
    EXPECT_EQ(dot_row(GGMLType::Q4_0, nullptr, x.data(), 0), 0.0f);
    std::vector<float> out(6, NAN);
    dot_rows_multi(GGMLType::Q8_0, nullptr, 0, 3, x.data(), 0, 2, 0, out.data(), 3);
    for (float v : out) EXPECT_EQ(v, 0.0f);
}

// ---------------------------------------------------------------- real models

// The first rows of one tensor per quant type in each test model, read from
// the GGUF file, against gguf's dequantization of the same rows.
TEST(QuantModels, RealTensorsMatchGguf) {
    const std::string path = std::string(KVZIP_GOLDEN_DIR) + "/quant_models.golden";
    const std::vector<uint8_t> b = read_bytes(path);
    ASSERT_GE(b.size(), 12u) << path;
    ASSERT_EQ(std::memcmp(b.data(), "KVQM", 4), 0);
    const size_t entries = read_u32(b, 8);
    size_t off = 12, checked = 0;
    std::map<std::string, std::unique_ptr<GGUFFile>> files;  // each model parsed once
    auto read_string = [&]() {
        const size_t len = read_u32(b, off);
        std::string str(reinterpret_cast<const char*>(b.data() + off + 4), len);
        off += 4 + len;
        return str;
    };
    for (size_t e = 0; e < entries; ++e) {
        const std::string model = read_string(), tensor = read_string();
        const auto type = static_cast<GGMLType>(read_u32(b, off));
        const size_t rows = read_u32(b, off + 4), n = read_u32(b, off + 8);
        ASSERT_LE(off + 12 + rows * n * 4, b.size());
        std::vector<float> expected(rows * n);
        std::memcpy(expected.data(), b.data() + off + 12, rows * n * 4);
        off += 12 + rows * n * 4;

        const std::string model_path = std::string(KVZIP_MODELS_DIR) + "/" + model;
        if (!std::ifstream(model_path).good()) continue;  // counted below
        SCOPED_TRACE(model + ": " + tensor);
        auto& file = files[model];
        if (!file) file = GGUFFile::open(model_path);
        const GGUFTensor& t = file->tensor(tensor);
        ASSERT_EQ(t.type, type);
        ASSERT_EQ(static_cast<size_t>(t.ne[0]), n);
        const size_t rb = row_bytes(t.type, t.ne[0]);
        std::vector<float> out(n);
        const std::vector<float> x = random_vector(n, 13);
        for (size_t r = 0; r < rows; ++r) {
            dequantize_row(t.type, t.data + r * rb, out.data(), static_cast<int64_t>(n));
            EXPECT_EQ(first_bit_mismatch(out.data(), expected.data() + r * n, n), -1) << "row " << r;
            expect_close(dot_row(t.type, t.data + r * rb, x.data(), static_cast<int64_t>(n)),
                         reference_dot(expected.data() + r * n, x.data(), n), "row " + std::to_string(r));
        }
        ++checked;
    }
    if (checked < entries) GTEST_SKIP() << "models missing from " << KVZIP_MODELS_DIR << " (scripts/fetch_models.sh)";
}

// ---------------------------------------------------------------- dispatch

// Every SIMD target this CPU can run must give the same dequantization (bit
// for bit) and dots within the tolerance: the AVX2 machine we develop on also
// tests the SSE4 and scalar code that AVX-only CI machines would run.
TEST(QuantDispatch, EveryTargetMatchesGolden) {
    std::set<std::string> seen;
    const int64_t supported = hwy::SupportedTargets();
    for (int64_t bits = supported; bits != 0; bits &= bits - 1) {
        const int64_t target = bits & -bits;
        hwy::SetSupportedTargetsForTest(target);
        const std::string name = quant_simd_target();
        if (!seen.insert(name).second) continue;
        SCOPED_TRACE("target " + name);
        for (const char* type : kGoldenTypes) {
            SCOPED_TRACE(type);
            const QuantGolden g = load_golden(type);
            ASSERT_FALSE(::testing::Test::HasFailure());
            std::vector<float> out(g.n);
            const std::vector<float> x = random_vector(2 * g.n, 12);
            for (size_t r = 0; r < g.rows; ++r) {
                dequantize_row(g.type, g.row(r), out.data(), static_cast<int64_t>(g.n));
                EXPECT_EQ(first_bit_mismatch(out.data(), g.vals(r), g.n), -1) << "row " << r;
                expect_close(dot_row(g.type, g.row(r), x.data(), static_cast<int64_t>(g.n)),
                             reference_dot(g.vals(r), x.data(), g.n), "dot_row");
            }
            std::vector<float> res(2 * g.rows);
            dot_rows_multi(g.type, g.raw.data(), g.row_bytes, static_cast<int64_t>(g.rows), x.data(),
                           static_cast<int64_t>(g.n), 2, static_cast<int64_t>(g.n), res.data(),
                           static_cast<int64_t>(g.rows));
            for (size_t j = 0; j < 2; ++j)
                for (size_t r = 0; r < g.rows; ++r)
                    expect_close(res[j * g.rows + r], reference_dot(g.vals(r), x.data() + j * g.n, g.n), "multi");
        }
        // fp16 rows on this target against the scalar conversion.
        std::vector<uint16_t> halves(65536);
        for (uint32_t h = 0; h < 65536; ++h) halves[h] = static_cast<uint16_t>(h);
        std::vector<float> wide(65536);
        fp16_to_fp32_row(halves.data(), wide.data(), 65536);
        std::vector<uint16_t> back(65536);
        fp32_to_fp16_row(wide.data(), back.data(), 65536);
        size_t bad_wide = 0, bad_back = 0;
        for (uint32_t h = 0; h < 65536; ++h) {
            bad_wide += std::bit_cast<uint32_t>(wide[h]) != std::bit_cast<uint32_t>(fp16_to_fp32(halves[h]));
            bad_back += back[h] != fp32_to_fp16(wide[h]);
        }
        EXPECT_EQ(bad_wide, 0u);
        EXPECT_EQ(bad_back, 0u);
    }
    hwy::SetSupportedTargetsForTest(0);
    std::string names;
    for (const std::string& s : seen) names += s + " ";
    RecordProperty("targets", names);
    std::cout << "[ quant    ] SIMD targets tested: " << names << "(default: " << quant_simd_target() << ")\n";
    EXPECT_GE(seen.size(), 1u);
}

// ---------------------------------------------------------------- fp16

bool half_is_nan(uint16_t h) { return (h & 0x7c00) == 0x7c00 && (h & 0x03ff) != 0; }

TEST(QuantFp16, KnownValues) {
    EXPECT_EQ(fp16_to_fp32(0x3c00), 1.0f);
    EXPECT_EQ(fp16_to_fp32(0xc000), -2.0f);
    EXPECT_EQ(fp16_to_fp32(0x3555), 0.333251953125f);
    EXPECT_EQ(fp16_to_fp32(0x7bff), 65504.0f);
    EXPECT_EQ(fp16_to_fp32(0x0400), std::ldexp(1.0f, -14));   // smallest normal
    EXPECT_EQ(fp16_to_fp32(0x03ff), std::ldexp(1023.0f, -24));  // largest subnormal
    EXPECT_EQ(fp16_to_fp32(0x0001), std::ldexp(1.0f, -24));    // smallest subnormal
    EXPECT_EQ(fp16_to_fp32(0x8001), -std::ldexp(1.0f, -24));
    EXPECT_EQ(std::bit_cast<uint32_t>(fp16_to_fp32(0x8000)), 0x80000000u);  // -0 keeps its sign
    EXPECT_EQ(fp16_to_fp32(0x7c00), INFINITY);
    EXPECT_EQ(fp16_to_fp32(0xfc00), -INFINITY);
    EXPECT_TRUE(std::isnan(fp16_to_fp32(0x7e00)));
    EXPECT_TRUE(std::isnan(fp16_to_fp32(0x7c01)));  // signalling NaN stays NaN

    EXPECT_EQ(fp32_to_fp16(1.0f), 0x3c00);
    EXPECT_EQ(fp32_to_fp16(65504.0f), 0x7bff);
    EXPECT_EQ(fp32_to_fp16(65519.0f), 0x7bff);  // below the tie: rounds down
    EXPECT_EQ(fp32_to_fp16(65520.0f), 0x7c00);  // tie with 65536: even is inf
    EXPECT_EQ(fp32_to_fp16(-1e9f), 0xfc00);
    EXPECT_EQ(fp32_to_fp16(1.0f + std::ldexp(1.0f, -11)), 0x3c00);              // tie: to even (down)
    EXPECT_EQ(fp32_to_fp16(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);          // tie: to even (up)
    EXPECT_EQ(fp32_to_fp16(std::ldexp(1.0f, -25)), 0x0000);                     // tie with 0: even
    EXPECT_EQ(fp32_to_fp16(std::nextafter(std::ldexp(1.0f, -25), 1.0f)), 0x0001);
    EXPECT_EQ(fp32_to_fp16(std::ldexp(3.0f, -25)), 0x0002);                     // 1.5 ulp: to even
    EXPECT_EQ(fp32_to_fp16(std::ldexp(1023.5f, -24)), 0x0400);                  // subnormal rounds up to normal
    EXPECT_EQ(fp32_to_fp16(-0.0f), 0x8000);
    EXPECT_TRUE(half_is_nan(fp32_to_fp16(NAN)));
    EXPECT_TRUE(half_is_nan(fp32_to_fp16(std::bit_cast<float>(0x7f800001u))));  // payload below fp16's

    EXPECT_EQ(bf16_to_fp32(0x3f80), 1.0f);
    EXPECT_EQ(bf16_to_fp32(0xc040), -3.0f);
    EXPECT_EQ(bf16_to_fp32(0xff80), -INFINITY);
    EXPECT_TRUE(std::isnan(bf16_to_fp32(0x7fc0)));
}

TEST(QuantFp16, AllHalvesRoundTrip) {
    for (uint32_t i = 0; i < 65536; ++i) {
        const auto h = static_cast<uint16_t>(i);
        const float f = fp16_to_fp32(h);
        if (half_is_nan(h)) {
            ASSERT_TRUE(std::isnan(f)) << std::hex << i;
            ASSERT_TRUE(half_is_nan(fp32_to_fp16(f))) << std::hex << i;
            ASSERT_EQ(fp32_to_fp16(f) & 0x8000, h & 0x8000) << std::hex << i;
        } else {
            ASSERT_FALSE(std::isnan(f)) << std::hex << i;
            ASSERT_EQ(fp32_to_fp16(f), h) << std::hex << i;
        }
    }
}

TEST(QuantFp16, RoundingMatchesNumpy) {
    const std::string path = std::string(KVZIP_GOLDEN_DIR) + "/quant_fp16.golden";
    const std::vector<uint8_t> b = read_bytes(path);
    ASSERT_GE(b.size(), 12u) << path;
    ASSERT_EQ(std::memcmp(b.data(), "KVFH", 4), 0);
    const size_t count = read_u32(b, 8);
    ASSERT_EQ(b.size(), 12 + count * 6);
    std::vector<float> in(count);
    std::vector<uint16_t> expected(count), row(count);
    std::memcpy(in.data(), b.data() + 12, count * 4);
    std::memcpy(expected.data(), b.data() + 12 + count * 4, count * 2);
    fp32_to_fp16_row(in.data(), row.data(), static_cast<int64_t>(count));
    size_t failures = 0;
    for (size_t i = 0; i < count && failures < 10; ++i) {
        const uint16_t got = fp32_to_fp16(in[i]);
        // NaN payloads are not specified (numpy keeps them unquieted); NaN-ness is.
        const bool ok = half_is_nan(expected[i]) ? half_is_nan(got) : got == expected[i];
        if (!ok) ++failures;
        EXPECT_TRUE(ok) << "input 0x" << std::hex << std::bit_cast<uint32_t>(in[i]) << ": got 0x" << got
                        << ", numpy 0x" << expected[i];
        EXPECT_EQ(row[i], got) << "row converter disagrees at " << i;
    }
}

}  // namespace
}  // namespace kvzip
