#include "tokenizer/spm_tokenizer.h"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "tokenizer/merge_queue.h"
#include "tokenizer/unicode.h"

namespace kvzip {

namespace {

constexpr std::string_view kSpaceMark = "\xE2\x96\x81";  // U+2581 '▁', SentencePiece's space
constexpr float kNeverMerged = -std::numeric_limits<float>::infinity();

// Gemma's GGUF stores its pieces of 2..31 spaces with real spaces ("  ") and
// marks them USER_DEFINED, although SentencePiece spells them "▁▁" and reaches
// them by merging like any piece. We treat them as the pieces they are, as
// Hugging Face's GGUF conversion does (llama.cpp instead matches them in the
// raw text, longest first, which splits runs over 31 spaces differently).
bool is_space_run(const std::string& text) {
    return !text.empty() && text.find_first_not_of(' ') == std::string::npos;
}

// The byte a "<0xNN>" token stands for, or -1 for any other text.
int byte_token_value(const std::string& text) {
    auto hex = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1; };
    if (text.size() != 6 || text.compare(0, 3, "<0x") != 0 || text[5] != '>') return -1;
    const int hi = hex(text[3]), lo = hex(text[4]);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

std::string with_spaces_marked(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 8);
    for (char c : text) {
        if (c == ' ')
            out += kSpaceMark;
        else
            out += c;
    }
    return out;
}

std::string with_marks_as_spaces(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (size_t pos = 0; pos < text.size();) {
        if (text.compare(pos, kSpaceMark.size(), kSpaceMark) == 0) {
            out += ' ';
            pos += kSpaceMark.size();
        } else {
            out += text[pos++];
        }
    }
    return out;
}

}  // namespace

SpmBpeTokenizer::SpmBpeTokenizer(Vocab vocab)
    : Tokenizer(std::move(vocab)),
      specials_(vocab_, [this](TokenId id) { return is_space_run(vocab_.tokens[id]); }) {
    build_spellings();
    build_merge_scores();
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        byte_token_[b] = find_token(name);
    }
    for (int c = 0; c < 128; ++c) ascii_piece_[c] = find_piece(std::string(1, static_cast<char>(c)));
}

void SpmBpeTokenizer::build_spellings() {
    const size_t n = vocab_.tokens.size();
    spelling_.resize(n);
    pieces_.resize(n);
    for (size_t id = 0; id < n; ++id) {
        const std::string& text = vocab_.tokens[id];
        const TokenType type = vocab_.types[id];
        spelling_[id] = is_space_run(text) ? with_spaces_marked(text) : text;
        const int byte = type == TokenType::BYTE ? byte_token_value(text) : -1;
        if (byte >= 0) {
            pieces_[id] = std::string(1, static_cast<char>(byte));
        } else if (type == TokenType::CONTROL || type == TokenType::UNKNOWN) {
            pieces_[id] = text;  // written as is when kept
        } else {
            pieces_[id] = with_marks_as_spaces(text);
        }
    }
    piece_index_.build(spelling_);  // the first wins should two pieces share a spelling
}

// Which pieces merging may produce, and in what order. NORMAL pieces rank by
// their score. The space-run pieces (see is_space_run) carry a placeholder
// score (-1000) in the GGUF; they come first in the vocabulary, and Hugging
// Face's conversion, which orders Gemma's merges by vocabulary position, merges
// them before any other piece, in vocabulary order (shorter runs first): we
// rank them the same way.
// Control, user-defined, byte and unknown tokens are never merge results (a
// literal "<bos>" or "<0x41>" in unparsed text stays plain characters, as in
// Hugging Face and llama.cpp).
void SpmBpeTokenizer::build_merge_scores() {
    const size_t n = vocab_.tokens.size();
    merge_score_.assign(n, kNeverMerged);
    float best_normal = kNeverMerged;
    for (size_t id = 0; id < n; ++id) {
        if (vocab_.types[id] != TokenType::NORMAL || is_space_run(vocab_.tokens[id])) continue;
        // Without scores, earlier pieces are the more frequent ones.
        merge_score_[id] = vocab_.scores.empty() ? -static_cast<float>(id) : vocab_.scores[id];
        best_normal = std::max(best_normal, merge_score_[id]);
    }
    if (best_normal == kNeverMerged) best_normal = 0;
    std::vector<TokenId> runs;
    for (size_t id = 0; id < n; ++id)
        if (is_space_run(vocab_.tokens[id]) && vocab_.tokens[id].size() > 1) runs.push_back(static_cast<TokenId>(id));
    for (size_t k = 0; k < runs.size(); ++k) merge_score_[runs[k]] = best_normal + static_cast<float>(runs.size() - k);
}

