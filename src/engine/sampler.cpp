#include "engine/sampler.h"

#include <algorithm>
#include <cmath>

namespace kvzip {

int32_t argmax(const float* logits, int64_t n) {
    int64_t best = 0;
    for (int64_t i = 1; i < n; ++i)
        if (logits[i] > logits[best]) best = i;
    return (int32_t)best;
}

int32_t Sampler::sample(const float* logits, int64_t n_vocab) {
    if (params_.temperature <= 0.0f) return argmax(logits, n_vocab);
    candidates_.resize(n_vocab);
    for (int64_t i = 0; i < n_vocab; ++i) candidates_[i] = {logits[i] / params_.temperature, (int32_t)i};
    auto by_logit = [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); };
    size_t n = candidates_.size();
    if (params_.top_k > 0 && (size_t)params_.top_k < n) {
        std::partial_sort(candidates_.begin(), candidates_.begin() + params_.top_k, candidates_.end(), by_logit);
        n = params_.top_k;
    } else {
        std::sort(candidates_.begin(), candidates_.end(), by_logit);
    }
    // Softmax over the survivors, then the smallest prefix whose mass reaches top_p.
    const float mx = candidates_[0].first;
    std::vector<double> p(n);
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i) sum += p[i] = std::exp((double)candidates_[i].first - mx);
    size_t keep = n;
    if (params_.top_p < 1.0f) {
        double acc = 0.0;
        for (size_t i = 0; i < n; ++i) {
            acc += p[i] / sum;
            if (acc >= params_.top_p) {
                keep = i + 1;
                break;
            }
        }
    }
    std::discrete_distribution<size_t> dist(p.begin(), p.begin() + keep);
    return candidates_[dist(rng_)].second;
}

}  // namespace kvzip
