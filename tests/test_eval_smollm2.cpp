// `kvzip eval` end to end on SmolLM2: a short run of every method at two
// ratios gives one complete, consistent line per (method, ratio, question),
// and a rerun resumes instead of redoing. Also every method on Gemma 3, whose
// sliding-window layers the methods must leave alone.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/model.h"
#include "eval/runner.h"
#include "eval/teacher_force.h"
#include "test_helpers.h"
#include "util/error.h"

namespace kvzip::eval {
namespace {

std::vector<nlohmann::json> read_lines(const std::string& path) {
    std::vector<nlohmann::json> out;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line))
        if (!line.empty()) out.push_back(nlohmann::json::parse(line));
    return out;
}

TEST(SlowModelEval, ShortRunIsCompleteConsistentAndResumable) {
    KVZIP_REQUIRE_MODEL(test::smollm2_path());
    Model model(test::smollm2_path());
    EvalConfig c;
    c.tasks = {"passkey"};
    c.n = 1;
    c.ctx_tokens = 256;
    c.ratios = {0.3, 1.0};
    for (const std::string& m : method_names()) c.methods.push_back(parse_method(m));
    c.seed = 3;
    c.output = (std::filesystem::temp_directory_path() / "kvzip_test_eval.jsonl").string();
    c.model_name = "smollm2";
    std::filesystem::remove(c.output);

    const EvalSummary s = run_eval(model, c);
    const size_t expected = c.methods.size() * c.ratios.size();  // one question
    EXPECT_EQ(s.examples_run, 1);
    EXPECT_EQ(s.lines_written, (int64_t)expected);
    const std::vector<nlohmann::json> lines = read_lines(c.output);
    ASSERT_EQ(lines.size(), expected);

    std::set<std::pair<std::string, double>> seen;
    const std::string full = lines[0]["full_prediction"];
    for (const nlohmann::json& j : lines) {
        SCOPED_TRACE(j.dump());
        const double r = j["ratio"];
        seen.insert({j["method"], r});
        EXPECT_EQ(j["task"], "passkey");
        EXPECT_EQ(j["full_prediction"], full);  // one full-cache answer serves every method
        EXPECT_NEAR((double)j["ratio_kept"], r, 0.01);
        EXPECT_LT(std::abs((int64_t)j["context_tokens"] - 256), 256 / 10);
        EXPECT_EQ(j["metric"], "recall");
        // The full cache finds the pass key (the answer prefix and the metrics fit together).
        EXPECT_EQ(j["full_score"], 1.0);
        if (r == 1.0) {
            EXPECT_EQ(j["prediction"], full);
            EXPECT_TRUE(j["same_as_full"]);
            EXPECT_EQ(j["top1_flips"], 0);
            EXPECT_EQ(j["prob_change"], 0.0);
            EXPECT_EQ(j["score"], j["full_score"]);
        } else {
            EXPECT_LT((double)j["kv_bytes_kept"], 0.6 * (double)j["kv_bytes_full"]);
            EXPECT_EQ((bool)j["same_as_full"], j["prediction"] == full);
            EXPECT_LE((int64_t)j["top1_flips"], (int64_t)j["answer_tokens"]);
            // Greedy decoding: if every forced position kept its argmax, the
            // pruned cache would have produced the full answer (and its end).
            if (!(bool)j["same_as_full"]) {
                EXPECT_GE((int64_t)j["top1_flips"], 1);
            }
            EXPECT_LE(std::abs((double)j["prob_change"]), (double)j["max_prob_diff"] + 1e-12);
        }
    }
    EXPECT_EQ(seen.size(), expected);

    // Rerun: everything is there, nothing is redone.
    const EvalSummary again = run_eval(model, c);
    EXPECT_EQ(again.examples_skipped, 1);
    EXPECT_EQ(again.lines_written, 0);

    // Interrupted after 5 lines, with a torn sixth: the rerun completes the rest, with the same answers.
    {
        std::ofstream out(c.output, std::ios::trunc);
        for (size_t i = 0; i < 5; ++i) out << lines[i].dump() << "\n";
        out << "{\"model\": \"smol";
    }
    const EvalSummary resumed = run_eval(model, c);
    EXPECT_EQ(resumed.lines_written, (int64_t)(expected - 5));
    const std::vector<nlohmann::json> after = read_lines(c.output);
    ASSERT_EQ(after.size(), expected);
    for (size_t i = 0; i < expected; ++i) {
        EXPECT_EQ(after[i]["method"], lines[i]["method"]);
        EXPECT_EQ(after[i]["prediction"], lines[i]["prediction"]) << "deterministic: the same answer when redone";
    }
    std::filesystem::remove(c.output);
}

