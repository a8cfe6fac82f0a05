// Portable micro-kernel (any CPU, arm64 included). With GCC/Clang it is written with generic
// 4-float vectors, which become SSE on x86-64 and NEON on arm64 and keep the MR x NR tile in
// registers (24 vectors: all fit on arm64's 32); other compilers get the plain loops.
#include <cstring>

#include "kernels/gemm/gemm_internal.h"

namespace nativenn::gemm {

#if defined(__GNUC__) || defined(__clang__)

typedef float v4 __attribute__((vector_size(16)));
constexpr int64_t MR = kGenericMR, NR = kGenericNR;
constexpr int kQ = NR / 4;  // vectors per tile row

void ukernel_f32_generic(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b, float* c, int64_t ldc,
                         float alpha, float beta) {
  v4 acc[MR][kQ] = {};
  for (int64_t p = 0; p < k; p++) {
    v4 bv[kQ];
    std::memcpy(bv, b + p * NR, sizeof(bv));
    const float* ap = a + p * cs_a;
#pragma GCC unroll 8
    for (int i = 0; i < MR; i++) {
      const float x = ap[i * rs_a];
      const v4 av = {x, x, x, x};
#pragma GCC unroll 4
      for (int q = 0; q < kQ; q++) acc[i][q] += av * bv[q];
    }
  }
  const v4 va = {alpha, alpha, alpha, alpha}, vb = {beta, beta, beta, beta};
  for (int i = 0; i < MR; i++) {
    for (int q = 0; q < kQ; q++) {
      v4 out = va * acc[i][q];
      if (beta != 0) {  // beta == 0 never reads c
        v4 old;
        std::memcpy(&old, c + i * ldc + 4 * q, sizeof(old));
        out += vb * old;
      }
      std::memcpy(c + i * ldc + 4 * q, &out, sizeof(out));
    }
  }
}

#else

constexpr int64_t MR = kGenericMR, NR = kGenericNR;

void ukernel_f32_generic(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b, float* c, int64_t ldc,
                         float alpha, float beta) {
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
    for (int64_t j = 0; j < NR; j++) ci[j] = alpha * acc[i][j] + (beta == 0 ? 0.0f : beta * ci[j]);
  }
}

#endif

}  // namespace nativenn::gemm