TokenId SpmBpeTokenizer::find_piece(std::string_view spelling) const {
    return piece_index_.find(spelling);
}

// Greedy merging as SentencePiece's BPE does it: one symbol per character,
// then repeatedly the adjacent pair whose concatenation is the best-scoring
// piece becomes one symbol (leftmost first on equal scores); merge_symbols
// (merge_queue.h) does it in O(n log n) for a fragment of n characters.
void SpmBpeTokenizer::encode_fragment(std::string_view text, bool prefix_space, std::vector<TokenId>& out) const {
    // Scratch space reused across calls on the same thread (encode is const and
    // may run on several threads at once).
    thread_local std::string norm;
    thread_local std::vector<MergeSymbol> sym;  // id -1: a character with no piece (byte fallback)
    thread_local std::vector<MergeCandidate> heap;

    norm.clear();
    norm.reserve(text.size() + text.size() / 4 + 3);
    if (prefix_space) norm += kSpaceMark;
    for (char c : text) {
        if (c == ' ')
            norm += kSpaceMark;
        else
            norm += c;
    }

    sym.clear();
    for (size_t pos = 0; pos < norm.size();) {
        const auto b = static_cast<uint8_t>(norm[pos]);
        size_t len = 1;
        TokenId id;
        if (b < 0x80) {
            id = ascii_piece_[b];
        } else {
            len = unicode::utf8_sequence_length(norm, pos);
            // An ill-formed byte stands alone and falls back to its byte token.
            id = len ? find_piece(std::string_view(norm).substr(pos, len)) : -1;
            if (!len) len = 1;
        }
        const auto i = static_cast<int32_t>(sym.size());
        sym.push_back({id, static_cast<int32_t>(pos), static_cast<int32_t>(len), i - 1, i + 1});
        pos += len;
    }
    const auto n = static_cast<int32_t>(sym.size());

    merge_symbols(sym, heap, [&](const MergeSymbol& l, const MergeSymbol& r) -> MergeChoice {
        if (l.id < 0 || r.id < 0) return {0, -1};
        const TokenId merged = find_piece(std::string_view(norm).substr(l.start, l.len + r.len));
        if (merged < 0 || merge_score_[merged] == kNeverMerged) return {0, -1};
        return {merge_score_[merged], merged};
    });

    bool last_was_unk = false;
    for (int32_t i = 0; i < n; i = sym[i].next) {
        if (sym[i].id >= 0) {
            out.push_back(sym[i].id);
            last_was_unk = false;
            continue;
        }
        const std::string_view chars = std::string_view(norm).substr(sym[i].start, sym[i].len);
        bool all_bytes = true;
        for (char ch : chars) all_bytes &= byte_token_[static_cast<uint8_t>(ch)] >= 0;
        if (all_bytes) {
            for (char ch : chars) out.push_back(byte_token_[static_cast<uint8_t>(ch)]);
            last_was_unk = false;
        } else if (vocab_.unk >= 0 && !last_was_unk) {
            // No byte fallback for this character: <unk>, one for a run of them
            // (Hugging Face's fuse_unk). Without <unk> the character is dropped.
            out.push_back(vocab_.unk);
            last_was_unk = true;
        }
    }
}

std::string SpmBpeTokenizer::decode(const std::vector<TokenId>& ids, bool keep_special) const {
    std::string text = Tokenizer::decode(ids, keep_special);
    if (vocab_.add_space_prefix && !text.empty() && text[0] == ' ') text.erase(0, 1);
    return text;
}

std::string SpmBpeTokenizer::token_to_piece(TokenId id, bool keep_special) const {
    check_id(id);
    const TokenType t = vocab_.types[id];
    if (!keep_special && (t == TokenType::CONTROL || t == TokenType::UNKNOWN)) return {};
    return pieces_[id];
}

}  // namespace kvzip
