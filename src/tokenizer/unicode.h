#pragma once
// Small UTF-8 and GPT-2 byte-alphabet helpers shared by the tokenizers.
// Hand-written because they are a few lines each and every library that has
// them (ICU, utf8proc) would be a large dependency for this.
#include <cstdint>
#include <string>
#include <string_view>

namespace kvzip::unicode {

// Appends the UTF-8 encoding of code point `cp` (must be <= 0x10FFFF).
void append_utf8(std::string& out, uint32_t cp);

// Length in bytes of the well-formed UTF-8 sequence starting at s[pos], or 0
// if the bytes there are not a well-formed sequence (truncated, overlong,
// surrogate, > U+10FFFF, stray continuation byte).
size_t utf8_sequence_length(std::string_view s, size_t pos);

// Decodes the well-formed sequence of `len` bytes at s[pos] (see above).
uint32_t decode_utf8(std::string_view s, size_t pos, size_t len);

// Returns `s` with every ill-formed part replaced by U+FFFD, one replacement
// per maximal ill-formed subpart (the Unicode recommendation, which Python's
// errors="replace" and Rust's from_utf8_lossy follow, so decoded text matches
// Hugging Face's decode byte for byte).
std::string sanitize_utf8(std::string_view s);

// GPT-2's reversible byte <-> printable-character mapping used by byte-level
// BPE vocabularies: printable Latin-1 bytes map to themselves, the other 68
// bytes to U+0100.. in byte order (space -> U+0120 'Ġ', '\n' -> U+010A 'Ċ').
uint32_t byte_to_codepoint(uint8_t b);
// The byte a code point stands for, or -1 if it is not in the alphabet.
int codepoint_to_byte(uint32_t cp);

}  // namespace kvzip::unicode
