// Token sampling: greedy, temperature, top-k, top-p, seeds.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "engine/sampler.h"

namespace kvzip {
namespace {

TEST(Sampler, GreedyTakesTheLargestLogitAndLowestIdOnTies) {
    const std::vector<float> logits{0.5f, 3.0f, -1.0f, 3.0f};
    Sampler s(SamplingParams{});
    EXPECT_EQ(s.sample(logits.data(), 4), 1);
    EXPECT_EQ(argmax(logits.data(), 4), 1);
}

TEST(Sampler, TopKOneIsGreedyEvenAtHighTemperature) {
    const std::vector<float> logits{0.1f, 0.2f, 0.9f, 0.3f};
    SamplingParams p;
    p.temperature = 5.0f;
    p.top_k = 1;
    Sampler s(p);
    for (int i = 0; i < 50; ++i) EXPECT_EQ(s.sample(logits.data(), 4), 2);
}

TEST(Sampler, TopKRestrictsToTheKBest) {
    const std::vector<float> logits{5.0f, 4.9f, 4.8f, -1.0f, 4.7f};
    SamplingParams p;
    p.temperature = 10.0f;
    p.top_k = 3;
    Sampler s(p);
    std::set<int> seen;
    for (int i = 0; i < 500; ++i) seen.insert(s.sample(logits.data(), 5));
    EXPECT_EQ(seen, (std::set<int>{0, 1, 2}));
}

TEST(Sampler, TopPKeepsTheSmallestSetReachingTheMass) {
    // Probabilities ~ 0.6, 0.3, 0.1 (log-space); top_p 0.8 keeps the first two.
    const std::vector<float> logits{std::log(0.6f), std::log(0.3f), std::log(0.1f)};
    SamplingParams p;
    p.temperature = 1.0f;
    p.top_p = 0.8f;
    Sampler s(p);
    std::map<int, int> counts;
    for (int i = 0; i < 3000; ++i) counts[s.sample(logits.data(), 3)]++;
    EXPECT_EQ(counts.count(2), 0u);
    // Renormalized 2:1 between the survivors.
    EXPECT_NEAR(counts[0] / 3000.0, 2.0 / 3.0, 0.05);
}

TEST(Sampler, TemperatureMatchesTheSoftmaxDistribution) {
    const std::vector<float> logits{1.0f, 0.0f};
    SamplingParams p;
    p.temperature = 0.5f;  // p0 = 1 / (1 + e^-2) = 0.881
    Sampler s(p);
    int zeros = 0;
    const int n = 5000;
    for (int i = 0; i < n; ++i) zeros += s.sample(logits.data(), 2) == 0;
    EXPECT_NEAR(zeros / (double)n, 1.0 / (1.0 + std::exp(-2.0)), 0.02);
}

TEST(Sampler, SameSeedSameSequenceDifferentSeedDifferentSequence) {
    std::vector<float> logits(100);
    for (int i = 0; i < 100; ++i) logits[i] = (float)(i % 7) * 0.1f;
    auto run = [&](uint64_t seed) {
        SamplingParams p;
        p.temperature = 1.0f;
        p.seed = seed;
        Sampler s(p);
        std::vector<int> out;
        for (int i = 0; i < 32; ++i) out.push_back(s.sample(logits.data(), 100));
        return out;
    };
    EXPECT_EQ(run(7), run(7));
    EXPECT_NE(run(7), run(8));
}

}  // namespace
}  // namespace kvzip
