#include "kernels/train/adam_f32.h"

#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/cpu_path.h"

namespace nativenn::train {

#include "kernels/train/adam_f32_loop.inc"

void adam_f32_generic(float* param, const float* grad, float* m, float* v, int64_t n, const AdamF32Constants& c) {
  adam_padded<4>(param, grad, m, v, n, c);
}

namespace {

// 1 − beta^t in double. Once beta^t < 2^-64 the difference rounds to exactly 1 (1 − x is 1 for
// any x < 2^-54), and pow is skipped: its underflow path took 70 ns a pair at t = 10^5, four
// parameters a step.
double one_minus_pow(double beta, double t) {
  if (beta > 0 && beta < 1 && t * std::log2(beta) < -64) return 1.0;
  return 1 - std::pow(beta, t);
}

}  // namespace

void adam_update_f32(float* param, const float* grad, float* m, float* v, int64_t n, double lr, double beta1,
                     double beta2, double epsilon, int64_t step, double weight_decay) {
  const double t = static_cast<double>(step);
  const AdamF32Constants c{static_cast<float>(beta1),
                           static_cast<float>(1 - beta1),
                           static_cast<float>(beta2),
                           static_cast<float>(1 - beta2),
                           static_cast<float>(lr / one_minus_pow(beta1, t)),
                           static_cast<float>(1 / std::sqrt(one_minus_pow(beta2, t))),
                           static_cast<float>(epsilon),
                           static_cast<float>(1 - lr * weight_decay)};
#if defined(__x86_64__) || defined(__i386__)
  // The build of the CPU path in use (cpu_path.h: AVX-512 implies AVX2 and FMA).
  const CpuPath path = cpu_path();
  if (path >= CpuPath::kAvx512) return adam_f32_avx512(param, grad, m, v, n, c);
  if (path >= CpuPath::kAvx2) return adam_f32_avx2(param, grad, m, v, n, c);
#endif
  adam_f32_generic(param, grad, m, v, n, c);
}

}  // namespace nativenn::train
