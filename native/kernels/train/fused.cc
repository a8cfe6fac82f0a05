#include "kernels/train/fused.h"

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
