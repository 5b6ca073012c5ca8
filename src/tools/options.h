#pragma once
// Flags shared by the sub-commands that load a model.
#include <CLI/CLI.hpp>
#include <string>

#include "engine/model.h"
#include "util/error.h"

namespace kvzip::cli {

std::string default_model_path();

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
