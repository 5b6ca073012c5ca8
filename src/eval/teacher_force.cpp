#include "eval/teacher_force.h"

#include <algorithm>
#include <cmath>

#include "engine/sampler.h"

namespace kvzip::eval {

ForcedAnswer teacher_force(Model& model, KVCache& kv, const std::vector<TokenId>& prompt,
                           const std::vector<TokenId>& answer) {
    ForcedAnswer f;
    if (answer.empty()) return f;
    std::vector<TokenId> ids = prompt;
    ids.insert(ids.end(), answer.begin(), answer.end());
    const int64_t start = kv.next_position(), V = model.config().n_vocab;
    struct Restore {
        KVCache& kv;
        int64_t start;
        ~Restore() { kv.truncate(start); }
    } restore{kv, start};
    const std::vector<float> logits = model.eval_all_logits(ids, kv);
    for (size_t i = 0; i < answer.size(); ++i) {
        // The logits that predict answer token i sit at the position before it.
        const float* row = logits.data() + (prompt.size() - 1 + i) * V;
        const float mx = *std::max_element(row, row + V);
        double sum = 0;
        for (int64_t v = 0; v < V; ++v) sum += std::exp((double)row[v] - mx);
        f.prob.push_back(std::exp((double)row[answer[i]] - mx) / sum);
        f.top1.push_back(argmax(row, V));
    }
    return f;
}

}  // namespace kvzip::eval
