#pragma once
// Picks the next token from logits: greedy (temperature 0) or sampling with
// temperature, top-k and top-p from a seeded generator (reproducible runs).
#include <cstdint>
#include <random>
#include <vector>

namespace kvzip {

struct SamplingParams {
    float temperature = 0.0f;  // 0: greedy
    int top_k = 0;             // 0: no limit
    float top_p = 1.0f;        // 1: no nucleus cut
    uint64_t seed = 0;
};

class Sampler {
public:
    explicit Sampler(const SamplingParams& p) : params_(p), rng_(p.seed) {}
    int32_t sample(const float* logits, int64_t n_vocab);

private:
    SamplingParams params_;
    std::mt19937_64 rng_;
    std::vector<std::pair<float, int32_t>> candidates_;
};

// Index of the largest logit; ties go to the lower id (as torch.argmax does).
int32_t argmax(const float* logits, int64_t n);

}  // namespace kvzip
