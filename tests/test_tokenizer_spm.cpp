// SentencePiece-style BPE tests: merge order, ties, spaces, byte fallback and
// special tokens on a tiny hand-made vocabulary, and Gemma 3's real vocabulary
// against golden ids from Hugging Face (tests/golden/tokenizer_gemma3.golden and
// tokenizer_gemma3_chat.json, written by
// scripts/golden/make_gemma_tokenizer_goldens.py).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/gguf.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/spm_tokenizer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/unicode.h"
#include "util/error.h"

using namespace kvzip;

namespace {

using Ids = std::vector<TokenId>;
const std::string kMark = "\xE2\x96\x81";  // '▁'

// A tiny SentencePiece vocabulary laid out like Gemma's: control tokens,
// user-defined ones (a newline and two space runs stored with real spaces),
// the 256 byte tokens, then NORMAL pieces with descending scores.
struct TinySpm {
    Vocab v;
    TokenId id(const std::string& text) const {
        for (size_t i = 0; i < v.tokens.size(); ++i)
            if (v.tokens[i] == text) return static_cast<TokenId>(i);
        ADD_FAILURE() << "no token " << text;
        return -1;
    }
    TokenId byte(uint8_t b) const {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        return id(name);
    }
    void add(const std::string& text, TokenType type, float score) {
        v.tokens.push_back(text);
        v.types.push_back(type);
        v.scores.push_back(score);
    }
};

// `pieces`: NORMAL pieces, best first unless given scores say otherwise.
TinySpm tiny_spm(const std::vector<std::pair<std::string, float>>& pieces) {
    TinySpm t;
    t.v.model = "llama";
    t.v.pre = "default";
    for (const char* s : {"<pad>", "<eos>", "<bos>"}) t.add(s, TokenType::CONTROL, -1000);
    t.add("<unk>", TokenType::UNKNOWN, -1000);
    t.add("<start_of_turn>", TokenType::CONTROL, -1000);
    t.add("\n", TokenType::USER_DEFINED, -1000);
    t.add("  ", TokenType::USER_DEFINED, -1000);
    t.add("   ", TokenType::USER_DEFINED, -1000);
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        t.add(name, TokenType::BYTE, 0);
    }
    for (const auto& [text, score] : pieces) t.add(text, TokenType::NORMAL, score);
    t.v.pad = 0;
    t.v.eos = 1;
    t.v.bos = 2;
    t.v.unk = 3;
    t.v.add_bos = true;
    return t;
}

// Single characters, scored below every multi-character piece.
std::vector<std::pair<std::string, float>> with_chars(std::vector<std::pair<std::string, float>> pieces,
                                                      const std::string& chars = "abcdx<>") {
    pieces.emplace_back(kMark, -100);
    for (char c : chars) pieces.emplace_back(std::string(1, c), -101);
    return pieces;
}

std::string model_path(const char* file) {
    const std::string path = std::string(KVZIP_MODELS_DIR) + "/" + file;
    return std::filesystem::exists(path) ? path : "";
}

#define REQUIRE_GEMMA(var)                                                                            \
    const std::string var = model_path(kGemma3);                                                      \
    if (var.empty()) {                                                                                \
        if (std::getenv("KVZIP_REQUIRE_MODELS")) FAIL() << kGemma3 << " missing in " KVZIP_MODELS_DIR; \
        GTEST_SKIP() << kGemma3 << " not found in " KVZIP_MODELS_DIR " (scripts/fetch_models.sh)";     \
    }

constexpr const char* kGemma3 = "gemma-3-270m-q4_k_m.gguf";

// Loaded once: indexing 262k pieces takes a moment.
const Tokenizer& gemma(const std::string& path) {
    static const std::unique_ptr<Tokenizer> tok = [&] {
        auto f = GGUFFile::open(path);
        return Tokenizer::create(Vocab::from_gguf(*f));
    }();
    return *tok;
}

std::vector<nlohmann::json> golden_records(nlohmann::json* header = nullptr) {
    const std::string path = std::string(KVZIP_GOLDEN_DIR) + "/tokenizer_gemma3.golden";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::string line;
    std::getline(in, line);
    if (header) *header = nlohmann::json::parse(line);
    std::vector<nlohmann::json> out;
    while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line));
    return out;
}

}  // namespace

