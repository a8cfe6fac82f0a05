// Portable micro-kernel (any CPU, arm64 included). With GCC/Clang it is written with generic
// 4-float vectors, which become SSE on x86-64 and NEON on arm64 and keep the MR x NR tile in
// registers (24 vectors: all fit on arm64's 32); other compilers get the plain loops.
// An edge tile (mr < MR or nr < NR) reads only its mr rows of A and nr columns of B (missing
// ones count as zero) and writes only its mr x nr part of c.
#include <cstring>

#include "kernels/gemm/gemm_internal.h"

namespace nativenn::gemm {

constexpr int64_t MR = kGenericMR, NR = kGenericNR;

#if defined(__GNUC__) || defined(__clang__)

typedef float v4 __attribute__((vector_size(16)));
constexpr int kQ = NR / 4;  // vectors per tile row

void ukernel_f32_generic(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b, int64_t rs_b, float* c,
                         int64_t ldc, int64_t mr, int64_t nr, float alpha, float beta) {
  v4 acc[MR][kQ] = {};
  const bool full = mr == MR && nr == NR;
  for (int64_t p = 0; p < k; p++) {
    v4 bv[kQ];
    if (nr == NR) {
      std::memcpy(bv, b + p * rs_b, sizeof(bv));
    } else {
      float row[NR] = {};
      std::memcpy(row, b + p * rs_b, nr * sizeof(float));
      std::memcpy(bv, row, sizeof(bv));
    }
    const float* ap = a + p * cs_a;
#pragma GCC unroll 8
    for (int i = 0; i < MR; i++) {
      const float x = full || i < mr ? ap[i * rs_a] : 0.0f;
      const v4 av = {x, x, x, x};
#pragma GCC unroll 4
      for (int q = 0; q < kQ; q++) acc[i][q] += av * bv[q];
    }
  }
  const v4 va = {alpha, alpha, alpha, alpha};
  for (int64_t i = 0; i < mr; i++) {
    float row[NR];
    for (int q = 0; q < kQ; q++) {
      v4 out = va * acc[i][q];
      std::memcpy(row + 4 * q, &out, sizeof(out));
    }
    float* ci = c + i * ldc;
    for (int64_t j = 0; j < nr; j++) ci[j] = beta == 0 ? row[j] : row[j] + beta * ci[j];  // beta == 0 never reads c
  }
}

#else

void ukernel_f32_generic(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b, int64_t rs_b, float* c,
                         int64_t ldc, int64_t mr, int64_t nr, float alpha, float beta) {
  float acc[MR][NR] = {};
  for (int64_t p = 0; p < k; p++) {
    const float* bp = b + p * rs_b;
    const float* ap = a + p * cs_a;
    for (int64_t i = 0; i < mr; i++) {
      float ai = ap[i * rs_a];
      for (int64_t j = 0; j < nr; j++) acc[i][j] += ai * bp[j];
    }
  }
  for (int64_t i = 0; i < mr; i++) {
    float* ci = c + i * ldc;
    for (int64_t j = 0; j < nr; j++) ci[j] = alpha * acc[i][j] + (beta == 0 ? 0.0f : beta * ci[j]);
  }
}

#endif

}  // namespace nativenn::gemm
