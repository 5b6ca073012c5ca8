#include "tokenizer/pretokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <fmt/format.h>

#include "tokenizer/unicode.h"
#include "util/error.h"

namespace kvzip {

namespace {

// The split regexes of the published tokenizer.json files (as llama.cpp's
// llama-vocab.cpp lists them per pre-tokenizer type).

// GPT-2 (ByteLevel pre-tokenizer with use_regex).
constexpr const char* kGpt2 =
    R"re('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)re";

// Llama 3 (tiktoken cl100k style): case-insensitive contractions, numbers in
// groups of up to three digits, newlines kept with the punctuation before them.
constexpr const char* kLlama3 =
    R"re((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";

// Qwen2: Llama 3's regex with single digits.
constexpr const char* kQwen2 =
    R"re((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";

// StarCoder-style vocabularies (SmolLM, SmolLM2): tokenizer.json has
// Sequence[Digits(individual_digits), ByteLevel(use_regex)], i.e. every digit
// is cut out on its own first, then the GPT-2 regex runs on what is left.
// (The vocabulary confirms it: SmolLM2 has no token with more than one digit.)
constexpr const char* kEachDigit = R"re(\p{N})re";

bool is_one_of(const std::string& s, std::initializer_list<const char*> names) {
    for (const char* n : names)
        if (s == n) return true;
    return false;
}

// PCRE2's \s in UCP mode is not Unicode's White_Space: it lacks U+0085 (NEL)
// and includes U+180E, while the Oniguruma engine of Hugging Face tokenizers
// uses White_Space. So \s and \S are spelled out as White_Space =
// U+0009..U+000D, U+0085 and the Z categories.
constexpr const char* kWhiteSpaceBody = R"re(\x{09}-\x{0D}\x{85}\p{Z})re";

std::string expand_whitespace(const std::string& pattern) {
    std::string out;
    bool in_class = false;
    for (size_t i = 0; i < pattern.size(); ++i) {
        const char c = pattern[i];
        if (c == '\\' && i + 1 < pattern.size()) {
            const char e = pattern[i + 1];
            ++i;
            if (e == 's') {
                out += in_class ? std::string(kWhiteSpaceBody) : fmt::format("[{}]", kWhiteSpaceBody);
            } else if (e == 'S') {
                if (in_class) throw Error("pre-tokenizer regex: \\S inside a character class is not supported");
                out += fmt::format("[^{}]", kWhiteSpaceBody);
            } else {
                out += c;
                out += e;
            }
            continue;
        }
        if (c == '[' && !in_class) {
            in_class = true;
        } else if (c == ']' && in_class) {
            in_class = false;
        }
        out += c;
    }
    return out;
}

}  // namespace

PreTokenizerSpec pre_tokenizer_spec(const std::string& pre) {
    if (is_one_of(pre, {"gpt-2", "gpt2", "default", "mpt", "olmo", "jais"})) return {{kGpt2}, false, true};
    if (is_one_of(pre, {"smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b"}))
        return {{kEachDigit, kGpt2}, false, true};
    if (is_one_of(pre, {"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral"}))
        return {{kLlama3}, true, true};
    if (is_one_of(pre, {"dbrx", "smaug-bpe"})) return {{kLlama3}, false, true};
    if (is_one_of(pre, {"qwen2", "deepseek-r1-qwen", "stablelm2", "megrez"})) return {{kQwen2}, false, true};
    return {{kGpt2}, false, false};
}

struct RegexSplitter::Compiled {
    pcre2_code* code = nullptr;
    ~Compiled() { pcre2_code_free(code); }
};

RegexSplitter::RegexSplitter(const std::vector<std::string>& patterns) {
    for (const std::string& p : patterns) {
        const std::string expanded = expand_whitespace(p);
        int err = 0;
        PCRE2_SIZE err_off = 0;
        // MATCH_INVALID_UTF: arbitrary bytes are allowed in the subject; an
        // ill-formed sequence simply never matches.
        pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(expanded.c_str()), expanded.size(),
                                         PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &err, &err_off, nullptr);
        if (!code) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(err, msg, sizeof msg);
            throw Error(fmt::format("pre-tokenizer regex does not compile at offset {}: {} ({})", err_off,
                                    reinterpret_cast<const char*>(msg), p));
        }
        // JIT is an optimisation only: when unavailable pcre2_match interprets.
        pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
        auto c = std::make_unique<Compiled>();
        c->code = code;
        regexes_.push_back(std::move(c));
    }
}

RegexSplitter::~RegexSplitter() = default;
RegexSplitter::RegexSplitter(RegexSplitter&&) noexcept = default;
RegexSplitter& RegexSplitter::operator=(RegexSplitter&&) noexcept = default;

void RegexSplitter::split(std::string_view text, const std::function<void(std::string_view)>& piece) const {
    if (text.empty()) return;
    if (regexes_.empty()) {
        piece(text);
        return;
    }
    // One ovector pair is enough: only the whole match is used.
    pcre2_match_data* md = pcre2_match_data_create(1, nullptr);
    if (!md) throw Error("pre-tokenizer: out of memory");
    try {
        split_level(0, text, md, piece);
    } catch (...) {
        pcre2_match_data_free(md);
        throw;
    }
    pcre2_match_data_free(md);
}

void RegexSplitter::split_level(size_t level, std::string_view text, void* match_data,
                                const std::function<void(std::string_view)>& piece) const {
    auto* md = static_cast<pcre2_match_data*>(match_data);
    const pcre2_code* code = regexes_[level]->code;
    const bool last = level + 1 == regexes_.size();
    auto emit = [&](size_t b, size_t e) {
        if (e <= b) return;
        if (last) {
            piece(text.substr(b, e - b));
        } else {
            split_level(level + 1, text.substr(b, e - b), md, piece);
        }
    };
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    size_t pos = 0, done = 0;  // done: end of the text already emitted
    while (pos < text.size()) {
        int rc = pcre2_match(code, subject, text.size(), pos, 0, md, nullptr);
        if (rc == PCRE2_ERROR_JIT_STACKLIMIT)  // very long runs can exhaust the JIT stack
            rc = pcre2_match(code, subject, text.size(), pos, PCRE2_NO_JIT, md, nullptr);
        if (rc == PCRE2_ERROR_NOMATCH) break;
        if (rc < 0) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(rc, msg, sizeof msg);
            throw Error(fmt::format("pre-tokenizer regex failed: {}", reinterpret_cast<const char*>(msg)));
        }
        const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
        const size_t b = ov[0], e = ov[1];
        if (e == b) {  // an empty match cuts nothing; step over one character
            const size_t len = unicode::utf8_sequence_length(text, b);
            pos = b + (len ? len : 1);
            continue;
        }
        emit(done, b);  // unmatched text in between is a piece of its own
        emit(b, e);
        done = pos = e;
    }
    emit(done, text.size());
}

}  // namespace kvzip