TEST(SlowModelEval, OnePrefillServesEveryMethodUnchanged) {
    // The shared prefill (with the baselines' observers) leaves the cache and
    // the KVzip scores exactly as a plain prefill makes them.
    KVZIP_REQUIRE_MODEL(test::smollm2_path());
    Model model(test::smollm2_path());
    const std::string context = test::read_file("/usr/share/common-licenses/GPL-3").substr(0, 1500);
    std::vector<Method> all;
    for (const std::string& m : method_names()) all.push_back(parse_method(m));
    ScoredContext sc = prefill_and_score(model, context, all, MethodOptions{});
    const Cache plain = model.prefill(context);
    EXPECT_TRUE(sc.cache.kv.same_content(plain.kv));
    EXPECT_EQ(sc.scores.at(Method::KVzip).data, plain.scores.data);
    // kvzip-plus: its own scoring pass with the KVzip+ weights, as a plain
    // prefill with that option makes them (and not the plain scores).
    PrefillOptions po;
    po.kvzip_plus = true;
    const Cache plus = model.prefill(context, po);
    EXPECT_EQ(sc.scores.at(Method::KVzipPlus).data, plus.scores.data);
    EXPECT_NE(plus.scores.data, plain.scores.data);
    ASSERT_EQ(sc.scores.size(), all.size());
    const int G = model.config().group_size();
    for (const auto& [m, s] : sc.scores) {
        EXPECT_EQ(s.n_ctx, plain.context_len) << to_string(m);
        EXPECT_EQ(s.ctx_begin, plain.prefix_len) << to_string(m);
    }
    // H2O: each context query spreads G probability units over its G heads;
    // what lands on context keys is at most that (the rest goes to the prefix).
    const ImportanceScores& h2o = sc.scores.at(Method::H2O);
    for (int l = 0; l < h2o.n_layer; ++l)
        for (int h = 0; h < h2o.n_head_kv; ++h) {
            double sum = 0;
            for (int64_t j = 0; j < h2o.n_ctx; ++j) sum += h2o.row(l, h)[j];
            EXPECT_LE(sum, (double)G * h2o.n_ctx * (1 + 1e-4));
            EXPECT_GT(sum, 0.0);
        }
    // Every method prunes to the asked ratio through the shared code.
    for (Method m : all) {
        const PruneStats st = apply_method(sc, m, 0.25, MethodOptions{});
        EXPECT_NEAR(st.ratio_kept, 0.25, 0.01) << to_string(m);
    }
    // H2O with the paper's recent window: half of each head's budget is the
    // last tokens, and the ratio is still the one asked.
    MethodOptions recent;
    recent.h2o_recent = 0.5;
    const PruneStats st = apply_method(sc, Method::H2O, 0.25, recent);
    EXPECT_NEAR(st.ratio_kept, 0.25, 0.01);
    const int64_t window = std::llround(0.125 * (double)sc.cache.context_len);
    const ImportanceScores& used = sc.cache.scores;
    for (int l = 0; l < used.n_layer; ++l)
        for (int h = 0; h < used.n_head_kv; ++h) {
            EXPECT_EQ(used.row(l, h)[used.n_ctx - window], kAlwaysKeep);
            EXPECT_LT(used.row(l, h)[used.n_ctx - window - 1], kAlwaysKeep);
        }
}

