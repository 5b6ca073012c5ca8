// Head-score files: round trip, and refusal of files for another model or
// another format.
#include <gtest/gtest.h>

#include <fstream>

#include "kv/head_scores.h"
#include "test_helpers.h"
#include "util/error.h"

namespace kvzip {
namespace {

ModelIdentity identity(const std::string& fp = "0123456789abcdef") {
    return ModelIdentity{"Tiny", "llama", 2, 3, fp};
}

HeadScores sample() {
    HeadScores h;
    h.model = identity();
    ImportanceScores s(2, 3, 4, 2);
    for (size_t i = 0; i < s.data.size(); ++i) s.data[i] = 0.01f * (float)i;
    h.accumulate(s);
    ImportanceScores s2(2, 3, 4, 1);
    s2.data = {1.0f, 0, 0, 0, 0, 0};  // raises only head (0, 0)
    h.accumulate(s2);
    h.calibration = {"a.txt", "b.txt"};
    return h;
}

TEST(HeadScoresFile, AccumulateTakesTheMaxOverPositionsAndContexts) {
    const HeadScores h = sample();
    ASSERT_EQ(h.scores.size(), 6u);
    EXPECT_FLOAT_EQ(h.scores[0], 1.0f);
    EXPECT_FLOAT_EQ(h.scores[1], 0.03f);
    EXPECT_FLOAT_EQ(h.scores[5], 0.11f);
    EXPECT_EQ(h.calibration_tokens, 3);
}

TEST(HeadScoresFile, RoundTrips) {
    const std::string path = ::testing::TempDir() + "hs_roundtrip.json";
    const HeadScores h = sample();
    h.save(path);
    const HeadScores back = HeadScores::load(path, identity());
    EXPECT_EQ(back.scores, h.scores);
    EXPECT_EQ(back.calibration, h.calibration);
    EXPECT_EQ(back.model.fingerprint, h.model.fingerprint);
}

TEST(HeadScoresFile, AnotherModelsFileIsRefused) {
    const std::string path = ::testing::TempDir() + "hs_other.json";
    sample().save(path);
    try {
        HeadScores::load(path, identity("fedcba9876543210"));
        FAIL() << "loaded a file for another model";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("not for"), std::string::npos) << e.what();
    }
}

TEST(HeadScoresFile, BadFilesAreRefusedWithTheirName) {
    const std::string dir = ::testing::TempDir();
    auto write = [&](const std::string& name, const std::string& text) {
        std::ofstream(dir + name) << text;
        return dir + name;
    };
    EXPECT_THROW(HeadScores::load(dir + "missing.json", identity()), Error);
    EXPECT_THROW(HeadScores::load(write("hs_text.json", "not json"), identity()), Error);
    EXPECT_THROW(HeadScores::load(write("hs_fmt.json", R"({"format":"other","version":1})"), identity()), Error);
    EXPECT_THROW(HeadScores::load(write("hs_ver.json", R"({"format":"kvzip-head-scores","version":99})"), identity()),
                 Error);
    // Right model, wrong number of heads in the rows.
    EXPECT_THROW(HeadScores::load(write("hs_rows.json", R"({"format":"kvzip-head-scores","version":1,
        "model":{"name":"Tiny","architecture":"llama","n_layer":2,"n_head_kv":3,"fingerprint":"0123456789abcdef"},
        "scores":[[1,2,3],[1,2]]})"),
                                  identity()),
                 Error);
}

}  // namespace
}  // namespace kvzip
