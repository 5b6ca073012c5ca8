#include "eval/teacher_force.h"

#include <algorithm>
#include <cmath>

#include "engine/sampler.h"

namespace kvzip::eval {

ForcedAnswer teacher_force(Model& model, KVCache& kv, const std::vector<TokenId>& prompt,
                           const std::vector<TokenId>& answer) {
    ForcedAnswer f;
    if (answer.empty()) return f;
    const int64_t start = kv.next_position(), V = model.config().n_vocab;
    struct Restore {
        KVCache& kv;
        int64_t start;
        ~Restore() { kv.truncate(start); }
    } restore{kv, start};
    // The prompt's last logits predict answer token 0; answer tokens 0..n-2
    // predict the rest. Logits of the other prompt positions are never computed.
    const std::vector<float> first = model.eval(prompt, kv);
    std::vector<float> rest;
    if (answer.size() > 1) rest = model.eval_all_logits(std::vector<TokenId>(answer.begin(), answer.end() - 1), kv);
    for (size_t i = 0; i < answer.size(); ++i) {
        const float* row = i == 0 ? first.data() : rest.data() + (i - 1) * V;
        const float mx = *std::max_element(row, row + V);
        double sum = 0;
        for (int64_t v = 0; v < V; ++v) sum += std::exp((double)row[v] - mx);
        f.prob.push_back(std::exp((double)row[answer[i]] - mx) / sum);
        f.top1.push_back(argmax(row, V));
    }
    return f;
}

}  // namespace kvzip::eval
