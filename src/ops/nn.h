#pragma once
// Elementwise and per-row neural-network ops on float32 rows.
#include <cstdint>

namespace kvzip {

// y = x / rms(x) * w  (w may be null: no scale); `unit_offset` uses (1 + w) as Gemma does.
void rms_norm(const float* x, const float* w, float* y, int64_t n, float eps, bool unit_offset = false);

enum class RopeStyle {
    Interleaved,  // rotate (x[2i], x[2i+1]): GGUF llama layout (q/k rows permuted by the converter)
    Neox,         // rotate (x[i], x[i + d/2]): Qwen, Gemma, Hugging Face layout
};

// cos/sin of theta_i = pos * inv_freq[i] for i < n_rot/2: computed once per
// token and shared by q and k of every layer.
void rope_angles(int64_t pos, const float* inv_freq, int n_rot, float* cos_out, float* sin_out);
// Rotates the first n_rot dims of each of n_heads heads (head_dim apart) by
// the angles of one position (from rope_angles).
void rope(float* x, int n_heads, int head_dim, int n_rot, const float* cos, const float* sin, RopeStyle style);

// gate[i] = silu(gate[i]) * up[i]
void silu_mul(float* gate, const float* up, int64_t n);
// gate[i] = gelu_tanh(gate[i]) * up[i]
void gelu_mul(float* gate, const float* up, int64_t n);

}  // namespace kvzip
