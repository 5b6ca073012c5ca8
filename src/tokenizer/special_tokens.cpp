#include "tokenizer/special_tokens.h"

#include <algorithm>

namespace kvzip {

SpecialTokenMatcher::SpecialTokenMatcher(const Vocab& vocab, const std::function<bool(TokenId)>& skip) {
    for (size_t id = 0; id < vocab.tokens.size(); ++id) {
        const TokenType t = id < vocab.types.size() ? vocab.types[id] : TokenType::NORMAL;
        const bool control = t == TokenType::CONTROL || t == TokenType::UNKNOWN;
        if (!control && t != TokenType::USER_DEFINED) continue;
        if (skip && skip(static_cast<TokenId>(id))) continue;
        const std::string& text = vocab.tokens[id];
        if (text.empty()) continue;
        by_first_byte_[static_cast<uint8_t>(text[0])].push_back({text, static_cast<TokenId>(id), control});
    }
    for (auto& bucket : by_first_byte_) {
        std::stable_sort(bucket.begin(), bucket.end(),
                         [](const Entry& a, const Entry& b) { return a.text.size() > b.text.size(); });
    }
}

std::vector<SpecialTokenMatcher::Segment> SpecialTokenMatcher::split(std::string_view text,
                                                                     bool parse_special) const {
    std::vector<Segment> out;
    size_t plain_start = 0, pos = 0;
    while (pos < text.size()) {
        const auto& bucket = by_first_byte_[static_cast<uint8_t>(text[pos])];
        const Entry* hit = nullptr;
        for (const Entry& e : bucket) {
            if (e.needs_parse_special && !parse_special) continue;
            if (text.compare(pos, e.text.size(), e.text) == 0) {
                hit = &e;
                break;
            }
        }
        if (!hit) {
            ++pos;
            continue;
        }
        if (pos > plain_start) out.push_back({text.substr(plain_start, pos - plain_start), -1});
        out.push_back({text.substr(pos, hit->text.size()), hit->id});
        pos += hit->text.size();
        plain_start = pos;
    }
    if (pos > plain_start) out.push_back({text.substr(plain_start, pos - plain_start), -1});
    return out;
}

}  // namespace kvzip
