#include "kernels/train/adam_f32.h"

#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/cpu_path.h"

namespace nativenn::train {

void adam_f32_generic(float* param, const float* grad, float* m, float* v, int64_t n, const AdamF32Constants& c) {
#include "kernels/train/adam_f32_loop.inc"
}

namespace {

// The AVX2 build on the AVX2 and AVX-512 paths (cpu_path.h: only where the CPU has AVX2 and FMA).
bool use_avx2() {
#if defined(__x86_64__) || defined(__i386__)
  return cpu_path() >= CpuPath::kAvx2;
#else
  return false;
#endif
}

}  // namespace

void adam_update_f32(float* param, const float* grad, float* m, float* v, int64_t n, double lr, double beta1,
                     double beta2, double epsilon, int64_t step, double weight_decay) {
  const double t = static_cast<double>(step);
  const AdamF32Constants c{static_cast<float>(beta1),
                           static_cast<float>(1 - beta1),
                           static_cast<float>(beta2),
                           static_cast<float>(1 - beta2),
                           static_cast<float>(lr / (1 - std::pow(beta1, t))),
                           static_cast<float>(1 / std::sqrt(1 - std::pow(beta2, t))),
                           static_cast<float>(epsilon),
                           static_cast<float>(1 - lr * weight_decay)};
  if (use_avx2())
    adam_f32_avx2(param, grad, m, v, n, c);
  else
    adam_f32_generic(param, grad, m, v, n, c);
}

}  // namespace nativenn::train
