// KVzip on Gemma 3 270M: the global layers are scored (the streaming scorer
// equals the naive reference of DESIGN.md 1.2 there) and pruned; the
// sliding-window layers are neither scored nor counted in the kept ratio and
// keep exactly their window, from the prefill on.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "engine/model.h"
#include "naive_kvzip.h"
#include "test_helpers.h"

namespace kvzip {
namespace {

std::string gemma3_path() { return test::model_path("gemma-3-270m-q4_k_m.gguf"); }

Model& gemma3() {
    static Model m(gemma3_path(), [] {
        ModelOptions o;
        o.batch = 64;
        return o;
    }());
    return m;
}

std::string licence_text(size_t max_bytes) {
    std::string s = test::read_file("/usr/share/common-licenses/GPL-3");
    if (s.empty()) s = test::read_file("/usr/share/common-licenses/Apache-2.0");
    return s.substr(0, std::min(max_bytes, s.size()));
}

std::string lower(std::string s) {
    for (char& ch : s) ch = (char)std::tolower((unsigned char)ch);
    return s;
}

class SlowModelGemma3KVzip : public ::testing::Test {
protected:
    void SetUp() override { KVZIP_REQUIRE_MODEL(gemma3_path()); }
};

TEST_F(SlowModelGemma3KVzip, GlobalLayerScoresEqualNaiveReference) {
    PrefillOptions po;
    po.score = false;
    Cache cache = gemma3().prefill(licence_text(500), po);
    ASSERT_GT(cache.context_len, 80);
    test::NaiveScorer naive(gemma3().config(), cache.prefix_len, cache.context_len, /*chunk=*/40);
    po.score_chunk = 40;
    po.observer = &naive;
    gemma3().score(cache, po);
    const ModelConfig& c = gemma3().config();
    float worst = 0;
    for (int l = 0; l < c.n_layer; ++l) {
        const float* ours = cache.scores.row(l, 0);
        const float* ref = naive.scores().row(l, 0);
        for (int64_t j = 0; j < cache.context_len; ++j) {
            if (c.is_sliding(l)) {
                ASSERT_EQ(ours[j], 0.0f) << "sliding layer " << l << " is not scored";
            } else {
                ASSERT_GT(ref[j], 0.0f);
                worst = std::max(worst, std::fabs(ours[j] - ref[j]));
            }
        }
    }
    EXPECT_LT(worst, 1e-5f);
    std::printf("gemma3 global-layer scores vs naive reference: max abs diff %.3g\n", worst);
}

TEST_F(SlowModelGemma3KVzip, SlidingLayersKeepTheirWindowAndTheRatioCountsGlobalLayers) {
    PrefillOptions po;
    po.score_chunk = 400;
    Cache cache = gemma3().prefill(licence_text(4000), po);
    const ModelConfig& c = gemma3().config();
    ASSERT_GT(cache.context_len, c.sliding_window + 100) << "the context must be longer than the window";
    // Already during prefill the sliding layers forget what no later token sees.
    for (int l = 0; l < c.n_layer; ++l)
        EXPECT_EQ(cache.kv.head_size(l, 0), c.is_sliding(l) ? cache.prefix_len + c.sliding_window - 1
                                                            : cache.prefix_len + cache.context_len)
            << "layer " << l;
    const PruneStats st = cache.prune(0.3, PruneLevel::Pair, CacheMode::Evict);
    int n_global = 0;
    for (int l = 0; l < c.n_layer; ++l) n_global += !c.is_sliding(l);
    EXPECT_EQ(st.context_pairs, (int64_t)n_global * c.n_head_kv * cache.context_len);
    EXPECT_EQ(st.kept_pairs, std::llround(0.3 * st.context_pairs));
    const int64_t end = cache.prefix_len + cache.context_len;
    for (int l = 0; l < c.n_layer; ++l) {
        if (!c.is_sliding(l)) continue;
        const KVHeadView v = cache.kv.head(l, 0);
        // The prefix (always kept) and the last window - 1 positions: every key
        // a later query (position >= end) can still see.
        ASSERT_EQ(v.n_active(), cache.prefix_len + c.sliding_window - 1) << "layer " << l;
        EXPECT_EQ(v.active_position(v.n_active() - 1), end - 1);
        EXPECT_EQ(v.active_position(cache.prefix_len), end - c.sliding_window + 1);
    }
}

TEST_F(SlowModelGemma3KVzip, ForgettingOutsideTheWindowKeepsTheLogitsBitIdentical) {
    PrefillOptions po;
    po.score = false;
    Cache trimmed = gemma3().prefill(licence_text(3500), po);
    ASSERT_GT(trimmed.context_len, gemma3().config().sliding_window + 64);
    // The same tokens through eval(), which keeps every position.
    std::vector<TokenId> ids = gemma3().tokenizer().encode(gemma3().chat_template().qa_template().prefix, false, true);
    ASSERT_EQ((int64_t)ids.size(), trimmed.prefix_len);
    ids.insert(ids.end(), trimmed.context_ids.begin(), trimmed.context_ids.end());
    KVCache full = gemma3().new_cache();
    gemma3().eval(ids, full);
    EXPECT_LT(trimmed.kv.n_entries(), full.n_entries());
    const std::vector<TokenId> q = gemma3().apply_template("What does this licence let people do?");
    EXPECT_EQ(gemma3().eval(q, trimmed.kv), gemma3().eval(q, full));
}

TEST_F(SlowModelGemma3KVzip, NeedleIsStillAnsweredAtRatio03) {
    // ~1.2k tokens of real text with one fact in the middle, the plain
    // base-model QA template (the GGUF has no chat template).
    std::string haystack = licence_text(5000);
    const size_t mid = haystack.find('\n', haystack.size() / 2);
    haystack.insert(mid + 1, "\nMaria's favourite fruit is mango.\n\n");
    Cache cache = gemma3().prefill(haystack);
    ASSERT_GT(cache.context_len, 1000);
    GenerateOptions go;
    go.max_tokens = 16;
    const std::vector<TokenId> q = gemma3().apply_template("What is Maria's favourite fruit?");
    const GenerationResult full = gemma3().generate(q, cache, go);
    EXPECT_NE(lower(full.text).find("mango"), std::string::npos) << full.text;
    const PruneStats st = cache.prune(0.3);
    EXPECT_NEAR(st.ratio_kept, 0.3, 1e-3);
    const GenerationResult r = gemma3().generate(q, cache, go);
    EXPECT_NE(lower(r.text).find("mango"), std::string::npos) << r.text;
    std::printf("gemma3: context %lld tokens, KV %.1f -> %.1f MB, answer at r=0.3: %s\n", (long long)cache.context_len,
                st.bytes_full / 1e6, st.bytes_kept / 1e6, r.text.c_str());
}

}  // namespace
}  // namespace kvzip
