#include "eval/tasks.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "util/error.h"

namespace kvzip::eval {

namespace {

const char* kNumbersPreamble =
    "Some special magic numbers are hidden within the following text. Make sure to memorize it. I will quiz you "
    "about the numbers afterwards.";

std::string magic_needle(const std::string& key, const std::string& value) {
    return "One of the special magic numbers for " + key + " is: " + value + ".";
}

std::string key_name(Rng& rng) { return pseudo_word(rng, 2) + "-" + pseudo_word(rng, 3); }

Question ask(std::string text, std::vector<std::string> items, std::string answer_prefix) {
    return Question{std::move(text), Answer{std::move(items), Answer::Kind::AllOf}, std::move(answer_prefix)};
}

std::string upper_name(Rng& rng) {
    std::string s;
    for (int i = 0; i < 5; ++i) s += (char)('A' + rng.below(26));
    return s;
}

}  // namespace

TaskGenerator::TaskGenerator(TaskOptions options) : o_(std::move(options)) {
    if (!o_.count_tokens) throw Error("task generation needs a token counter");
    if (o_.ctx_tokens < 64) throw Error("--ctx-len must be at least 64 tokens, got " + std::to_string(o_.ctx_tokens));
    essays_ = load_haystack(o_.haystack_dir);
}

const std::vector<std::string>& TaskGenerator::task_names() {
    static const std::vector<std::string> names = {"niah",           "passkey",          "ruler-single",
                                                   "ruler-multikey", "ruler-multivalue", "ruler-multiquery",
                                                   "ruler-vt",       "ruler-cwe",        "ruler-fwe",
                                                   "kv-retrieval"};
    return names;
}

bool TaskGenerator::is_task(const std::string& name) {
    const auto& n = task_names();
    return std::find(n.begin(), n.end(), name) != n.end();
}

Example TaskGenerator::make(const std::string& task, int64_t index, int64_t n) const {
    Rng rng = Rng::for_item(o_.seed, task, index);
    Example e;
    if (task == "niah" || task.rfind("ruler-single", 0) == 0 || task.rfind("ruler-multi", 0) == 0)
        e = niah_family(task, index, n, rng);
    else if (task == "passkey")
        e = passkey(rng);
    else if (task == "ruler-vt")
        e = variable_tracking(rng);
    else if (task == "ruler-cwe")
        e = common_words(rng);
    else if (task == "ruler-fwe")
        e = frequent_words(rng);
    else if (task == "kv-retrieval")
        e = kv_retrieval(rng);
    else
        throw Error("unknown task '" + task + "'");
    e.task = task;
    e.index = index;
    return e;
}

std::string TaskGenerator::fill(const std::string& preamble, const std::vector<Needle>& needles,
                                const std::function<std::string()>& next) const {
    // Token counts of space-separated sentences add up (the pre-tokenizer
    // splits at spaces), so counting each piece once is enough to hit the target.
    int64_t used = o_.count_tokens(preamble + "\n");
    for (const Needle& nd : needles) used += o_.count_tokens(" " + nd.text);
    std::vector<std::string> filler;
    for (;;) {
        std::string s = next();
        const int64_t c = o_.count_tokens(" " + s);
        if (used + c / 2 > o_.ctx_tokens) break;  // nearest to the target
        used += c;
        filler.push_back(std::move(s));
    }
    // Each needle goes before the filler sentence at its depth (stable for equal slots).
    std::vector<std::pair<size_t, size_t>> slots;  // (slot, needle)
    for (size_t i = 0; i < needles.size(); ++i)
        slots.emplace_back((size_t)std::llround(std::clamp(needles[i].depth, 0.0, 1.0) * (double)filler.size()), i);
    std::stable_sort(slots.begin(), slots.end(), [](auto& a, auto& b) { return a.first < b.first; });
    std::string out = preamble.empty() ? "" : preamble + "\n";
    bool first = true;
    auto put = [&](const std::string& s) {
        if (!first) out += ' ';
        out += s;
        first = false;
    };
    size_t k = 0;
    for (size_t i = 0; i <= filler.size(); ++i) {
        while (k < slots.size() && slots[k].first == i) put(needles[slots[k++].second].text);
        if (i < filler.size()) put(filler[i]);
    }
    return out;
}

std::function<std::string()> TaskGenerator::essay_filler(Rng& rng) const {
    if (essays_.empty()) {
        // Synthetic prose from its own generator, so the needles' draws stay the same.
        auto r = std::make_shared<Rng>(rng.next());
        return [r] { return synthetic_sentence(*r); };
    }
    auto at = std::make_shared<size_t>(rng.below(essays_.size()));
    return [this, at] {
        const std::string& s = essays_[*at];
        *at = (*at + 1) % essays_.size();
        return s;
    };
}

std::function<std::string()> TaskGenerator::noise_filler() {
    auto at = std::make_shared<size_t>(0);
    return [at] {
        const auto& n = noise_sentences();
        return n[(*at)++ % n.size()];
    };
}

Example TaskGenerator::niah_family(const std::string& task, int64_t index, int64_t n, Rng& rng) const {
    Example e;
    const bool noise = task == "ruler-single";
    const int n_needles = task == "niah" || task == "ruler-single" ? 1 : 4;
    std::vector<std::string> keys, values;
    for (int i = 0; i < n_needles; ++i) {
        std::string k = key_name(rng);
        while (std::find(keys.begin(), keys.end(), k) != keys.end()) k = key_name(rng);
        keys.push_back(task == "ruler-multivalue" && i > 0 ? keys[0] : k);
        values.push_back(number(rng, 7));
    }
    std::vector<Needle> needles;
    for (int i = 0; i < n_needles; ++i) {
        const double depth = task == "niah" ? (n > 1 ? (double)index / (double)(n - 1) : 0.5) : rng.uniform();
        needles.push_back({magic_needle(keys[i], values[i]), depth});
    }
    e.context = fill(kNumbersPreamble, needles, noise ? noise_filler() : essay_filler(rng));
    if (task == "ruler-multivalue")
        e.questions.push_back(ask("What are all the special magic numbers for " + keys[0] +
                                      " mentioned in the provided text?",
                                  values,
                                  "The special magic numbers for " + keys[0] + " mentioned in the provided text are"));
    else if (task == "ruler-multiquery")
        e.questions.push_back(ask("What are all the special magic numbers for " + keys[0] + ", " + keys[1] + ", " +
                                      keys[2] + ", and " + keys[3] + " mentioned in the provided text?",
                                  values,
                                  "The special magic numbers for " + keys[0] + ", " + keys[1] + ", " + keys[2] +
                                      ", and " + keys[3] + " mentioned in the provided text are"));
    else  // niah, ruler-single, ruler-multikey: the first key is asked, the others distract
        e.questions.push_back(
            ask("What is the special magic number for " + keys[0] + " mentioned in the provided text?", {values[0]},
                "The special magic number for " + keys[0] + " mentioned in the provided text is"));
    e.max_new_tokens = task == "ruler-multivalue" || task == "ruler-multiquery" ? 48 : 12;
    return e;
}

Example TaskGenerator::passkey(Rng& rng) const {
    Example e;
    const std::string key = number(rng, 5);
    e.context = fill("There is an important info hidden inside a lot of irrelevant text. Find it and memorize it. "
                     "I will quiz you about the important information there.",
                     {{"The pass key is " + key + ". Remember it. " + key + " is the pass key.", rng.uniform()}},
                     noise_filler());
    e.questions.push_back(ask("What is the pass key?", {key}, "The pass key is"));
    e.max_new_tokens = 10;
    return e;
}

Example TaskGenerator::variable_tracking(Rng& rng) const {
    Example e;
    const std::string value = number(rng, 5);
    std::vector<std::string> names;
    while (names.size() < 5) {
        std::string v = upper_name(rng);
        if (std::find(names.begin(), names.end(), v) == names.end()) names.push_back(v);
    }
    // The chain in order: VAR A = value, VAR B = VAR A, ... at increasing depths.
    std::vector<double> depths;
    for (size_t i = 0; i < names.size(); ++i) depths.push_back(rng.uniform());
    std::sort(depths.begin(), depths.end());
    std::vector<Needle> needles;
    for (size_t i = 0; i < names.size(); ++i)
        needles.push_back({"VAR " + names[i] + " = " + (i == 0 ? value : "VAR " + names[i - 1]) + ".", depths[i]});
    e.context = fill("Memorize and track the chain(s) of variable assignment hidden in the following text.",
                     needles, noise_filler());
    e.questions.push_back(ask("Find all variables that are assigned the value " + value + " in the text above.", names,
                              "According to the chain(s) of variable assignment in the text above, 5 variables are "
                              "assigned the value " + value + ", they are:"));
    e.max_new_tokens = 32;
    return e;
}

std::string TaskGenerator::sized_list(const std::function<std::string(int64_t)>& build,
                                      int64_t tokens_per_item) const {
    int64_t items = std::max<int64_t>(8, o_.ctx_tokens / tokens_per_item);
    std::string s;
    for (int pass = 0; pass < 3; ++pass) {
        s = build(items);
        const int64_t real = o_.count_tokens(s);
        if (std::llabs(real - o_.ctx_tokens) <= o_.ctx_tokens / 50) break;
        items = std::max<int64_t>(8, std::llround((double)items * (double)o_.ctx_tokens / (double)real));
    }
    return s;
}

Example TaskGenerator::common_words(Rng& rng) const {
    Example e;
    const uint64_t list_seed = rng.next();
    const int n_common = 5;
    std::vector<std::string> common;
    auto build = [&](int64_t items) {
        Rng r(list_seed);
        // The common words cover about a third of the list; every other word appears 3 times.
        const int64_t f_common = std::max<int64_t>(6, items / (3 * n_common));
        const int64_t n_rare = std::max<int64_t>(1, (items - n_common * f_common) / 3);
        const std::vector<std::string> vocab = distinct_words(r, (size_t)(n_common + n_rare));
        common.assign(vocab.begin(), vocab.begin() + n_common);
        std::vector<std::string> list;
        for (size_t w = 0; w < vocab.size(); ++w)
            for (int64_t k = 0; k < (w < (size_t)n_common ? f_common : 3); ++k) list.push_back(vocab[w]);
        r.shuffle(list);
        std::string s = "Below is a numbered list of words. In these words, some appear more often than others. "
                        "Memorize the ones that appear most often.\n";
        for (size_t i = 0; i < list.size(); ++i) s += std::to_string(i + 1) + ". " + list[i] + " ";
        return s;
    };
    e.context = sized_list(build, 5);
    e.questions.push_back(ask("What are the " + std::to_string(n_common) + " most common words in the above list?", common,
                              "The top " + std::to_string(n_common) + " words that appear most often in the list are:"));
    e.max_new_tokens = 32;
    return e;
}

Example TaskGenerator::frequent_words(Rng& rng) const {
    Example e;
    uint64_t list_seed = rng.next();
    std::vector<std::string> top;
    auto build = [&](int64_t items) {
        // Zipf (alpha 2) over a vocabulary of coded words; redrawn until the
        // three most frequent are strictly ahead (the answer is unambiguous).
        for (uint64_t attempt = 0;; ++attempt) {
            Rng r(list_seed + attempt);
            const std::vector<std::string> vocab = distinct_words(r, 200, 2);
            std::vector<double> cdf;
            double total = 0;
            for (size_t k = 0; k < vocab.size(); ++k) cdf.push_back(total += 1.0 / ((k + 1.0) * (k + 1.0)));
            std::vector<int64_t> counts(vocab.size(), 0);
            std::string s = "Read the following coded text and track the frequency of each coded word. Find the "
                            "three most frequently appeared coded words.\n";
            for (int64_t i = 0; i < items; ++i) {
                const size_t k = std::lower_bound(cdf.begin(), cdf.end(), r.uniform() * total) - cdf.begin();
                const size_t w = std::min(k, vocab.size() - 1);
                ++counts[w];
                s += vocab[w] + " ";
            }
            std::vector<size_t> order(vocab.size());
            for (size_t k = 0; k < order.size(); ++k) order[k] = k;
            std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return counts[a] > counts[b]; });
            if (counts[order[0]] > counts[order[1]] && counts[order[1]] > counts[order[2]] &&
                counts[order[2]] > counts[order[3]]) {
                top = {vocab[order[0]], vocab[order[1]], vocab[order[2]]};
                return s;
            }
        }
    };
    e.context = sized_list(build, 2);
    e.questions.push_back(ask("What are the three most frequently appeared coded words in the above coded text?", top,
                              "According to the coded text above, the three most frequently appeared words are:"));
    e.max_new_tokens = 16;
    return e;
}

