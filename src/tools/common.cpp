#include <cstdlib>
#include <filesystem>

#include "tools/commands.h"

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

}  // namespace kvzip::cli
