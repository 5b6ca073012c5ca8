#pragma once
// Raw material of the synthetic tasks, all deterministic from a seed:
// a portable random generator, pseudo-words, UUIDs, and haystack sentences
// (the essays in a folder, or a built-in synthetic prose).
#include <cstdint>
#include <string>
#include <vector>

namespace kvzip::eval {

// SplitMix64: tiny, and gives the same numbers on every platform and
// standard library (std::uniform_int_distribution does not).
class Rng {
public:
    explicit Rng(uint64_t seed) : state_(seed) {}
    // A generator for one (seed, name, index), independent of the others.
    static Rng for_item(uint64_t seed, const std::string& name, int64_t index);
    uint64_t next();
    uint64_t below(uint64_t n) { return next() % n; }  // bias < n / 2^64: negligible here
    double uniform() { return (double)(next() >> 11) * 0x1.0p-53; }  // [0, 1)
    template <class T>
    void shuffle(std::vector<T>& v) {
        for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
    }

private:
    uint64_t state_;
};

// A pronounceable lower-case pseudo-word of `syllables` consonant-vowel pairs.
std::string pseudo_word(Rng& rng, int syllables = 3);
// `n` distinct pseudo-words.
std::vector<std::string> distinct_words(Rng& rng, size_t n, int syllables = 3);
// A random version-4-shaped UUID, lower-case hex.
std::string uuid(Rng& rng);
// A decimal number of exactly `digits` digits (no leading zero).
std::string number(Rng& rng, int digits);

// Splits prose into sentences (ending in . ! or ? before white space),
// white space collapsed to single spaces.
std::vector<std::string> split_sentences(const std::string& text);

// The sentences of every *.txt file in `dir` (sorted by name); empty when the
// folder does not exist or has no text files.
std::vector<std::string> load_haystack(const std::string& dir);

// Built-in synthetic prose: varied plain sentences, for when no essays exist.
std::string synthetic_sentence(Rng& rng);

// RULER's "noise" haystack, one sentence at a time, cycling.
const std::vector<std::string>& noise_sentences();

}  // namespace kvzip::eval
