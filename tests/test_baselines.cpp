// Baseline scoring policies on tiny hand-made caches (no model): StreamingLLM,
// key-norm and random by their definitions; H2O and SnapKV against a naive
// double-precision computation of the full attention matrix.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kv/attention_baselines.h"
#include "kv/baselines.h"
#include "kv/kv_cache.h"
#include "kv/pruning.h"
#include "model/config.h"
#include "ops/threadpool.h"
#include "util/error.h"

namespace kvzip {
namespace {

std::vector<int> kept_positions(const std::vector<uint8_t>& keep, int64_t N, int head = 0) {
    std::vector<int> out;
    for (int64_t j = 0; j < N; ++j)
        if (keep[(size_t)head * N + j]) out.push_back((int)j);
    return out;
}

TEST(Baselines, StreamingLLMKeepsSinksThenTheMostRecent) {
    ImportanceScores s(2, 2, /*ctx_begin=*/3, /*n=*/10);
    streaming_llm_scores(s, /*sink_tokens=*/2);
    const std::vector<uint8_t> keep = select_kept(s, 0.5, PruneLevel::PairUniform);
    for (int h = 0; h < 4; ++h) EXPECT_EQ(kept_positions(keep, 10, h), (std::vector<int>{0, 1, 7, 8, 9}));
    // Without sinks: exactly the recent window.
    streaming_llm_scores(s, 0);
    EXPECT_EQ(kept_positions(select_kept(s, 0.3, PruneLevel::PairUniform), 10), (std::vector<int>{7, 8, 9}));
}

TEST(Baselines, KeepRecentPutsTheLastPositionsOfEveryHeadFirst) {
    ImportanceScores s(2, 2, /*ctx_begin=*/3, /*n=*/8);
    random_scores(s, 1);
    const std::vector<float> before = s.data;
    s.keep_recent(3);
    for (int l = 0; l < 2; ++l)
        for (int h = 0; h < 2; ++h)
            for (int64_t j = 0; j < 8; ++j)
                EXPECT_EQ(s.row(l, h)[j], j >= 5 ? kAlwaysKeep : before[((size_t)l * 2 + h) * 8 + j]);
    // Half the budget of 4 as recent: the other 2 go to the best-scored of the rest.
    EXPECT_EQ(kept_positions(select_kept(s, 0.5, PruneLevel::PairUniform), 8).size(), 4u);
    s.keep_recent(0);
    EXPECT_EQ(s.row(0, 0)[0], before[0]);
    s.keep_recent(100);  // clamped to the context
    for (float x : s.data) EXPECT_EQ(x, kAlwaysKeep);
}

TEST(Baselines, RandomIsSeededAndInUnitInterval) {
    ImportanceScores a(2, 3, 0, 50), b(2, 3, 0, 50), c(2, 3, 0, 50);
    random_scores(a, 7);
    random_scores(b, 7);
    random_scores(c, 8);
    EXPECT_EQ(a.data, b.data);
    EXPECT_NE(a.data, c.data);
    for (float x : a.data) {
        EXPECT_GE(x, 0.0f);
        EXPECT_LT(x, 1.0f);
    }
}

// A one-layer, one-KV-head F32 cache: prefix of `prefix` tokens, then the context.
KVCache cache_with_keys(const std::vector<std::vector<float>>& keys, int head_dim) {
    KVCache kv(1, 1, head_dim, KVType::F32);
    for (size_t p = 0; p < keys.size(); ++p) kv.append(0, keys[p].data(), keys[p].data(), 1, (int64_t)p);
    kv.set_next_position((int64_t)keys.size());
    return kv;
}

TEST(Baselines, KeyNormPrefersSmallKeys) {
    // Positions 0-1 prefix, 2-5 context with norms 5, 1, 3, 2.
    const std::vector<std::vector<float>> keys = {{9, 9}, {9, 9}, {3, 4}, {1, 0}, {0, 3}, {0, 2}};
    KVCache kv = cache_with_keys(keys, 2);
    ImportanceScores s(1, 1, 2, 4);
    key_norm_scores(s, kv);
    EXPECT_FLOAT_EQ(s.data[0], -5.0f);
    EXPECT_FLOAT_EQ(s.data[1], -1.0f);
    EXPECT_EQ(kept_positions(select_kept(s, 0.5, PruneLevel::PairUniform), 4), (std::vector<int>{1, 3}));
}

TEST(Baselines, KeyNormRefusesACacheWithoutTheContext) {
    KVCache kv = cache_with_keys({{1, 0}, {1, 0}}, 2);
    ImportanceScores s(1, 1, 1, 4);  // context 1..4, but the cache ends at 2
    EXPECT_THROW(key_norm_scores(s, kv), Error);
}

TEST(Baselines, KeyNormSkipsFixedLayers) {
    // Layer 0 holds the context (positions 1-2); layer 1, a sliding-window
    // layer, kept only position 2.
    KVCache kv(2, 1, 2, KVType::F32);
    const std::vector<std::vector<float>> keys = {{9, 9}, {3, 4}, {0, 2}};
    for (int64_t p = 0; p < 3; ++p) kv.append(0, keys[p].data(), keys[p].data(), 1, p);
    kv.append(1, keys[2].data(), keys[2].data(), 1, 2);
    kv.set_next_position(3);
    ImportanceScores s(2, 1, 1, 2);
    EXPECT_THROW(key_norm_scores(s, kv), Error);
    s.fixed_layers = {0, 1};
    key_norm_scores(s, kv);
    EXPECT_EQ(s.data, (std::vector<float>{-5, -2, 0, 0}));
}

TEST(Baselines, MaxPoolRows) {
    ImportanceScores s(1, 1, 0, 6);
    s.data = {0, 3, 1, 0, 0, 5};
    max_pool_rows(s, 3);
    EXPECT_EQ(s.data, (std::vector<float>{3, 3, 3, 1, 5, 5}));
}

// Random keys and queries for a 2-layer, 2-KV-head, G = 2 model. head_dim 16:
// the SIMD dot kernels need a multiple of the vector width (real models: 64+).
constexpr int kHd = 16, kKV = 2 * kHd, kQ = 4 * kHd;
struct Tiny {
    ModelConfig c;
    int64_t prefix = 3, n_ctx = 17;
    std::vector<std::vector<float>> k;  // [layer][pos * kv_dim]
    std::vector<std::vector<float>> q;  // [layer][pos * q_dim]