// ---------------------------------------------------------------------------
// A tiny SentencePiece vocabulary

TEST(TokenizerSpm, CreatedForLlamaModelType) {
    const auto tok = Tokenizer::create(tiny_spm(with_chars({})).v);
    EXPECT_NE(dynamic_cast<const SpmBpeTokenizer*>(tok.get()), nullptr);
}

TEST(TokenizerSpm, HighestScoreMergesFirst) {
    // "bc" outscores "ab", so "abc" is a + bc, whichever pair comes first.
    TinySpm t = tiny_spm(with_chars({{"bc", -5}, {"ab", -10}}));
    EXPECT_EQ(Tokenizer::create(t.v)->encode("abc"), (Ids{t.id("a"), t.id("bc")}));
    t = tiny_spm(with_chars({{"ab", -5}, {"bc", -10}}));
    EXPECT_EQ(Tokenizer::create(t.v)->encode("abc"), (Ids{t.id("ab"), t.id("c")}));
    // A merged symbol merges again: a + bc -> abc.
    t = tiny_spm(with_chars({{"abc", -1}, {"bc", -5}, {"ab", -10}}));
    EXPECT_EQ(Tokenizer::create(t.v)->encode("abcabc"), (Ids{t.id("abc"), t.id("abc")}));
    // Greedy, not optimal: "ab" wins first and "bcd" is never reached.
    t = tiny_spm(with_chars({{"ab", -5}, {"bc", -6}, {"bcd", -7}}));
    EXPECT_EQ(Tokenizer::create(t.v)->encode("abcd"), (Ids{t.id("ab"), t.id("c"), t.id("d")}));
}

TEST(TokenizerSpm, TiesMergeLeftmostFirst) {
    TinySpm t = tiny_spm(with_chars({{"aa", -5}}));
    auto tok = Tokenizer::create(t.v);
    const TokenId aa = t.id("aa"), a = t.id("a");
    EXPECT_EQ(tok->encode("aaa"), (Ids{aa, a}));
    EXPECT_EQ(tok->encode("aaaa"), (Ids{aa, aa}));
    // A long run costs O(n log n), and still pairs from the left.
    const Ids ids = tok->encode(std::string(100001, 'a'));
    ASSERT_EQ(ids.size(), 50001u);
    EXPECT_EQ(ids.back(), a);
    // Two different pieces with equal scores: the left pair wins.
    t = tiny_spm(with_chars({{"ab", -5}, {"bc", -5}}));
    EXPECT_EQ(Tokenizer::create(t.v)->encode("abc"), (Ids{t.id("ab"), t.id("c")}));
}

TEST(TokenizerSpm, SpacesAreMarks) {
    const TinySpm t = tiny_spm(with_chars({{kMark + "b", -5}}));
    const auto tok = Tokenizer::create(t.v);
    const Ids ids = tok->encode("a b ");
    EXPECT_EQ(ids, (Ids{t.id("a"), t.id(kMark + "b"), t.id(kMark)}));
    EXPECT_EQ(tok->decode(ids), "a b ");
    EXPECT_EQ(tok->token_to_piece(t.id(kMark + "b")), " b");
    // A literal '▁' in the text is a space too, as in SentencePiece.
    EXPECT_EQ(tok->encode(kMark + "b"), (Ids{t.id(kMark + "b")}));
}

TEST(TokenizerSpm, SpaceRunPiecesAreMergedNotMatched) {
    // The user-defined "  " and "   " are the pieces "▁▁" and "▁▁▁": reached by
    // merging, ahead of any NORMAL piece, shorter runs first (as Hugging Face's
    // conversion does), so five spaces are 2 + 3, not longest-first 3 + 2.
    const TinySpm t = tiny_spm(with_chars({{kMark + "b", -5}}));
    const auto tok = Tokenizer::create(t.v);
    const TokenId two = t.id("  "), three = t.id("   ");
    EXPECT_EQ(tok->encode("     "), (Ids{two, three}));
    EXPECT_EQ(tok->encode("a  b"), (Ids{t.id("a"), two, t.id("b")}));  // "▁▁" beats "▁b"
    EXPECT_EQ(tok->encode("a   b"), (Ids{t.id("a"), three, t.id("b")}));
    EXPECT_EQ(tok->decode({two, three}), "     ");
    const auto& spm = dynamic_cast<const SpmBpeTokenizer&>(*tok);
    EXPECT_GT(spm.merge_score(two), spm.merge_score(three));
    EXPECT_GT(spm.merge_score(three), spm.merge_score(t.id(kMark + "b")));
}

