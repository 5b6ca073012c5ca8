#include "tokenizer/chat_template.h"

#include <fmt/format.h>

#include "tokenizer/tokenizer.h"
#include "util/error.h"

namespace kvzip {

namespace {

// KVzip's QA instruction (reference: model/template.py, task "qa").
constexpr const char* kInstruction =
    "Given the context, answer to the following question or request without explanation.\n\n";
// The reference writes each question as f"\n\n{query.strip()}" + postfix.
constexpr const char* kQueryOpen = "\n\n";

// What the reference uses where the template injects no system prompt itself.
constexpr const char* kChatMLSystem = "You are a helpful assistant.";  // its Qwen entry
constexpr const char* kLlama3System = "You are a helpful assistant";   // its Llama entry (no period)
constexpr const char* kGemmaSystem = "You are a helpful assistant.";   // its Gemma 3 entry

// Qwen3's non-thinking answer opener (reference: postfix for "qwen3-").
constexpr const char* kEmptyThink = "<think>\n\n</think>\n\n";

// Llama 3.1+ templates always open with this system block. The date is
// today's date in templates that can call strftime_now (Llama 3.2) and this
// fixed one otherwise; we always use the fixed one so that prompts (and their
// KV caches) do not change from day to day.
constexpr const char* kLlama31Dates = "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n";

// Jinja's `trim` (Python's str.strip()) restricted to ASCII whitespace.
std::string trim(const std::string& s) {
    const char* ws = " \t\n\r\f\v";
    const size_t b = s.find_first_not_of(ws);
    if (b == std::string::npos) return {};
    const size_t e = s.find_last_not_of(ws);
    return s.substr(b, e - b + 1);
}

// Undoes the escapes a Jinja string literal may contain.
std::string unescape_jinja_literal(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) {
            const char e = s[++i];
            out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
        } else {
            out += s[i];
        }
    }
    return out;
}

// True if `s` could be the inside of one Jinja string literal: no unescaped
// quote and no template syntax.
bool is_plain_literal(const std::string& s) {
    if (s.find("{{") != std::string::npos || s.find("{%") != std::string::npos) return false;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\') {
            ++i;
        } else if (s[i] == '\'' || s[i] == '"') {
            return false;
        }
    }
    return true;
}

// Gemma 3 templates glue the system message onto the first user turn with
// "\n\n" (most) or "\n" (some releases); read which from the source.
std::string gemma_system_separator(const std::string& src) {
    const std::string marker = "first_user_prefix = messages[0]['content'] + ";
    const size_t at = src.find(marker);
    if (at == std::string::npos) return "\n\n";
    const size_t q = at + marker.size();
    if (q >= src.size() || (src[q] != '\'' && src[q] != '"')) return "\n\n";
    const size_t end = src.find(src[q], q + 1);
    if (end == std::string::npos) return "\n\n";
    return unescape_jinja_literal(src.substr(q + 1, end - q - 1));
}

}  // namespace

std::string QATemplate::wrap_question(const std::string& question) const {
    return query_open + trim(question) + postfix;
}

std::string extract_injected_system_prompt(const std::string& src) {
    const std::string marker = "<|im_start|>system";
    for (size_t pos = src.find(marker); pos != std::string::npos; pos = src.find(marker, pos + 1)) {
        size_t p = pos + marker.size();
        // The newline may be a real one or the two characters \n of the literal.
        if (p < src.size() && src[p] == '\n') {
            p += 1;
        } else if (src.compare(p, 2, "\\n") == 0) {
            p += 2;
        } else {
            continue;
        }
        const size_t end = src.find("<|im_end|>", p);
        if (end == std::string::npos) break;
        const std::string lit = src.substr(p, end - p);
        if (!lit.empty() && is_plain_literal(lit)) return unescape_jinja_literal(lit);
    }
    return {};
}

ChatTemplate::ChatTemplate(ChatFormat f, std::string default_system, std::string bos_text)
    : format_(f), default_system_(std::move(default_system)), bos_text_(std::move(bos_text)) {
    if (bos_text_.empty()) {
        if (f == ChatFormat::Llama3) bos_text_ = "<|begin_of_text|>";
        if (f == ChatFormat::Gemma) bos_text_ = "<bos>";
    }
}

