#include "io/hf_tokenizer.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tokenizer/pretokenizer.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"

namespace kvzip::hf {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

json read_json(const fs::path& path) {
    std::ifstream in(path);
    if (!in) throw Error(path.string() + ": missing (a Hugging Face checkpoint needs it)");
    try {
        return json::parse(in);
    } catch (const json::exception& e) {
        throw Error(path.string() + ": not valid JSON: " + e.what());
    }
}

// Appends the split regexes of one pre-tokenizer (recursing into a Sequence);
// sets `byte_level` when the ByteLevel step is present.
void collect_patterns(const json& pt, const std::string& source, std::vector<std::string>& patterns, bool& byte_level) {
    const std::string type = pt.value("type", std::string());
    if (type == "Sequence") {
        for (const json& p : pt.at("pretokenizers")) collect_patterns(p, source, patterns, byte_level);
    } else if (type == "Split") {
        const json& pattern = pt.at("pattern");
        if (!pattern.contains("Regex") || pt.value("behavior", std::string()) != "Isolated" || pt.value("invert", false))
            throw Error(source + ": unsupported Split pre-tokenizer " + pt.dump() +
                        " (only an isolated, non-inverted Regex split is supported)");
        patterns.push_back(pattern.at("Regex").get<std::string>());
    } else if (type == "ByteLevel") {
        if (pt.value("add_prefix_space", false))
            throw Error(source + ": ByteLevel pre-tokenizer with add_prefix_space is not supported");
        // With use_regex, ByteLevel first splits with the GPT-2 regex.
        if (pt.value("use_regex", true)) patterns.push_back(pre_tokenizer_spec("gpt2").patterns.at(0));
        byte_level = true;
    } else if (type == "Digits") {
        if (!pt.value("individual_digits", false))
            throw Error(source + ": Digits pre-tokenizer without individual_digits is not supported");
        patterns.push_back(pre_tokenizer_spec("smollm").patterns.at(0));  // one digit per piece
    } else {
        throw Error(source + ": pre-tokenizer type '" + type + "' is not supported");
    }
}

// A special token given as "text" or {"content": "text", ...}; "" if absent.
std::string token_text(const json& j, const std::string& key) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return "";
    if (it->is_string()) return it->get<std::string>();
    if (it->is_object() && it->contains("content")) return it->at("content").get<std::string>();
    return "";
}

// An id from config.json (an integer, or a list whose first entry is used).
int64_t config_id(const json& config, const std::string& key) {
    auto it = config.find(key);
    if (it == config.end()) return -1;
    if (it->is_number_integer()) return it->get<int64_t>();
    if (it->is_array() && !it->empty() && (*it)[0].is_number_integer()) return (*it)[0].get<int64_t>();
    return -1;
}

// Whether the post-processor prepends `bos` to a single sequence (Llama 3's
// TemplateProcessing, possibly inside a Sequence).
bool post_processor_adds(const json& pp, const std::string& bos) {
    if (!pp.is_object() || bos.empty()) return false;
    const std::string type = pp.value("type", std::string());
    if (type == "Sequence") {
        for (const json& p : pp.value("processors", json::array()))
            if (post_processor_adds(p, bos)) return true;
        return false;
    }
    if (type != "TemplateProcessing" || !pp.contains("single") || pp["single"].empty()) return false;
    const json& first = pp["single"][0];
    return first.contains("SpecialToken") && first["SpecialToken"].value("id", std::string()) == bos;
}

