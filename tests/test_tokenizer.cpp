// Tokenizer tests: UTF-8 helpers, pre-tokenizer regexes, BPE on a tiny
// hand-made vocabulary, and SmolLM2's real vocabulary against golden ids from
// Hugging Face (tests/golden/tokenizer_smollm2.golden, written by
// scripts/golden/make_tokenizer_goldens.py).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/gguf.h"
#include "tokenizer/pretokenizer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/unicode.h"
#include "util/error.h"

using namespace kvzip;

namespace {

std::string tok_model_path(const char* file) {
    const std::string path = std::string(KVZIP_MODELS_DIR) + "/" + file;
    return std::filesystem::exists(path) ? path : "";
}

#define TOK_REQUIRE_MODEL(var, file)                                                                \
    const std::string var = tok_model_path(file);                                                   \
    if (var.empty()) {                                                                              \
        if (std::getenv("KVZIP_REQUIRE_MODELS")) FAIL() << file << " missing in " KVZIP_MODELS_DIR; \
        GTEST_SKIP() << file << " not found in " KVZIP_MODELS_DIR " (scripts/fetch_models.sh)";     \
    }

constexpr const char* kSmolLM2 = "SmolLM2-135M-Instruct.Q4_1.gguf";

// Loaded once: building the merge table for 49k tokens takes a moment.
const Tokenizer& smollm2(const std::string& path) {
    static const std::unique_ptr<Tokenizer> tok = [&] {
        auto f = GGUFFile::open(path);
        return Tokenizer::create(Vocab::from_gguf(*f));
    }();
    return *tok;
}

std::vector<std::string> pieces(const RegexSplitter& s, const std::string& text) {
    std::vector<std::string> out;
    s.split(text, [&](std::string_view p) { out.emplace_back(p); });
    return out;
}

std::vector<std::string> pre_pieces(const std::string& pre, const std::string& text) {
    return pieces(RegexSplitter(pre_tokenizer_spec(pre).patterns), text);
}

std::string byte_char(uint8_t b) {
    std::string s;
    unicode::append_utf8(s, unicode::byte_to_codepoint(b));
    return s;
}

// A tiny byte-level vocabulary: the 256 byte characters (ids 0..255), then
// extra tokens and merges as given, then two special tokens.
struct TinyVocab {
    Vocab v;
    TokenId id(const std::string& text) const {
        for (size_t i = 0; i < v.tokens.size(); ++i)
            if (v.tokens[i] == text) return static_cast<TokenId>(i);
        return -1;
    }
};

TinyVocab tiny_vocab(const std::vector<std::string>& merges) {
    TinyVocab t;
    t.v.model = "gpt2";
    t.v.pre = "gpt-2";
    for (int b = 0; b < 256; ++b) t.v.tokens.push_back(byte_char(static_cast<uint8_t>(b)));
    for (const std::string& m : merges) {
        const size_t sp = m.find(' ');
        t.v.tokens.push_back(m.substr(0, sp) + m.substr(sp + 1));
    }
    t.v.types.assign(t.v.tokens.size(), TokenType::NORMAL);
    t.v.merges = merges;
    t.v.tokens.push_back("<|end|>");
    t.v.types.push_back(TokenType::CONTROL);
    t.v.tokens.push_back("<tool>");
    t.v.types.push_back(TokenType::USER_DEFINED);
    t.v.eos = t.id("<|end|>");
    return t;
}

}  // namespace

// ---------------------------------------------------------------------------
// UTF-8 and the byte alphabet

TEST(TokenizerUnicode, ByteAlphabetIsGpt2s) {
    EXPECT_EQ(byte_char(' '), "\xC4\xA0");   // 'Ġ' U+0120
    EXPECT_EQ(byte_char('\n'), "\xC4\x8A");  // 'Ċ' U+010A
    EXPECT_EQ(byte_char('a'), "a");
    EXPECT_EQ(byte_char(0xE9), "\xC3\xA9");  // printable Latin-1 maps to itself
    EXPECT_EQ(unicode::byte_to_codepoint(0xAD), 0x143u);  // the last of the 68 remapped bytes
    for (int b = 0; b < 256; ++b) EXPECT_EQ(unicode::codepoint_to_byte(unicode::byte_to_codepoint(b)), b);
    EXPECT_EQ(unicode::codepoint_to_byte(0x20), -1);
    EXPECT_EQ(unicode::codepoint_to_byte(0x4E2D), -1);
}

