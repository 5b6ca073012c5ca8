#pragma once
// A Hugging Face tokenizer (tokenizer.json, tokenizer_config.json and
// chat_template.jinja) as the tokenizer.* GGUF metadata our Tokenizer reads.
// Only byte-level BPE is supported; its pre-tokenizer must be one of those in
// src/tokenizer/pretokenizer.cpp, anything else is refused rather than
// tokenized differently.
#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "io/metadata_builder.h"

namespace kvzip::hf {

// Reads the tokenizer files in `dir`. `config` (config.json) supplies BOS/EOS
// ids when tokenizer_config.json has none; `n_embd_rows` (the embedding's rows)
// pads the vocabulary to the model's size as llama.cpp's converter does.
void convert_tokenizer(const std::string& dir, const nlohmann::json& config, int64_t n_embd_rows,
                       MetadataBuilder& md);

// The tokenizer.ggml.pre name whose split regexes and merge rule equal those of
// tokenizer.json's pre_tokenizer and model sections; throws kvzip::Error when
// none does. Exposed for tests.
std::string pre_tokenizer_name(const nlohmann::json& tokenizer_json, const std::string& source);

}  // namespace kvzip::hf
