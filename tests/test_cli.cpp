// The `kvzip` command line as a user runs it: exit codes, one-line errors,
// JSON output, and the answer to the README's demo question.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "test_helpers.h"

namespace kvzip {
namespace {

struct RunResult {
    int exit_code;
    std::string out;  // stdout
    std::string err;  // stderr
};

RunResult run_kvzip(const std::string& args) {
    const std::string err_file = ::testing::TempDir() + "kvzip_cli_stderr.txt";
    const std::string cmd = std::string(KVZIP_BINARY) + " " + args + " 2>" + err_file;
    FILE* p = popen(cmd.c_str(), "r");
    RunResult r{-1, "", ""};
    if (!p) return r;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
    const int status = pclose(p);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.err = test::read_file(err_file);
    return r;
}

int count_lines(const std::string& s) {
    int n = 0;
    for (char c : s) n += c == '\n';
    return n;
}

TEST(Cli, UnknownFlagIsAOneLineErrorWithNonZeroExit) {
    RunResult r = run_kvzip("generate --no-such-flag");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("no-such-flag"), std::string::npos) << r.err;
}

TEST(Cli, MissingModelFileNamesThePath) {
    RunResult r = run_kvzip("generate -m /nonexistent/model.gguf -p hi");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("/nonexistent/model.gguf"), std::string::npos) << r.err;
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
}

TEST(Cli, NotAGgufFileIsRefused) {
    const std::string path = ::testing::TempDir() + "not_a_model.gguf";
    FILE* f = std::fopen(path.c_str(), "w");
    std::fputs("this is a text file, not a model\n", f);
    std::fclose(f);
    RunResult r = run_kvzip("inspect " + path);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find(path), std::string::npos) << r.err;
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
}

TEST(Cli, BadTemperatureIsRefused) {
    RunResult r = run_kvzip("generate -p hi --temp -1");
    EXPECT_NE(r.exit_code, 0);
}

class SlowModelCli : public ::testing::Test {
protected:
    void SetUp() override { KVZIP_REQUIRE_MODEL(test::smollm2_path()); }
};

TEST_F(SlowModelCli, CapitalOfFranceIsParis) {
    RunResult r = run_kvzip("generate -m " + test::smollm2_path() + " -p \"What is the capital of France?\" --chat -n 24");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("Paris"), std::string::npos) << r.out;
}

TEST_F(SlowModelCli, JsonOutputHasTextCountsAndTimings) {
    RunResult r = run_kvzip("generate -m " + test::smollm2_path() + " -p \"The capital of France is\" -n 8 --json -t 2");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_TRUE(j["text"].is_string());
    EXPECT_GT(j["prompt_tokens"].get<int>(), 3);
    EXPECT_LE(j["generated_tokens"].get<int>(), 8);
    EXPECT_GT(j["prefill_tok_per_s"].get<double>(), 0);
    EXPECT_EQ(j["threads"].get<int>(), 2);
}

TEST_F(SlowModelCli, InspectListsTensors) {
    RunResult r = run_kvzip("inspect " + test::smollm2_path());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("token_embd.weight"), std::string::npos);
    EXPECT_NE(r.out.find("llama.block_count"), std::string::npos);
}

TEST_F(SlowModelCli, BenchJsonReportsBothSpeeds) {
    RunResult r = run_kvzip("bench -m " + test::smollm2_path() + " --prompt-tokens 16 --gen-tokens 4 --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j["results"].size(), 1u);
    EXPECT_GT(j["results"][0]["prefill_tok_per_s"].get<double>(), 0);
    EXPECT_GT(j["results"][0]["decode_tok_per_s"].get<double>(), 0);
}

TEST_F(SlowModelCli, KvzipGenerateJsonReportsAnswersBytesAndScores) {
    const std::string ctx = ::testing::TempDir() + "cli_context.txt";
    {
        std::ofstream out(ctx);
        out << test::read_file("/usr/share/common-licenses/Apache-2.0").substr(0, 1500)
            << "\nThe meeting room is on the fourth floor.\n";
    }
    const std::string npy = ::testing::TempDir() + "cli_scores.npy";
    RunResult r = run_kvzip("generate -m " + test::smollm2_path() + " -c " + ctx +
                            " -q \"Where is the meeting room?\" -q \"What is this text?\" -r 0.5 -n 12 --json"
                            " --score-chunk 200 --dump-scores " + npy);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("scoring"), std::string::npos) << "progress is shown on stderr";
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j["answers"].size(), 2u);
    EXPECT_EQ(j["answer_seconds"].size(), 2u);
    EXPECT_NEAR(j["ratio_kept"].get<double>(), 0.5, 1e-3);
    EXPECT_LT(j["kv_bytes_held"].get<double>(), j["kv_bytes_full"].get<double>());
    EXPECT_GT(j["scoring_seconds"].get<double>(), 0.0);
    // The score dump is a float32 .npy of layers x KV heads x context tokens.
    const std::string f = test::read_file(npy);
    ASSERT_GT(f.size(), 128u);
    EXPECT_EQ(f.substr(1, 5), "NUMPY");
    const std::string shape = "(30, 3, " + std::to_string(j["context_tokens"].get<int>()) + ")";
    EXPECT_NE(f.find(shape), std::string::npos) << shape;
}

TEST_F(SlowModelCli, HeadScoresForAnotherModelAreRefused) {
    const std::string hs = ::testing::TempDir() + "other_model_head_scores.json";
    {
        std::ofstream out(hs);
        out << R"({"format":"kvzip-head-scores","version":1,"model":{"name":"x","architecture":"llama",)"
               R"("n_layer":30,"n_head_kv":3,"fingerprint":"0000000000000000"},"scores":[]})";
    }
    RunResult r = run_kvzip("generate -m " + test::smollm2_path() + " -c " + hs + " -q hi --head-scores " + hs);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("not for"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace kvzip
