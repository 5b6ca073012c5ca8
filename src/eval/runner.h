#pragma once
// `kvzip eval`: for every example, one prefill serving every method (their
// scores computed together), then for each method and ratio the pruned
// cache's answer to every question, scored against the ground truth and
// against the full cache. Results are appended to a JSON Lines file as they
// come; what the file already holds is skipped (resumable).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/model.h"
#include "eval/example.h"
#include "eval/methods.h"

namespace kvzip::eval {

struct EvalConfig {
    std::vector<std::string> tasks;   // task names (eval/tasks.h) or "jsonl:PATH"
    int64_t n = 5;                    // examples per task (a JSON Lines file: its first n; 0 = all)
    int64_t ctx_tokens = 1000;
    std::vector<double> ratios{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0};
    std::vector<Method> methods;
    uint64_t seed = 0;
    std::string haystack_dir;
    int max_new_tokens = 0;           // 0: the task's own (short) limit
    int64_t max_questions = 0;        // per example, spread over its questions (0: all)
    std::string metric;               // main metric of JSON Lines tasks (default: contains)
    MethodOptions method_options;
    std::string output;               // results .jsonl
    std::string model_name;           // recorded in every line (the model file's name)
};

struct EvalSummary {
    int64_t examples_total = 0, examples_run = 0, examples_skipped = 0;
    int64_t lines_written = 0;
};

// `log` receives progress lines (examples done, elapsed, ETA).
EvalSummary run_eval(Model& model, const EvalConfig& config, const std::function<void(const std::string&)>& log = {});

// Which of an example's n questions are asked when at most `max_questions`
// are (0: all): evenly spread, so that questions about every part of the
// context stay. Indices keep their meaning in the results file.
std::vector<int64_t> asked_questions(int64_t n, int64_t max_questions);

// The examples the config asks for, in run order.
std::vector<Example> make_examples(const Model& model, const EvalConfig& config);

}  // namespace kvzip::eval
