// Answer metrics and fidelity on hand-made cases.
#include <gtest/gtest.h>

#include "eval/metrics.h"
#include "util/error.h"

namespace kvzip::eval {
namespace {

Answer all_of(std::vector<std::string> items) { return Answer{std::move(items), Answer::Kind::AllOf}; }
Answer any_of(std::vector<std::string> items) { return Answer{std::move(items), Answer::Kind::AnyOf}; }

TEST(EvalMetrics, Normalize) {
    EXPECT_EQ(normalize("  The Pass-Key is: 71432!\n"), "the pass key is 71432");
    EXPECT_EQ(normalize("..."), "");
    EXPECT_EQ(words("a, b  c"), (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_TRUE(words("  ").empty());
}

TEST(EvalMetrics, RougeL) {
    // LCS "the cat on the mat" = 5 words of 6 on each side: P = R = F = 5/6.
    EXPECT_NEAR(rouge_l("the cat sat on the mat", "the cat is on the mat"), 5.0 / 6.0, 1e-12);
    EXPECT_DOUBLE_EQ(rouge_l("Same words.", "same words"), 1.0);
    EXPECT_DOUBLE_EQ(rouge_l("x y", "a b"), 0.0);
    EXPECT_DOUBLE_EQ(rouge_l("", "a"), 0.0);
    // P = 1/1, R = 1/4: F = 2 * 0.25 / 1.25.
    EXPECT_NEAR(rouge_l("b", "a b c d"), 0.4, 1e-12);
}

TEST(EvalMetrics, ContainsIsWholeWord) {
    const AnswerScores s = score_answer("The number is 1234567.", all_of({"1234567"}));
    EXPECT_EQ(s.contains, 1.0);
    EXPECT_EQ(s.recall, 1.0);
    EXPECT_EQ(s.exact, 0.0);
    EXPECT_EQ(score_answer("12345678", all_of({"1234567"})).contains, 0.0);
    EXPECT_EQ(score_answer("1234567", all_of({"1234567"})).exact, 1.0);
    // Multi-word items (a UUID splits at the dashes) must appear as a sequence.
    EXPECT_EQ(score_answer(" ab12-cd34.", all_of({"ab12-cd34"})).contains, 1.0);
    EXPECT_EQ(score_answer(" cd34-ab12", all_of({"ab12-cd34"})).contains, 0.0);
}

TEST(EvalMetrics, AllOfRecallCountsEveryItem) {
    const AnswerScores s = score_answer("They are 111, 333 and 999.", all_of({"111", "222", "333", "444"}));
    EXPECT_DOUBLE_EQ(s.recall, 0.5);
    EXPECT_EQ(s.contains, 0.0);
    EXPECT_EQ(score_answer("111, 222", all_of({"111", "222"})).exact, 1.0);
    EXPECT_EQ(score_answer("222, 111", all_of({"111", "222"})).contains, 1.0);
}

TEST(EvalMetrics, AnyOfTakesTheBestAlternative) {
    const AnswerScores s = score_answer("Denver Broncos", any_of({"Broncos", "Denver Broncos", "Carolina"}));
    EXPECT_EQ(s.exact, 1.0);
    EXPECT_EQ(s.contains, 1.0);
    EXPECT_EQ(s.recall, 1.0);
    EXPECT_DOUBLE_EQ(s.rouge_l, 1.0);
    EXPECT_EQ(score_answer("Carolina Panthers", any_of({"Broncos"})).contains, 0.0);
}

TEST(EvalMetrics, GetByName) {
    AnswerScores s;
    s.exact = 0.25;
    s.rouge_l = 0.5;
    EXPECT_EQ(s.get("exact"), 0.25);
    EXPECT_EQ(s.get("rouge_l"), 0.5);
    EXPECT_THROW(s.get("bleu"), Error);
    EXPECT_THROW(score_answer("x", all_of({})), Error);
}

TEST(EvalMetrics, Fidelity) {
    ForcedAnswer full{{0.9, 0.5, 0.8}, {4, 5, 6}};
    ForcedAnswer pruned{{0.6, 0.6, 0.8}, {4, 7, 6}};
    const Fidelity f = compare_forced(full, pruned);
    EXPECT_EQ(f.tokens, 3);
    EXPECT_NEAR(f.mean_prob_full, 2.2 / 3, 1e-12);
    EXPECT_NEAR(f.mean_prob_change, (-0.3 + 0.1 + 0.0) / 3, 1e-12);
    EXPECT_NEAR(f.max_prob_diff, 0.3, 1e-12);
    EXPECT_EQ(f.top1_flips, 1);
    EXPECT_EQ(compare_forced({}, {}).tokens, 0);
    EXPECT_THROW(compare_forced(full, ForcedAnswer{{0.1}, {1}}), Error);
}

}  // namespace
}  // namespace kvzip::eval
