// Clear errors for models kvzip cannot run: an unknown architecture, a missing
// tensor, a missing hyper-parameter. Made by patching bytes of the tiny Qwen
// GGUFs (models/tiny, from scripts/make_tiny_models.py), so the rest of each file stays valid.
#include <gtest/gtest.h>

#include <string>

#include "io/gguf.h"
#include "model/transformer.h"
#include "test_helpers.h"
#include "util/error.h"

namespace kvzip {
namespace {

// The file's bytes with the first occurrence of `from` replaced by `to` (same length).
std::string patched(const std::string& arch, const std::string& from, const std::string& to) {
    std::string bytes = test::read_file(test::tiny_model_path(arch + ".gguf"));
    const size_t at = bytes.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    EXPECT_EQ(from.size(), to.size());
    if (at != std::string::npos) bytes.replace(at, from.size(), to);
    return bytes;
}

// The message of the kvzip::Error that building a Transformer over `bytes` throws.
std::string load_error(const std::string& bytes) {
    auto f = GGUFFile::from_memory(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "patched.gguf");
    ThreadPool pool(1);
    try {
        Transformer t(*f, pool);
    } catch (const Error& e) {
        return e.what();
    }
    ADD_FAILURE() << "loading succeeded";
    return "";
}

TEST(ModelErrors, UnknownArchitectureIsNamedWithTheSupportedOnes) {
    KVZIP_REQUIRE_MODEL(test::tiny_model_path("qwen2.gguf"));
    // "qwen2" is the value of general.architecture; every key is "qwen2.*", so
    // patch the value itself: it is the first "qwen2" after the key name.
    std::string bytes = test::read_file(test::tiny_model_path("qwen2.gguf"));
    const size_t key = bytes.find("general.architecture");
    ASSERT_NE(key, std::string::npos);
    const size_t value = bytes.find("qwen2", key);
    bytes.replace(value, 5, "mamba");
    const std::string msg = load_error(bytes);
    EXPECT_NE(msg.find("unsupported architecture 'mamba'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("llama, qwen2, qwen3, gemma3"), std::string::npos) << msg;
}

TEST(ModelErrors, MissingTensorIsNamed) {
    KVZIP_REQUIRE_MODEL(test::tiny_model_path("qwen3.gguf"));
    const std::string msg = load_error(patched("qwen3", "blk.1.attn_k_norm.weight", "blk.1.attn_k_nope.weight"));
    EXPECT_NE(msg.find("blk.1.attn_k_norm.weight"), std::string::npos) << msg;
}

TEST(ModelErrors, MissingHyperParameterIsNamed) {
    KVZIP_REQUIRE_MODEL(test::tiny_model_path("qwen2.gguf"));
    const std::string msg = load_error(patched("qwen2", "qwen2.block_count", "qwen2.block_kount"));
    EXPECT_NE(msg.find("qwen2.block_count"), std::string::npos) << msg;
}

}  // namespace
}  // namespace kvzip
