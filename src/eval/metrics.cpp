#include "eval/metrics.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "util/error.h"

namespace kvzip::eval {

std::string Answer::text() const {
    std::string s;
    for (size_t i = 0; i < items.size(); ++i) s += (i ? ", " : "") + items[i];
    return s;
}

std::string normalize(const std::string& s) {
    std::string out;
    bool space = false;
    for (unsigned char c : s) {
        // Bytes >= 0x80 (UTF-8) are kept as they are: only ASCII punctuation separates words.
        if (std::isalnum(c) || c >= 0x80) {
            if (space && !out.empty()) out += ' ';
            space = false;
            out += (char)std::tolower(c);
        } else {
            space = true;
        }
    }
    return out;
}

std::vector<std::string> words(const std::string& s) {
    std::vector<std::string> w;
    const std::string n = normalize(s);
    size_t i = 0;
    while (i < n.size()) {
        const size_t j = n.find(' ', i);
        w.push_back(n.substr(i, j == std::string::npos ? std::string::npos : j - i));
        if (j == std::string::npos) break;
        i = j + 1;
    }
    return w;
}

double rouge_l(const std::string& prediction, const std::string& reference) {
    const std::vector<std::string> a = words(prediction), b = words(reference);
    if (a.empty() || b.empty()) return 0.0;
    // Classic O(|a| |b|) LCS with two rows.
    std::vector<int> prev(b.size() + 1, 0), cur(b.size() + 1, 0);
    for (size_t i = 1; i <= a.size(); ++i) {
        for (size_t j = 1; j <= b.size(); ++j)
            cur[j] = a[i - 1] == b[j - 1] ? prev[j - 1] + 1 : std::max(prev[j], cur[j - 1]);
        std::swap(prev, cur);
    }
    const double lcs = prev[b.size()];
    if (lcs == 0) return 0.0;
    const double p = lcs / (double)a.size(), r = lcs / (double)b.size();
    return 2 * p * r / (p + r);
}

namespace {

// Whole-word containment on normalized text: "12" is not found in "123".
bool contains_words(const std::string& haystack_norm, const std::string& needle) {
    const std::string n = normalize(needle);
    if (n.empty()) return false;
    const std::string h = " " + haystack_norm + " ";
    return h.find(" " + n + " ") != std::string::npos;
}

AnswerScores score_single(const std::string& pred_norm, const std::string& prediction, const std::string& item) {
    AnswerScores s;
    s.exact = pred_norm == normalize(item) && !pred_norm.empty();
    s.contains = s.recall = contains_words(pred_norm, item);
    s.rouge_l = rouge_l(prediction, item);
    return s;
}

}  // namespace

AnswerScores score_answer(const std::string& prediction, const Answer& answer) {
    if (answer.items.empty()) throw Error("an answer needs at least one item");
    const std::string pred = normalize(prediction);
    if (answer.kind == Answer::Kind::AnyOf) {
        AnswerScores best;
        for (const std::string& item : answer.items) {
            const AnswerScores s = score_single(pred, prediction, item);
            best.exact = std::max(best.exact, s.exact);
            best.contains = std::max(best.contains, s.contains);
            best.recall = std::max(best.recall, s.recall);
            best.rouge_l = std::max(best.rouge_l, s.rouge_l);
        }
        return best;
    }
    AnswerScores s;
    int found = 0;
    for (const std::string& item : answer.items) found += contains_words(pred, item);
    s.recall = (double)found / (double)answer.items.size();
    s.contains = found == (int)answer.items.size();
    s.exact = !pred.empty() && pred == normalize(answer.text());
    s.rouge_l = rouge_l(prediction, answer.text());
    return s;
}

double AnswerScores::get(const std::string& metric) const {
    if (metric == "exact") return exact;
    if (metric == "contains") return contains;
    if (metric == "recall") return recall;
    if (metric == "rouge_l") return rouge_l;
    throw Error("unknown metric '" + metric + "' (expected exact, contains, recall or rouge_l)");
}

bool is_metric_name(const std::string& name) {
    return name == "exact" || name == "contains" || name == "recall" || name == "rouge_l";
}

Fidelity compare_forced(const ForcedAnswer& full, const ForcedAnswer& pruned) {
    if (full.prob.size() != pruned.prob.size() || full.top1.size() != full.prob.size() ||
        pruned.top1.size() != pruned.prob.size())
        throw Error("fidelity: the two forced answers differ in length");
    Fidelity f;
    f.tokens = (int64_t)full.prob.size();
    for (size_t i = 0; i < full.prob.size(); ++i) {
        f.mean_prob_full += full.prob[i];
        f.mean_prob_change += pruned.prob[i] - full.prob[i];
        f.max_prob_diff = std::max(f.max_prob_diff, std::fabs(pruned.prob[i] - full.prob[i]));
        f.top1_flips += full.top1[i] != pruned.top1[i];
    }
    if (f.tokens) {
        f.mean_prob_full /= (double)f.tokens;
        f.mean_prob_change /= (double)f.tokens;
    }
    return f;
}

}  // namespace kvzip::eval
