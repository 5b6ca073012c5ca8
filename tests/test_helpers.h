#pragma once
// Shared helpers for tests: locating goldens and models, reading files.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace kvzip::test {

inline std::string golden_path(const std::string& name) { return std::string(KVZIP_GOLDEN_DIR) + "/" + name; }
inline std::string model_path(const std::string& name) { return std::string(KVZIP_MODELS_DIR) + "/" + name; }
// Tiny random-weight models, written by scripts/make_tiny_models.py (no weights in git).
inline std::string tiny_model_path(const std::string& name) { return model_path("tiny/" + name); }
inline std::string smollm2_path() { return model_path("SmolLM2-135M-Instruct.Q4_1.gguf"); }

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline std::vector<float> read_f32(const std::string& path) {
    const std::string s = read_file(path);
    std::vector<float> v(s.size() / sizeof(float));
    std::memcpy(v.data(), s.data(), v.size() * sizeof(float));
    return v;
}

// Skips the test when the model is missing, unless KVZIP_REQUIRE_MODELS is set
// (CI), where a missing model is a failure.
#define KVZIP_REQUIRE_MODEL(path)                                                               \
    do {                                                                                        \
        if (!std::filesystem::exists(path)) {                                                   \
            if (std::getenv("KVZIP_REQUIRE_MODELS")) FAIL() << "model missing: " << (path);     \
            GTEST_SKIP() << "model missing: " << (path) << " (run scripts/fetch_models.sh, which also writes the tiny ones)";    \
        }                                                                                       \
    } while (0)

}  // namespace kvzip::test
