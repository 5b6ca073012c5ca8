// Pruning policies and the ragged cache on hand-made inputs (no model).
#include <gtest/gtest.h>

#include <cstring>
#include <cmath>
#include <numeric>

#include "engine/cache.h"
#include "kv/importance.h"
#include "kv/kv_cache.h"
#include "kv/pruning.h"
#include "test_helpers.h"
#include "util/error.h"

namespace kvzip {
namespace {

ImportanceScores make_scores(int L, int H, int64_t N, std::vector<float> values) {
    ImportanceScores s(L, H, /*ctx_begin=*/5, N);
    s.data = std::move(values);
    return s;
}

TEST(Pruning, PairRanksAllHeadsTogether) {
    // 2 layers x 1 head x 4 positions.
    auto s = make_scores(2, 1, 4, {0.9f, 0.1f, 0.8f, 0.2f, /*layer 1*/ 0.7f, 0.6f, 0.05f, 0.3f});
    auto keep = select_kept(s, 0.5, PruneLevel::Pair);  // top 4 of 8
    EXPECT_EQ(keep, (std::vector<uint8_t>{1, 0, 1, 0, 1, 1, 0, 0}));
}

TEST(Pruning, PairUniformGivesEveryHeadTheSameBudget) {
    auto s = make_scores(2, 1, 4, {0.9f, 0.1f, 0.8f, 0.2f, 0.7f, 0.6f, 0.05f, 0.3f});
    auto keep = select_kept(s, 0.25, PruneLevel::PairUniform);  // 1 per head
    EXPECT_EQ(keep, (std::vector<uint8_t>{1, 0, 0, 0, 1, 0, 0, 0}));
}

TEST(Pruning, HeadLevelKeepsWholeHeadsByHeadScore) {
    auto s = make_scores(1, 3, 2, {0.1f, 0.2f, 0.9f, 0.0f, 0.5f, 0.5f});
    EXPECT_EQ(select_kept(s, 1.0 / 3, PruneLevel::Head), (std::vector<uint8_t>{0, 0, 1, 1, 0, 0}));
    // Given head scores win over the context's own.
    EXPECT_EQ(select_kept(s, 1.0 / 3, PruneLevel::Head, {5.0f, 0.0f, 1.0f}), (std::vector<uint8_t>{1, 1, 0, 0, 0, 0}));
    EXPECT_THROW(select_kept(s, 0.5, PruneLevel::Head, {1.0f}), Error);
}

TEST(Pruning, TiesBreakTowardTheLowerPosition) {
    auto s = make_scores(1, 2, 4, std::vector<float>(8, 0.5f));
    EXPECT_EQ(select_kept(s, 0.25, PruneLevel::PairUniform), (std::vector<uint8_t>{1, 0, 0, 0, 1, 0, 0, 0}));
    // Pair level: position first, then head.
    EXPECT_EQ(select_kept(s, 3.0 / 8, PruneLevel::Pair), (std::vector<uint8_t>{1, 1, 0, 0, 1, 0, 0, 0}));
}

TEST(Pruning, KeptCountIsRoundedRatioForEveryLevel) {
    const int L = 3, H = 2;
    const int64_t N = 37;
    std::vector<float> v(L * H * N);
    for (size_t i = 0; i < v.size(); ++i) v[i] = (float)((i * 7919) % 101);
    auto s = make_scores(L, H, N, v);
    for (double r : {0.0, 0.1, 0.33, 0.5, 0.9, 1.0}) {
        auto count = [](const std::vector<uint8_t>& k) { return std::accumulate(k.begin(), k.end(), 0LL); };
        EXPECT_EQ(count(select_kept(s, r, PruneLevel::Pair)), std::llround(r * L * H * N)) << r;
        EXPECT_EQ(count(select_kept(s, r, PruneLevel::PairUniform)), L * H * std::llround(r * N)) << r;
        EXPECT_EQ(count(select_kept(s, r, PruneLevel::Head)), N * std::llround(r * L * H)) << r;
    }
}

TEST(Pruning, BadRatioAndLevelAreRefused) {
    auto s = make_scores(1, 1, 2, {1.0f, 2.0f});
    EXPECT_THROW(select_kept(s, 1.5, PruneLevel::Pair), Error);
    EXPECT_THROW(select_kept(s, -0.1, PruneLevel::Pair), Error);
    EXPECT_THROW(parse_prune_level("pairs"), Error);
    EXPECT_EQ(parse_prune_level("pair-uniform"), PruneLevel::PairUniform);
}

// A 1-layer, 1-head cache with head_dim 2 and entries whose key = position.
KVCache small_cache(KVType type, int64_t n) {
    KVCache kv(1, 1, 2, type);
    for (int64_t p = 0; p < n; ++p) {
        const float k[2] = {(float)p, -(float)p}, v[2] = {(float)(2 * p), 1.0f};
        kv.append(0, k, v, 1, p);
    }
    return kv;
}

TEST(KVCacheTest, EvictCompactsAndRetainMasksTheSameEntries) {
    for (KVType type : {KVType::F16, KVType::F32}) {
        KVCache a = small_cache(type, 10), b = small_cache(type, 10);
        auto keep_even = [](int, int, int32_t pos) { return pos % 2 == 0; };
        a.prune(keep_even, /*compact=*/false);
        b.prune(keep_even, /*compact=*/true);
        EXPECT_TRUE(a.masked());
        EXPECT_FALSE(b.masked());
        EXPECT_EQ(a.n_entries(), 10);
        EXPECT_EQ(b.n_entries(), 5);
        EXPECT_EQ(a.n_active(), 5);
        EXPECT_EQ(a.active_bytes(), b.bytes());
        const KVHeadView va = a.head(0, 0), vb = b.head(0, 0);
        for (int64_t k = 0; k < 5; ++k) EXPECT_EQ(va.active_position(k), vb.active_position(k));
        // New tokens are kept in both.
        const float k[2] = {1, 2}, v[2] = {3, 4};
        a.append(0, k, v, 1, 10);
        b.append(0, k, v, 1, 10);
        EXPECT_EQ(a.n_active(), 6);
        EXPECT_EQ(b.n_active(), 6);
        EXPECT_EQ(a.head(0, 0).active_position(5), 10);
    }
}

TEST(KVCacheTest, TruncateForgetsTheTailAndRestoresContent) {
    KVCache kv = small_cache(KVType::F16, 6);
    kv.prune([](int, int, int32_t pos) { return pos != 2; }, false);
    const KVCache before = kv;
    const float k[2] = {1, 2}, v[2] = {3, 4};
    kv.append(0, k, v, 1, 6);
    kv.append(0, k, v, 1, 7);
    EXPECT_FALSE(kv.same_content(before));
    kv.truncate(6);
    EXPECT_TRUE(kv.same_content(before));
    EXPECT_EQ(kv.next_position(), 6);
}

TEST(KVCacheTest, CacheBytesFollowTheElementType) {
    EXPECT_EQ(small_cache(KVType::F16, 4).bytes(), 4u * 2 * 2 * 2);
    EXPECT_EQ(small_cache(KVType::F32, 4).bytes(), 4u * 2 * 2 * 4);
}

TEST(ImportanceScoresTest, NpyFileHasTheNumpyHeaderAndData) {
    ImportanceScores s(2, 3, 0, 5);
    for (size_t i = 0; i < s.data.size(); ++i) s.data[i] = (float)i;
    const std::string path = ::testing::TempDir() + "scores.npy";
    s.save_npy(path);
    const std::string f = test::read_file(path);
    ASSERT_GE(f.size(), 10u);
    EXPECT_EQ(f.substr(1, 5), "NUMPY");
    const size_t hlen = (unsigned char)f[8] | ((unsigned char)f[9] << 8);
    EXPECT_EQ((10 + hlen) % 64, 0u);
    const std::string header = f.substr(10, hlen);
    EXPECT_NE(header.find("'shape': (2, 3, 5)"), std::string::npos) << header;
    EXPECT_NE(header.find("'<f4'"), std::string::npos);
    ASSERT_EQ(f.size(), 10 + hlen + 30 * sizeof(float));
    float last;
    std::memcpy(&last, f.data() + f.size() - 4, 4);
    EXPECT_EQ(last, 29.0f);
}

}  // namespace
}  // namespace kvzip