std::string chat_template(const fs::path& dir, const json& tc) {
    if (auto it = tc.find("chat_template"); it != tc.end()) {
        if (it->is_string()) return it->get<std::string>();
        if (it->is_array())  // named templates: the default one
            for (const json& t : *it)
                if (t.value("name", std::string()) == "default") return t.value("template", std::string());
    }
    std::ifstream in(dir / "chat_template.jinja", std::ios::binary);
    if (!in) return "";
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

std::string pre_tokenizer_name(const json& tj, const std::string& source) {
    std::vector<std::string> patterns;
    bool byte_level = false;
    if (tj.contains("pre_tokenizer") && !tj["pre_tokenizer"].is_null())
        collect_patterns(tj["pre_tokenizer"], source, patterns, byte_level);
    if (!byte_level) throw Error(source + ": not a byte-level BPE tokenizer (no ByteLevel pre-tokenizer)");
    const bool ignore_merges = tj.at("model").value("ignore_merges", false);
    for (const char* name : {"gpt2", "smollm", "llama-bpe", "smaug-bpe", "qwen2"}) {
        const PreTokenizerSpec spec = pre_tokenizer_spec(name);
        if (spec.patterns == patterns && spec.ignore_merges == ignore_merges) return name;
    }
    throw Error(source + ": the pre-tokenizer " + tj["pre_tokenizer"].dump().substr(0, 200) +
                " (ignore_merges " + (ignore_merges ? "true" : "false") +
                ") is not one kvzip implements (GPT-2, SmolLM, Llama 3, Qwen2 regexes)");
}

void convert_tokenizer(const std::string& dir_name, const json& config, int64_t n_embd_rows, MetadataBuilder& md) {
    const fs::path dir(dir_name);
    const std::string source = (dir / "tokenizer.json").string();
    const json tj = read_json(dir / "tokenizer.json");
    const json tc = fs::exists(dir / "tokenizer_config.json") ? read_json(dir / "tokenizer_config.json") : json::object();
    const json& model = tj.at("model");
    if (model.value("type", std::string()) != "BPE")
        throw Error(source + ": tokenizer model '" + model.value("type", std::string("?")) +
                    "' is not supported (only byte-level BPE)");
    if (model.value("byte_fallback", false))
        throw Error(source + ": SentencePiece-style BPE with byte_fallback is not supported (only byte-level BPE)");
    for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"})
        if (model.contains(key) && model[key].is_string() && !model[key].get<std::string>().empty())
            throw Error(source + ": BPE with " + key + " is not supported");
    // NFC is accepted as llama.cpp does: it only changes text not already in NFC.
    if (tj.contains("normalizer") && !tj["normalizer"].is_null() && tj["normalizer"].value("type", "") != "NFC")
        throw Error(source + ": normalizer " + tj["normalizer"].dump().substr(0, 100) + " is not supported");
    const std::string pre = pre_tokenizer_name(tj, source);

    // The vocabulary, then the added tokens (special ones are control tokens).
    std::map<int64_t, std::pair<std::string, TokenType>> by_id;
    for (const auto& [text, id] : model.at("vocab").items()) by_id[id.get<int64_t>()] = {text, TokenType::NORMAL};
    for (const json& t : tj.value("added_tokens", json::array()))
        by_id[t.at("id").get<int64_t>()] = {t.at("content").get<std::string>(),
                                            t.value("special", false) ? TokenType::CONTROL : TokenType::USER_DEFINED};
    if (by_id.empty() || by_id.begin()->first < 0) throw Error(source + ": empty vocabulary or negative token id");
    const int64_t n_tokens = by_id.rbegin()->first + 1;
    if (n_tokens > n_embd_rows)
        throw Error(source + ": the tokenizer has ids up to " + std::to_string(n_tokens - 1) +
                    " but the embedding has only " + std::to_string(n_embd_rows) + " rows");
    std::vector<std::string> tokens;
    std::vector<int32_t> types;
    std::map<std::string, int64_t> id_of;
    for (int64_t id = 0; id < n_embd_rows; ++id) {
        auto it = by_id.find(id);
        // Unused ids (holes, embedding padding) get placeholders, as in llama.cpp's converter.
        if (it == by_id.end()) {
            tokens.push_back("[PAD" + std::to_string(id) + "]");
            types.push_back((int32_t)TokenType::UNUSED);
            continue;
        }
        tokens.push_back(it->second.first);
        types.push_back((int32_t)it->second.second);
        id_of.emplace(it->second.first, id);
    }

    std::vector<std::string> merges;
    for (const json& m : model.at("merges")) {
        if (m.is_string()) merges.push_back(m.get<std::string>());
        else if (m.is_array() && m.size() == 2) merges.push_back(m[0].get<std::string>() + " " + m[1].get<std::string>());
        else throw Error(source + ": merge " + m.dump() + " is neither \"a b\" nor [\"a\", \"b\"]");
    }

    // Special ids: tokenizer_config.json names the tokens, config.json has ids.
    auto special = [&](const std::string& key, const std::string& config_key) -> int64_t {
        const std::string text = token_text(tc, key);
        if (!text.empty()) {
            auto it = id_of.find(text);
            if (it == id_of.end())
                throw Error((dir / "tokenizer_config.json").string() + ": " + key + " '" + text + "' is not a token");
            return it->second;
        }
        return config_key.empty() ? -1 : config_id(config, config_key);
    };
    const int64_t bos = special("bos_token", "bos_token_id"), eos = special("eos_token", "eos_token_id");
    const std::string bos_text = bos >= 0 && bos < n_embd_rows ? tokens[bos] : "";
    const bool add_bos = tc.contains("add_bos_token") && tc["add_bos_token"].is_boolean()
                             ? tc["add_bos_token"].get<bool>()
                             : post_processor_adds(tj.value("post_processor", json()), bos_text);

    md.set_string("tokenizer.ggml.model", "gpt2");
    md.set_string("tokenizer.ggml.pre", pre);
    md.set_strings("tokenizer.ggml.tokens", tokens);
    md.set_ints("tokenizer.ggml.token_type", types);
    md.set_strings("tokenizer.ggml.merges", merges);
    if (bos >= 0) md.set_uint("tokenizer.ggml.bos_token_id", (uint64_t)bos);
    if (eos >= 0) md.set_uint("tokenizer.ggml.eos_token_id", (uint64_t)eos);
    if (const int64_t pad = special("pad_token", ""); pad >= 0) md.set_uint("tokenizer.ggml.padding_token_id", pad);
    if (const std::string unk = model.value("unk_token", json()).is_string() ? model["unk_token"].get<std::string>() : "";
        !unk.empty() && id_of.count(unk))
        md.set_uint("tokenizer.ggml.unknown_token_id", id_of[unk]);
    md.set_bool("tokenizer.ggml.add_bos_token", add_bos);
    md.set_bool("tokenizer.ggml.add_eos_token", tc.value("add_eos_token", false));
    if (const std::string tmpl = chat_template(dir, tc); !tmpl.empty()) md.set_string("tokenizer.chat_template", tmpl);
}

}  // namespace kvzip::hf
