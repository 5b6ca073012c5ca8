// Gemma 3 270M (the real Q4_K_M weights) against Hugging Face transformers
// (goldens from scripts/golden/make_gemma3_goldens.py): last-position logits
// (top 20 and every 64th of the 262144) and greedy continuations, for short
// prompts and one of 1274 tokens, past the 512-token sliding window. Runs the
// forward pass on the goldens' token ids, so it tests the model alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "io/gguf.h"
#include "model/transformer.h"
#include "test_helpers.h"

namespace kvzip {
namespace {

std::string gemma3_path() { return test::model_path("gemma-3-270m-q4_k_m.gguf"); }

// Largest |ours - reference| accepted, with an fp32 KV cache. Measured on
// AVX2: 2e-5 (short prompts) to 8.6e-5 (1274 tokens) on logits of magnitude ~20;
// the bound leaves room for the other SIMD paths.
constexpr float kMaxLogitDiff = 0.01f;

class SlowModelGemma3 : public ::testing::Test {
protected:
    void SetUp() override { KVZIP_REQUIRE_MODEL(gemma3_path()); }

    static Transformer& model() {
        static std::unique_ptr<GGUFFile> file = GGUFFile::open(gemma3_path());
        static ThreadPool pool(0);
        static Transformer t(*file, pool);
        return t;
    }
    static const nlohmann::json& golden() {
        static nlohmann::json g = nlohmann::json::parse(test::read_file(test::golden_path("gemma3_logits.json")));
        return g;
    }
    // Last-position logits of ids, prefilled in batches of 128.
    static std::vector<float> last_logits(const std::vector<int32_t>& ids, KVCache& cache) {
        std::vector<float> logits;
        for (size_t i = 0; i < ids.size(); i += 128) {
            const int64_t T = std::min<int64_t>(128, (int64_t)(ids.size() - i));
            model().forward(ids.data() + i, T, cache, i + T == ids.size() ? &logits : nullptr);
        }
        return logits;
    }
};

TEST_F(SlowModelGemma3, ConfigIsGemma3) {
    const ModelConfig& c = model().config();
    EXPECT_EQ(c.arch, "gemma3");
    EXPECT_TRUE(c.qk_norm);
    EXPECT_TRUE(c.post_norms);
    EXPECT_EQ(c.sliding_window, 512);
    int global = 0;
    for (int l = 0; l < c.n_layer; ++l) global += !c.is_sliding(l);
    EXPECT_EQ(global, 3) << "every 6th of 18 layers is global";
    EXPECT_FALSE(c.is_sliding(5));
    EXPECT_FLOAT_EQ(c.embd_scale, std::sqrt(640.0f));
}

TEST_F(SlowModelGemma3, LastLogitsMatchTransformers) {
    const int stride = golden()["stride"].get<int>();
    for (const auto& p : golden()["prompts"]) {
        const auto ids = p["ids"].get<std::vector<int32_t>>();
        KVCache cache = model().new_cache(KVType::F32);
        const std::vector<float> logits = last_logits(ids, cache);
        ASSERT_EQ((int64_t)logits.size(), p["n_vocab"].get<int64_t>());
        float worst = 0;
        const auto top_ids = p["top_ids"].get<std::vector<int>>();
        const auto top = p["top_logits"].get<std::vector<float>>();
        for (size_t i = 0; i < top_ids.size(); ++i) worst = std::max(worst, std::fabs(logits[top_ids[i]] - top[i]));
        const auto strided = p["strided_logits"].get<std::vector<float>>();
        for (size_t i = 0; i < strided.size(); ++i) worst = std::max(worst, std::fabs(logits[i * stride] - strided[i]));
        EXPECT_LT(worst, kMaxLogitDiff) << p["name"];
        EXPECT_EQ(std::max_element(logits.begin(), logits.end()) - logits.begin(), top_ids[0]) << p["name"];
        std::printf("gemma3 %s (%zu tokens): max |logit diff| %.3g\n", p["name"].get<std::string>().c_str(),
                    ids.size(), worst);
    }
}

TEST_F(SlowModelGemma3, GreedyContinuationsMatchTransformers) {
    for (const auto& p : golden()["prompts"]) {
        auto ids = p["ids"].get<std::vector<int32_t>>();
        const auto want = p["greedy"].get<std::vector<int32_t>>();
        KVCache cache = model().new_cache(KVType::F32);
        std::vector<float> logits = last_logits(ids, cache);
        std::vector<int32_t> got;
        for (size_t i = 0; i < want.size(); ++i) {
            const int32_t next = (int32_t)(std::max_element(logits.begin(), logits.end()) - logits.begin());
            got.push_back(next);
            model().forward(&next, 1, cache, &logits);
        }
        EXPECT_EQ(got, want) << p["name"];
    }
}

}  // namespace
}  // namespace kvzip
