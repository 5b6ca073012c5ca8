#include "ops/nn.h"

#include <algorithm>
#include <cmath>

namespace kvzip {

void rms_norm(const float* x, const float* w, float* y, int64_t n, float eps, bool unit_offset) {
    double ss = 0.0;  // double: a 4k-wide row of large activations loses bits in float
    for (int64_t i = 0; i < n; ++i) ss += (double)x[i] * x[i];
    const float scale = (float)(1.0 / std::sqrt(ss / (double)n + (double)eps));
    if (!w) {
        for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale;
    } else if (unit_offset) {
        for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale * (1.0f + w[i]);
    } else {
        for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale * w[i];
    }
}

void rope_angles(int64_t pos, const float* inv_freq, int n_rot, float* cos_out, float* sin_out) {
    for (int i = 0; i < n_rot / 2; ++i) {
        const double theta = (double)pos * (double)inv_freq[i];
        cos_out[i] = (float)std::cos(theta);
        sin_out[i] = (float)std::sin(theta);
    }
}

void rope(float* x, int n_heads, int head_dim, int n_rot, const float* cos, const float* sin, RopeStyle style) {
    const int half = n_rot / 2;
    for (int h = 0; h < n_heads; ++h) {
        float* v = x + (int64_t)h * head_dim;
        for (int i = 0; i < half; ++i) {
            const int a = style == RopeStyle::Interleaved ? 2 * i : i;
            const int b = style == RopeStyle::Interleaved ? 2 * i + 1 : i + half;
            const float x0 = v[a], x1 = v[b];
            v[a] = x0 * cos[i] - x1 * sin[i];
            v[b] = x0 * sin[i] + x1 * cos[i];
        }
    }
}

void silu_mul(float* gate, const float* up, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
        const float g = gate[i];
        gate[i] = g / (1.0f + std::exp(-g)) * up[i];
    }
}

void gelu_mul(float* gate, const float* up, int64_t n) {
    constexpr float kSqrt2OverPi = 0.7978845608028654f;
    for (int64_t i = 0; i < n; ++i) {
        const float g = gate[i];
        gate[i] = 0.5f * g * (1.0f + std::tanh(kSqrt2OverPi * (g + 0.044715f * g * g * g))) * up[i];
    }
}

}  // namespace kvzip
