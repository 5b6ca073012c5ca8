// Attention vector kernels against plain double-precision loops: every query
// group width 1-8, fp16 and fp32 rows, contiguous and indexed (keep-list) rows.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "ops/quant.h"
#include "ops/vec.h"

namespace kvzip {
namespace {

struct Rows {
    std::vector<float> f32;
    std::vector<uint16_t> f16;
    std::vector<float> f16_as_f32;  // the fp16 rows' exact values
};

Rows make_rows(int64_t n, int64_t dim, std::mt19937& rng) {
    std::normal_distribution<float> nd;
    Rows r;
    for (int64_t i = 0; i < n * dim; ++i) {
        const float v = nd(rng);
        r.f32.push_back(v);
        r.f16.push_back(fp32_to_fp16(v));
        r.f16_as_f32.push_back(fp16_to_fp32(r.f16.back()));
    }
    return r;
}

TEST(VecKernels, GroupedDotsAndWeightedSumsMatchAPlainLoop) {
    std::mt19937 rng(5);
    std::normal_distribution<float> nd;
    const int64_t n = 37, dim = 64;
    const Rows rows = make_rows(n, dim, rng);
    const std::vector<int32_t> idx = {0, 3, 4, 10, 11, 12, 30, 36};
    for (int64_t nq = 1; nq <= 8; ++nq) {
        std::vector<float> q(nq * dim), w(nq * n);
        for (float& x : q) x = nd(rng);
        for (float& x : w) x = std::fabs(nd(rng));
        for (bool half : {false, true}) {
            const std::vector<float>& ref_rows = half ? rows.f16_as_f32 : rows.f32;
            for (bool indexed : {false, true}) {
                const int64_t m = indexed ? (int64_t)idx.size() : n;
                auto row_of = [&](int64_t r) { return indexed ? (int64_t)idx[r] : r; };
                std::vector<float> dots(nq * m, -1.0f), sums(nq * dim, 0.5f);
                const int32_t* ip = indexed ? idx.data() : nullptr;
                if (half) {
                    dot_rows_multi_f16(rows.f16.data(), ip, m, dim, q.data(), nq, dots.data(), m);
                    weighted_sum_multi_f16(w.data(), n, rows.f16.data(), ip, m, dim, nq, sums.data());
                } else {
                    dot_rows_multi_f32(rows.f32.data(), ip, m, dim, q.data(), nq, dots.data(), m);
                    weighted_sum_multi_f32(w.data(), n, rows.f32.data(), ip, m, dim, nq, sums.data());
                }
                for (int64_t g = 0; g < nq; ++g) {
                    for (int64_t r = 0; r < m; ++r) {
                        double ref = 0;
                        for (int64_t d = 0; d < dim; ++d) ref += (double)q[g * dim + d] * ref_rows[row_of(r) * dim + d];
                        ASSERT_NEAR(dots[g * m + r], ref, 1e-4) << "nq " << nq << " half " << half << " idx " << indexed;
                    }
                    for (int64_t d = 0; d < dim; ++d) {
                        double ref = 0.5;
                        for (int64_t r = 0; r < m; ++r) ref += (double)w[g * n + r] * ref_rows[row_of(r) * dim + d];
                        ASSERT_NEAR(sums[g * dim + d], ref, 1e-4) << "nq " << nq << " half " << half << " idx " << indexed;
                    }
                }
            }
        }
    }
}

TEST(VecKernels, SoftmaxMatchesExpAndSumsToOne) {
    for (int64_t n : {1, 3, 8, 17, 1000}) {
        std::vector<float> x(n);
        for (int64_t i = 0; i < n; ++i) x[i] = (float)std::sin(0.37 * i) * 20.0f;
        std::vector<double> ref(n);
        double mx = -1e30, sum = 0;
        for (float v : x) mx = std::max(mx, (double)v);
        for (int64_t i = 0; i < n; ++i) sum += ref[i] = std::exp(x[i] - mx);
        softmax_f32(x.data(), n);
        double total = 0;
        for (int64_t i = 0; i < n; ++i) {
            EXPECT_NEAR(x[i], ref[i] / sum, 1e-6 + 1e-5 * ref[i] / sum);
            total += x[i];
        }
        EXPECT_NEAR(total, 1.0, 1e-5);
    }
}

}  // namespace
}  // namespace kvzip
