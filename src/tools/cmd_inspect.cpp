// `kvzip inspect MODEL.gguf|HF_CHECKPOINT_DIR`: metadata and tensor table.
#include <cstdio>
#include <map>

#include "io/gguf.h"
#include "io/hf_checkpoint.h"
#include "tools/commands.h"

namespace kvzip::cli {

Runner add_inspect(CLI::App& app) {
    auto path = std::make_shared<std::string>();
    auto all = std::make_shared<bool>(false);
    app.add_option("model", *path, "GGUF file or Hugging Face checkpoint directory")->required();
    app.add_flag("--all", *all, "print every array element");
    return [=] {
        auto f = open_model_file(*path);
        if (f->version() == 0)  // not a GGUF file: the metadata is derived from the checkpoint's JSON files
            std::printf("checkpoint: %s\nHugging Face safetensors, %zu metadata keys (GGUF equivalents), %zu tensors\n\n",
                        path->c_str(), f->metadata().size(), f->tensors().size());
        else
            std::printf("file: %s\nGGUF version %u, alignment %zu, %zu metadata keys, %zu tensors\n\n", path->c_str(),
                        f->version(), f->alignment(), f->metadata().size(), f->tensors().size());
        for (const auto& [key, value] : f->metadata())
            std::printf("%-45s %s\n", key.c_str(), value.to_string(*all ? SIZE_MAX : 8).c_str());
        std::printf("\n%-40s %-6s %-22s %12s\n", "tensor", "type", "shape", "bytes");
        std::map<std::string, size_t> bytes_by_type;
        size_t total = 0;
        for (const auto& t : f->tensors()) {
            std::string shape = "[";
            for (size_t i = 0; i < t.ne.size(); ++i) shape += (i ? ", " : "") + std::to_string(t.ne[i]);
            shape += "]";
            std::printf("%-40s %-6s %-22s %12zu\n", t.name.c_str(), type_name(t.type).c_str(), shape.c_str(), t.nbytes);
            bytes_by_type[type_name(t.type)] += t.nbytes;
            total += t.nbytes;
        }
        std::printf("\ntotal tensor bytes: %zu (", total);
        bool first = true;
        for (const auto& [type, b] : bytes_by_type) {
            std::printf("%s%s %.1f MB", first ? "" : ", ", type.c_str(), b / 1e6);
            first = false;
        }
        std::printf(")\n");
        return 0;
    };
}

}  // namespace kvzip::cli
