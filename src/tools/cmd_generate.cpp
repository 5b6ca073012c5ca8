// `kvzip generate -m MODEL -p PROMPT [--chat] [-n N] [--temp T] ...`
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "engine/model.h"
#include "tools/commands.h"
#include "tools/options.h"
#include "util/error.h"

namespace kvzip::cli {

namespace {

struct GenerateArgs {
    EngineArgs engine;
    std::string prompt, prompt_file;
    // KVzip: a context compressed once, then questions answered from it.
    std::string context_file;
    std::vector<std::string> questions;
    double ratio = 0.3;
    std::string level = "pair", mode = "evict", dump_scores, head_scores;
    int64_t score_chunk = 2000;
    bool kvzip_plus = false;
    bool chat = false;
    bool json = false;
    int max_tokens = 256;
    SamplingParams sampling;
};


// Prefill once, compress once, answer every question from the compressed
// cache with update_cache = false.
int run_kvzip(const GenerateArgs& a) {
    if (a.questions.empty()) throw Error("give at least one question with -q");
    const std::string context = read_text_file(a.context_file, "context file");
    Model model(a.engine.model_path(), a.engine.model_options());
    PrefillOptions po;
    po.score_chunk = a.score_chunk;
    po.kvzip_plus = a.kvzip_plus;
    po.progress = progress_printer();
    std::string level = a.level;
    if (!a.head_scores.empty()) {
        if (level != "head" && level != "pair")  // pair is the default: --head-scores switches it
            throw Error("--head-scores works with --level head only");
        level = "head";
        po.head_scores = HeadScores::load(a.head_scores, model.identity()).scores;
        if (!a.dump_scores.empty()) throw Error("--dump-scores needs the scoring pass, which --head-scores skips");
    }
    Cache cache = model.prefill(context, po);
    if (!a.dump_scores.empty()) cache.scores.save_npy(a.dump_scores);
    const auto tp = std::chrono::steady_clock::now();
    const PruneStats st = cache.prune(a.ratio, parse_prune_level(level), parse_cache_mode(a.mode));
    const double prune_s = seconds_since(tp);
    GenerateOptions go;
    go.sampling = a.sampling;
    go.max_tokens = a.max_tokens;
    go.update_cache = false;
    nlohmann::json answers = nlohmann::json::array(), timing = nlohmann::json::array();
    for (const std::string& question : a.questions) {
        const auto t0 = std::chrono::steady_clock::now();
        GenerationResult r;
        if (a.json) {
            r = model.generate(model.apply_template(question), cache, go);
        } else {
            std::printf("Q: %s\nA: ", question.c_str());
            r = model.generate(model.apply_template(question), cache, go, [](const std::string& piece) {
                std::fwrite(piece.data(), 1, piece.size(), stdout);
                std::fflush(stdout);
            });
            std::printf("\n\n");
            std::fflush(stdout);
        }
        answers.push_back(r.text);
        timing.push_back(seconds_since(t0));
    }
    if (a.json) {
        nlohmann::json j = {
            {"answers", answers},
            {"context_tokens", cache.context_len},
            {"prefix_tokens", cache.prefix_len},
            {"ratio_requested", st.ratio_requested},
            {"ratio_kept", st.ratio_kept},
            {"level", level},
            {"mode", a.mode},
            {"kv_bytes_full", st.bytes_full},
            {"kv_bytes_kept", st.bytes_kept},
            {"kv_bytes_held", st.bytes_held},
            {"prefill_seconds", cache.prefill_seconds},
            {"scoring_seconds", cache.scoring_seconds},
            {"prune_seconds", prune_s},
            {"answer_seconds", timing},
            {"threads", model.threads()},
        };
        std::printf("%s\n", j.dump(2).c_str());
    } else {
        std::fprintf(stderr,
                     "[context %lld tokens; prefill %.2f s, scoring %.2f s; kept %.1f %% of context KV "
                     "(%s, %s); KV %.2f MB -> %.2f MB]\n",
                     (long long)cache.context_len, cache.prefill_seconds, cache.scoring_seconds, 100 * st.ratio_kept,
                     level.c_str(), a.mode.c_str(), st.bytes_full / 1e6, st.bytes_kept / 1e6);
    }
    return 0;
}

}  // namespace

Runner add_generate(CLI::App& app) {
    auto a = std::make_shared<GenerateArgs>();
    add_engine_options(app, a->engine);
    auto* p = app.add_option("-p,--prompt", a->prompt, "prompt text");
    auto* pf = app.add_option("-f,--prompt-file", a->prompt_file, "read the prompt from a file")->check(CLI::ExistingFile);
    p->excludes(pf);
    auto* ctx = app.add_option("-c,--context-file", a->context_file,
                               "KVzip: prefill this context once, compress it, answer each -q from it")
                    ->check(CLI::ExistingFile);
    auto* q = app.add_option("-q,--question", a->questions, "a question about the context (repeatable)");
    ctx->excludes(p)->excludes(pf);
    q->needs(ctx);
    app.add_option("-r,--ratio", a->ratio, "fraction of context KV pairs kept")->check(CLI::Range(0.0, 1.0));
    app.add_option("--level", a->level, "pruning level")->check(CLI::IsMember({"pair", "pair-uniform", "head"}));
    app.add_option("--mode", a->mode, "evict (free memory) or retain (mask)")->check(CLI::IsMember({"evict", "retain"}));
    app.add_option("--score-chunk", a->score_chunk, "context tokens per reconstruction chunk")->check(CLI::Range(1, 1 << 20));
    app.add_flag("--kvzip-plus", a->kvzip_plus, "score with the KVzip+ normalization (kvpress's kvzip_plus)");
    app.add_option("--head-scores", a->head_scores,
                   "head-score file (from `kvzip head-score`): skips the scoring pass; implies --level head")
        ->check(CLI::ExistingFile);
    app.add_option("--dump-scores", a->dump_scores, "write the importance scores (layers x KV heads x positions) as .npy");
    app.add_flag("--chat", a->chat, "wrap the prompt in the model's chat template as a user turn");
    app.add_option("-n,--max-tokens", a->max_tokens, "maximum tokens to generate")->check(CLI::Range(1, 1 << 20));
    app.add_option("--temp", a->sampling.temperature, "sampling temperature (0 = greedy)")->check(CLI::Range(0.0, 100.0));
    app.add_option("--top-k", a->sampling.top_k, "keep only the k most likely tokens (0 = all)")->check(CLI::NonNegativeNumber);
    app.add_option("--top-p", a->sampling.top_p, "nucleus sampling mass")->check(CLI::Range(0.0, 1.0));
    app.add_option("--seed", a->sampling.seed, "random seed for sampling");
    app.add_flag("--json", a->json, "print one JSON object (text, token counts, timings) instead of streaming");
    return [a] {
        if (!a->context_file.empty()) return run_kvzip(*a);
        std::string prompt = a->prompt;
        if (!a->prompt_file.empty()) {
            prompt = read_text_file(a->prompt_file, "prompt file");
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
