// `kvzip eval -m MODEL -t TASK[,TASK...] -o results.jsonl`: accuracy and
// fidelity of every method at every ratio on synthetic long-context tasks or
// a JSON Lines dataset (eval/runner.h). Resumable: rerun the same command to
// continue an interrupted run, or with a larger --n to extend it.
#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "eval/jsonl_dataset.h"
#include "eval/runner.h"
#include "eval/tasks.h"
#include "kv/head_scores.h"
#include "tools/commands.h"
#include "tools/options.h"

namespace kvzip::cli {

namespace {

struct EvalArgs {
    EngineArgs engine;
    std::vector<std::string> tasks;
    std::vector<std::string> methods = eval::method_names();
    std::string head_scores_file;
    std::string export_tasks;
    eval::EvalConfig config;
};

std::string default_haystack_dir() {
    namespace fs = std::filesystem;
    for (const fs::path& p : {fs::path(KVZIP_SOURCE_DIR) / ".." / "shared" / "data" / "paul_graham_essays",
                              fs::path("../shared/data/paul_graham_essays")})
        if (fs::is_directory(p)) return p.lexically_normal().string();
    return "";
}

}  // namespace

Runner add_eval(CLI::App& app) {
    auto a = std::make_shared<EvalArgs>();
    // The engine flags, except that -t names the tasks here (as in the issue), not the threads.
    app.add_option("-m,--model", a->engine.model, "GGUF model file (default: the SmolLM2 model fetched by the set-up)");
    app.add_option("--threads", a->engine.threads, "worker threads (default: all cores)")->check(CLI::NonNegativeNumber);
    app.add_option("--kv-type", a->engine.kv_type, "KV cache element type")->check(CLI::IsMember({"f16", "f32"}));
    app.add_option("--batch", a->engine.batch, "tokens per forward pass during prefill")->check(CLI::Range(1, 65536));
    std::string tasks_help = "tasks, comma-separated: ";
    for (const std::string& t : eval::TaskGenerator::task_names()) tasks_help += t + ", ";
    tasks_help += "or jsonl:FILE ({context, questions[], answers[]} per line)";
    app.add_option("-t,--task,--tasks", a->tasks, tasks_help)->required()->delimiter(',');
    app.add_option("--n", a->config.n, "examples per task (JSON Lines: the first N, 0 = all)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--ctx-len", a->config.ctx_tokens, "context length of generated tasks, in tokens")
        ->check(CLI::Range(int64_t(64), int64_t(1) << 24));
    app.add_option("--ratios", a->config.ratios, "kept ratios")->delimiter(',')->check(CLI::Range(0.0, 1.0));
    app.add_option("--methods", a->methods, "methods, comma-separated (default: all)")->delimiter(',')->check(CLI::IsMember(eval::method_names()));
    app.add_option("--seed", a->config.seed, "seed of the generated tasks and of the random method");
    app.add_option("--haystack-dir", a->config.haystack_dir,
                   "folder of *.txt essays for niah and ruler-multi* (default: ../shared/data/paul_graham_essays "
                   "when present; otherwise a built-in synthetic haystack)");
    app.add_option("--max-tokens", a->config.max_new_tokens, "maximum answer tokens (default: each task's own, 10-48)")
        ->check(CLI::Range(1, 4096));
    app.add_option("--questions", a->config.max_questions,
                   "at most this many questions per example, spread over its questions (default: all)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--metric", a->config.metric, "main metric of jsonl tasks (default contains)")
        ->check(CLI::IsMember({"exact", "contains", "recall", "rouge_l"}));
    app.add_option("--head-scores", a->head_scores_file, "kvzip-head: head scores from this file (kvzip head-score)")
        ->check(CLI::ExistingFile);
    app.add_option("--snapkv-window", a->config.method_options.snapkv_window, "SnapKV observation window (tokens)")
        ->check(CLI::Range(1, 1 << 20));
    app.add_option("--sink-tokens", a->config.method_options.sink_tokens, "StreamingLLM: extra sink tokens")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--h2o-recent", a->config.method_options.h2o_recent,
                   "H2O: share of the budget kept for the most recent tokens (paper: 0.5; default 0, heavy hitters only)")
        ->check(CLI::Range(0.0, 1.0));
    app.add_option("-o,--output", a->config.output, "results file (JSON Lines; appended, resumable)");
    app.add_option("--export-tasks", a->export_tasks,
                   "write the examples as JSON Lines (the jsonl:FILE format) to this file instead of evaluating");
    return [a] {
        eval::EvalConfig& c = a->config;
        if (c.output.empty() && a->export_tasks.empty())
            throw Error("give the results file with -o FILE (or --export-tasks FILE to only write the tasks)");
        c.tasks = a->tasks;
        // Refuse a misspelt task before spending time on loading the model.
        for (const std::string& t : c.tasks)
            if (!eval::TaskGenerator::is_task(t) && t.rfind("jsonl:", 0) != 0)
                throw Error("unknown task '" + t + "' (see kvzip eval --help for the list, or use jsonl:FILE)");
        c.methods.clear();
        for (const std::string& m : a->methods) {
            const eval::Method mm = eval::parse_method(m);
            if (std::find(c.methods.begin(), c.methods.end(), mm) == c.methods.end()) c.methods.push_back(mm);
        }
        std::sort(c.ratios.begin(), c.ratios.end());
        c.ratios.erase(std::unique(c.ratios.begin(), c.ratios.end()), c.ratios.end());
        if (c.haystack_dir.empty()) c.haystack_dir = default_haystack_dir();
        else if (!std::filesystem::is_directory(c.haystack_dir))
            throw Error(c.haystack_dir + ": --haystack-dir is not a folder");
        const std::string model_path = a->engine.model_path();
        c.model_name = std::filesystem::path(model_path).filename().string();
        Model model(model_path, a->engine.model_options());
        if (!a->head_scores_file.empty())
            c.method_options.head_scores = HeadScores::load(a->head_scores_file, model.identity()).scores;
        if (!a->export_tasks.empty()) {
            const std::vector<eval::Example> examples = eval::make_examples(model, c);
            eval::save_jsonl_examples(examples, a->export_tasks);
            std::fprintf(stderr, "kvzip eval: %zu examples written to %s\n", examples.size(), a->export_tasks.c_str());
            return 0;
        }
        std::fprintf(stderr, "kvzip eval: %s; %zu task(s), haystack: %s\n", c.model_name.c_str(), c.tasks.size(),
                     c.haystack_dir.empty() ? "built-in synthetic" : c.haystack_dir.c_str());
        const eval::EvalSummary s = eval::run_eval(model, c, [](const std::string& line) {
            std::fprintf(stderr, "[eval] %s\n", line.c_str());
            std::fflush(stderr);
        });
        std::fprintf(stderr, "kvzip eval: %lld examples run, %lld already done; %lld result lines written to %s\n",
                     (long long)s.examples_run, (long long)s.examples_skipped, (long long)s.lines_written,
                     c.output.c_str());
        return 0;
    };
}

}  // namespace kvzip::cli
