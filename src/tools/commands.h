#pragma once
// Sub-commands of the `kvzip` command line; each registers its flags on the
// CLI11 app and returns the function that runs it.
#include <CLI/CLI.hpp>
#include <functional>

namespace kvzip::cli {

using Runner = std::function<int()>;

Runner add_generate(CLI::App& app);
Runner add_inspect(CLI::App& app);
Runner add_bench(CLI::App& app);
Runner add_head_score(CLI::App& app);
Runner add_demo(CLI::App& app);
Runner add_test(CLI::App& app);
Runner add_eval(CLI::App& app);
Runner add_report(CLI::App& app);

// Default model location: models/SmolLM2-135M-Instruct.Q4_1.gguf next to the
// binary's source tree or the working directory; KVZIP_MODEL overrides.
std::string default_model_path();

}  // namespace kvzip::cli