ChatTemplate ChatTemplate::from_vocab(const Vocab& vocab, const std::string& architecture) {
    const std::string& src = vocab.chat_template;
    const bool has_bos = vocab.bos >= 0 && vocab.bos < static_cast<TokenId>(vocab.tokens.size());
    const std::string bos = has_bos ? vocab.tokens[vocab.bos] : "";
    if (src.empty()) return ChatTemplate(ChatFormat::Plain, "", bos);
    if (src.find("<|im_start|>") != std::string::npos) {
        ChatTemplate t(ChatFormat::ChatML, extract_injected_system_prompt(src));
        t.set_empty_think(architecture.rfind("qwen3", 0) == 0);
        return t;
    }
    if (src.find("<|start_header_id|>") != std::string::npos) {
        ChatTemplate t(ChatFormat::Llama3, "", bos);
        t.set_llama31_dates(src.find("Cutting Knowledge Date") != std::string::npos);
        return t;
    }
    if (src.find("<start_of_turn>") != std::string::npos) {
        ChatTemplate t(ChatFormat::Gemma, "", bos);
        t.gemma_system_sep_ = gemma_system_separator(src);
        return t;
    }
    throw Error(fmt::format(
        "unsupported chat template in tokenizer.chat_template{}: only ChatML, Llama 3 and Gemma templates are "
        "recognised (it starts with \"{}\")",
        architecture.empty() ? "" : " (architecture " + architecture + ")", src.substr(0, 60)));
}

std::string ChatTemplate::name() const {
    switch (format_) {
        case ChatFormat::ChatML: return "chatml";
        case ChatFormat::Llama3: return "llama3";
        case ChatFormat::Gemma: return "gemma";
        case ChatFormat::Plain: return "plain";
    }
    return "?";
}

std::string ChatTemplate::render(const std::vector<ChatMessage>& messages, bool add_generation_prompt) const {
    switch (format_) {
        case ChatFormat::ChatML: return render_chatml(messages, add_generation_prompt);
        case ChatFormat::Llama3: return render_llama3(messages, add_generation_prompt);
        case ChatFormat::Gemma: return render_gemma(messages, add_generation_prompt);
        case ChatFormat::Plain: return render_plain(messages, add_generation_prompt);
    }
    return {};
}

// SmolLM2 / Qwen2.5:
//   [<|im_start|>system\n{default}<|im_end|>\n   if the first message is not a system one]
//   <|im_start|>{role}\n{content}<|im_end|>\n    per message, content verbatim
//   <|im_start|>assistant\n                      generation prompt
std::string ChatTemplate::render_chatml(const std::vector<ChatMessage>& messages, bool gen) const {
    std::string out;
    for (size_t i = 0; i < messages.size(); ++i) {
        const ChatMessage& m = messages[i];
        if (i == 0 && m.role != "system" && !default_system_.empty())
            out += "<|im_start|>system\n" + default_system_ + "<|im_end|>\n";
        out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
    }
    if (gen) out += "<|im_start|>assistant\n";
    return out;
}

// Llama 3:   <|begin_of_text|> then per message
//   <|start_header_id|>{role}<|end_header_id|>\n\n{content|trim}<|eot_id|>
// Llama 3.1+ first emits a system block that always exists:
//   <|start_header_id|>system<|end_header_id|>\n\n{dates}{system|trim}<|eot_id|>
// Generation prompt: <|start_header_id|>assistant<|end_header_id|>\n\n
std::string ChatTemplate::render_llama3(const std::vector<ChatMessage>& messages, bool gen) const {
    std::string out;
    size_t first = 0;
    if (llama31_dates_) {
        std::string system;
        if (!messages.empty() && messages[0].role == "system") {
            system = trim(messages[0].content);
            first = 1;
        }
        out += bos_text_ + "<|start_header_id|>system<|end_header_id|>\n\n" + kLlama31Dates + system + "<|eot_id|>";
    } else if (!messages.empty()) {
        out += bos_text_;  // Llama 3.0 puts BOS before the first message only
    }
    for (size_t i = first; i < messages.size(); ++i)
        out += "<|start_header_id|>" + messages[i].role + "<|end_header_id|>\n\n" + trim(messages[i].content) +
               "<|eot_id|>";
    if (gen) out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
    return out;
}

