#pragma once
// Chat templates, chosen from the GGUF metadata. Not a Jinja engine: the
// handful of template families we support are recognised by their markers and
// rendered by hand, which is exact for them and refuses anything else clearly.
//
// All strings returned here carry BOS themselves where the format wants it
// (Llama 3, Gemma, Plain); encode them with add_bos = false and parse_special.
#include <string>
#include <vector>

namespace kvzip {

class GGUFFile;
struct Vocab;

enum class ChatFormat { ChatML, Llama3, Gemma, Plain };

struct ChatMessage {
    std::string role;     // "system", "user", "assistant"
    std::string content;
};

// The KVzip split of one QA turn (DESIGN.md 1.1), following the reference
// implementation (snu-mllab/KVzip, model/template.py):
//   prefix                        system prompt + user-turn opener + instruction
//   (context)
//   query_open + question + postfix
// where postfix closes the user turn and opens the assistant turn.
struct QATemplate {
    std::string prefix;      // text before the context (may contain special tokens)
    std::string postfix;     // assistant-turn opener, after the question
    std::string query_open;  // text between context and question (user turn continues)

    // query_open + question (surrounding whitespace stripped, as the reference's
    // query.strip()) + postfix: what the engine appends for one question.
    std::string wrap_question(const std::string& question) const;
};

class ChatTemplate {
public:
    // Detects the format from tokenizer.chat_template: "<|im_start|>" -> ChatML,
    // "<|start_header_id|>" -> Llama3, "<start_of_turn>" -> Gemma, empty -> Plain.
    // Any other template throws kvzip::Error (it would be rendered wrongly).
    // `architecture` (general.architecture) selects Qwen3's empty think block.
    static ChatTemplate from_vocab(const Vocab& vocab, const std::string& architecture);
    // bos_text: the BOS token's text; empty picks the format's usual one
    // ("<|begin_of_text|>" for Llama3, "<bos>" for Gemma, none otherwise).
    explicit ChatTemplate(ChatFormat f, std::string default_system = "", std::string bos_text = "");

    ChatFormat format() const { return format_; }
    std::string name() const;
    const std::string& default_system() const { return default_system_; }
    // Renders a conversation exactly as Hugging Face's apply_chat_template does
    // with the model's template and, if add_generation_prompt, the assistant
    // opener. Throws kvzip::Error where the template would raise (Gemma:
    // roles must alternate user/assistant after the optional system message).
    std::string render(const std::vector<ChatMessage>& messages, bool add_generation_prompt = true) const;
    // The KVzip QA split (DESIGN.md 1.1).
    QATemplate qa_template() const;
    // The text that opens an assistant turn after a user turn (postfix_ids of
    // DESIGN.md 1.2): the same string as qa_template().postfix.
    std::string assistant_opener() const;

    // Template variants, set by from_vocab.
    void set_llama31_dates(bool on) { llama31_dates_ = on; }   // "Cutting Knowledge Date" system block
    void set_empty_think(bool on) { empty_think_ = on; }       // Qwen3: "<think>\n\n</think>\n\n" after the opener

private:
    std::string render_chatml(const std::vector<ChatMessage>& messages, bool add_generation_prompt) const;
    std::string render_llama3(const std::vector<ChatMessage>& messages, bool add_generation_prompt) const;
    std::string render_gemma(const std::vector<ChatMessage>& messages, bool add_generation_prompt) const;
    std::string render_plain(const std::vector<ChatMessage>& messages, bool add_generation_prompt) const;

    ChatFormat format_;
    std::string default_system_;  // system prompt the template injects when none is given
    std::string bos_text_;
    bool llama31_dates_ = false;
    bool empty_think_ = false;
    std::string gemma_system_sep_ = "\n\n";  // between the system text and the first user turn
};

// The default system prompt a template injects when the conversation has none,
// if the template spells it as a literal right after "<|im_start|>system\n"
// (SmolLM2, Qwen2.5); "" otherwise. Exposed for tests.
std::string extract_injected_system_prompt(const std::string& jinja_source);

}  // namespace kvzip
