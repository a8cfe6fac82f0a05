// The exp of the fused softmax cross-entropy is vmath.h's, which GCC vectorizes only without
// trapping comparisons (no value change; see native/kernels/activations.cc).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif
#include "kernels/train/fused.h"

#include <cmath>

#include "kernels/vmath.h"

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

double softmax_cross_entropy_f32(float* probs, float* grad, const float* logits, const float* target, int64_t rows,
                                 int64_t cols, bool sparse) {
  const int64_t count = rows * cols;
  // 1. probs = logits − row max, clamped at −87 (scalar, cheap); 2. probs = e^probs over the
  // whole batch in one flat loop (vectorizes).
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
  for (int64_t i = 0; i < count; i++) p_all[i] = vmath::exp_f32(p_all[i]);
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
