#include "io/hf_checkpoint.h"

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "io/hf_config.h"
#include "io/hf_tokenizer.h"
#include "io/safetensors.h"
#include "util/error.h"

namespace kvzip {

namespace {

namespace fs = std::filesystem;

// What the GGUFFile view points into: kept alive by it.
struct Storage {
    std::unique_ptr<SafetensorsWeights> weights;
    std::vector<float> rope_factors;
};

GGMLType ggml_type_of(const SafetensorsTensor& t, const std::string& file) {
    if (t.dtype == "F32") return GGMLType::F32;
    if (t.dtype == "F16") return GGMLType::F16;
    if (t.dtype == "BF16") return GGMLType::BF16;
    throw Error(file + ": tensor '" + t.name + "' has dtype " + t.dtype +
                " (supported: F32, F16, BF16; quantized checkpoints are not)");
}

// GGUF orders dimensions innermost first; safetensors outermost first.
GGUFTensor gguf_tensor(const SafetensorsTensor& t, const std::string& name, GGMLType type, const std::string& file) {
    GGUFTensor g;
    g.name = name;
    g.type = type;
    g.ne.assign(t.shape.rbegin(), t.shape.rend());
    if (g.ne.empty()) g.ne.push_back(1);
    g.offset = t.offset;
    g.data = t.data;
    g.nbytes = t.nbytes;
    // The kernels load elements in place; the reference writer aligns them.
    if (reinterpret_cast<uintptr_t>(t.data) % safetensors_dtype_size(t.dtype) != 0)
        throw Error(file + ": tensor '" + t.name + "' is not aligned to its element size");
    return g;
}

nlohmann::json read_config(const fs::path& path) {
    std::ifstream in(path);
    if (!in)
        throw Error(path.string() +
                    ": missing (a Hugging Face checkpoint directory needs config.json, tokenizer.json and "
                    "model.safetensors or its shards)");
    try {
        return nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw Error(path.string() + ": not valid JSON: " + e.what());
    }
}

std::unique_ptr<GGUFFile> open_dir(const fs::path& dir) {
    const std::string config_path = (dir / "config.json").string();
    const nlohmann::json config = read_config(config_path);
    auto storage = std::make_shared<Storage>();
    MetadataBuilder md;
    const std::string name = fs::absolute(dir).lexically_normal().filename().string();
    hf::ConfigInfo info = hf::convert_config(config, name.empty() ? dir.string() : name, config_path, md);
    storage->weights = SafetensorsWeights::open_dir(dir.string());

    for (const std::string& n : hf::required_tensors(info))
        if (!storage->weights->find(n))
            throw Error(dir.string() + ": missing tensor '" + n + "' (in none of the checkpoint's " +
                        std::to_string(storage->weights->file_count()) + " safetensors files)");
    std::vector<GGUFTensor> tensors;
    for (const SafetensorsTensor* t : storage->weights->tensors()) {
        const std::string& file = storage->weights->file_of(*t);
        const std::string gguf_name = hf::gguf_tensor_name(t->name, file);
        // A tied model uses the embedding as lm_head even if a copy was saved.
        if (gguf_name.empty() || (gguf_name == "output.weight" && info.tied_embeddings)) continue;
        tensors.push_back(gguf_tensor(*t, gguf_name, ggml_type_of(*t, file), file));
    }
    auto find = [&](const std::string& n) -> const GGUFTensor* {
        for (const GGUFTensor& t : tensors)
            if (t.name == n) return &t;
        return nullptr;
    };
    const GGUFTensor* embd = find("token_embd.weight");
    if (embd->ne.size() != 2) throw Error(dir.string() + ": model.embed_tokens.weight is not a matrix");
    hf::convert_tokenizer(dir.string(), config, embd->ne[1], md);

    if (!info.rope_factors.empty()) {  // llama.cpp's name for the frequency divisors
        storage->rope_factors = std::move(info.rope_factors);
        GGUFTensor r;
        r.name = "rope_freqs.weight";
        r.type = GGMLType::F32;
        r.ne = {(int64_t)storage->rope_factors.size()};
        r.data = reinterpret_cast<const uint8_t*>(storage->rope_factors.data());
        r.nbytes = storage->rope_factors.size() * sizeof(float);
        tensors.push_back(std::move(r));
    }
    return GGUFFile::from_parts(dir.string(), md.take(), std::move(tensors), std::move(storage));
}

}  // namespace

bool is_hf_checkpoint_path(const std::string& path) {
    return fs::is_directory(path) || fs::path(path).extension() == ".safetensors";
}

std::unique_ptr<GGUFFile> open_hf_checkpoint(const std::string& path) {
    fs::path dir(path);
    if (!fs::exists(dir)) throw Error(path + ": no such file or directory");
    if (!fs::is_directory(dir)) dir = dir.parent_path().empty() ? fs::path(".") : dir.parent_path();
    try {
        return open_dir(dir);
    } catch (const nlohmann::json::exception& e) {
        // A key of the wrong JSON type somewhere in the small JSON files.
        throw Error(dir.string() + ": unexpected content in the checkpoint's JSON files: " + e.what());
    }
}

std::unique_ptr<GGUFFile> open_model_file(const std::string& path) {
    return is_hf_checkpoint_path(path) ? open_hf_checkpoint(path) : GGUFFile::open(path);
}

}  // namespace kvzip
