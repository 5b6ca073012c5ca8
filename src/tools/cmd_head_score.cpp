// `kvzip head-score -m MODEL [-c CONTEXT_FILE ...] -o FILE`: calibrates the
// context-independent head scores (DESIGN.md 1.5) with a few forward passes.
#include <cstdio>

#include "builtin_docs.h"
#include "engine/model.h"
#include "tools/commands.h"
#include "tools/options.h"

namespace kvzip::cli {

namespace {
struct HeadScoreArgs {
    EngineArgs engine;
    std::vector<std::string> contexts;
    std::string output;
    int64_t max_tokens = 2000;
};
}  // namespace

Runner add_head_score(CLI::App& app) {
    auto a = std::make_shared<HeadScoreArgs>();
    add_engine_options(app, a->engine);
    app.add_option("-c,--context-file", a->contexts, "calibration context (repeatable; default: kvzip's README)")
        ->check(CLI::ExistingFile);
    app.add_option("-o,--output", a->output, "head-score file to write")->required();
    app.add_option("--max-context-tokens", a->max_tokens, "use at most this many tokens of each context")
        ->check(CLI::Range((int64_t)16, (int64_t)1 << 22));
    return [a] {
        Model model(a->engine.model_path(), a->engine.model_options());
        std::vector<std::pair<std::string, std::string>> texts;
        for (const std::string& path : a->contexts) {
            texts.emplace_back(path, read_text_file(path, "context file"));
        }
        if (texts.empty()) texts.emplace_back("builtin:README.md", kBuiltinDocs);
        HeadScores hs;
        hs.model = model.identity();
        for (const auto& [name, text] : texts) {
            // Keep the calibration short: the first max_tokens tokens.
            std::vector<TokenId> ids = model.tokenizer().encode(text, false, false);
            if ((int64_t)ids.size() > a->max_tokens) ids.resize(a->max_tokens);
            const std::string clipped = model.tokenizer().decode(ids);
            PrefillOptions po;
            po.progress = progress_printer(name);
            Cache cache = model.prefill(clipped, po);
            hs.accumulate(cache.scores);
            hs.calibration.push_back(name);
        }
        hs.save(a->output);
        std::fprintf(stderr, "wrote %s: %d layers x %d KV heads, calibrated on %lld tokens\n", a->output.c_str(),
                     hs.model.n_layer, hs.model.n_head_kv, (long long)hs.calibration_tokens);
        return 0;
    };
}

}  // namespace kvzip::cli