TEST(SlowModelEval, EveryMethodRunsOnGemma3SlidingWindowLayers) {
    // Gemma 3's sliding-window layers drop keys older than the window during
    // prefill: every method must score the global layers only, and the ratio
    // counts those.
    const std::string path = test::model_path("gemma-3-270m-q4_k_m.gguf");
    KVZIP_REQUIRE_MODEL(path);
    Model model(path);
    ASSERT_TRUE(model.config().has_sliding_layers());
    const std::string context = test::read_file("/usr/share/common-licenses/GPL-3").substr(0, 3500);
    std::vector<Method> all;
    for (const std::string& m : method_names()) all.push_back(parse_method(m));
    ScoredContext sc = prefill_and_score(model, context, all, MethodOptions{});
    ASSERT_GT(sc.cache.context_len, model.config().sliding_window);  // the window really trimmed
    int64_t global_heads = 0;
    for (int l = 0; l < model.config().n_layer; ++l)
        global_heads += sc.cache.sliding_layers[(size_t)l] ? 0 : model.config().n_head_kv;
    ASSERT_GT(global_heads, 0);
    for (Method m : all) {
        const PruneStats st = apply_method(sc, m, 0.25, MethodOptions{});
        // Whole heads: 3 global layers of one KV head each, so a third at a time.
        const double step = m == Method::KVzipHead ? 1.0 / (double)global_heads : 0.01;
        EXPECT_GE(st.ratio_kept, 0.25 - 0.01) << to_string(m);
        EXPECT_LE(st.ratio_kept, 0.25 + step) << to_string(m);
        GenerateOptions go;
        go.max_tokens = 4;
        go.stop_at_eos = false;
        const GenerationResult g = model.generate(model.apply_template("What is this text?"), sc.cache, go);
        EXPECT_EQ(g.tokens.size(), 4u) << to_string(m);
    }
}

TEST(SlowModelEval, TeacherForcingReproducesTheGreedyAnswer) {
    // Forcing the greedy answer back through the same cache: every token is
    // the argmax at its position, and the cache is left as it was.
    KVZIP_REQUIRE_MODEL(test::smollm2_path());
    Model model(test::smollm2_path());
    Cache cache = model.prefill("The secret code of the vault is 4417. The weather was nice.");
    const std::vector<TokenId> prompt = model.apply_template("What is the secret code of the vault?");
    GenerateOptions go;
    go.max_tokens = 16;
    const GenerationResult g = model.generate(prompt, cache, go);
    ASSERT_GT(g.tokens.size(), 1u);
    const KVCache before = cache.kv;
    const ForcedAnswer f = teacher_force(model, cache.kv, prompt, g.tokens);
    EXPECT_TRUE(cache.kv.same_content(before));
    ASSERT_EQ(f.prob.size(), g.tokens.size());
    for (size_t i = 0; i < g.tokens.size(); ++i) {
        EXPECT_EQ(f.top1[i], g.tokens[i]) << i;
        EXPECT_GT(f.prob[i], 0.0);
        EXPECT_LE(f.prob[i], 1.0);
    }
}

TEST(EvalCli, UnknownTaskIsRefusedBeforeLoadingTheModel) {
    const std::string err_file = ::testing::TempDir() + "kvzip_eval_stderr.txt";
    const std::string cmd = std::string(KVZIP_BINARY) + " eval -m /nonexistent.gguf -t niah,nope -o /tmp/x.jsonl 2>" + err_file;
    const int status = std::system(cmd.c_str());
    EXPECT_EQ(WEXITSTATUS(status), 1);
    const std::string err = test::read_file(err_file);
    EXPECT_NE(err.find("unknown task 'nope'"), std::string::npos) << err;
}