TEST(TokenizerSpm, ByteFallbackForMissingCharacters) {
    TinySpm t = tiny_spm(with_chars({}));
    auto tok = Tokenizer::create(t.v);
    // 'é' (C3 A9) and U+1F600 are not pieces: their UTF-8 bytes are.
    EXPECT_EQ(tok->encode("a\xC3\xA9" "b"), (Ids{t.id("a"), t.byte(0xC3), t.byte(0xA9), t.id("b")}));
    const Ids emoji = tok->encode("\xF0\x9F\x98\x80");
    EXPECT_EQ(emoji, (Ids{t.byte(0xF0), t.byte(0x9F), t.byte(0x98), t.byte(0x80)}));
    EXPECT_EQ(tok->decode(emoji), "\xF0\x9F\x98\x80");
    EXPECT_EQ(tok->token_to_piece(t.byte(0xF0)), "\xF0");
    // A cut character decodes to U+FFFD; ill-formed input bytes fall back alone.
    EXPECT_EQ(tok->decode({t.byte(0xF0), t.byte(0x9F), t.id("a")}), "\xEF\xBF\xBD" "a");
    EXPECT_EQ(tok->encode("\xFF" "a"), (Ids{t.byte(0xFF), t.id("a")}));
    // Byte tokens are never merge results: "<0x41>" written in text stays characters.
    const Ids literal = tok->encode("<0x41>", false, false);
    EXPECT_EQ(std::count(literal.begin(), literal.end(), t.byte(0x41)), 0);
    EXPECT_EQ(tok->decode(literal), "<0x41>");
}

TEST(TokenizerSpm, UnknownWhenByteTokensAreMissing) {
    TinySpm t = tiny_spm(with_chars({}));
    // Drop <0xE4>: U+4E2D (E4 B8 AD) can no longer fall back to bytes.
    t.v.tokens[t.byte(0xE4)] = "<not-a-byte>";
    const auto tok = Tokenizer::create(t.v);
    const std::string zhong = "\xE4\xB8\xAD";
    // One <unk> for a run of such characters (Hugging Face's fuse_unk).
    EXPECT_EQ(tok->encode("a" + zhong + zhong + "b" + zhong), (Ids{t.id("a"), 3, t.id("b"), 3}));
    EXPECT_EQ(tok->decode({t.id("a"), 3}), "a");
    EXPECT_EQ(tok->decode({t.id("a"), 3}, true), "a<unk>");
    // Without an <unk> either, the character is dropped.
    t.v.unk = -1;
    EXPECT_EQ(Tokenizer::create(t.v)->encode("a" + zhong), (Ids{t.id("a")}));
}

TEST(TokenizerSpm, SpecialTokens) {
    const TinySpm t = tiny_spm(with_chars({{"ab", -5}}));
    const auto tok = Tokenizer::create(t.v);
    const TokenId sot = t.id("<start_of_turn>"), nl = t.id("\n");
    EXPECT_EQ(tok->encode("<start_of_turn>ab\nab"), (Ids{sot, t.id("ab"), nl, t.id("ab")}));
    // Not parsed: control tokens are plain text; user-defined ones always match.
    const Ids plain = tok->encode("<start_of_turn>\n", false, false);
    EXPECT_EQ(std::count(plain.begin(), plain.end(), sot), 0);
    EXPECT_EQ(plain.back(), nl);
    EXPECT_EQ(tok->decode(plain), "<start_of_turn>\n");
    EXPECT_EQ(tok->decode({sot, t.id("ab"), nl}), "ab\n");
    EXPECT_EQ(tok->decode({sot, t.id("ab"), nl}, true), "<start_of_turn>ab\n");
    EXPECT_EQ(tok->token_to_piece(t.v.bos), "");
    EXPECT_EQ(tok->token_to_piece(t.v.bos, true), "<bos>");
    EXPECT_TRUE(tok->is_end_of_generation(t.v.eos));
}

