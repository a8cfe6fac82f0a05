#include "kernels/dropout.h"

#include <cmath>

namespace nativenn {

void dropout_forward_range(float* out, float* mask, const float* x, double rate, uint32_t seed, int64_t i0,
                           int64_t i1) {
  const float keep = static_cast<float>(1 / (1 - rate));  // Math.fround(1 / (1 − rate))
  // The twin keeps i iff u = (h >> 8) / 2^24 ≥ rate. Multiplying by 2^24 is exact, so that is
  // (h >> 8) ≥ ceil(rate · 2^24): an integer compare, exact for every double rate.
  const uint32_t threshold = static_cast<uint32_t>(std::ceil(rate * 16777216.0));
  for (int64_t i = i0; i < i1; i++) {
    uint32_t u24 = dropout_hash(seed, static_cast<uint32_t>(i)) >> 8;
    float m = u24 >= threshold ? keep : 0.0f;
    mask[i] = m;
    out[i] = x[i] * m;
  }
}

void dropout_forward(float* out, float* mask, const float* x, int64_t n, double rate, uint32_t seed) {
  dropout_forward_range(out, mask, x, rate, seed, 0, n);
}

}  // namespace nativenn