TEST(TokenizerUnicode, SanitizeReplacesMaximalIllFormedParts) {
    EXPECT_EQ(unicode::sanitize_utf8("plain ascii"), "plain ascii");
    EXPECT_EQ(unicode::sanitize_utf8("h\xC3\xA9 \xF0\x9F\x98\x80"), "h\xC3\xA9 \xF0\x9F\x98\x80");
    const std::string fffd = "\xEF\xBF\xBD";
    EXPECT_EQ(unicode::sanitize_utf8("a\xFF" "b"), "a" + fffd + "b");
    EXPECT_EQ(unicode::sanitize_utf8("\xF0\x9F\x98"), fffd);          // truncated 4-byte: one U+FFFD
    EXPECT_EQ(unicode::sanitize_utf8("\xF0\x9F" "x"), fffd + "x");
    EXPECT_EQ(unicode::sanitize_utf8("\xED\xA0\x80"), fffd + fffd + fffd);  // surrogate: three
    EXPECT_EQ(unicode::sanitize_utf8("\xC0\xAF"), fffd + fffd);       // overlong
    EXPECT_EQ(unicode::utf8_sequence_length("\xE4\xB8\xAD", 0), 3u);
    EXPECT_EQ(unicode::utf8_sequence_length("\xE4\xB8", 0), 0u);
    EXPECT_EQ(unicode::decode_utf8("\xE4\xB8\xAD", 0, 3), 0x4E2Du);
}

// ---------------------------------------------------------------------------
// Pre-tokenizer regexes

TEST(TokenizerPre, Gpt2Regex) {
    using V = std::vector<std::string>;
    EXPECT_EQ(pre_pieces("gpt-2", "Hello  world's 123!!"), (V{"Hello", " ", " world", "'s", " 123", "!!"}));
    EXPECT_EQ(pre_pieces("gpt-2", "a   "), (V{"a", "   "}));
    EXPECT_EQ(pre_pieces("gpt-2", "x\n\ny"), (V{"x", "\n", "\n", "y"}));  // \s+(?!\S) backs off one
    // U+0085 is White_Space (as in Hugging Face's Oniguruma), unlike PCRE2's own \s.
    EXPECT_EQ(pre_pieces("gpt-2", "a\xC2\x85\xC2\x85" "b"), (V{"a", "\xC2\x85", "\xC2\x85", "b"}));
}

TEST(TokenizerPre, SmolLMCutsEveryDigit) {
    using V = std::vector<std::string>;
    EXPECT_EQ(pre_pieces("smollm", "abc 123"), (V{"abc", " ", "1", "2", "3"}));
    EXPECT_EQ(pre_pieces("smollm", "a  5"), (V{"a", "  ", "5"}));
}

TEST(TokenizerPre, Llama3AndQwen2Numbers) {
    using V = std::vector<std::string>;
    EXPECT_EQ(pre_pieces("llama-bpe", "1234567 IT'S"), (V{"123", "456", "7", " IT", "'S"}));
    EXPECT_EQ(pre_pieces("llama-bpe", "end.\n\nNext"), (V{"end", ".\n\n", "Next"}));
    EXPECT_EQ(pre_pieces("qwen2", "x 42"), (V{"x", " ", "4", "2"}));
    EXPECT_TRUE(pre_tokenizer_spec("llama-bpe").ignore_merges);
    EXPECT_FALSE(pre_tokenizer_spec("qwen2").ignore_merges);
}

TEST(TokenizerPre, UnknownNameFallsBackToGpt2) {
    const PreTokenizerSpec s = pre_tokenizer_spec("no-such-pre");
    EXPECT_FALSE(s.known);
    EXPECT_EQ(s.patterns, pre_tokenizer_spec("gpt-2").patterns);
    EXPECT_TRUE(pre_tokenizer_spec("smollm").known);
}

TEST(TokenizerPre, PiecesCoverIllFormedInput) {
    const std::string text = "ok\xFF\xFE bad \xE4\xB8 end";
    std::string joined;
    for (const auto& p : pre_pieces("smollm", text)) joined += p;
    EXPECT_EQ(joined, text);
}

// ---------------------------------------------------------------------------
// BPE on a tiny vocabulary

