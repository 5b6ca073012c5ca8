#pragma once
// Answer metrics (DESIGN.md 4): against the ground truth (exact match,
// contains, needle recall, ROUGE-L) and against the full cache (fidelity:
// same answer, answer-token probability change, top-1 flips).
#include <cstdint>
#include <string>
#include <vector>

namespace kvzip::eval {

// The ground truth of one question. AllOf: every item must appear (several
// needles, a list of words); AnyOf: any item is a right answer (alternative
// phrasings, as in SQuAD).
struct Answer {
    enum class Kind { AllOf, AnyOf };
    std::vector<std::string> items;
    Kind kind = Kind::AllOf;
    std::string text() const;  // items joined by ", "
};

// Lower case, punctuation to spaces, whitespace collapsed and trimmed.
std::string normalize(const std::string& s);
// Words of the normalized text.
std::vector<std::string> words(const std::string& s);

// ROUGE-L F1 over normalized words (longest common subsequence).
double rouge_l(const std::string& prediction, const std::string& reference);

struct AnswerScores {
    double exact = 0;     // normalized prediction == normalized answer
    double contains = 0;  // the answer (every item for AllOf) appears in the prediction
    double recall = 0;    // fraction of AllOf items that appear (AnyOf: like contains)
    double rouge_l = 0;
    double get(const std::string& metric) const;  // by name; throws on an unknown name
};
AnswerScores score_answer(const std::string& prediction, const Answer& answer);
bool is_metric_name(const std::string& name);

// Teacher-forced probabilities of the full-cache answer's tokens under one cache.
struct ForcedAnswer {
    std::vector<double> prob;    // p(answer token i | prompt, answer tokens < i)
    std::vector<int32_t> top1;   // argmax at each answer position
};

struct Fidelity {
    int64_t tokens = 0;            // full-cache answer tokens compared
    double mean_prob_full = 0;     // mean p under the full cache
    double mean_prob_change = 0;   // mean (p_pruned - p_full)
    double max_prob_diff = 0;      // max |p_pruned - p_full|
    int64_t top1_flips = 0;        // positions where the argmax differs
};
Fidelity compare_forced(const ForcedAnswer& full, const ForcedAnswer& pruned);

}  // namespace kvzip::eval
