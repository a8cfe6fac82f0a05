// Portable micro-kernel (any CPU, arm64 included): the MR x NR tile in a local array the
// compiler keeps in vector registers where it can (SSE on x86-64, NEON on arm64).
#include "kernels/gemm/gemm_internal.h"

namespace nativenn::gemm {

void ukernel_f32_generic(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b, float* c,
                         int64_t ldc, float alpha, float beta) {
  float acc[MR][NR] = {};
  for (int64_t p = 0; p < k; p++) {
    const float* bp = b + p * NR;
    const float* ap = a + p * cs_a;
    for (int64_t i = 0; i < MR; i++) {
      float ai = ap[i * rs_a];
      for (int64_t j = 0; j < NR; j++) acc[i][j] += ai * bp[j];
    }
  }
  for (int64_t i = 0; i < MR; i++) {
    float* ci = c + i * ldc;
    if (beta == 0) {
      for (int64_t j = 0; j < NR; j++) ci[j] = alpha * acc[i][j];
    } else {
      for (int64_t j = 0; j < NR; j++) ci[j] = alpha * acc[i][j] + beta * ci[j];
    }
  }
}

}  // namespace nativenn::gemm
