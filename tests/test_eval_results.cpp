// The results file: keys, append, resume, a torn last line; method labels.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "eval/methods.h"
#include "eval/results_file.h"
#include "test_helpers.h"
#include "util/error.h"

namespace kvzip::eval {
namespace {

nlohmann::json line_for(const ResultKey& k) {
    nlohmann::json j;
    k.to_json(j);
    j["prediction"] = "x";
    return j;
}

TEST(EvalResults, MethodLabelsNameNonDefaultOptions) {
    // Runs with other baseline options can share a results file without
    // being taken for one another (resume) or mixed (report).
    EXPECT_EQ(method_label(Method::H2O, MethodOptions{}), "h2o");
    MethodOptions o;
    o.h2o_recent = 0.5;
    o.snapkv_window = 64;
    o.sink_tokens = 0;
    EXPECT_EQ(method_label(Method::H2O, o), "h2o-recent0.5");
    EXPECT_EQ(method_label(Method::SnapKV, o), "snapkv-window64");
    EXPECT_EQ(method_label(Method::StreamingLLM, o), "streamingllm-sinks0");
    EXPECT_EQ(method_label(Method::KVzip, o), "kvzip");
    EXPECT_EQ(method_label(Method::KVzipPlus, o), "kvzip-plus");
    for (const std::string& name : method_names()) EXPECT_EQ(method_label(parse_method(name), MethodOptions{}), name);
}

TEST(EvalResults, AppendThenResume) {
    const std::string path = (std::filesystem::temp_directory_path() / "kvzip_test_results.jsonl").string();
    std::filesystem::remove(path);
    const ResultKey a{"m.gguf", "niah", 1000, 3, 0, "kvzip", 0.3, 0};
    ResultKey b = a;
    b.ratio = 0.5;
    {
        ResultsFile f(path);
        EXPECT_EQ(f.existing(), 0u);
        EXPECT_FALSE(f.has(a));
        f.append(line_for(a));
        EXPECT_TRUE(f.has(a));
        EXPECT_FALSE(f.has(b));
    }
    {
        // A crash in the middle of a line: the torn line is dropped on reopening.
        std::ofstream(path, std::ios::app) << "{\"model\": \"m.gg";
        ResultsFile f(path);
        EXPECT_EQ(f.existing(), 1u);
        EXPECT_TRUE(f.has(a));
        f.append(line_for(b));
    }
    ResultsFile f(path);
    EXPECT_EQ(f.existing(), 2u);
    EXPECT_TRUE(f.has(b));
    const std::string text = test::read_file(path);
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
    std::filesystem::remove(path);
}

TEST(EvalResults, KeysDifferInEveryField) {
    const ResultKey k{"m", "t", 1, 2, 3, "x", 0.1, 4};
    for (int field = 0; field < 8; ++field) {
        ResultKey o = k;
        switch (field) {
            case 0: o.model += "2"; break;
            case 1: o.task += "2"; break;
            case 2: o.ctx_len = 9; break;
            case 3: o.seed = 9; break;
            case 4: o.example = 9; break;
            case 5: o.method += "2"; break;
            case 6: o.ratio = 0.2; break;
            case 7: o.question = 9; break;
        }
        EXPECT_NE(o.str(), k.str()) << field;
    }
    nlohmann::json j;
    k.to_json(j);
    EXPECT_EQ(ResultKey::from_json(j).str(), k.str());
}

TEST(EvalResults, RefusesAFileThatIsNotResults) {
    const std::string path = (std::filesystem::temp_directory_path() / "kvzip_test_notresults.jsonl").string();
    std::ofstream(path) << "hello\n";
    EXPECT_THROW(ResultsFile{path}, Error);
    std::ofstream(path) << "{\"a\": 1}\n";
    EXPECT_THROW(ResultsFile{path}, Error);
    std::filesystem::remove(path);
}

}  // namespace
}  // namespace kvzip::eval