TEST(TokenizerBpe, MergesByRank) {
    const TinyVocab t = tiny_vocab({"a b", "ab c", "b c"});
    const auto tok = Tokenizer::create(t.v);
    // "ab" (rank 0) wins over "bc" (rank 2), then "ab c" applies.
    EXPECT_EQ(tok->encode("abc"), (std::vector<TokenId>{t.id("abc")}));
    EXPECT_EQ(tok->encode("bc"), (std::vector<TokenId>{t.id("bc")}));
    EXPECT_EQ(tok->encode("cab"), (std::vector<TokenId>{'c', t.id("ab")}));
}

TEST(TokenizerBpe, EqualRanksMergeLeftmostFirst) {
    const TinyVocab t = tiny_vocab({"a a"});
    const auto tok = Tokenizer::create(t.v);
    const TokenId aa = t.id("aa");
    EXPECT_EQ(tok->encode("aaa"), (std::vector<TokenId>{aa, 'a'}));
    EXPECT_EQ(tok->encode("aaaa"), (std::vector<TokenId>{aa, aa}));
    // A long run costs O(n log n), and still pairs from the left.
    const std::vector<TokenId> ids = tok->encode(std::string(100001, 'a'));
    ASSERT_EQ(ids.size(), 50001u);
    EXPECT_EQ(ids.back(), 'a');
}

TEST(TokenizerBpe, SpacesAreByteCharacters) {
    const TinyVocab t = tiny_vocab({byte_char(' ') + " a"});
    const auto tok = Tokenizer::create(t.v);
    EXPECT_EQ(tok->encode("a a"), (std::vector<TokenId>{'a', t.id(byte_char(' ') + "a")}));
    EXPECT_EQ(tok->decode(tok->encode("a a")), "a a");
}

TEST(TokenizerBpe, SpecialTokens) {
    const TinyVocab t = tiny_vocab({"a b"});
    const auto tok = Tokenizer::create(t.v);
    const TokenId end = t.id("<|end|>"), tool = t.id("<tool>");
    EXPECT_EQ(tok->encode("ab<|end|>ab"), (std::vector<TokenId>{t.id("ab"), end, t.id("ab")}));
    // Not parsed: the control token is plain text; user-defined ones always match.
    const std::vector<TokenId> plain = tok->encode("<|end|><tool>", false, false);
    EXPECT_EQ(std::count(plain.begin(), plain.end(), end), 0);
    EXPECT_EQ(plain.back(), tool);
    EXPECT_EQ(tok->decode(plain), "<|end|><tool>");
    // Control tokens are dropped from decoded text unless asked for.
    EXPECT_EQ(tok->decode({t.id("ab"), end, tool}), "ab<tool>");
    EXPECT_EQ(tok->decode({t.id("ab"), end, tool}, true), "ab<|end|><tool>");
    EXPECT_EQ(tok->token_to_piece(end), "");
    EXPECT_EQ(tok->token_to_piece(end, true), "<|end|>");
    EXPECT_TRUE(tok->is_end_of_generation(end));
    EXPECT_FALSE(tok->is_end_of_generation(tool));
    EXPECT_EQ(tok->find_token("<tool>"), tool);
    EXPECT_EQ(tok->find_token("nope"), -1);
}

TEST(TokenizerBpe, BosOnlyWhenTheVocabAsks) {
    TinyVocab t = tiny_vocab({});
    t.v.bos = t.id("<|end|>");
    EXPECT_EQ(Tokenizer::create(t.v)->encode("a", true), (std::vector<TokenId>{'a'}));
    t.v.add_bos = true;
    const auto tok = Tokenizer::create(t.v);
    EXPECT_EQ(tok->encode("a", true), (std::vector<TokenId>{t.v.bos, 'a'}));
    EXPECT_EQ(tok->encode("a", false), (std::vector<TokenId>{'a'}));
}

TEST(TokenizerBpe, DecodeChecksIdsAndRepairsCutCharacters) {
    const auto tok = Tokenizer::create(tiny_vocab({}).v);
    EXPECT_THROW(tok->decode({-1}), Error);
    EXPECT_THROW(tok->decode({tok->n_vocab()}), Error);
    // The first two bytes of U+4E2D, then 'x': one U+FFFD.
    EXPECT_EQ(tok->decode({0xE4, 0xB8, 'x'}), "\xEF\xBF\xBDx");
    // Pieces are raw bytes, so streaming them reassembles the character.
    EXPECT_EQ(tok->token_to_piece(0xE4) + tok->token_to_piece(0xB8) + tok->token_to_piece(0xAD), "\xE4\xB8\xAD");
}

