#include "eval/text_source.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace kvzip::eval {

Rng Rng::for_item(uint64_t seed, const std::string& name, int64_t index) {
    uint64_t h = 1469598103934665603ull;  // FNV-1a of the name
    for (unsigned char c : name) h = (h ^ c) * 1099511628211ull;
    Rng r(seed ^ (h * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)index * 0xBF58476D1CE4E5B9ull));
    r.next();  // decorrelate nearby seeds
    return r;
}

uint64_t Rng::next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

std::string pseudo_word(Rng& rng, int syllables) {
    static const char* consonants = "bcdfghjklmnprstvz";
    static const char* vowels = "aeiou";
    std::string w;
    for (int i = 0; i < syllables; ++i) {
        w += consonants[rng.below(17)];
        w += vowels[rng.below(5)];
    }
    return w;
}

std::vector<std::string> distinct_words(Rng& rng, size_t n, int syllables) {
    std::vector<std::string> out;
    while (out.size() < n) {
        std::string w = pseudo_word(rng, syllables);
        if (std::find(out.begin(), out.end(), w) == out.end()) out.push_back(std::move(w));
    }
    return out;
}

std::string uuid(Rng& rng) {
    static const char* hex = "0123456789abcdef";
    std::string s;
    for (int group : {8, 4, 4, 4, 12}) {
        if (!s.empty()) s += '-';
        for (int i = 0; i < group; ++i) s += hex[rng.below(16)];
    }
    s[14] = '4';  // version nibble, as real random UUIDs have
    return s;
}

std::string number(Rng& rng, int digits) {
    std::string s(1, (char)('1' + rng.below(9)));
    for (int i = 1; i < digits; ++i) s += (char)('0' + rng.below(10));
    return s;
}

std::vector<std::string> split_sentences(const std::string& text) {
    std::vector<std::string> out;
    std::string cur;
    bool space = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
            space = !cur.empty();
            continue;
        }
        if (space) cur += ' ';
        space = false;
        cur += c;
        const bool end = (c == '.' || c == '!' || c == '?') &&
                         (i + 1 == text.size() || text[i + 1] == ' ' || text[i + 1] == '\n');
        if (end) {
            out.push_back(cur);
            cur.clear();
        }
    }
    if (!cur.empty()) out.push_back(cur);
    return out;
}

std::vector<std::string> load_haystack(const std::string& dir) {
    namespace fs = std::filesystem;
    std::vector<std::string> sentences;
    std::error_code ec;
    if (dir.empty() || !fs::is_directory(dir, ec)) return sentences;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.is_regular_file() && e.path().extension() == ".txt") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) {
        std::ifstream in(f, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        for (std::string& s : split_sentences(ss.str())) sentences.push_back(std::move(s));
    }
    return sentences;
}

std::string synthetic_sentence(Rng& rng) {
    static const std::vector<std::string> subjects = {
        "The old farmer", "A young engineer", "The committee", "My neighbour", "The small company",
        "A travelling musician", "The city council", "Our teacher", "The research group", "A quiet student",
        "The baker", "An experienced pilot", "The local library", "A curious child", "The shipping firm"};
    static const std::vector<std::string> verbs = {
        "planned", "discussed", "repaired", "described", "questioned", "painted", "measured",
        "organised", "remembered", "postponed", "improved", "studied", "visited", "criticised"};
    static const std::vector<std::string> objects = {
        "the new bridge", "a long journey", "the annual budget", "an unusual garden", "the broken clock",
        "a set of old maps", "the morning schedule", "a difficult problem", "the river path",
        "a collection of letters", "the village market", "a better method", "the weather report"};
    static const std::vector<std::string> tails = {
        "before the winter came", "with great care", "after a long debate", "for the second time",
        "without telling anyone", "during the summer festival", "in the early evening",
        "because nobody else would", "while the others waited", "as the rain started"};
    auto pick = [&rng](const std::vector<std::string>& v) -> const std::string& { return v[rng.below(v.size())]; };
    return pick(subjects) + " " + pick(verbs) + " " + pick(objects) + " " + pick(tails) + ".";
}

const std::vector<std::string>& noise_sentences() {
    static const std::vector<std::string> s = {"The grass is green.", "The sky is blue.", "The sun is yellow.",
                                               "Here we go.", "There and back again."};
    return s;
}

}  // namespace kvzip::eval
