#include "kernels/noise.h"

#include <cmath>

#include "kernels/dropout.h"

namespace nativenn {
namespace {
constexpr double kPi = 3.141592653589793;  // Math.PI
}  // namespace

double gaussian_at(uint32_t seed, uint32_t i) {
  const double u1 = static_cast<double>((dropout_hash(seed, 2 * i) >> 8) + 1) / 16777216.0;  // (0, 1]
  const double u2 = static_cast<double>(dropout_hash(seed, 2 * i + 1) >> 8) / 16777216.0;    // [0, 1)
  return std::sqrt(-2 * std::log(u1)) * std::cos(2 * kPi * u2);
}

void gaussian_noise_forward(float* out, const float* x, int64_t n, double stddev, uint32_t seed) {
  for (int64_t i = 0; i < n; i++)
    out[i] = static_cast<float>(x[i] + stddev * gaussian_at(seed, static_cast<uint32_t>(i)));
}

}  // namespace nativenn
