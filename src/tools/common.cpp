#include <cstdlib>
#include <filesystem>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "tools/commands.h"
#include "tools/options.h"

namespace kvzip::cli {

std::string default_model_path() {
    if (const char* env = std::getenv("KVZIP_MODEL")) return env;
    const char* name = "SmolLM2-135M-Instruct.Q4_1.gguf";
    namespace fs = std::filesystem;
    // The source tree's models/ folder (where scripts/fetch_models.sh puts it), then ./models.
    for (const fs::path& dir : {fs::path(KVZIP_SOURCE_DIR) / "models", fs::path("models")})
        if (fs::exists(dir / name)) return (dir / name).string();
    return (fs::path(KVZIP_SOURCE_DIR) / "models" / name).string();
}

std::string read_text_file(const std::string& path, const char* what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": cannot read the " + what);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::function<void(const std::string&, int64_t, int64_t)> progress_printer(const std::string& label) {
    return [label](const std::string& phase, int64_t done, int64_t total) {
        std::fprintf(stderr, "\r%s%s%s %lld / %lld tokens   ", label.c_str(), label.empty() ? "" : ": ", phase.c_str(),
                     (long long)done, (long long)total);
        if (done == total) std::fprintf(stderr, "\n");
        std::fflush(stderr);
    };
}

}  // namespace kvzip::cli
