// `kvzip test -c CONTEXT_FILE -q ... -r RATIO`: profiling mode like the
// reference's test.py. For every question: the full-cache and the pruned
// answers side by side, and, teacher-forcing the full-cache answer, how the
// pruned cache changes its token probabilities (mean change, top-1 flips,
// max difference); memory and time of each phase.
#include <algorithm>
#include <chrono>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "engine/model.h"
#include "eval/metrics.h"
#include "eval/teacher_force.h"
#include "tools/commands.h"
#include "tools/options.h"

namespace kvzip::cli {

namespace {

struct TestArgs {
    EngineArgs engine;
    std::string context_file;
    std::vector<std::string> questions;
    double ratio = 0.3;
    std::string level = "pair";
    int max_tokens = 64;
    bool json = false;
    bool kvzip_plus = false;
    // Sweep: many ratios and levels after one prefill (retain mode).
    std::vector<double> sweep_ratios;
    std::vector<std::string> sweep_levels{"pair", "pair-uniform", "head"};
    std::vector<std::string> expected;  // one per question: a substring the right answer contains
};

std::string lower(std::string s) {
    for (char& c : s) c = (char)std::tolower((unsigned char)c);
    return s;
}

// One prefill and scoring, then every (level, ratio): accuracy against the
// expected answers, agreement with the full cache, KV kept. A Markdown table.
int run_sweep(const TestArgs& a, Model& model, Cache& cache) {
    GenerateOptions go;
    go.max_tokens = a.max_tokens;
    auto answers_at = [&](double r, PruneLevel level) {
        cache.prune(r, level, CacheMode::Retain);
        std::vector<std::string> out;
        for (const auto& q : a.questions) out.push_back(model.generate(model.apply_template(q), cache, go).text);
        return out;
    };
    const std::vector<std::string> full = answers_at(1.0, PruneLevel::Pair);
    auto correct = [&](const std::vector<std::string>& ans) {
        int n = 0;
        for (size_t i = 0; i < ans.size(); ++i) n += lower(ans[i]).find(lower(a.expected[i])) != std::string::npos;
        return n;
    };
    std::printf("context %lld tokens; prefill %.2f s, scoring %.2f s (%.2fx prefill); %zu questions\n\n",
                (long long)cache.context_len, cache.prefill_seconds, cache.scoring_seconds,
                cache.scoring_seconds / cache.prefill_seconds, a.questions.size());
    std::printf("| level | ratio | accuracy | same answer as full cache | KV MB kept / full |\n|---|---:|---:|---:|---:|\n");
    std::printf("| full | 1.0 | %d/%zu | - | - |\n", correct(full), full.size());
    for (const std::string& lv : a.sweep_levels) {
        const PruneLevel level = parse_prune_level(lv);
        for (double r : a.sweep_ratios) {
            const std::vector<std::string> ans = answers_at(r, level);
            const PruneStats& st = cache.last_prune();
            int same = 0;
            for (size_t i = 0; i < ans.size(); ++i) same += ans[i] == full[i];
            std::printf("| %s | %.2f | %d/%zu | %d/%zu | %.2f / %.2f |\n", lv.c_str(), st.ratio_kept, correct(ans),
                        ans.size(), same, ans.size(), st.bytes_kept / 1e6, st.bytes_full / 1e6);
            std::fflush(stdout);
        }
    }
    return 0;
}

}  // namespace

Runner add_test(CLI::App& app) {
    auto a = std::make_shared<TestArgs>();
    add_engine_options(app, a->engine);
    app.add_option("-c,--context-file", a->context_file, "context file")->required()->check(CLI::ExistingFile);
    app.add_option("-q,--question", a->questions, "question (repeatable)")->required();
    app.add_option("-r,--ratio", a->ratio, "fraction of context KV pairs kept")->check(CLI::Range(0.0, 1.0));
    app.add_option("--level", a->level, "pruning level")->check(CLI::IsMember({"pair", "pair-uniform", "head"}));
    app.add_option("-n,--max-tokens", a->max_tokens, "maximum answer tokens")->check(CLI::Range(1, 1 << 16));
    app.add_flag("--json", a->json, "print JSON");
    app.add_flag("--kvzip-plus", a->kvzip_plus, "score with the KVzip+ normalization");
    app.add_option("--sweep-ratios", a->sweep_ratios, "accuracy table over these ratios (needs --expect)")
        ->delimiter(',')
        ->check(CLI::Range(0.0, 1.0));
    app.add_option("--sweep-levels", a->sweep_levels, "levels of the sweep")
        ->delimiter(',')
        ->check(CLI::IsMember({"pair", "pair-uniform", "head"}));
    app.add_option("-e,--expect", a->expected, "expected answer substring, one per question (sweep)");
    return [a] {
        if (!a->sweep_ratios.empty() && a->expected.size() != a->questions.size())
            throw Error("--sweep-ratios needs one --expect per question");
        const std::string context = read_text_file(a->context_file, "context file");
        Model model(a->engine.model_path(), a->engine.model_options());
        PrefillOptions po;
        po.progress = progress_printer();
        po.kvzip_plus = a->kvzip_plus;
        Cache cache = model.prefill(context, po);
        if (!a->sweep_ratios.empty()) return run_sweep(*a, model, cache);
        const PruneLevel level = parse_prune_level(a->level);
        const auto tp = std::chrono::steady_clock::now();
        const PruneStats st = cache.prune(a->ratio, level, CacheMode::Retain);
        const double prune_s = seconds_since(tp);
        GenerateOptions go;
        go.max_tokens = a->max_tokens;
        nlohmann::json rows = nlohmann::json::array();
        if (!a->json)
            std::printf("context %lld tokens: prefill %.2f s, scoring %.2f s, pruning %.3f s; KV %.2f MB full, "
                        "%.2f MB kept (%.1f %%, %s)\n\n",
                        (long long)cache.context_len, cache.prefill_seconds, cache.scoring_seconds, prune_s,
                        st.bytes_full / 1e6, st.bytes_kept / 1e6, 100 * st.ratio_kept, a->level.c_str());
        for (const std::string& q : a->questions) {
            const std::vector<TokenId> prompt = model.apply_template(q);
            cache.prune(1.0, level, CacheMode::Retain);
            const GenerationResult full = model.generate(prompt, cache, go);
            const eval::ForcedAnswer ff = eval::teacher_force(model, cache.kv, prompt, full.tokens);
            cache.prune(a->ratio, level, CacheMode::Retain);
            const GenerationResult pruned = model.generate(prompt, cache, go);
            const eval::Fidelity fid = eval::compare_forced(ff, eval::teacher_force(model, cache.kv, prompt, full.tokens));
            const double mean_change = fid.mean_prob_change, max_diff = fid.max_prob_diff;
            const int flips = (int)fid.top1_flips;
            nlohmann::json row = {{"question", q},
                                  {"full_answer", full.text},
                                  {"pruned_answer", pruned.text},
                                  {"same_answer", full.tokens == pruned.tokens},
                                  {"answer_tokens", fid.tokens},
                                  {"mean_prob_change", mean_change},
                                  {"max_prob_diff", max_diff},
                                  {"top1_flips", flips},
                                  {"full_decode_tok_per_s", full.decode_tok_per_s()},
                                  {"pruned_decode_tok_per_s", pruned.decode_tok_per_s()}};
            if (!a->json)
                std::printf("Q: %s\n  full:   %s\n  pruned: %s\n  on the full answer (%zu tokens): mean prob change %+.4f, "
                            "max |diff| %.4f, top-1 flips %d\n\n",
                            q.c_str(), full.text.c_str(), pruned.text.c_str(), (size_t)fid.tokens, mean_change, max_diff, flips);
            rows.push_back(row);
        }
        if (a->json) {
            nlohmann::json out = {{"context_tokens", cache.context_len}, {"ratio_kept", st.ratio_kept},
                                  {"level", a->level}, {"kv_bytes_full", st.bytes_full},
                                  {"kv_bytes_kept", st.bytes_kept}, {"prefill_seconds", cache.prefill_seconds},
                                  {"scoring_seconds", cache.scoring_seconds}, {"prune_seconds", prune_s},
                                  {"questions", rows}};
            std::printf("%s\n", out.dump(2).c_str());
        }
        return 0;
    };
}

}  // namespace kvzip::cli
