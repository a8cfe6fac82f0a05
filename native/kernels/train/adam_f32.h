// Adam/AdamW in float32 for the training executor's update, the hottest non-GEMM loop of a step
// (every parameter, every step). The shared kernel (kernels/optim.h) computes each element in
// double to match the js twin bit for bit; this one stays in float32 so AVX2 runs it 8 wide —
// about 5× faster — and differs from it only by float32 rounding. The build of the CPU path in
// use (portable, AVX2+FMA, AVX-512: 16 wide) is picked at run time.
#pragma once
#include <cstdint>

namespace nativenn::train {

// Same contract as nativenn::adam_update: step is 1-based; weight_decay > 0 is AdamW's
// decoupled decay (param *= 1 − lr·weight_decay before the Adam step).
void adam_update_f32(float* param, const float* grad, float* m, float* v, int64_t n, double lr, double beta1,
                     double beta2, double epsilon, int64_t step, double weight_decay);

// The loop itself, compiled three times (adam_f32.cc portable, adam_f32_avx2.cc with -mavx2 -mfma,
// adam_f32_avx512.cc with -mavx512f).
struct AdamF32Constants {
  float beta1, one_minus_beta1, beta2, one_minus_beta2, step_size, inv_sqrt_c2, epsilon, decay;
};
void adam_f32_generic(float* param, const float* grad, float* m, float* v, int64_t n, const AdamF32Constants& c);
void adam_f32_avx2(float* param, const float* grad, float* m, float* v, int64_t n, const AdamF32Constants& c);
void adam_f32_avx512(float* param, const float* grad, float* m, float* v, int64_t n, const AdamF32Constants& c);

}  // namespace nativenn::train