TEST(SlowModelEval, ExportedTasksEvaluateLikeTheGeneratedOnes) {
    // --export-tasks writes the examples a run would evaluate; jsonl:FILE on
    // that file gives the same answers as the generated task.
    KVZIP_REQUIRE_MODEL(test::smollm2_path());
    const std::string dir = ::testing::TempDir();
    const std::string tasks = dir + "kvzip_exported.jsonl", gen_out = dir + "kvzip_exp_gen.jsonl",
                      file_out = dir + "kvzip_exp_file.jsonl";
    for (const std::string& f : {tasks, gen_out, file_out}) std::filesystem::remove(f);
    const std::string base = std::string(KVZIP_BINARY) + " eval -m " + test::smollm2_path() + " --n 2 --ctx-len 150";
    ASSERT_EQ(std::system((base + " -t passkey --export-tasks " + tasks + " 2>/dev/null").c_str()), 0);
    ASSERT_TRUE(std::filesystem::exists(tasks));
    EXPECT_FALSE(std::filesystem::exists(gen_out));
    const std::string run = " --methods kvzip --ratios 0.3 --questions 1 2>/dev/null";
    ASSERT_EQ(std::system((base + " -t passkey -o " + gen_out + run).c_str()), 0);
    ASSERT_EQ(std::system((base + " -t jsonl:" + tasks + " -o " + file_out + run).c_str()), 0);
    auto read = [](const std::string& f) {
        std::vector<nlohmann::json> v;
        std::ifstream in(f);
        for (std::string l; std::getline(in, l);)
            if (!l.empty()) v.push_back(nlohmann::json::parse(l));
        return v;
    };
    const auto a = read(gen_out), b = read(file_out);
    ASSERT_EQ(a.size(), 2u);
    ASSERT_EQ(b.size(), a.size());
    for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(b[i]["task"], "jsonl:" + tasks);
        for (const char* k : {"question", "answer", "metric", "prediction", "full_prediction", "score", "ratio_kept"})
            EXPECT_EQ(b[i][k], a[i][k]) << k;
    }
    // Without -o or --export-tasks there is nothing to write: refused.
    EXPECT_NE(std::system((base + " -t passkey 2>/dev/null").c_str()), 0);
    for (const std::string& f : {tasks, gen_out, file_out}) std::filesystem::remove(f);
}

TEST(EvalCli, ReportAggregatesRelativeScoreAndAgreement) {
    // Hand-made results: at 0.5 kvzip answers 1 of 2 right (the full cache 2 of 2) and agrees once.
    const std::string dir = ::testing::TempDir() + "kvzip_report_test";
    const std::string in = dir + ".jsonl";
    {
        std::ofstream out(in);
        auto line = [&](const char* method, double ratio, int q, double score, bool same) {
            nlohmann::json j = {{"model", "m"},          {"task", "niah"},      {"ctx_len", 100},   {"seed", 0},
                                {"example", 0},          {"method", method},    {"ratio", ratio},   {"question_index", q},
                                {"ratio_kept", ratio},   {"score", score},      {"full_score", 1.0}, {"same_as_full", same},
                                {"answer_tokens", 4},    {"prob_change", -0.1}, {"top1_flips", 1},  {"metric", "recall"}};
            out << j.dump() << "\n";
        };
        line("kvzip", 0.5, 0, 1.0, true);
        line("kvzip", 0.5, 1, 0.0, false);
        line("random", 0.5, 0, 0.0, false);
        line("random", 0.5, 1, 0.0, false);
    }
    const std::string cmd = std::string(KVZIP_BINARY) + " report " + in + " -o " + dir + " --python python3 2>/dev/null";
    ASSERT_EQ(WEXITSTATUS(std::system(cmd.c_str())), 0);
    const std::string md = test::read_file(dir + "/report.md");
    EXPECT_NE(md.find("| kvzip | 50 (50) |"), std::string::npos) << md;
    EXPECT_NE(md.find("| random | 0 (0) |"), std::string::npos) << md;
    EXPECT_LT(md.find("| kvzip |"), md.find("| random |"));
    EXPECT_NE(md.find("| random | 1 | 0 | 0 | +50 |"), std::string::npos) << md;  // kvzip against random
    // The text plot: half height for kvzip (50 %), the zero mark for random, under the ratio.
    EXPECT_NE(md.find("kept ratio  0.5\nkvzip        \u2584 \nrandom       \u00b7 \n"), std::string::npos) << md;
    const std::string csv = test::read_file(dir + "/summary.csv");
    EXPECT_NE(csv.find("m,niah,kvzip,0.5,2,0.5,0.5,1.0,0.5,0.5,-0.1,0.25,recall"), std::string::npos) << csv;
    std::filesystem::remove_all(dir);
    std::filesystem::remove(in);
}

}  // namespace
}  // namespace kvzip::eval
