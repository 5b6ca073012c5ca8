// `kvzip demo`: an interactive session like the reference's demo.py. A
// context (kvzip's own README unless -c is given) is prefilled and
// compressed once; every question is answered from the compressed cache,
// optionally beside the full cache's answer, with memory and time.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "builtin_docs.h"
#include "engine/model.h"
#include "tools/commands.h"
#include "tools/options.h"

namespace kvzip::cli {

namespace {

struct DemoArgs {
    EngineArgs engine;
    std::string context_file;
    std::vector<std::string> questions;
    double ratio = 0.3;
    std::string level = "pair";
    bool compare = false;
    int max_tokens = 64;
};

const char* const kDefaultQuestions[] = {
    "What does kvzip compress?",
    "Which command runs every test?",
    "Where is the forward pass?",
};

}  // namespace

Runner add_demo(CLI::App& app) {
    auto a = std::make_shared<DemoArgs>();
    add_engine_options(app, a->engine);
    app.add_option("-c,--context-file", a->context_file, "context (default: kvzip's README)")->check(CLI::ExistingFile);
    app.add_option("-q,--question", a->questions, "questions to ask (default: a few about the README, then interactive)");
    app.add_option("-r,--ratio", a->ratio, "fraction of context KV pairs kept")->check(CLI::Range(0.0, 1.0));
    app.add_option("--level", a->level, "pruning level")->check(CLI::IsMember({"pair", "pair-uniform", "head"}));
    app.add_flag("--compare", a->compare, "also answer from the full cache, side by side");
    app.add_option("-n,--max-tokens", a->max_tokens, "maximum answer tokens")->check(CLI::Range(1, 1 << 16));
    return [a] {
        std::string context = kBuiltinDocs, name = "kvzip README (built in)";
        if (!a->context_file.empty()) {
            context = read_text_file(a->context_file, "context file");
            name = a->context_file;
        }
        Model model(a->engine.model_path(), a->engine.model_options());
        std::printf("model: %s (%s), %d threads\ncontext: %s\n", model.config().name.c_str(), a->engine.model_path().c_str(),
                    model.threads(), name.c_str());
        PrefillOptions po;
        po.progress = progress_printer();
        Cache cache = model.prefill(context, po);
        const PruneLevel level = parse_prune_level(a->level);
        // --compare needs the full cache too: retain mode re-prunes freely.
        const CacheMode mode = a->compare ? CacheMode::Retain : CacheMode::Evict;
        const PruneStats st = cache.prune(a->ratio, level, mode);
        std::printf("prefill %lld tokens in %.2f s, scoring %.2f s; kept %.0f %% of the context KV (%s): %.2f MB -> %.2f MB\n\n",
                    (long long)cache.context_len, cache.prefill_seconds, cache.scoring_seconds, 100 * st.ratio_kept,
                    a->level.c_str(), st.bytes_full / 1e6, st.bytes_kept / 1e6);

        GenerateOptions go;
        go.max_tokens = a->max_tokens;
        auto stream = [](const std::string& piece) {
            std::fwrite(piece.data(), 1, piece.size(), stdout);
            std::fflush(stdout);
        };
        auto answer = [&](const std::string& q) {
            std::printf("Q: %s\n", q.c_str());
            if (a->compare) {
                cache.prune(1.0, level, CacheMode::Retain);
                std::printf("full cache:       ");
                const auto t0 = std::chrono::steady_clock::now();
                model.generate(model.apply_template(q), cache, go, stream);
                std::printf("   (%.2f s)\n", seconds_since(t0));
                cache.prune(a->ratio, level, CacheMode::Retain);
                std::printf("compressed (%.0f%%): ", 100 * a->ratio);
            } else {
                std::printf("A: ");
            }
            const auto t0 = std::chrono::steady_clock::now();
            model.generate(model.apply_template(q), cache, go, stream);
            std::printf("   (%.2f s)\n\n", seconds_since(t0));
        };

        std::vector<std::string> questions = a->questions;
        const bool interactive = questions.empty() && isatty(STDIN_FILENO);
        if (questions.empty() && a->context_file.empty())
            for (const char* q : kDefaultQuestions) questions.push_back(q);
        for (const auto& q : questions) answer(q);
        if (!a->questions.empty()) return 0;
        // Then questions from stdin, one per line (interactive on a terminal).
        std::string line;
        for (;;) {
            if (interactive) std::printf("question (empty line to quit)> "), std::fflush(stdout);
            if (!std::getline(std::cin, line) || line.empty()) break;
            answer(line);
        }
        return 0;
    };
}

}  // namespace kvzip::cli
