// Throughput of the quant kernels on a SmolLM2-sized weight matrix.
//
//   BM_DotRow/<type>/<rows>        decode: every row dotted with one vector
//                                  (bytes_per_second = weight bytes streamed)
//   BM_DotRowsMulti/<type>/<T>     prefill: 576 x 1536 weights against T vectors
//                                  (FLOP/s counts 2 * rows * n * T)
//   BM_Dequantize/<type>           dequantize_row over the whole matrix
//
// Single-threaded on purpose: the callers split rows across threads, so per-core
// throughput is what these kernels own. The label is the SIMD target in use.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "ops/ggml_type.h"
#include "ops/quant.h"

namespace kvzip {
namespace {

constexpr int64_t kCols = 1536;       // n: a multiple of every block size (K-quants need 256)
constexpr int64_t kPrefillRows = 576;

// Byte offsets of the fp16 scale fields in one block (ggml-common.h); random
// bytes there could be inf/NaN, so they get small finite scales instead.
std::vector<size_t> half_fields(GGMLType t) {
    switch (t) {
        case GGMLType::Q4_0: case GGMLType::Q5_0: case GGMLType::Q8_0: return {0};
        case GGMLType::Q4_1: case GGMLType::Q5_1: case GGMLType::Q4_K: case GGMLType::Q5_K: return {0, 2};
        case GGMLType::Q2_K: return {80, 82};
        case GGMLType::Q3_K: return {108};
        case GGMLType::Q6_K: return {208};
        default: return {};
    }
}

// A rows x kCols matrix of type t with random contents and finite values.
std::vector<uint8_t> make_matrix(GGMLType t, int64_t rows) {
    const size_t rb = row_bytes(t, kCols), block = type_block_bytes(t);
    std::vector<uint8_t> m(rb * static_cast<size_t>(rows));
    std::mt19937 rng(42);
    for (auto& b : m) b = static_cast<uint8_t>(rng());
    if (t == GGMLType::F32) {
        std::normal_distribution<float> dist(0.0f, 0.05f);
        for (size_t i = 0; i < m.size(); i += 4) {
            const float f = dist(rng);
            std::memcpy(&m[i], &f, 4);
        }
    } else if (t == GGMLType::F16 || t == GGMLType::BF16) {
        // Clear the top exponent bit: finite, moderate values.
        for (size_t i = 1; i < m.size(); i += 2) m[i] &= 0xbf;
    }
    for (size_t off : half_fields(t)) {
        for (size_t b = 0; b < m.size(); b += block) {
            const uint16_t h = static_cast<uint16_t>(0x1c00 + (rng() & 0x3ff));  // ~0.004..0.008
            std::memcpy(&m[b + off], &h, 2);
        }
    }
    return m;
}

std::vector<float> make_vectors(int64_t count) {
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    std::vector<float> x(static_cast<size_t>(count * kCols));
    for (float& v : x) v = dist(rng);
    return x;
}

void BM_DotRow(benchmark::State& state, GGMLType t) {
    const int64_t rows = state.range(0);
    const std::vector<uint8_t> m = make_matrix(t, rows);
    const std::vector<float> x = make_vectors(1);
    const size_t rb = row_bytes(t, kCols);
    std::vector<float> out(static_cast<size_t>(rows));
    for (auto _ : state) {
        for (int64_t r = 0; r < rows; ++r) out[r] = dot_row(t, m.data() + r * rb, x.data(), kCols);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(m.size()));
    state.counters["rows/s"] = benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsIterationInvariantRate);
    state.SetLabel(quant_simd_target());
}

void BM_DotRowsMulti(benchmark::State& state, GGMLType t) {
    const int64_t n_vec = state.range(0);
    const std::vector<uint8_t> m = make_matrix(t, kPrefillRows);
    const std::vector<float> x = make_vectors(n_vec);
    std::vector<float> out(static_cast<size_t>(kPrefillRows * n_vec));
    for (auto _ : state) {
        dot_rows_multi(t, m.data(), row_bytes(t, kCols), kPrefillRows, x.data(), kCols, n_vec, kCols, out.data(),
                       kPrefillRows);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    state.counters["FLOP/s"] = benchmark::Counter(2.0 * kPrefillRows * kCols * static_cast<double>(n_vec),
                                                  benchmark::Counter::kIsIterationInvariantRate);
    state.counters["rows/s"] = benchmark::Counter(static_cast<double>(kPrefillRows * n_vec),
                                                  benchmark::Counter::kIsIterationInvariantRate);
    state.SetLabel(quant_simd_target());
}

void BM_Dequantize(benchmark::State& state, GGMLType t) {
    const std::vector<uint8_t> m = make_matrix(t, kPrefillRows);
    const size_t rb = row_bytes(t, kCols);
    std::vector<float> out(static_cast<size_t>(kCols));
    for (auto _ : state) {
        for (int64_t r = 0; r < kPrefillRows; ++r) {
            dequantize_row(t, m.data() + r * rb, out.data(), kCols);
            benchmark::DoNotOptimize(out.data());
        }
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(m.size()));
    state.counters["floats/s"] = benchmark::Counter(static_cast<double>(kPrefillRows * kCols),
                                                    benchmark::Counter::kIsIterationInvariantRate);
    state.SetLabel(quant_simd_target());
}

// 576 rows: the matrix fits in L2 (compute-bound view); 4608 rows: several MB,
// streamed from L3/DRAM as in a real decode step.
#define KVZIP_DOT_ROW(T) \
    BENCHMARK_CAPTURE(BM_DotRow, T, GGMLType::T)->Arg(576)->Arg(4608)->Unit(benchmark::kMicrosecond)
#define KVZIP_MULTI(T) \
    BENCHMARK_CAPTURE(BM_DotRowsMulti, T, GGMLType::T)->Arg(8)->Arg(64)->Unit(benchmark::kMillisecond)
#define KVZIP_DEQUANT(T) BENCHMARK_CAPTURE(BM_Dequantize, T, GGMLType::T)->Unit(benchmark::kMicrosecond)

KVZIP_DOT_ROW(Q4_1);
KVZIP_DOT_ROW(Q8_0);
KVZIP_DOT_ROW(Q4_K);
KVZIP_DOT_ROW(Q6_K);
KVZIP_DOT_ROW(Q4_0);
KVZIP_DOT_ROW(Q5_K);
KVZIP_DOT_ROW(F16);
KVZIP_DOT_ROW(F32);

KVZIP_MULTI(Q4_1);
KVZIP_MULTI(Q8_0);
KVZIP_MULTI(Q4_K);
KVZIP_MULTI(Q6_K);
KVZIP_MULTI(F32);

KVZIP_DEQUANT(Q4_1);
KVZIP_DEQUANT(Q8_0);
KVZIP_DEQUANT(Q4_K);
KVZIP_DEQUANT(Q6_K);

}  // namespace
}  // namespace kvzip