// Gemma 3:   <bos> then per user/assistant message
//   <start_of_turn>{user|model}\n{system + sep, first turn only}{content|trim}<end_of_turn>\n
// Generation prompt: <start_of_turn>model\n
std::string ChatTemplate::render_gemma(const std::vector<ChatMessage>& messages, bool gen) const {
    std::string out = bos_text_;
    std::string first_prefix;
    size_t first = 0;
    if (!messages.empty() && messages[0].role == "system") {
        first_prefix = messages[0].content + gemma_system_sep_;
        first = 1;
    }
    for (size_t i = first; i < messages.size(); ++i) {
        const ChatMessage& m = messages[i];
        const bool expect_user = (i - first) % 2 == 0;
        if ((m.role == "user") != expect_user)
            throw Error("gemma chat template: conversation roles must alternate user/assistant/user/assistant/...");
        const std::string role = m.role == "assistant" ? "model" : m.role;
        out += "<start_of_turn>" + role + "\n" + (i == first ? first_prefix : "") + trim(m.content) +
               "<end_of_turn>\n";
    }
    if (gen) out += "<start_of_turn>model\n";
    return out;
}

// Base models have no template; this is our own convention, consistent with
// the Plain QA template: BOS, the messages' contents separated by blank lines,
// and the QA answer cue as the generation prompt.
std::string ChatTemplate::render_plain(const std::vector<ChatMessage>& messages, bool gen) const {
    std::string out = bos_text_;
    for (size_t i = 0; i < messages.size(); ++i) {
        if (i) out += "\n\n";
        out += messages[i].content;
    }
    if (gen) out += assistant_opener();
    return out;
}

// The exact strings (reference model/template.py; INSTR = kInstruction):
//   ChatML  prefix  "<|im_start|>system\n{sys}<|im_end|>\n<|im_start|>user\n" INSTR
//           postfix "<|im_end|>\n<|im_start|>assistant\n" (+ "<think>\n\n</think>\n\n" for Qwen3)
//           {sys} = the template's injected default (SmolLM2: "You are a helpful AI
//           assistant named SmolLM, trained by Hugging Face"), else "You are a helpful assistant."
//   Llama3  prefix  "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
//                   "You are a helpful assistant<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n" INSTR
//           postfix "\n\n<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
//   Gemma   prefix  "<bos><start_of_turn>user\nYou are a helpful assistant.\n\n" INSTR
//           postfix "<end_of_turn>\n<start_of_turn>model\n"
//   Plain   prefix  BOS INSTR   (the reference writes "<|begin_of_text|>"; we use the vocabulary's BOS)
//           postfix "\n\nAnswer: "
// query_open is "\n\n" for all of them.
QATemplate ChatTemplate::qa_template() const {
    QATemplate t;
    t.query_open = kQueryOpen;
    switch (format_) {
        case ChatFormat::ChatML: {
            const std::string& sys = default_system_.empty() ? std::string(kChatMLSystem) : default_system_;
            t.prefix = "<|im_start|>system\n" + sys + "<|im_end|>\n<|im_start|>user\n" + kInstruction;
            t.postfix = std::string("<|im_end|>\n<|im_start|>assistant\n") + (empty_think_ ? kEmptyThink : "");
            break;
        }
        case ChatFormat::Llama3:
            t.prefix = bos_text_ + "<|start_header_id|>system<|end_header_id|>\n\n" + kLlama3System +
                       "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n" + kInstruction;
            t.postfix = "\n\n<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
            break;
        case ChatFormat::Gemma:
            t.prefix = bos_text_ + "<start_of_turn>user\n" + kGemmaSystem + "\n\n" + kInstruction;
            t.postfix = "<end_of_turn>\n<start_of_turn>model\n";
            break;
        case ChatFormat::Plain:
            t.prefix = bos_text_ + kInstruction;
            t.postfix = "\n\nAnswer: ";
            break;
    }
    return t;
}

std::string ChatTemplate::assistant_opener() const { return qa_template().postfix; }

}  // namespace kvzip