TEST(TokenizerSpm, BosOnlyWhenTheVocabAsks) {
    TinySpm t = tiny_spm(with_chars({}));
    EXPECT_EQ(Tokenizer::create(t.v)->encode("a", true), (Ids{t.v.bos, t.id("a")}));
    EXPECT_EQ(Tokenizer::create(t.v)->encode("a", false), (Ids{t.id("a")}));
    t.v.add_bos = false;
    EXPECT_EQ(Tokenizer::create(t.v)->encode("a", true), (Ids{t.id("a")}));
}

TEST(TokenizerSpm, AddSpacePrefixAtTheStartOnly) {
    TinySpm t = tiny_spm(with_chars({{kMark + "a", -5}}));
    t.v.add_space_prefix = true;
    const auto tok = Tokenizer::create(t.v);
    const TokenId sa = t.id(kMark + "a"), a = t.id("a");
    EXPECT_EQ(tok->encode("a"), (Ids{sa}));
    EXPECT_EQ(tok->encode("a<start_of_turn>a"), (Ids{sa, t.id("<start_of_turn>"), a}));
    EXPECT_EQ(tok->encode(""), Ids{});
    // decode drops the space the prefix added.
    EXPECT_EQ(tok->decode(tok->encode("a a")), "a a");
}

// ---------------------------------------------------------------------------
// Gemma 3's real vocabulary (the Gemma forward pass is not needed: the
// vocabulary is read straight from the GGUF)

TEST(SlowModelGemmaTokenizer, Vocabulary) {
    REQUIRE_GEMMA(path);
    const Tokenizer& tok = gemma(path);
    EXPECT_EQ(tok.vocab().model, "llama");
    EXPECT_EQ(tok.n_vocab(), 262144);
    EXPECT_EQ(tok.vocab().bos, 2);
    EXPECT_EQ(tok.vocab().eos, 1);
    EXPECT_TRUE(tok.vocab().add_bos);
    EXPECT_FALSE(tok.vocab().add_space_prefix);
    EXPECT_EQ(tok.find_token("<start_of_turn>"), 105);
    EXPECT_EQ(tok.find_token("<end_of_turn>"), 106);
    EXPECT_TRUE(tok.is_end_of_generation(106));
    EXPECT_TRUE(tok.is_end_of_generation(1));
    EXPECT_FALSE(tok.is_end_of_generation(105));
    EXPECT_EQ(tok.encode("Hi", true), (Ids{2, 10979}));
}

TEST(SlowModelGemmaTokenizer, MatchesHuggingFaceGolden) {
    REQUIRE_GEMMA(path);
    const Tokenizer& tok = gemma(path);
    nlohmann::json header;
    const std::vector<nlohmann::json> records = golden_records(&header);
    size_t tokens = 0, id_mismatch = 0, roundtrip_mismatch = 0, with_special = 0, llama_cpp_differs = 0;
    for (const auto& rec : records) {
        const std::string text = rec.at("text").get<std::string>();
        const auto expected = rec.at("ids").get<Ids>();
        tokens += expected.size();
        const Ids ids = tok.encode(text);
        if (ids != expected && ++id_mismatch <= 10)
            ADD_FAILURE() << "ids differ for " << nlohmann::json(text).dump() << "\n  ours: " << nlohmann::json(ids)
                          << "\n  hf:   " << nlohmann::json(expected);
        // With BOS: the same ids after <bos>.
        Ids with_bos{2};
        with_bos.insert(with_bos.end(), expected.begin(), expected.end());
        if (ids == expected) {
            EXPECT_EQ(tok.encode(text, true), with_bos);
        }
        // "decoded" is there only where Hugging Face's decode is not the text
        // (a literal '▁' comes back as a space).
        const std::string decoded = rec.contains("decoded") ? rec.at("decoded").get<std::string>() : text;
        if (tok.decode(expected, true) != decoded && ++roundtrip_mismatch <= 10)
            ADD_FAILURE() << "decode differs for " << nlohmann::json(text).dump();
        // "ids_plain" is there only where parsing special tokens changes the ids.
        const Ids plain = rec.contains("ids_plain") ? rec.at("ids_plain").get<Ids>() : expected;
        EXPECT_EQ(tok.encode(text, false, false), plain) << "parse_special=false: " << nlohmann::json(text).dump();
        if (rec.contains("decoded_skip")) {
            ++with_special;
            EXPECT_EQ(tok.decode(expected), rec.at("decoded_skip").get<std::string>())
                << "decode without special tokens: " << nlohmann::json(text).dump();
        }
        llama_cpp_differs += rec.contains("ids_llama_cpp");
    }
    EXPECT_EQ(records.size(), header.at("count").get<size_t>());
    EXPECT_EQ(id_mismatch, 0u) << "of " << records.size() << " texts";
    EXPECT_EQ(roundtrip_mismatch, 0u) << "of " << records.size() << " texts";
    std::printf("[ golden   ] %zu texts (%zu tokens, %zu with special tokens): %zu id mismatches, %zu decode "
                "mismatches; llama.cpp differs from Hugging Face on %zu\n",
                records.size(), tokens, with_special, id_mismatch, roundtrip_mismatch, llama_cpp_differs);
}

