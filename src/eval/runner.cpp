#include "eval/runner.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>

#include "eval/jsonl_dataset.h"
#include "eval/results_file.h"
#include "eval/tasks.h"
#include "eval/teacher_force.h"
#include "util/error.h"

namespace kvzip::eval {

namespace {

std::string duration(double s) {
    char b[32];
    if (s < 90)
        std::snprintf(b, sizeof b, "%.0f s", s);
    else if (s < 5400)
        std::snprintf(b, sizeof b, "%.1f min", s / 60);
    else
        std::snprintf(b, sizeof b, "%.1f h", s / 3600);
    return b;
}

ResultKey key_of(const EvalConfig& c, const Example& e, Method m, double ratio, int64_t q) {
    return ResultKey{c.model_name, e.task, c.ctx_tokens, c.seed, e.index, method_label(m, c.method_options), ratio, q};
}

struct Answered {
    GenerationResult gen;
    ForcedAnswer forced;  // the full-cache answer's tokens under this cache
};

}  // namespace

std::vector<int64_t> asked_questions(int64_t n, int64_t max_questions) {
    const int64_t k = max_questions > 0 ? std::min(n, max_questions) : n;
    std::vector<int64_t> out;
    for (int64_t i = 0; i < k; ++i) out.push_back((2 * i + 1) * n / (2 * k));  // the middle of each k-th
    return out;
}

std::vector<Example> make_examples(const Model& model, const EvalConfig& c) {
    if (c.tasks.empty()) throw Error("no tasks given");
    TaskOptions to;
    to.ctx_tokens = c.ctx_tokens;
    to.seed = c.seed;
    to.haystack_dir = c.haystack_dir;
    to.count_tokens = [&model](const std::string& s) {
        return (int64_t)model.tokenizer().encode(s, false, false).size();
    };
    std::unique_ptr<TaskGenerator> gen;
    std::vector<Example> out;
    for (const std::string& task : c.tasks) {
        if (task.rfind("jsonl:", 0) == 0) {
            std::vector<Example> all = load_jsonl_examples(task.substr(6), task);
            if (c.n > 0 && (int64_t)all.size() > c.n) all.resize((size_t)c.n);
            for (Example& e : all) {
                if (!c.metric.empty()) e.metric = c.metric;
                out.push_back(std::move(e));
            }
            continue;
        }
        if (!TaskGenerator::is_task(task)) {
            std::string names;
            for (const std::string& t : TaskGenerator::task_names()) names += (names.empty() ? "" : ", ") + t;
            throw Error("unknown task '" + task + "' (expected one of " + names + ", or jsonl:FILE)");
        }
        if (c.n <= 0) throw Error("--n must be positive for generated tasks");
        if (!gen) gen = std::make_unique<TaskGenerator>(to);
        for (int64_t i = 0; i < c.n; ++i) out.push_back(gen->make(task, i, c.n));
    }
    return out;
}

EvalSummary run_eval(Model& model, const EvalConfig& c, const std::function<void(const std::string&)>& log) {
    if (c.methods.empty()) throw Error("no methods given");
    if (c.ratios.empty()) throw Error("no ratios given");
    for (double r : c.ratios)
        if (!(r > 0.0 && r <= 1.0)) throw Error("ratios must be in (0, 1], got " + std::to_string(r));
    if (!c.metric.empty() && !is_metric_name(c.metric)) throw Error("unknown metric '" + c.metric + "'");
    ResultsFile results(c.output);
    const std::vector<Example> examples = make_examples(model, c);
    EvalSummary sum;
    sum.examples_total = (int64_t)examples.size();
    if (log && results.existing())
        log(std::to_string(results.existing()) + " results already in " + c.output + ": they are skipped");

    const auto t0 = std::chrono::steady_clock::now();
    auto elapsed = [&t0] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    for (size_t ei = 0; ei < examples.size(); ++ei) {
        const Example& ex = examples[ei];
        const std::vector<int64_t> asked = asked_questions((int64_t)ex.questions.size(), c.max_questions);
        auto missing = [&](Method m, double r) {
            for (int64_t q : asked)
                if (!results.has(key_of(c, ex, m, r, q))) return true;
            return false;
        };
        bool any = false;
        for (Method m : c.methods)
            for (double r : c.ratios) any = any || missing(m, r);
        if (!any) {
            ++sum.examples_skipped;
            continue;
        }
        const double t_example = elapsed();
        MethodOptions mo = c.method_options;
        mo.seed = Rng::for_item(c.seed, "random:" + ex.task, ex.index).next();
        ScoredContext sc = prefill_and_score(model, ex.context, c.methods, mo);

        GenerateOptions go;
        go.max_tokens = c.max_new_tokens > 0 ? c.max_new_tokens : ex.max_new_tokens;  // greedy by default
        std::vector<std::vector<TokenId>> prompts;  // indexed like `asked`
        std::vector<Answered> full;
        std::vector<std::vector<TokenId>> forced_tokens;
        for (int64_t qi : asked) {
            const Question& q = ex.questions[(size_t)qi];
            prompts.push_back(model.apply_template(q.text));
            if (!q.answer_prefix.empty()) {
                const std::vector<TokenId> pre = model.tokenizer().encode(q.answer_prefix, false, false);
                prompts.back().insert(prompts.back().end(), pre.begin(), pre.end());
            }
            Answered a;
            a.gen = model.generate(prompts.back(), sc.cache, go);
            // The full answer as forced on every cache, with its end-of-turn token
            // when it has one: a pruned cache that runs on past it is not faithful.
            std::vector<TokenId> ref = a.gen.tokens;
            if (a.gen.stopped_at_eos) ref.push_back(a.gen.stop_token);
            a.forced = teacher_force(model, sc.cache.kv, prompts.back(), ref);
            forced_tokens.push_back(std::move(ref));
            full.push_back(std::move(a));
        }

        for (Method m : c.methods) {
            for (double r : c.ratios) {
                if (!missing(m, r)) continue;
                const PruneStats st = apply_method(sc, m, r, mo);
                for (size_t ai = 0; ai < asked.size(); ++ai) {
                    const int64_t q = asked[ai];
                    const ResultKey key = key_of(c, ex, m, r, q);
                    if (results.has(key)) continue;
                    Answered a;
                    if (st.kept_pairs == st.context_pairs) {
                        a = full[ai];  // everything kept: this is the full cache
                    } else {
                        a.gen = model.generate(prompts[ai], sc.cache, go);
                        a.forced = teacher_force(model, sc.cache.kv, prompts[ai], forced_tokens[ai]);
                    }
                    const Answer& truth = ex.questions[(size_t)q].answer;
                    const AnswerScores s = score_answer(a.gen.text, truth);
                    const AnswerScores sf = score_answer(full[ai].gen.text, truth);
                    const Fidelity f = compare_forced(full[ai].forced, a.forced);
                    nlohmann::json line;
                    key.to_json(line);
                    line["context_tokens"] = sc.cache.context_len;
                    line["level"] = to_string(prune_level(m));
                    line["ratio_kept"] = st.ratio_kept;
                    line["kv_bytes_kept"] = st.bytes_kept;
                    line["kv_bytes_full"] = st.bytes_full;
                    line["question"] = ex.questions[(size_t)q].text;
                    line["answer"] = truth.items;
                    line["answer_kind"] = truth.kind == Answer::Kind::AllOf ? "all" : "any";
                    line["prediction"] = a.gen.text;
                    line["full_prediction"] = full[ai].gen.text;
                    line["metric"] = ex.metric;
                    line["score"] = s.get(ex.metric);
                    line["full_score"] = sf.get(ex.metric);
                    line["exact"] = s.exact;
                    line["contains"] = s.contains;
                    line["recall"] = s.recall;
                    line["rouge_l"] = s.rouge_l;
                    line["same_as_full"] = a.gen.tokens == full[ai].gen.tokens;
                    line["answer_tokens"] = f.tokens;
                    line["mean_prob_full"] = f.mean_prob_full;
                    line["prob_change"] = f.mean_prob_change;
                    line["max_prob_diff"] = f.max_prob_diff;
                    line["top1_flips"] = f.top1_flips;
                    results.append(line);
                    ++sum.lines_written;
                }
            }
        }
        ++sum.examples_run;
        if (log) {
            const double per = elapsed() / (double)sum.examples_run;
            const int64_t left = (int64_t)(examples.size() - ei - 1);
            char b[256];
            std::snprintf(b, sizeof b, "%zu/%zu examples (%s #%lld, %lld tokens): %.1f s; elapsed %s, ETA %s",
                          ei + 1, examples.size(), ex.task.c_str(), (long long)ex.index,
                          (long long)sc.cache.context_len, elapsed() - t_example, duration(elapsed()).c_str(),
                          duration(per * (double)left).c_str());
            log(b);
        }
    }
    return sum;
}

}  // namespace kvzip::eval
