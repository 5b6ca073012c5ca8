// KVzip scoring on the tiny random-weight Qwen2/Qwen3 models (no download
// needed): the streaming scorer equals the naive reference of DESIGN.md 1.2,
// with and without KVzip+, and ratio 1.0 leaves the logits untouched.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <tuple>

#include "engine/model.h"
#include "naive_kvzip.h"
#include "test_helpers.h"

namespace kvzip {
namespace {

std::string tiny_path(const std::string& arch) { return test::tiny_model_path(arch + ".gguf"); }

// Byte-level vocabulary without merges: one token per byte.
const std::string kContext =
    "The quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs. 0123456789!";

class TinyKVzip : public ::testing::TestWithParam<std::tuple<std::string, bool>> {
protected:
    void SetUp() override { KVZIP_REQUIRE_MODEL(tiny_path(std::get<0>(GetParam()))); }
};

TEST_P(TinyKVzip, ScoresEqualNaiveReference) {
    const auto& [arch, plus] = GetParam();
    Model model(tiny_path(arch), ModelOptions{1, KVType::F32, 16});  // several batches per repeat chunk
    PrefillOptions po;
    po.score = false;
    Cache cache = model.prefill(kContext, po);
    ASSERT_GT(cache.context_len, 90);
    test::NaiveScorer naive(model.config(), cache.prefix_len, cache.context_len, /*chunk=*/25,
                            plus ? &model.file() : nullptr);
    po.score_chunk = 25;
    po.observer = &naive;
    po.kvzip_plus = plus;
    model.score(cache, po);
    float worst = 0, largest = 0;
    for (size_t i = 0; i < cache.scores.data.size(); ++i) {
        ASSERT_GT(naive.scores().data[i], 0.0f) << "every context position gets a score";
        largest = std::max(largest, naive.scores().data[i]);
        worst = std::max(worst, std::fabs(cache.scores.data[i] - naive.scores().data[i]));
    }
    EXPECT_LT(worst, 1e-5f * std::max(1.0f, largest)) << "largest score " << largest;
}

TEST_P(TinyKVzip, RatioOneKeepsTheLogits) {
    const auto& [arch, plus] = GetParam();
    Model model(tiny_path(arch), ModelOptions{1, KVType::F32, 16});
    PrefillOptions po;
    po.score_chunk = 40;
    po.kvzip_plus = plus;
    Cache cache = model.prefill(kContext, po);
    const std::vector<TokenId> q = model.apply_template("Which animal jumps?");
    const int64_t start = cache.kv.next_position();
    const std::vector<float> full = model.eval(q, cache.kv);
    cache.kv.truncate(start);
    for (PruneLevel level : {PruneLevel::Pair, PruneLevel::PairUniform, PruneLevel::Head}) {
        cache.prune(1.0, level, CacheMode::Retain);
        const std::vector<float> kept = model.eval(q, cache.kv);
        cache.kv.truncate(start);
        EXPECT_EQ(kept, full) << to_string(level);
        cache.prune(0.3, level, CacheMode::Retain);
        EXPECT_NE(model.eval(q, cache.kv), full) << "pruning 70 % must change something, " << to_string(level);
        cache.kv.truncate(start);
    }
}

INSTANTIATE_TEST_SUITE_P(Archs, TinyKVzip,
                         ::testing::Combine(::testing::Values("qwen2", "qwen3"), ::testing::Bool()),
                         [](const auto& info) {
                             return std::get<0>(info.param) + (std::get<1>(info.param) ? "_plus" : "_plain");
                         });

}  // namespace
}  // namespace kvzip
