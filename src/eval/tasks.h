#pragma once
// Synthetic long-context tasks (DESIGN.md 4), deterministic from a seed, with
// the context length given in tokens of the model's tokenizer:
//   niah              needle in a haystack of essays (a synthetic one without
//                     --haystack-dir), depths spread evenly over the examples
//   passkey           a pass key hidden in RULER's repeated noise
//   ruler-single      one needle in the noise
//   ruler-multikey    four needles with different keys; one is asked for
//   ruler-multivalue  four values under the same key; all are asked for
//   ruler-multiquery  four needles; one question asks for all of them
//   ruler-vt          variable tracking: a chain of VAR assignments
//   ruler-cwe         common words extraction from a list of words
//   ruler-fwe         frequent words extraction from a Zipf-distributed text
//   kv-retrieval      SCBench-style: a JSON object of UUID pairs, four keys asked
// Examples are independent: example i is the same whatever n or the examples
// before it, so a run can be resumed or extended.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "eval/example.h"
#include "eval/text_source.h"

namespace kvzip::eval {

using TokenCounter = std::function<int64_t(const std::string&)>;

struct TaskOptions {
    int64_t ctx_tokens = 1000;    // target context length in tokens
    uint64_t seed = 0;
    std::string haystack_dir;     // essays (*.txt) for niah and ruler-multi*; synthetic prose when empty or absent
    TokenCounter count_tokens;    // the model's tokenizer (required)
};

class TaskGenerator {
public:
    explicit TaskGenerator(TaskOptions options);

    static const std::vector<std::string>& task_names();
    static bool is_task(const std::string& name);

    // Example `index` of `task`; `n` (the number of examples asked for) only
    // spreads the NIAH depths: depth = index / (n - 1).
    Example make(const std::string& task, int64_t index, int64_t n) const;

    bool has_essays() const { return !essays_.empty(); }

private:
    struct Needle {
        std::string text;
        double depth;  // 0 = start of the haystack, 1 = end
    };
    // preamble + filler sentences (from `next`) with the needles at their
    // depths, about ctx_tokens tokens in all.
    std::string fill(const std::string& preamble, const std::vector<Needle>& needles,
                     const std::function<std::string()>& next) const;
    std::function<std::string()> essay_filler(Rng& rng) const;
    static std::function<std::string()> noise_filler();

    Example niah_family(const std::string& task, int64_t index, int64_t n, Rng& rng) const;
    Example passkey(Rng& rng) const;
    Example variable_tracking(Rng& rng) const;
    Example common_words(Rng& rng) const;
    Example frequent_words(Rng& rng) const;
    Example kv_retrieval(Rng& rng) const;
    // Rebuilds `build(n_items)` until it is about ctx_tokens long.
    std::string sized_list(const std::function<std::string(int64_t)>& build, int64_t tokens_per_item) const;

    TaskOptions o_;
    std::vector<std::string> essays_;
};

}  // namespace kvzip::eval
