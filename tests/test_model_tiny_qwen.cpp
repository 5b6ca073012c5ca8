// Tiny random-weight Qwen2 (q/k/v bias, untied output) and Qwen3 (q/k norm,
// head_dim * heads != hidden, tied output) against Hugging Face transformers on
// the same weights, loaded from a GGUF and from a Hugging Face checkpoint
// (float16 safetensors + config.json + tokenizer.json). The models come from
// scripts/make_tiny_models.py, the goldens from scripts/golden/make_tiny_qwen_goldens.py.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <tuple>
#include <nlohmann/json.hpp>

#include "engine/model.h"
#include "test_helpers.h"

namespace kvzip {
namespace {

using test::golden_path;

// The reference computes in float32 on the same F16-rounded weights; we use
// an fp32 KV cache here, so the differences are summation order only
// (measured: max abs diff 3.5e-6 for Qwen2, logits up to 3.9, and
// 1.5e-5 for Qwen3, logits up to 21; the bound leaves room for other SIMD paths).
constexpr float kMaxRelDiff = 1e-5f;

const nlohmann::json& meta() {
    static nlohmann::json m = nlohmann::json::parse(test::read_file(golden_path("tiny/tiny_qwen.json")));
    return m;
}

// (architecture, "gguf" or "hf")
class TinyQwen : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {
protected:
    void SetUp() override {
        KVZIP_REQUIRE_MODEL(test::tiny_model_path("qwen2.gguf"));
        KVZIP_REQUIRE_MODEL(test::tiny_model_path("qwen2_hf/model.safetensors"));
    }
    static std::string path(const nlohmann::json& m) {
        return test::tiny_model_path(m[std::get<1>(GetParam())].get<std::string>());
    }
};

TEST_P(TinyQwen, EveryPositionLogitsMatchTransformers) {
    const std::string arch = std::get<0>(GetParam());
    const auto& m = meta()["models"][arch];
    Model model(path(m), ModelOptions{1, KVType::F32, 32});
    EXPECT_EQ(model.config().arch, arch);
    const int64_t V = m["n_vocab"].get<int64_t>();
    ASSERT_EQ(model.config().n_vocab, V);
    const std::vector<float> ref = test::read_f32(golden_path("tiny/" + m["logits"].get<std::string>()));
    size_t off = 0;
    for (const auto& seq : meta()["sequences"]) {
        const auto ids = seq.get<std::vector<TokenId>>();
        KVCache cache = model.new_cache();
        const std::vector<float> ours = model.eval_all_logits(ids, cache);
        ASSERT_EQ(ours.size(), ids.size() * V);
        ASSERT_LE(off + ours.size(), ref.size());
        float scale = 0, worst = 0;
        for (size_t i = 0; i < ours.size(); ++i) {
            scale = std::max(scale, std::fabs(ref[off + i]));
            worst = std::max(worst, std::fabs(ours[i] - ref[off + i]));
        }
        EXPECT_LE(worst, kMaxRelDiff * scale) << arch << ", sequence of " << ids.size() << " tokens";
        std::printf("%s, %zu tokens: max |logit - transformers| %.2e, logits up to %.1f\n", arch.c_str(), ids.size(),
                    worst, scale);
        off += ours.size();
    }
    EXPECT_EQ(off, ref.size());
}

TEST_P(TinyQwen, GreedyContinuationsMatchTransformers) {
    const std::string arch = std::get<0>(GetParam());
    const auto& m = meta()["models"][arch];
    Model model(path(m), ModelOptions{1, KVType::F32, 32});
    const auto& seqs = meta()["sequences"];
    for (size_t s = 0; s < seqs.size(); ++s) {
        const auto ids = seqs[s].get<std::vector<TokenId>>();
        const auto want = m["greedy"][s].get<std::vector<TokenId>>();
        KVCache cache = model.new_cache();
        GenerateOptions opt;
        opt.max_tokens = (int)want.size();
        opt.stop_at_eos = false;
        EXPECT_EQ(model.generate(ids, cache, opt).tokens, want) << arch << ", sequence " << s;
    }
}

INSTANTIATE_TEST_SUITE_P(Archs, TinyQwen,
                         ::testing::Combine(::testing::Values("qwen2", "qwen3"), ::testing::Values("gguf", "hf")),
                         [](const auto& info) { return std::get<0>(info.param) + "_" + std::get<1>(info.param); });

TEST(TinyQwenHF, TokenizerEncodesBytesLikeTheGGUF) {
    KVZIP_REQUIRE_MODEL(test::tiny_model_path("qwen2.gguf"));
    KVZIP_REQUIRE_MODEL(test::tiny_model_path("qwen2_hf/model.safetensors"));
    // Both vocabularies are the 256 byte-level tokens + 4 specials, no merges.
    Model gguf(test::tiny_model_path("qwen2.gguf"), ModelOptions{1, KVType::F32, 32});
    Model hf(test::tiny_model_path("qwen2_hf"), ModelOptions{1, KVType::F32, 32});
    const std::string text = "Hi <|im_start|>there, caf\xc3\xa9!";
    EXPECT_EQ(hf.encode(text, false), gguf.encode(text, false));
    EXPECT_EQ(hf.encode(text, false).size(), 17u) << "16 bytes + one special token";
}

}  // namespace
}  // namespace kvzip