TEST(TokenizerBpe, UnknownPreWarnsAndWorks) {
    TinyVocab t = tiny_vocab({"a b"});
    t.v.pre = "some-future-pre";
    testing::internal::CaptureStderr();
    const auto tok = Tokenizer::create(t.v);
    const std::string err = testing::internal::GetCapturedStderr();
    // Once per process: an earlier test may have used the warning up.
    if (!err.empty()) {
        EXPECT_NE(err.find("some-future-pre"), std::string::npos);
    }
    EXPECT_EQ(tok->encode("ab"), (std::vector<TokenId>{t.id("ab")}));
}

TEST(TokenizerBpe, UnsupportedModelNamesIt) {
    TinyVocab t = tiny_vocab({});
    t.v.model = "t5";
    try {
        Tokenizer::create(t.v);
        FAIL() << "expected kvzip::Error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("'t5'"), std::string::npos) << e.what();
    }
}

TEST(TokenizerBpe, InconsistentVocabIsAnError) {
    TinyVocab t = tiny_vocab({});
    t.v.types.pop_back();
    EXPECT_THROW(Tokenizer::create(t.v), Error);
    t = tiny_vocab({});
    t.v.eos = 100000;
    EXPECT_THROW(Tokenizer::create(t.v), Error);
}

// ---------------------------------------------------------------------------
// SmolLM2's real vocabulary

TEST(TokenizerSmolLM2, Vocabulary) {
    TOK_REQUIRE_MODEL(path, kSmolLM2);
    const Tokenizer& tok = smollm2(path);
    EXPECT_EQ(tok.n_vocab(), 49152);
    EXPECT_EQ(tok.vocab().model, "gpt2");
    EXPECT_EQ(tok.vocab().pre, "smollm");
    EXPECT_EQ(tok.vocab().bos, 1);
    EXPECT_EQ(tok.vocab().eos, 2);
    EXPECT_FALSE(tok.vocab().add_bos);
    EXPECT_EQ(tok.find_token("<|im_start|>"), 1);
    EXPECT_EQ(tok.find_token("<|im_end|>"), 2);
    EXPECT_TRUE(tok.is_end_of_generation(2));   // <|im_end|> (EOS)
    EXPECT_TRUE(tok.is_end_of_generation(0));   // <|endoftext|>
    EXPECT_FALSE(tok.is_end_of_generation(1));  // <|im_start|>
    EXPECT_FALSE(tok.is_end_of_generation(tok.encode("Hello")[0]));
}

TEST(TokenizerSmolLM2, SpecialTokensAreSingleIds) {
    TOK_REQUIRE_MODEL(path, kSmolLM2);
    const Tokenizer& tok = smollm2(path);
    const std::vector<TokenId> ids = tok.encode("<|im_start|>user\nHi<|im_end|>\n");
    ASSERT_GE(ids.size(), 4u);
    EXPECT_EQ(ids.front(), 1);
    EXPECT_EQ(std::count(ids.begin(), ids.end(), 1), 1);
    EXPECT_EQ(std::count(ids.begin(), ids.end(), 2), 1);
    EXPECT_EQ(tok.decode(ids), "user\nHi\n");
    EXPECT_EQ(tok.decode(ids, true), "<|im_start|>user\nHi<|im_end|>\n");
    const std::vector<TokenId> plain = tok.encode("<|im_start|>", false, false);
    EXPECT_GT(plain.size(), 1u);
    EXPECT_EQ(std::count(plain.begin(), plain.end(), 1), 0);
}

TEST(TokenizerSmolLM2, StreamingPiecesJoinToText) {
    TOK_REQUIRE_MODEL(path, kSmolLM2);
    const Tokenizer& tok = smollm2(path);
    const std::string text = "emoji \xF0\x9F\x98\x80 and \xE4\xB8\xAD\xE6\x96\x87 text";
    std::string joined;
    bool partial = false;
    for (TokenId id : tok.encode(text)) {
        const std::string p = tok.token_to_piece(id);
        partial |= unicode::sanitize_utf8(p) != p;
        joined += p;
    }
    EXPECT_EQ(joined, text);
    EXPECT_TRUE(partial) << "expected some token to carry part of a character";
}

