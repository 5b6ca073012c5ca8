// The `kvzip` command line.
#include <cstdio>
#include <map>

#include "tools/commands.h"
#include "util/error.h"

int main(int argc, char** argv) {
    CLI::App app{"kvzip: LLM inference with query-agnostic KV cache compression"};
    app.require_subcommand(1);
    std::map<CLI::App*, kvzip::cli::Runner> runners;
    auto add = [&](const char* name, const char* help, kvzip::cli::Runner (*fn)(CLI::App&)) {
        CLI::App* sub = app.add_subcommand(name, help);
        runners[sub] = fn(*sub);
    };
    add("demo", "compress a context once, then answer questions from it", kvzip::cli::add_demo);
    add("generate", "generate text from a prompt", kvzip::cli::add_generate);
    add("test", "profile a ratio: full vs pruned answers and probability changes", kvzip::cli::add_test);
    add("eval", "accuracy vs kept ratio of KVzip and baselines on long-context tasks", kvzip::cli::add_eval);
    add("report", "tables and plots of kvzip eval results", kvzip::cli::add_report);
    add("inspect", "print a GGUF file's metadata and tensor table", kvzip::cli::add_inspect);
    add("bench", "measure prefill and decode speed", kvzip::cli::add_bench);
    add("head-score", "calibrate context-independent head scores for --level head", kvzip::cli::add_head_score);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    try {
        for (auto& [sub, run] : runners)
            if (sub->parsed()) return run();
    } catch (const kvzip::Error& e) {
        std::fprintf(stderr, "kvzip: error: %s\n", e.what());
        return 1;
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "kvzip: error: out of memory\n");
        return 1;
    }
    return 0;
}
