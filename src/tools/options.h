#pragma once
// Flags shared by the sub-commands that load a model.
#include <CLI/CLI.hpp>
#include <chrono>
#include <string>

#include "engine/model.h"
#include "util/error.h"

namespace kvzip::cli {

std::string default_model_path();

// The whole file as bytes; kvzip::Error naming the file (and `what` it is) otherwise.
std::string read_text_file(const std::string& path, const char* what);
// A progress line on stderr for long phases ("prefill 512 / 2000 tokens"),
// redrawn in place; `label` (may be empty) names the input.
std::function<void(const std::string&, int64_t, int64_t)> progress_printer(const std::string& label = "");
inline double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct EngineArgs {
    std::string model;
    int threads = 0;
    std::string kv_type = "f16";
    int64_t batch = 256;

    std::string model_path() const { return model.empty() ? default_model_path() : model; }
    ModelOptions model_options() const {
        ModelOptions o;
        o.threads = threads;
        o.batch = batch;
        o.kv_type = kv_type == "f32" ? KVType::F32 : KVType::F16;
        return o;
    }
};

inline void add_engine_options(CLI::App& app, EngineArgs& a) {
    app.add_option("-m,--model", a.model, "GGUF model file (default: the SmolLM2 model fetched by the set-up)");
    app.add_option("-t,--threads", a.threads, "worker threads (default: all cores)")->check(CLI::NonNegativeNumber);
    app.add_option("--kv-type", a.kv_type, "KV cache element type")->check(CLI::IsMember({"f16", "f32"}));
    app.add_option("--batch", a.batch, "tokens per forward pass during prefill")->check(CLI::Range(1, 65536));
}

}  // namespace kvzip::cli
