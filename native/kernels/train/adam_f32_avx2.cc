// Built with -mavx2 -mfma (the "avx2" list); called only after a run-time CPU check.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/train/adam_f32.h"

namespace nativenn::train {

#include "kernels/train/adam_f32_loop.inc"

void adam_f32_avx2(float* param, const float* grad, float* m, float* v, int64_t n, const AdamF32Constants& c) {
  adam_padded<8>(param, grad, m, v, n, c);
}

}  // namespace nativenn::train