TEST(TokenizerSmolLM2, MatchesHuggingFaceGolden) {
    TOK_REQUIRE_MODEL(path, kSmolLM2);
    const Tokenizer& tok = smollm2(path);
    const std::string golden = std::string(KVZIP_GOLDEN_DIR) + "/tokenizer_smollm2.golden";
    std::ifstream in(golden);
    ASSERT_TRUE(in) << "cannot open " << golden;
    std::string line;
    ASSERT_TRUE(std::getline(in, line));
    const auto header = nlohmann::json::parse(line);
    size_t texts = 0, tokens = 0, id_mismatch = 0, roundtrip_mismatch = 0, with_special = 0;
    while (std::getline(in, line)) {
        const auto rec = nlohmann::json::parse(line);
        const std::string text = rec.at("text").get<std::string>();
        const auto expected = rec.at("ids").get<std::vector<TokenId>>();
        const std::vector<TokenId> ids = tok.encode(text);
        ++texts;
        tokens += expected.size();
        if (ids != expected && ++id_mismatch <= 10)
            ADD_FAILURE() << "ids differ for " << nlohmann::json(text).dump() << "\n  ours: " << nlohmann::json(ids)
                          << "\n  hf:   " << nlohmann::json(expected);
        // "decoded" is present only where Hugging Face's decode differs from the
        // text: bytes the vocabulary has no token for are dropped.
        const std::string decoded = rec.contains("decoded") ? rec.at("decoded").get<std::string>() : text;
        if (tok.decode(expected, true) != decoded && ++roundtrip_mismatch <= 10)
            ADD_FAILURE() << "decode(encode(x)) != x for " << nlohmann::json(text).dump();
        if (rec.contains("ids_plain")) {
            ++with_special;
            EXPECT_EQ(tok.encode(text, false, false), rec.at("ids_plain").get<std::vector<TokenId>>())
                << "parse_special=false: " << nlohmann::json(text).dump();
            EXPECT_EQ(tok.decode(expected), rec.at("decoded_skip").get<std::string>())
                << "decode without special tokens: " << nlohmann::json(text).dump();
        }
    }
    EXPECT_EQ(texts, header.at("count").get<size_t>());
    EXPECT_EQ(id_mismatch, 0u) << "of " << texts << " texts";
    EXPECT_EQ(roundtrip_mismatch, 0u) << "of " << texts << " texts";
    std::printf("[ golden   ] %zu texts (%zu tokens, %zu with special tokens): %zu id mismatches, "
                "%zu round-trip mismatches\n",
                texts, tokens, with_special, id_mismatch, roundtrip_mismatch);
}

TEST(TokenizerSmolLM2, LongTextRoundTrips) {
    TOK_REQUIRE_MODEL(path, kSmolLM2);
    const Tokenizer& tok = smollm2(path);
    // Over 100k tokens of varied text: the golden file's texts, joined, twice.
    std::ifstream in(std::string(KVZIP_GOLDEN_DIR) + "/tokenizer_smollm2.golden");
    ASSERT_TRUE(in);
    std::string line, big;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
        const auto rec = nlohmann::json::parse(line);
        if (!rec.contains("decoded")) big += rec.at("text").get<std::string>() + "\n";
    }
    big += big;
    const std::vector<TokenId> ids = tok.encode(big, false, false);
    EXPECT_GT(ids.size(), 100000u);
    EXPECT_EQ(tok.decode(ids, true), big);
}

TEST(TokenizerSmolLM2, IllFormedInputSurvives) {
    TOK_REQUIRE_MODEL(path, kSmolLM2);
    const Tokenizer& tok = smollm2(path);
    // Stray continuation bytes and a cut character: all in the byte alphabet.
    const std::string text = "ok \x80\xBF bad \xE4\xB8";
    const std::vector<TokenId> ids = tok.encode(text);
    std::string bytes;
    for (TokenId id : ids) bytes += tok.token_to_piece(id);
    EXPECT_EQ(bytes, text);
    EXPECT_EQ(tok.decode(ids), unicode::sanitize_utf8(text));
    // Bytes SmolLM2 has no token for (0xFF, 0x04) are dropped, as Hugging Face does.
    EXPECT_EQ(tok.decode(tok.encode("a\xFF\x04" "b")), "ab");
}
