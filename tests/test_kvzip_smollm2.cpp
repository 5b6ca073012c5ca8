// KVzip on SmolLM2: scoring against a naive reference of DESIGN.md 1.2,
// pruning invariants (ratio 1.0, retain == evict, prefix kept, kept counts),
// query reuse (update_cache), and a needle answered at r = 0.3.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/model.h"
#include "model/transformer.h"
#include "ops/quant.h"
#include "naive_kvzip.h"
#include "test_helpers.h"
#include "util/error.h"

namespace kvzip {
namespace {

Model& smollm2() {
    static Model m(test::smollm2_path(), [] {
        ModelOptions o;
        o.batch = 32;  // several batches per repeat chunk: exercises the batched scoring path
        return o;
    }());
    return m;
}

// A real, always-available English text (Debian ships it): the haystack.
std::string licence_text(size_t max_bytes) {
    std::string s = test::read_file("/usr/share/common-licenses/GPL-3");
    if (s.empty()) s = test::read_file("/usr/share/common-licenses/Apache-2.0");
    return s.substr(0, std::min(max_bytes, s.size()));
}

using test::NaiveScorer;

class SlowModelKVzip : public ::testing::Test {
protected:
    void SetUp() override { KVZIP_REQUIRE_MODEL(test::smollm2_path()); }
};

class SlowModelKVzipNaive : public ::testing::TestWithParam<bool> {
protected:
    void SetUp() override { KVZIP_REQUIRE_MODEL(test::smollm2_path()); }
};

TEST_P(SlowModelKVzipNaive, ScoresEqualNaiveReference) {
    const bool plus = GetParam();  // KVzip+ normalization
    const std::string context = licence_text(400);
    PrefillOptions po;
    po.score = false;
    Cache cache = smollm2().prefill(context, po);
    NaiveScorer naive(smollm2().config(), cache.prefix_len, cache.context_len, /*chunk=*/30,
                      plus ? &smollm2().file() : nullptr);
    po.score_chunk = 30;
    po.observer = &naive;
    po.kvzip_plus = plus;
    smollm2().score(cache, po);
    ASSERT_GT(cache.context_len, 60) << "want at least 3 chunks";
    ASSERT_EQ(cache.scores.data.size(), naive.scores().data.size());
    float worst = 0;
    for (size_t i = 0; i < cache.scores.data.size(); ++i) {
        ASSERT_GT(naive.scores().data[i], 0.0f) << "every context position gets a score";
        worst = std::max(worst, std::fabs(cache.scores.data[i] - naive.scores().data[i]));
    }
    float largest = 0;
    for (float x : naive.scores().data) largest = std::max(largest, x);
    EXPECT_LT(worst, 1e-5f * std::max(1.0f, largest));
    std::printf("scores%s vs naive reference: max abs diff %.3g (largest score %.3g) over %zu scores\n",
                plus ? " (KVzip+)" : "", worst, largest, cache.scores.data.size());
}

INSTANTIATE_TEST_SUITE_P(PlainAndPlus, SlowModelKVzipNaive, ::testing::Bool());

struct Prefilled {
    Cache cache;
    std::vector<TokenId> question;
};

Prefilled prefill_small() {
    Prefilled p{smollm2().prefill(licence_text(1200), [] {
                    PrefillOptions o;
                    o.score_chunk = 100;
                    return o;
                }()),
                smollm2().apply_template("What does this licence let people do?")};
    return p;
}

std::vector<float> question_logits(Cache& c, const std::vector<TokenId>& q) {
    const int64_t start = c.kv.next_position();
    std::vector<float> logits = smollm2().eval(q, c.kv);
    c.kv.truncate(start);
    return logits;
}

TEST_F(SlowModelKVzip, RatioOneGivesTheUncompressedLogits) {
    Prefilled full = prefill_small();
    const std::vector<float> ref = question_logits(full.cache, full.question);
    for (PruneLevel level : {PruneLevel::Pair, PruneLevel::PairUniform, PruneLevel::Head}) {
        for (CacheMode mode : {CacheMode::Retain, CacheMode::Evict}) {
            Prefilled p = prefill_small();
            const PruneStats st = p.cache.prune(1.0, level, mode);
            EXPECT_EQ(st.kept_pairs, st.context_pairs);
            const std::vector<float> got = question_logits(p.cache, p.question);
            ASSERT_EQ(got.size(), ref.size());
            EXPECT_EQ(0, std::memcmp(got.data(), ref.data(), ref.size() * sizeof(float))) << to_string(level);
        }
    }
}

TEST_F(SlowModelKVzip, RetainAndEvictGiveBitIdenticalLogits) {
    for (PruneLevel level : {PruneLevel::Pair, PruneLevel::PairUniform, PruneLevel::Head}) {
        Prefilled a = prefill_small(), b = prefill_small();
        const PruneStats sa = a.cache.prune(0.3, level, CacheMode::Retain);
        const PruneStats sb = b.cache.prune(0.3, level, CacheMode::Evict);
        EXPECT_EQ(sa.kept_pairs, sb.kept_pairs);
        EXPECT_LT(sb.bytes_held, sa.bytes_held) << "evict frees memory";
        EXPECT_EQ(sa.bytes_kept, sb.bytes_kept);
        const auto la = question_logits(a.cache, a.question), lb = question_logits(b.cache, b.question);
        ASSERT_EQ(la.size(), lb.size());
        EXPECT_EQ(0, std::memcmp(la.data(), lb.data(), la.size() * sizeof(float))) << to_string(level);
        GenerateOptions go;
        go.max_tokens = 12;
        EXPECT_EQ(smollm2().generate(a.question, a.cache, go).tokens, smollm2().generate(b.question, b.cache, go).tokens);
    }
}

TEST_F(SlowModelKVzip, RetainModeReprunesAtAnyRatio) {
    Prefilled a = prefill_small(), b = prefill_small();
    a.cache.prune(0.1, PruneLevel::Pair, CacheMode::Retain);
    a.cache.prune(0.5, PruneLevel::Pair, CacheMode::Retain);  // back up from 0.1
    b.cache.prune(0.5, PruneLevel::Pair, CacheMode::Evict);
    const auto la = question_logits(a.cache, a.question), lb = question_logits(b.cache, b.question);
    EXPECT_EQ(0, std::memcmp(la.data(), lb.data(), la.size() * sizeof(float)));
    EXPECT_THROW(b.cache.prune(0.7), Error) << "evicted pairs cannot come back";
}

TEST_F(SlowModelKVzip, PrefixIsNeverEvictedAndKeptCountsAreExact) {
    Prefilled p = prefill_small();
    const ModelConfig& c = smollm2().config();
    const int64_t N = p.cache.context_len, LH = (int64_t)c.n_layer * c.n_head_kv;
    for (double r : {0.0, 0.1, 0.3, 0.55}) {
        for (PruneLevel level : {PruneLevel::Pair, PruneLevel::PairUniform, PruneLevel::Head}) {
            const PruneStats st = p.cache.prune(r, level, CacheMode::Retain);
            EXPECT_EQ(st.context_pairs, LH * N);
            int64_t full_heads = 0, kept = 0;
            for (int l = 0; l < c.n_layer; ++l) {
                for (int h = 0; h < c.n_head_kv; ++h) {
                    const KVHeadView v = p.cache.kv.head(l, h);
                    ASSERT_GE(v.n_active(), p.cache.prefix_len);
                    for (int64_t k = 0; k < p.cache.prefix_len; ++k) ASSERT_EQ(v.active_position(k), k);
                    const int64_t ctx_kept = v.n_active() - p.cache.prefix_len;
                    kept += ctx_kept;
                    if (level == PruneLevel::PairUniform) {
                        EXPECT_EQ(ctx_kept, std::llround(r * N));
                    }
                    if (level == PruneLevel::Head) {
                        EXPECT_TRUE(ctx_kept == 0 || ctx_kept == N);
                        full_heads += ctx_kept == N;
                    }
                }
            }
            EXPECT_EQ(kept, st.kept_pairs);
            if (level == PruneLevel::Pair) {
                EXPECT_EQ(kept, std::llround(r * LH * N));
            }
            if (level == PruneLevel::Head) {
                EXPECT_EQ(full_heads, std::llround(r * LH));
            }
        }
    }
}

TEST_F(SlowModelKVzip, UpdateCacheFalseRestoresTheCacheByteForByte) {
    for (CacheMode mode : {CacheMode::Retain, CacheMode::Evict}) {
        Prefilled p = prefill_small();
        p.cache.prune(0.3, PruneLevel::Pair, mode);
        const KVCache before = p.cache.kv;
        GenerateOptions go;
        go.max_tokens = 8;
        smollm2().generate(p.question, p.cache, go);
        EXPECT_TRUE(p.cache.kv.same_content(before));
        go.update_cache = true;
        GenerationResult r = smollm2().generate(p.question, p.cache, go);
        EXPECT_FALSE(p.cache.kv.same_content(before));
        EXPECT_EQ(p.cache.kv.next_position(),
                  before.next_position() + (int64_t)p.question.size() + (int64_t)r.tokens.size() - 1);
    }
}

TEST_F(SlowModelKVzip, NeedleIsStillAnsweredAtRatio03) {
    // ~2k tokens of real text with one fact in the middle.
    std::string haystack = licence_text(9000);
    const size_t mid = haystack.find('\n', haystack.size() / 2);
    haystack.insert(mid + 1, "The secret code of the blue door is 7391.\n");
    Cache cache = smollm2().prefill(haystack);
    ASSERT_GT(cache.context_len, 1500);
    const PruneStats st = cache.prune(0.3);
    EXPECT_NEAR(st.ratio_kept, 0.3, 1e-6);
    GenerateOptions go;
    go.max_tokens = 24;
    const GenerationResult r = smollm2().generate(smollm2().apply_template("What is the secret code of the blue door?"), cache, go);
    EXPECT_NE(r.text.find("7391"), std::string::npos) << r.text;
    std::printf("context %lld tokens, prefill %.1f s, scoring %.1f s, answer at r=0.3: %s\n",
                (long long)cache.context_len, cache.prefill_seconds, cache.scoring_seconds, r.text.c_str());
}

}  // namespace
}  // namespace kvzip
