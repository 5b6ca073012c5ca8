// `kvzip bench`: prefill and decode speed at given prompt lengths.
// Prompts are deterministic pseudo-random token ids (as llama-bench does), so
// runs are comparable across tokenizers and machines.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>

#include "engine/model.h"
#include "engine/sampler.h"
#include "tools/commands.h"
#include "tools/options.h"

namespace kvzip::cli {

namespace {

struct BenchArgs {
    EngineArgs engine;
    std::vector<int64_t> prompt_tokens{512, 2048};
    int gen_tokens = 128;
    int reps = 1;
    bool json = false;
};

double now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

Runner add_bench(CLI::App& app) {
    auto a = std::make_shared<BenchArgs>();
    add_engine_options(app, a->engine);
    app.add_option("--prompt-tokens", a->prompt_tokens, "prompt lengths to measure")
        ->delimiter(',')
        ->check(CLI::Range((int64_t)1, (int64_t)1 << 22));
    app.add_option("--gen-tokens", a->gen_tokens, "tokens to decode after each prompt")->check(CLI::Range(1, 1 << 20));
    app.add_option("--reps", a->reps, "repetitions (the median is reported)")->check(CLI::Range(1, 100));
    app.add_flag("--json", a->json, "print JSON");
    return [a] {
        Model model(a->engine.model_path(), a->engine.model_options());
        const int64_t vocab = model.config().n_vocab;
        nlohmann::json rows = nlohmann::json::array();
        if (!a->json)
            std::printf("%-10s %-8s %14s %14s %12s\n", "prompt", "gen", "prefill tok/s", "decode tok/s", "KV MB");
        for (int64_t P : a->prompt_tokens) {
            std::mt19937 rng(1234);
            std::uniform_int_distribution<int32_t> dist(100, (int32_t)vocab - 1);
            std::vector<TokenId> ids(P);
            for (auto& id : ids) id = dist(rng);
            std::vector<double> prefill, decode;
            size_t kv_bytes = 0;
            for (int r = 0; r < a->reps; ++r) {
                KVCache cache = model.new_cache();
                double t0 = now_s();
                std::vector<float> logits = model.eval(ids, cache);
                prefill.push_back(P / (now_s() - t0));
                t0 = now_s();
                for (int g = 0; g < a->gen_tokens; ++g) logits = model.eval({argmax(logits.data(), vocab)}, cache);
                decode.push_back(a->gen_tokens / (now_s() - t0));
                kv_bytes = cache.bytes();
            }
            std::sort(prefill.begin(), prefill.end());
            std::sort(decode.begin(), decode.end());
            const double pf = prefill[prefill.size() / 2], dc = decode[decode.size() / 2];
            if (a->json)
                rows.push_back({{"prompt_tokens", P}, {"gen_tokens", a->gen_tokens}, {"prefill_tok_per_s", pf},
                                {"decode_tok_per_s", dc}, {"kv_bytes", kv_bytes}});
            else
                std::printf("%-10lld %-8d %14.1f %14.1f %12.1f\n", (long long)P, a->gen_tokens, pf, dc, kv_bytes / 1e6);
            std::fflush(stdout);
        }
        if (a->json) {
            nlohmann::json out = {{"engine", "kvzip"}, {"model", a->engine.model_path()},
                                  {"threads", model.threads()}, {"results", rows}};
            std::printf("%s\n", out.dump(2).c_str());
        }
        return 0;
    };
}

}  // namespace kvzip::cli
