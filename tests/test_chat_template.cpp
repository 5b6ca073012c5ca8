// Chat template tests: renderings against Hugging Face apply_chat_template
// (tests/golden/tokenizer_chat_templates.json, written by
// scripts/golden/make_tokenizer_goldens.py) and the KVzip QA strings of the
// reference implementation (snu-mllab/KVzip, model/template.py).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/gguf.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"

using namespace kvzip;

namespace {

constexpr const char* kInstr =
    "Given the context, answer to the following question or request without explanation.\n\n";
constexpr const char* kSmolSystem = "You are a helpful AI assistant named SmolLM, trained by Hugging Face";

nlohmann::json chat_golden() {
    const std::string path = std::string(KVZIP_GOLDEN_DIR) + "/tokenizer_chat_templates.json";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    return nlohmann::json::parse(in);
}

// A vocabulary that carries only what from_vocab reads: the template and BOS.
Vocab template_vocab(const std::string& source, const std::string& bos) {
    Vocab v;
    v.model = "gpt2";
    v.tokens = {"<unk>"};
    if (!bos.empty()) {
        v.tokens.push_back(bos);
        v.bos = 1;
    }
    v.chat_template = source;
    return v;
}

std::vector<ChatMessage> messages_of(const nlohmann::json& j) {
    std::vector<ChatMessage> out;
    for (const auto& m : j) out.push_back({m.at("role").get<std::string>(), m.at("content").get<std::string>()});
    return out;
}

}  // namespace

TEST(ChatTemplateGolden, RendersLikeHuggingFace) {
    const nlohmann::json g = chat_golden();
    const auto& templates = g.at("templates");
    size_t n = 0;
    for (const auto& c : g.at("cases")) {
        const std::string name = c.at("template").get<std::string>();
        const auto& t = templates.at(name);
        const ChatTemplate tmpl = ChatTemplate::from_vocab(
            template_vocab(t.at("source").get<std::string>(), t.at("bos").get<std::string>()), "");
        const std::string got = tmpl.render(messages_of(c.at("messages")), c.at("add_generation_prompt").get<bool>());
        EXPECT_EQ(got, c.at("expected").get<std::string>()) << name << " / " << c.at("conversation");
        ++n;
    }
    EXPECT_EQ(n, 20u);
}

TEST(ChatTemplateGolden, DetectsEachFamily) {
    const nlohmann::json g = chat_golden();
    auto format_of = [&](const char* name) {
        const auto& t = g.at("templates").at(name);
        return ChatTemplate::from_vocab(template_vocab(t.at("source"), t.at("bos")), "").format();
    };
    EXPECT_EQ(format_of("smollm2"), ChatFormat::ChatML);
    EXPECT_EQ(format_of("qwen2.5"), ChatFormat::ChatML);
    EXPECT_EQ(format_of("llama3"), ChatFormat::Llama3);
    EXPECT_EQ(format_of("llama3.1"), ChatFormat::Llama3);
    EXPECT_EQ(format_of("gemma3"), ChatFormat::Gemma);
    EXPECT_EQ(extract_injected_system_prompt(g.at("templates").at("smollm2").at("source")), kSmolSystem);
    EXPECT_EQ(extract_injected_system_prompt(g.at("templates").at("qwen2.5").at("source")),
              "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.");
    EXPECT_EQ(extract_injected_system_prompt(g.at("templates").at("llama3.1").at("source")), "");
}

TEST(ChatTemplateDetect, EmptyIsPlainAndUnknownIsRefused) {
    EXPECT_EQ(ChatTemplate::from_vocab(template_vocab("", "<s>"), "llama").format(), ChatFormat::Plain);
    EXPECT_THROW(ChatTemplate::from_vocab(template_vocab("{% for m in messages %}[INST]{% endfor %}", ""), "llama"),
                 Error);
    // ChatML whose system block is built from a variable: no injected default.
    EXPECT_EQ(extract_injected_system_prompt("{{ '<|im_start|>system\\n' + sys + '<|im_end|>\\n' }}"), "");
}

TEST(ChatTemplateGemma, RolesMustAlternate) {
    const ChatTemplate t(ChatFormat::Gemma);
    EXPECT_THROW(t.render({{"user", "a"}, {"user", "b"}}), Error);
    EXPECT_THROW(t.render({{"assistant", "a"}}), Error);
    EXPECT_NO_THROW(t.render({{"system", "s"}, {"user", "a"}, {"assistant", "b"}}));
}

