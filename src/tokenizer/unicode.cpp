#include "tokenizer/unicode.h"

#include <array>

namespace kvzip::unicode {

void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

namespace {

// Number of bytes of the valid prefix of the sequence at s[pos]: equals the
// full length for a well-formed sequence; smaller when it breaks off. The
// second-byte ranges are those of the Unicode Standard, table 3-7.
struct Prefix {
    size_t valid;     // bytes that form a valid (possibly incomplete) prefix
    size_t expected;  // bytes a complete sequence with this lead byte needs
};

Prefix valid_prefix(std::string_view s, size_t pos) {
    const auto b0 = static_cast<uint8_t>(s[pos]);
    if (b0 < 0x80) return {1, 1};
    size_t need;
    uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        need = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        need = 3;
        if (b0 == 0xE0) lo = 0xA0;   // no overlongs
        if (b0 == 0xED) hi = 0x9F;   // no surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        need = 4;
        if (b0 == 0xF0) lo = 0x90;   // no overlongs
        if (b0 == 0xF4) hi = 0x8F;   // nothing above U+10FFFF
    } else {
        return {0, 1};  // continuation byte or invalid lead byte
    }
    size_t i = 1;
    for (; i < need && pos + i < s.size(); ++i) {
        const auto b = static_cast<uint8_t>(s[pos + i]);
        const uint8_t l = (i == 1) ? lo : 0x80, h = (i == 1) ? hi : 0xBF;
        if (b < l || b > h) break;
    }
    return {i, need};
}

}  // namespace

size_t utf8_sequence_length(std::string_view s, size_t pos) {
    if (pos >= s.size()) return 0;
    const Prefix p = valid_prefix(s, pos);
    return p.valid == p.expected ? p.valid : 0;
}

uint32_t decode_utf8(std::string_view s, size_t pos, size_t len) {
    const auto b0 = static_cast<uint8_t>(s[pos]);
    if (len == 1) return b0;
    uint32_t cp = b0 & (0x7F >> len);
    for (size_t i = 1; i < len; ++i) cp = (cp << 6) | (static_cast<uint8_t>(s[pos + i]) & 0x3F);
    return cp;
}

std::string sanitize_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    size_t pos = 0;
    while (pos < s.size()) {
        const Prefix p = valid_prefix(s, pos);
        if (p.valid == p.expected) {
            out.append(s.data() + pos, p.valid);
            pos += p.valid;
        } else {
            out += "\xEF\xBF\xBD";  // U+FFFD for the maximal ill-formed subpart
            pos += p.valid == 0 ? 1 : p.valid;
        }
    }
    return out;
}

namespace {

struct ByteAlphabet {
    std::array<uint32_t, 256> to_cp{};
    std::array<int16_t, 324> to_byte{};  // the alphabet's largest code point is U+0143

    ByteAlphabet() {
        to_byte.fill(-1);
        uint32_t next = 256;
        for (int b = 0; b < 256; ++b) {
            const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            to_cp[b] = printable ? static_cast<uint32_t>(b) : next++;
            to_byte[to_cp[b]] = static_cast<int16_t>(b);
        }
    }
};

const ByteAlphabet& alphabet() {
    static const ByteAlphabet a;
    return a;
}

}  // namespace

uint32_t byte_to_codepoint(uint8_t b) { return alphabet().to_cp[b]; }

int codepoint_to_byte(uint32_t cp) {
    const auto& a = alphabet();
    return cp < a.to_byte.size() ? a.to_byte[cp] : -1;
}

}  // namespace kvzip::unicode
