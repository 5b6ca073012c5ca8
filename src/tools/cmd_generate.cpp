// `kvzip generate -m MODEL -p PROMPT [--chat] [-n N] [--temp T] ...`
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/model.h"
#include "tools/commands.h"
#include "tools/options.h"
#include "util/error.h"

namespace kvzip::cli {

namespace {

struct GenerateArgs {
    EngineArgs engine;
    std::string prompt, prompt_file;
    bool chat = false;
    bool json = false;
    int max_tokens = 256;
    SamplingParams sampling;
};

}  // namespace

Runner add_generate(CLI::App& app) {
    auto a = std::make_shared<GenerateArgs>();
    add_engine_options(app, a->engine);
    auto* p = app.add_option("-p,--prompt", a->prompt, "prompt text");
    auto* pf = app.add_option("-f,--prompt-file", a->prompt_file, "read the prompt from a file")->check(CLI::ExistingFile);
    p->excludes(pf);
    app.add_flag("--chat", a->chat, "wrap the prompt in the model's chat template as a user turn");
    app.add_option("-n,--max-tokens", a->max_tokens, "maximum tokens to generate")->check(CLI::Range(1, 1 << 20));
    app.add_option("--temp", a->sampling.temperature, "sampling temperature (0 = greedy)")->check(CLI::Range(0.0, 100.0));
    app.add_option("--top-k", a->sampling.top_k, "keep only the k most likely tokens (0 = all)")->check(CLI::NonNegativeNumber);
    app.add_option("--top-p", a->sampling.top_p, "nucleus sampling mass")->check(CLI::Range(0.0, 1.0));
    app.add_option("--seed", a->sampling.seed, "random seed for sampling");
    app.add_flag("--json", a->json, "print one JSON object (text, token counts, timings) instead of streaming");
    return [a] {
        std::string prompt = a->prompt;
        if (!a->prompt_file.empty()) {
            std::ifstream in(a->prompt_file, std::ios::binary);
            if (!in) throw Error(a->prompt_file + ": cannot read the prompt file");
            std::stringstream ss;
            ss << in.rdbuf();
            prompt = ss.str();
        }
        if (prompt.empty()) throw Error("no prompt: give -p TEXT or -f FILE");
        Model model(a->engine.model_path(), a->engine.model_options());
        const std::string text = a->chat ? model.chat_prompt(prompt) : prompt;
        const std::vector<TokenId> ids = model.encode(text, /*add_bos=*/true);
        KVCache cache = model.new_cache();
        GenerateOptions go;
        go.sampling = a->sampling;
        go.max_tokens = a->max_tokens;
        GenerationResult r;
        if (a->json) {
            r = model.generate(ids, cache, go);
            nlohmann::json j = {
                {"text", r.text},
                {"prompt_tokens", r.prompt_tokens},
                {"generated_tokens", r.tokens.size()},
                {"stopped_at_eos", r.stopped_at_eos},
                {"prefill_seconds", r.prefill_seconds},
                {"decode_seconds", r.decode_seconds},
                {"prefill_tok_per_s", r.prefill_tok_per_s()},
                {"decode_tok_per_s", r.decode_tok_per_s()},
                {"threads", model.threads()},
                {"model", a->engine.model_path()},
            };
            std::printf("%s\n", j.dump(2).c_str());
        } else {
            r = model.generate(ids, cache, go, [](const std::string& piece) {
                std::fwrite(piece.data(), 1, piece.size(), stdout);
                std::fflush(stdout);
            });
            std::printf("\n");
            std::fflush(stdout);
            std::fprintf(stderr, "[%lld prompt tokens, %.1f tok/s prefill; %zu generated, %.1f tok/s decode]\n",
                         (long long)r.prompt_tokens, r.prefill_tok_per_s(), r.tokens.size(), r.decode_tok_per_s());
        }
        return 0;
    };
}

}  // namespace kvzip::cli
