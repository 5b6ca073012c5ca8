#include "tokenizer/tokenizer.h"

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

#include "io/gguf.h"
#include "tokenizer/bpe_tokenizer.h"
#include "tokenizer/special_tokens.h"
#include "tokenizer/spm_tokenizer.h"
#include "tokenizer/unicode.h"
#include "util/error.h"

namespace kvzip {

namespace {

TokenId read_id(const GGUFFile& f, const std::string& key) {
    return static_cast<TokenId>(f.get_int(key, -1));
}

}  // namespace

Vocab Vocab::from_gguf(const GGUFFile& f) {
    Vocab v;
    v.model = f.get_string("tokenizer.ggml.model");
    v.pre = f.get_string("tokenizer.ggml.pre", "default");
    v.tokens = f.get_string_array("tokenizer.ggml.tokens");
    if (f.find("tokenizer.ggml.token_type")) {
        for (int64_t t : f.get_int_array("tokenizer.ggml.token_type")) v.types.push_back(static_cast<TokenType>(t));
    }
    if (f.find("tokenizer.ggml.scores")) {
        for (double s : f.get_float_array("tokenizer.ggml.scores")) v.scores.push_back(static_cast<float>(s));
    }
    if (f.find("tokenizer.ggml.merges")) v.merges = f.get_string_array("tokenizer.ggml.merges");
    v.bos = read_id(f, "tokenizer.ggml.bos_token_id");
    v.eos = read_id(f, "tokenizer.ggml.eos_token_id");
    v.eot = read_id(f, "tokenizer.ggml.eot_token_id");
    v.unk = read_id(f, "tokenizer.ggml.unknown_token_id");
    v.pad = read_id(f, "tokenizer.ggml.padding_token_id");
    // llama.cpp's defaults when the keys are absent: SentencePiece vocabularies
    // add BOS and a leading space, byte-level ones do neither.
    const bool spm = v.model == "llama";
    v.add_bos = f.get_bool("tokenizer.ggml.add_bos_token", spm);
    v.add_eos = f.get_bool("tokenizer.ggml.add_eos_token", false);
    v.add_space_prefix = f.get_bool("tokenizer.ggml.add_space_prefix", spm);
    v.chat_template = f.get_string("tokenizer.chat_template", "");
    v.validate(f.path());
    return v;
}

void Vocab::validate(const std::string& source) {
    const size_t n = tokens.size();
    if (n == 0) throw Error(fmt::format("{}: tokenizer.ggml.tokens is empty", source));
    if (types.empty()) types.assign(n, TokenType::NORMAL);
    if (types.size() != n)
        throw Error(fmt::format("{}: tokenizer.ggml.token_type has {} entries, expected {} (one per token)", source,
                                types.size(), n));
    if (!scores.empty() && scores.size() != n)
        throw Error(fmt::format("{}: tokenizer.ggml.scores has {} entries, expected {} (one per token)", source,
                                scores.size(), n));
    auto check = [&](TokenId& id, const char* key, bool required_valid) {
        if (id >= -1 && id < static_cast<TokenId>(n)) return;
        if (required_valid)
            throw Error(fmt::format("{}: tokenizer.ggml.{} = {} is outside the vocabulary (0..{})", source, key, id,
                                    n - 1));
        // A stray padding/unknown id must not stop a model that never uses it.
        std::fprintf(stderr, "warning: %s: tokenizer.ggml.%s = %d is outside the vocabulary; ignored\n",
                     source.c_str(), key, id);
        id = -1;
    };
    check(bos, "bos_token_id", true);
    check(eos, "eos_token_id", true);
    check(eot, "eot_token_id", true);
    check(unk, "unknown_token_id", false);
    check(pad, "padding_token_id", false);
}

std::unique_ptr<Tokenizer> Tokenizer::create(Vocab vocab) {
    vocab.validate();
    if (vocab.model == "gpt2") return std::make_unique<ByteLevelBpeTokenizer>(std::move(vocab));
    if (vocab.model == "llama") return std::make_unique<SpmBpeTokenizer>(std::move(vocab));
    throw Error(fmt::format("unsupported tokenizer model '{}' (tokenizer.ggml.model); supported: gpt2, llama",
                            vocab.model));
}

Tokenizer::Tokenizer(Vocab v) : vocab_(std::move(v)) {
    token_index_.reserve(vocab_.tokens.size());
    // First occurrence wins should a vocabulary repeat a string.
    for (size_t i = 0; i < vocab_.tokens.size(); ++i) token_index_.emplace(vocab_.tokens[i], static_cast<TokenId>(i));

    // End-of-turn markers of the chat formats we know, as llama.cpp collects
    // them: a model may stop on any of them even if its EOS is another one.
    for (TokenId id : {vocab_.eos, vocab_.eot})
        if (id >= 0) end_of_generation_.push_back(id);
    for (const char* text : {"<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<end_of_turn>", "<|endoftext|>",
                             "<|end_of_text|>", "<|end|>", "<EOT>", "<|end_of_turn|>"}) {
        const TokenId id = find_token(text);
        if (id >= 0) end_of_generation_.push_back(id);
    }
    std::sort(end_of_generation_.begin(), end_of_generation_.end());
    end_of_generation_.erase(std::unique(end_of_generation_.begin(), end_of_generation_.end()),
                             end_of_generation_.end());
}

void Tokenizer::check_id(TokenId id) const {
    if (id < 0 || id >= n_vocab())
        throw Error(fmt::format("token id {} is outside the vocabulary (0..{})", id, n_vocab() - 1));
}

std::vector<TokenId> Tokenizer::encode(const std::string& text, bool add_bos, bool parse_special) const {
    std::vector<TokenId> out;
    out.reserve(text.size() / 3 + 2);
    if (add_bos && vocab_.add_bos && vocab_.bos >= 0) out.push_back(vocab_.bos);
    for (const auto& seg : special_tokens().split(text, parse_special)) {
        if (seg.id >= 0)
            out.push_back(seg.id);
        else
            encode_text(seg.text, seg.text.data() == text.data(), out);
    }
    return out;
}

std::string Tokenizer::decode(const std::vector<TokenId>& ids, bool keep_special) const {
    std::string bytes;
    for (TokenId id : ids) bytes += token_to_piece(id, keep_special);
    return unicode::sanitize_utf8(bytes);
}

bool Tokenizer::is_end_of_generation(TokenId id) const {
    return std::binary_search(end_of_generation_.begin(), end_of_generation_.end(), id);
}

TokenId Tokenizer::find_token(const std::string& text) const {
    const auto it = token_index_.find(text);
    return it == token_index_.end() ? -1 : it->second;
}

}  // namespace kvzip
