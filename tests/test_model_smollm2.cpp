// SmolLM2-135M-Instruct end to end against Hugging Face transformers
// (goldens from scripts/golden/make_model_goldens.py): last-position logits,
// greedy continuations, tokenization of the same prompts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "engine/model.h"
#include "engine/sampler.h"
#include "util/error.h"
#include "test_helpers.h"

namespace kvzip {
namespace {

using test::golden_path;
using test::smollm2_path;

// Largest |ours - reference| over the full logit vector that we accept. The
// reference runs in float32 with a float32 cache; we keep keys and values in
// fp16 and accumulate in a different order. Measured on an AVX2 machine:
// 0.0127 with the fp16 cache, < 5e-5 with an fp32 cache; the bound leaves room
// for other SIMD paths (AVX without AVX2, scalar).
constexpr float kMaxLogitDiff = 0.05f;

struct Golden {
    nlohmann::json meta;
    std::vector<float> logits;  // n_full prompts x n_vocab
};

const Golden& golden() {
    static Golden g = [] {
        Golden g;
        g.meta = nlohmann::json::parse(test::read_file(golden_path("smollm2_logits.json")));
        g.logits = test::read_f32(golden_path("smollm2_logits.f32"));
        return g;
    }();
    return g;
}

Model& smollm2() {
    static Model m(smollm2_path());
    return m;
}

class SlowModelSmolLM2 : public ::testing::Test {
protected:
    void SetUp() override { KVZIP_REQUIRE_MODEL(smollm2_path()); }
};

TEST_F(SlowModelSmolLM2, LastLogitsMatchTransformers) {
    const auto& prompts = golden().meta["prompts"];
    const int64_t vocab = smollm2().config().n_vocab;
    const size_t n_full = golden().logits.size() / vocab;
    ASSERT_GE(n_full, 3u);
    float worst = 0;
    for (size_t p = 0; p < prompts.size(); ++p) {
        const auto ids = prompts[p]["ids"].get<std::vector<TokenId>>();
        KVCache cache = smollm2().new_cache();
        const std::vector<float> ours = smollm2().eval(ids, cache);
        ASSERT_EQ((int64_t)ours.size(), vocab);
        // Top-1 equal, and the reference's top-20 ids in the same set as ours.
        const auto top_ids = prompts[p]["top_ids"].get<std::vector<int>>();
        const auto top_logits = prompts[p]["top_logits"].get<std::vector<float>>();
        EXPECT_EQ(argmax(ours.data(), vocab), top_ids[0]) << prompts[p]["name"];
        for (size_t i = 0; i < top_ids.size(); ++i)
            EXPECT_NEAR(ours[top_ids[i]], top_logits[i], kMaxLogitDiff) << prompts[p]["name"] << " rank " << i;
        if (p < n_full) {
            const float* ref = golden().logits.data() + p * vocab;
            float diff = 0;
            for (int64_t i = 0; i < vocab; ++i) diff = std::max(diff, std::fabs(ours[i] - ref[i]));
            EXPECT_LT(diff, kMaxLogitDiff) << prompts[p]["name"];
            worst = std::max(worst, diff);
        }
    }
    std::printf("max |logit - transformers| over %zu full vectors: %.4f\n", n_full, worst);
}

TEST_F(SlowModelSmolLM2, GreedyContinuationMatchesTransformers) {
    for (const auto& p : golden().meta["prompts"]) {
        const auto ids = p["ids"].get<std::vector<TokenId>>();
        const auto expected = p["greedy"].get<std::vector<TokenId>>();
        KVCache cache = smollm2().new_cache();
        GenerateOptions go;
        go.max_tokens = (int)expected.size();
        GenerationResult r = smollm2().generate(ids, cache, go);
        std::vector<TokenId> got = r.tokens;
        if (r.stopped_at_eos) got.push_back(expected.back());  // HF keeps the stop token
        EXPECT_EQ(got, expected) << p["name"] << ": got '" << r.text << "', expected '"
                                 << p["greedy_text"].get<std::string>() << "'";
    }
}

TEST_F(SlowModelSmolLM2, PromptTokenizationMatchesTransformers) {
    for (const auto& p : golden().meta["prompts"]) {
        const std::vector<TokenId> ours = smollm2().encode(p["text"].get<std::string>(), /*add_bos=*/true);
        EXPECT_EQ(ours, p["ids"].get<std::vector<TokenId>>()) << p["name"];
    }
}

TEST_F(SlowModelSmolLM2, ChatPromptMatchesTransformersTemplate) {
    const auto& p = golden().meta["prompts"][0];
    EXPECT_EQ(smollm2().chat_prompt("What is the capital of France?"), p["text"].get<std::string>());
}

TEST_F(SlowModelSmolLM2, BatchSizeDoesNotChangeLogits) {
    const auto ids = golden().meta["prompts"][1]["ids"].get<std::vector<TokenId>>();
    ModelOptions one_by_one;
    one_by_one.batch = 1;
    Model m1(smollm2_path(), one_by_one);
    KVCache c1 = m1.new_cache(), c2 = smollm2().new_cache();
    const auto a = m1.eval(ids, c1), b = smollm2().eval(ids, c2);
    ASSERT_EQ(a.size(), b.size());
    float diff = 0;
    for (size_t i = 0; i < a.size(); ++i) diff = std::max(diff, std::fabs(a[i] - b[i]));
    // Single-token and batched kernels sum in different orders, and the fp16
    // cache can round a key differently: a difference of the order of the
    // fp16 cache's own error (0.01) is expected; a real bug gives whole units.
    EXPECT_LT(diff, 0.02f);
    EXPECT_EQ(c1.bytes(), c2.bytes());
}

TEST_F(SlowModelSmolLM2, Fp32CacheAgreesWithFp16Cache) {
    const auto ids = golden().meta["prompts"][2]["ids"].get<std::vector<TokenId>>();
    ModelOptions f32;
    f32.kv_type = KVType::F32;
    Model m32(smollm2_path(), f32);
    KVCache c32 = m32.new_cache(), c16 = smollm2().new_cache();
    const auto a = m32.eval(ids, c32), b = smollm2().eval(ids, c16);
    EXPECT_EQ(argmax(a.data(), (int64_t)a.size()), argmax(b.data(), (int64_t)b.size()));
    EXPECT_EQ(c32.bytes(), 2 * c16.bytes());
    // And the fp32 cache is at least as close to the float32 reference.
    const float* ref = golden().logits.data() + 2 * a.size();
    float d32 = 0, d16 = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        d32 = std::max(d32, std::fabs(a[i] - ref[i]));
        d16 = std::max(d16, std::fabs(b[i] - ref[i]));
    }
    std::printf("max |logit - transformers|: fp32 KV %.4f, fp16 KV %.4f\n", d32, d16);
    EXPECT_LT(d32, 1e-3f);
}

TEST_F(SlowModelSmolLM2, ContextLongerThanModelIsRefused) {
    KVCache cache = smollm2().new_cache();
    cache.set_next_position(smollm2().config().n_ctx_train - 1);
    EXPECT_THROW(smollm2().eval({1, 2, 3}, cache), Error);
}

TEST_F(SlowModelSmolLM2, OutOfVocabularyTokenIsRefused) {
    KVCache cache = smollm2().new_cache();
    EXPECT_THROW(smollm2().eval({smollm2().config().n_vocab}, cache), Error);
}

}  // namespace
}  // namespace kvzip
