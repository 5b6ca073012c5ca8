#include "tokenizer/bpe_tokenizer.h"

#include <algorithm>
#include <atomic>
#include <cstdio>

#include "tokenizer/merge_queue.h"
#include "tokenizer/unicode.h"

namespace kvzip {

namespace {

void warn_unknown_pre_once(const std::string& pre) {
    static std::atomic<bool> warned{false};
    if (!warned.exchange(true))
        std::fprintf(stderr,
                     "warning: unknown pre-tokenizer '%s' (tokenizer.ggml.pre); using the GPT-2 regex, "
                     "token ids may differ from the model's reference tokenizer\n",
                     pre.c_str());
}

bool is_special_type(TokenType t) {
    return t == TokenType::CONTROL || t == TokenType::USER_DEFINED || t == TokenType::UNKNOWN;
}

}  // namespace

ByteLevelBpeTokenizer::ByteLevelBpeTokenizer(Vocab vocab)
    : Tokenizer(std::move(vocab)), splitter_(pre_tokenizer_spec(vocab_.pre).patterns), specials_(vocab_) {
    const PreTokenizerSpec spec = pre_tokenizer_spec(vocab_.pre);
    ignore_merges_ = spec.ignore_merges;
    if (!spec.known) warn_unknown_pre_once(vocab_.pre);

    for (int b = 0; b < 256; ++b) {
        std::string s;
        unicode::append_utf8(s, unicode::byte_to_codepoint(static_cast<uint8_t>(b)));
        byte_token_[b] = find_token(s);
    }
    build_merges();
    build_pieces();
}

void ByteLevelBpeTokenizer::build_merges() {
    merges_.reserve(vocab_.merges.size() * 2);
    size_t unusable = 0;
    for (size_t rank = 0; rank < vocab_.merges.size(); ++rank) {
        const std::string& m = vocab_.merges[rank];
        // Byte-level tokens never contain a raw space (it is spelled 'Ġ'), so
        // the first space separates the pair.
        const size_t sp = m.find(' ', 1);
        if (sp == std::string::npos) {
            ++unusable;
            continue;
        }
        const std::string left = m.substr(0, sp), right = m.substr(sp + 1);
        const TokenId a = find_token(left), b = find_token(right), r = find_token(left + right);
        if (a < 0 || b < 0 || r < 0) {
            ++unusable;
            continue;
        }
        merges_.emplace(pair_key(a, b), Merge{static_cast<int32_t>(rank), r});  // first (best) rank wins
    }
    if (unusable)
        std::fprintf(stderr, "warning: %zu of %zu BPE merges name tokens that are not in the vocabulary; skipped\n",
                     unusable, vocab_.merges.size());
}

void ByteLevelBpeTokenizer::build_pieces() {
    pieces_.resize(vocab_.tokens.size());
    for (size_t id = 0; id < vocab_.tokens.size(); ++id) {
        const std::string& text = vocab_.tokens[id];
        // Special tokens are written as plain text (llama.cpp does the same).
        if (is_special_type(vocab_.types[id])) {
            pieces_[id] = text;
            continue;
        }
        // A token spelled entirely in the byte alphabet stands for those bytes;
        // anything else is kept as written (Hugging Face's ByteLevel decoder).
        std::string bytes;
        bool all_bytes = true;
        for (size_t pos = 0; pos < text.size() && all_bytes;) {
            const size_t len = unicode::utf8_sequence_length(text, pos);
            const int b = len ? unicode::codepoint_to_byte(unicode::decode_utf8(text, pos, len)) : -1;
            if (b < 0) all_bytes = false;
            bytes += static_cast<char>(b);
            pos += len;
        }
        pieces_[id] = all_bytes ? std::move(bytes) : text;
    }
}

std::string ByteLevelBpeTokenizer::to_byte_alphabet(std::string_view piece) {
    std::string s;
    s.reserve(piece.size() * 2);
    for (char c : piece) unicode::append_utf8(s, unicode::byte_to_codepoint(static_cast<uint8_t>(c)));
    return s;
}

void ByteLevelBpeTokenizer::encode_text(std::string_view text, bool, std::vector<TokenId>& out) const {
    splitter_.split(text, [&](std::string_view piece) { encode_piece(piece, out); });
}

// BPE on one piece: start from one symbol per byte and repeatedly merge the
// adjacent pair with the lowest merge rank (leftmost on ties, as Hugging Face
// does). Symbols form a linked list over the byte positions and candidate
// pairs sit in a min-heap; a popped candidate whose symbols have changed since
// it was pushed is stale and dropped. O(n log n) in the piece length, so
// a long run of identical characters costs no more than ordinary text.
void ByteLevelBpeTokenizer::encode_piece(std::string_view piece, std::vector<TokenId>& out) const {
    if (ignore_merges_) {
        const TokenId whole = find_token(to_byte_alphabet(piece));
        if (whole >= 0) {
            out.push_back(whole);
            return;
        }
    }
    // Scratch space reused across calls on the same thread (encode is const and
    // may run on several threads at once).
    thread_local std::vector<MergeSymbol> sym;
    thread_local std::vector<MergeCandidate> heap;
    const auto n = static_cast<int32_t>(piece.size());
    sym.resize(n);
    for (int32_t i = 0; i < n; ++i) sym[i] = {byte_token_[static_cast<uint8_t>(piece[i])], i, 1, i - 1, i + 1};
    merge_symbols(sym, heap, [&](const MergeSymbol& l, const MergeSymbol& r) -> MergeChoice {
        if (l.id < 0 || r.id < 0) return {0, -1};
        const auto it = merges_.find(pair_key(l.id, r.id));
        if (it == merges_.end()) return {0, -1};
        return {-static_cast<double>(it->second.rank), it->second.result};  // the lowest rank first
    });
    // A byte the vocabulary has no token for (SmolLM2 lacks 21 of them, e.g.
    // 0x04 and 0xFF) is dropped, as Hugging Face's BPE does without unk_token.
    for (int32_t i = 0; i < n; i = sym[i].next)
        if (sym[i].id >= 0) out.push_back(sym[i].id);
}

std::string ByteLevelBpeTokenizer::token_to_piece(TokenId id, bool keep_special) const {
    check_id(id);
    const TokenType t = vocab_.types[id];
    if (!keep_special && (t == TokenType::CONTROL || t == TokenType::UNKNOWN)) return {};
    return pieces_[id];
}

}  // namespace kvzip
