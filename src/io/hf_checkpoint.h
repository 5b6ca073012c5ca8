#pragma once
// Opens a Hugging Face checkpoint directory (config.json, tokenizer.json,
// tokenizer_config.json, model.safetensors or sharded model-*.safetensors with
// model.safetensors.index.json) as the same GGUFFile view a GGUF model gives:
// GGUF-style metadata derived from the JSON files, and a tensor table with GGUF
// names pointing into the memory-mapped safetensors (F32, F16 and BF16 weights
// are used in place, never copied). Everything downstream (ModelConfig,
// ModelWeights, Vocab, `kvzip inspect`) then works unchanged.
#include <memory>
#include <string>

#include "io/gguf.h"

namespace kvzip {

// True for a directory or a .safetensors file (whose directory is the checkpoint).
bool is_hf_checkpoint_path(const std::string& path);

// Throws kvzip::Error naming the missing file, key or tensor, or the
// unsupported model_type, dtype or tokenizer.
std::unique_ptr<GGUFFile> open_hf_checkpoint(const std::string& path);

// A GGUF file or a Hugging Face checkpoint, whichever `path` is.
std::unique_ptr<GGUFFile> open_model_file(const std::string& path);

}  // namespace kvzip