TEST(ChatTemplateSmolLM2, FromTheModel) {
    const std::string path = std::string(KVZIP_MODELS_DIR) + "/SmolLM2-135M-Instruct.Q4_1.gguf";
    if (!std::filesystem::exists(path)) {
        if (std::getenv("KVZIP_REQUIRE_MODELS")) FAIL() << path << " missing";
        GTEST_SKIP() << path << " not found (scripts/fetch_models.sh)";
    }
    auto f = GGUFFile::open(path);
    const Vocab v = Vocab::from_gguf(*f);
    const ChatTemplate t = ChatTemplate::from_vocab(v, f->get_string("general.architecture"));
    EXPECT_EQ(t.format(), ChatFormat::ChatML);
    EXPECT_EQ(t.name(), "chatml");
    EXPECT_EQ(t.default_system(), kSmolSystem);
    EXPECT_EQ(t.render({{"user", "Hi"}}),
              std::string("<|im_start|>system\n") + kSmolSystem +
                  "<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");

    // The QA prefix tokenizes with the special tokens as single ids.
    const auto tok = Tokenizer::create(v);
    const QATemplate qa = t.qa_template();
    const std::vector<TokenId> prefix = tok->encode(qa.prefix);
    EXPECT_EQ(prefix.front(), 1);  // <|im_start|>
    EXPECT_EQ(std::count(prefix.begin(), prefix.end(), 1), 2);
    EXPECT_EQ(std::count(prefix.begin(), prefix.end(), 2), 1);  // <|im_end|>
    EXPECT_EQ(tok->decode(prefix, true), qa.prefix);
    const std::vector<TokenId> postfix = tok->encode(t.assistant_opener());
    EXPECT_EQ(postfix.front(), 2);
    EXPECT_EQ(tok->decode(postfix, true), "<|im_end|>\n<|im_start|>assistant\n");
}

// The exact QA strings, per format (reference model/template.py, task "qa").
TEST(ChatTemplateQA, ChatMLWithInjectedSystem) {
    const QATemplate qa = ChatTemplate(ChatFormat::ChatML, kSmolSystem).qa_template();
    EXPECT_EQ(qa.prefix, std::string("<|im_start|>system\n") + kSmolSystem + "<|im_end|>\n<|im_start|>user\n" + kInstr);
    EXPECT_EQ(qa.query_open, "\n\n");
    EXPECT_EQ(qa.postfix, "<|im_end|>\n<|im_start|>assistant\n");
    EXPECT_EQ(qa.wrap_question("  Who wrote it? \n"),
              "\n\nWho wrote it?<|im_end|>\n<|im_start|>assistant\n");
}

TEST(ChatTemplateQA, ChatMLWithoutInjectedSystemIsTheReferenceQwenOne) {
    const QATemplate qa = ChatTemplate(ChatFormat::ChatML).qa_template();
    EXPECT_EQ(qa.prefix, std::string("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
                                     "<|im_start|>user\n") + kInstr);
    EXPECT_EQ(qa.postfix, "<|im_end|>\n<|im_start|>assistant\n");

    // Qwen3 answers in non-thinking mode: an empty think block after the opener.
    Vocab v = template_vocab("{{ '<|im_start|>' }}{% if enable_thinking %}<think>{% endif %}", "");
    const ChatTemplate qwen3 = ChatTemplate::from_vocab(v, "qwen3");
    EXPECT_EQ(qwen3.assistant_opener(), "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
    EXPECT_EQ(ChatTemplate::from_vocab(v, "qwen2").assistant_opener(), "<|im_end|>\n<|im_start|>assistant\n");
}

TEST(ChatTemplateQA, Llama3) {
    const ChatTemplate t(ChatFormat::Llama3);
    const QATemplate qa = t.qa_template();
    EXPECT_EQ(qa.prefix, std::string("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                                     "You are a helpful assistant<|eot_id|>"
                                     "<|start_header_id|>user<|end_header_id|>\n\n") + kInstr);
    EXPECT_EQ(qa.query_open, "\n\n");
    EXPECT_EQ(qa.postfix, "\n\n<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
    EXPECT_EQ(t.assistant_opener(), qa.postfix);
}

TEST(ChatTemplateQA, Gemma) {
    const QATemplate qa = ChatTemplate(ChatFormat::Gemma).qa_template();
    EXPECT_EQ(qa.prefix, std::string("<bos><start_of_turn>user\nYou are a helpful assistant.\n\n") + kInstr);
    EXPECT_EQ(qa.query_open, "\n\n");
    EXPECT_EQ(qa.postfix, "<end_of_turn>\n<start_of_turn>model\n");
}

TEST(ChatTemplateQA, PlainUsesTheVocabularyBos) {
    const ChatTemplate t = ChatTemplate::from_vocab(template_vocab("", "<|endoftext|>"), "llama");
    const QATemplate qa = t.qa_template();
    EXPECT_EQ(qa.prefix, std::string("<|endoftext|>") + kInstr);
    EXPECT_EQ(qa.query_open, "\n\n");
    EXPECT_EQ(qa.postfix, "\n\nAnswer: ");
    EXPECT_EQ(t.assistant_opener(), "\n\nAnswer: ");
    // Without a BOS token the prefix is the instruction alone.
    EXPECT_EQ(ChatTemplate(ChatFormat::Plain).qa_template().prefix, kInstr);
    EXPECT_EQ(t.render({{"user", "Q?"}}), "<|endoftext|>Q?\n\nAnswer: ");
}