    Tiny() {
        c.n_layer = 2;
        c.n_head = 4;
        c.n_head_kv = 2;
        c.head_dim = kHd;
        c.attn_scale = 0.5f;
        uint32_t state = 12345;
        auto rnd = [&state] {
            state = state * 1664525u + 1013904223u;
            return ((state >> 8) / 16777216.0f) * 4.0f - 2.0f;
        };
        const int64_t P = prefix + n_ctx;
        k.assign(2, std::vector<float>(P * kKV));
        q.assign(2, std::vector<float>(P * kQ));
        for (int l = 0; l < 2; ++l) {
            for (float& x : k[l]) x = rnd();
            for (float& x : q[l]) x = rnd();
        }
    }
    // Prefills in batches of `batch`, observed like Transformer::forward does.
    void run(AttentionObserver& obs, int64_t batch) const {
        KVCache kv(2, 2, kHd, KVType::F32);
        const int64_t P = prefix + n_ctx;
        for (int64_t p0 = 0; p0 < P; p0 += batch) {
            const int64_t T = std::min(batch, P - p0);
            for (int l = 0; l < 2; ++l) {
                kv.append(l, k[l].data() + p0 * kKV, k[l].data() + p0 * kKV, T, p0);
                obs.observe(l, q[l].data() + p0 * kQ, T, p0, kv);
            }
            kv.set_next_position(p0 + T);
        }
    }
    // Naive attention probability of query (l, position t, head g) on key position j.
    std::vector<double> probs(int l, int64_t t, int g) const {
        const int h = g / 2;
        std::vector<double> logit(t + 1);
        double mx = -1e300, sum = 0;
        for (int64_t j = 0; j <= t; ++j) {
            double d = 0;
            for (int i = 0; i < kHd; ++i) d += (double)q[l][t * kQ + g * kHd + i] * k[l][j * kKV + h * kHd + i];
            logit[j] = d * 0.5;
            mx = std::max(mx, logit[j]);
        }
        for (double& x : logit) sum += (x = std::exp(x - mx));
        for (double& x : logit) x /= sum;
        return logit;
    }
};

TEST(Baselines, H2OAccumulatesEveryContextQuerysAttention) {
    const Tiny t;
    ThreadPool pool(2);
    for (int64_t batch : {1, 5, 64}) {
        ImportanceScores s(2, 2, t.prefix, t.n_ctx);
        H2OScorer h2o(s, t.c, pool);
        t.run(h2o, batch);
        for (int l = 0; l < 2; ++l)
            for (int h = 0; h < 2; ++h) {
                std::vector<double> want(t.n_ctx, 0.0);
                for (int64_t p = t.prefix; p < t.prefix + t.n_ctx; ++p)
                    for (int g = 2 * h; g < 2 * h + 2; ++g) {
                        const std::vector<double> pr = t.probs(l, p, g);
                        for (int64_t j = t.prefix; j <= p; ++j) want[j - t.prefix] += pr[j];
                    }
                for (int64_t j = 0; j < t.n_ctx; ++j)
                    EXPECT_NEAR(s.row(l, h)[j], want[j], 1e-5) << "batch " << batch << " l " << l << " h " << h << " j " << j;
            }
    }
}

TEST(Baselines, SnapKVPoolsTheLastWindowsAttentionAndKeepsTheWindow) {
    const Tiny t;
    ThreadPool pool(2);
    const int64_t W = 4;
    const int kernel = 3;
    ImportanceScores s(2, 2, t.prefix, t.n_ctx);
    SnapKVScorer snap(s, t.c, pool, W, kernel);
    t.run(snap, 6);
    snap.finish();
    for (int l = 0; l < 2; ++l)
        for (int h = 0; h < 2; ++h) {
            std::vector<double> mean(t.n_ctx, 0.0);
            for (int64_t p = t.prefix + t.n_ctx - W; p < t.prefix + t.n_ctx; ++p)
                for (int g = 2 * h; g < 2 * h + 2; ++g) {
                    const std::vector<double> pr = t.probs(l, p, g);
                    for (int64_t j = t.prefix; j <= p; ++j) mean[j - t.prefix] += pr[j] / (double)(W * 2);
                }
            for (int64_t j = 0; j < t.n_ctx; ++j) {
                if (j >= t.n_ctx - W) {
                    EXPECT_EQ(s.row(l, h)[j], kAlwaysKeep);
                    continue;
                }
                double want = 0;
                for (int64_t i = std::max<int64_t>(0, j - 1); i <= std::min<int64_t>(t.n_ctx - 1, j + 1); ++i)
                    want = std::max(want, mean[i]);
                EXPECT_NEAR(s.row(l, h)[j], want, 1e-6) << "l " << l << " h " << h << " j " << j;
            }
        }
    // Pruned at any ratio that leaves room, the window is always kept.
    const std::vector<uint8_t> keep = select_kept(s, 0.3, PruneLevel::PairUniform);
    for (int64_t j = t.n_ctx - W; j < t.n_ctx; ++j) EXPECT_EQ(keep[j], 1);
}

TEST(Baselines, SnapKVRejectsBadParameters) {
    const Tiny t;
    ThreadPool pool(1);
    ImportanceScores s(2, 2, t.prefix, t.n_ctx);
    EXPECT_THROW(SnapKVScorer(s, t.c, pool, 0, 3), Error);
    EXPECT_THROW(SnapKVScorer(s, t.c, pool, 4, 4), Error);
}

}  // namespace
}  // namespace kvzip