TEST(SlowModelGemmaTokenizer, ByteFallback) {
    REQUIRE_GEMMA(path);
    const Tokenizer& tok = gemma(path);
    // U+E00B (private use, EE 80 8B) is not a Gemma piece.
    const std::string pua = "\xEE\x80\x8B";
    EXPECT_EQ(tok.find_token(pua), -1);
    const Ids ids = tok.encode("x" + pua + "y");
    ASSERT_EQ(ids.size(), 5u);
    EXPECT_EQ(ids[1], tok.find_token("<0xEE>"));
    EXPECT_EQ(ids[2], tok.find_token("<0x80>"));
    EXPECT_EQ(ids[3], tok.find_token("<0x8B>"));
    std::string streamed;
    for (TokenId id : ids) streamed += tok.token_to_piece(id);
    EXPECT_EQ(streamed, "x" + pua + "y");
    // Cut after the first byte: one U+FFFD.
    EXPECT_EQ(tok.decode({ids[0], ids[1], ids[4]}), "x\xEF\xBF\xBDy");
    // Ill-formed input keeps its bytes.
    const std::string bad = "ok \x80\xBF bad \xE4\xB8";
    std::string bytes;
    for (TokenId id : tok.encode(bad)) bytes += tok.token_to_piece(id);
    EXPECT_EQ(bytes, bad);
}

TEST(SlowModelGemmaTokenizer, ChatTemplateMatchesHuggingFace) {
    REQUIRE_GEMMA(path);
    const Tokenizer& tok = gemma(path);
    std::ifstream in(std::string(KVZIP_GOLDEN_DIR) + "/tokenizer_gemma3_chat.json");
    ASSERT_TRUE(in);
    const auto doc = nlohmann::json::parse(in);
    const ChatTemplate tmpl(ChatFormat::Gemma);
    size_t n = 0;
    for (const auto& c : doc.at("cases")) {
        std::vector<ChatMessage> messages;
        for (const auto& m : c.at("messages"))
            messages.push_back({m.at("role").get<std::string>(), m.at("content").get<std::string>()});
        const std::string text = tmpl.render(messages, c.at("add_generation_prompt").get<bool>());
        EXPECT_EQ(text, c.at("text").get<std::string>()) << c.at("conversation");
        // The rendered text carries <bos> itself.
        EXPECT_EQ(tok.encode(text, false, true), c.at("ids").get<Ids>()) << c.at("conversation");
        ++n;
    }
    EXPECT_GE(n, 2u);
}

TEST(SlowModelGemmaTokenizer, LongTextRoundTripsAndSpeed) {
    REQUIRE_GEMMA(path);
    const Tokenizer& tok = gemma(path);
    // Every golden text without a literal '▁', joined, three times: ~100k tokens.
    std::string big;
    for (const auto& rec : golden_records())
        if (!rec.contains("decoded")) big += rec.at("text").get<std::string>() + "\n";
    big = big + big + big;
    const auto t0 = std::chrono::steady_clock::now();
    const Ids ids = tok.encode(big, false, false);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_GT(ids.size(), 80000u);
    EXPECT_EQ(tok.decode(ids, true), big);
    std::printf("[ speed    ] encoded %zu bytes into %zu tokens in %.3f s (%.0f tokens/s, one thread)\n", big.size(),
                ids.size(), s, ids.size() / s);
}