Example TaskGenerator::kv_retrieval(Rng& rng) const {
    Example e;
    const std::string head = "Extract the value corresponding to the specified key in the JSON object below.\n\n{";
    int64_t used = o_.count_tokens(head + "}");
    std::vector<std::pair<std::string, std::string>> pairs;
    for (;;) {
        const std::string k = uuid(rng), v = uuid(rng);
        const int64_t c = o_.count_tokens("\"" + k + "\": \"" + v + "\", ");
        if (used + c / 2 > o_.ctx_tokens && pairs.size() >= 4) break;
        used += c;
        pairs.emplace_back(k, v);
    }
    e.context = head;
    for (size_t i = 0; i < pairs.size(); ++i)
        e.context += (i ? ", " : "") + ("\"" + pairs[i].first + "\": \"" + pairs[i].second + "\"");
    e.context += "}";
    // Four keys spread over the object: the same compressed cache answers each.
    for (int q = 0; q < 4; ++q) {
        const auto& [k, v] = pairs[(size_t)((q + 0.5) / 4.0 * (double)pairs.size())];
        e.questions.push_back(ask("What is the value associated with the key \"" + k + "\" in the JSON object?", {v},
                                  "The value associated with the key \"" + k + "\" is"));
    }
    e.max_new_tokens = 40;  // a UUID is about 30 tokens
    return e;
}

}  // namespace kvzip::eval
