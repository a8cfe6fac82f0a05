#include "kernels/train/fused.h"

#include <cmath>
#include <cstring>

namespace nativenn::train {

void bias_relu_forward(float* out, float* z, const float* bias, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; r++) {
    float* __restrict zr = z + r * cols;
    float* __restrict outr = out + r * cols;
    if (bias) {
      const float* __restrict b = bias;
      for (int64_t c = 0; c < cols; c++) {
        const float v = zr[c] + b[c];
        zr[c] = v;
        outr[c] = v > 0 ? v : 0.0f;
      }
    } else {
      for (int64_t c = 0; c < cols; c++) outr[c] = zr[c] > 0 ? zr[c] : 0.0f;
    }
  }
}

void relu_backward(float* dz, const float* dy, const float* x, int64_t n) {
  float* __restrict d = dz;
  const float* __restrict g = dy;
  const float* __restrict v = x;
  // dy·0, never a bare 0: bit-identical to activation_backward (sign of zero, NaN).
  // Written as dy·1 / dy·0 (a product, not a branch) so that GCC vectorizes it.
  for (int64_t i = 0; i < n; i++) {
    const float keep = v[i] > 0 ? 1.0f : 0.0f;
    d[i] = g[i] * keep;
  }
}

}  // namespace nativenn::train

namespace nativenn::train {
namespace {

// e^x for −87 ≤ x ≤ 0 in float32: Cephes expf's range reduction and polynomial. No comparison
// inside (with -ftrapping-math GCC will not vectorize a loop that compares floats), so the
// caller clamps, and n = round(x·log2 e) uses the 1.5·2^23 trick.
inline float exp_nonpositive_f32(float x) {
  constexpr float kRound = 12582912.0f;  // 1.5·2^23: adding it rounds to an integer
  const float n = (x * 1.44269504088896341f + kRound) - kRound;
  const float r = x - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

}  // namespace

double softmax_cross_entropy_f32(float* probs, float* grad, const float* logits, const float* target, int64_t rows,
                                 int64_t cols, bool sparse) {
  const int64_t count = rows * cols;
  // 1. probs = logits − row max, clamped at −87 (scalar, cheap); 2. probs = e^probs over the
  // whole batch in one flat loop (vectorizes: no row structure, no comparison inside).
  for (int64_t r = 0; r < rows; r++) {
    const float* z = logits + r * cols;
    float max = z[0];
    for (int64_t c = 1; c < cols; c++) max = z[c] > max ? z[c] : max;
    for (int64_t c = 0; c < cols; c++) {
      const float shifted = z[c] - max;
      probs[r * cols + c] = shifted < -87.0f ? -87.0f : shifted;  // e^-87 ≈ 1.6e-38: ~0
    }
  }
  float* __restrict p_all = probs;
  for (int64_t i = 0; i < count; i++) p_all[i] = exp_nonpositive_f32(p_all[i]);
  // 3. per row: normalize, loss by log-sum-exp in double, grad = (p·Σt − t)/rows.
  const double n_rows = static_cast<double>(rows);
  const float inv_rows = static_cast<float>(1 / n_rows);
  double total = 0;
  for (int64_t r = 0; r < rows; r++) {
    const float* z = logits + r * cols;
    float* p = probs + r * cols;
    float* g = grad + r * cols;
    float sum = 0;
    for (int64_t c = 0; c < cols; c++) sum += p[c];
    float max = z[0];
    for (int64_t c = 1; c < cols; c++) max = z[c] > max ? z[c] : max;
    const double log_sum_exp = max + std::log(static_cast<double>(sum));
    const float inv_sum = 1.0f / sum;
    if (sparse) {
      const int64_t label = static_cast<int64_t>(target[r]);
      total += log_sum_exp - z[label];
      for (int64_t c = 0; c < cols; c++) {
        p[c] *= inv_sum;
        g[c] = p[c] * inv_rows;
      }
      g[label] = (p[label] - 1.0f) * inv_rows;
    } else {
      const float* t = target + r * cols;
      float t_sum = 0;
      for (int64_t c = 0; c < cols; c++) {
        if (t[c] != 0) total += t[c] * (log_sum_exp - z[c]);
        t_sum += t[c];
      }
      for (int64_t c = 0; c < cols; c++) {
        p[c] *= inv_sum;
        g[c] = (p[c] * t_sum - t[c]) * inv_rows;
      }
    }
  }
  return rows == 0 ? 0 : total / n_rows;
}

}  // namespace nativenn::train
