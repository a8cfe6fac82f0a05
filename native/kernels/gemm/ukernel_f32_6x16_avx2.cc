// AVX2 + FMA micro-kernel, 6 x 16: twelve ymm accumulators, two ymm of B and one broadcast of A
// per step (15 of 16 registers), 12 FMAs per 8 loads: FMA-bound on Zen 3 and Haswell.
// This file alone is compiled with -mavx2 -mfma (the "avx2" list of native/sources.json) and is
// only called after a run-time CPU check. On other architectures it compiles to nothing.
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "kernels/gemm/gemm_internal.h"

namespace nativenn::gemm {

namespace {

constexpr int64_t MR = kAvx2MR, NR = kAvx2NR;

// kPacked: A is a packed panel (rs_a = 1, cs_a = MR), so every address is a constant offset and
// the loop needs few integer registers; otherwise the strides come at run time.
template <bool kPacked>
inline __attribute__((always_inline)) void kernel(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b,
                                                  float* c, int64_t ldc, float alpha, float beta) {
  if (kPacked) {
    rs_a = 1;
    cs_a = MR;
  }
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  // Rows 0-2 from a, rows 3-5 from a3: two bases keep every address one add away.
  const float* a3 = a + 3 * rs_a;
  const int64_t r2 = 2 * rs_a;

#define NATIVENN_STEP(ap, a3p, bp)          \
  {                                         \
    __m256 b0 = _mm256_load_ps(bp);         \
    __m256 b1 = _mm256_load_ps((bp) + 8);   \
    __m256 av = _mm256_broadcast_ss(ap);    \
    c00 = _mm256_fmadd_ps(av, b0, c00);     \
    c01 = _mm256_fmadd_ps(av, b1, c01);     \
    av = _mm256_broadcast_ss((ap) + rs_a);  \
    c10 = _mm256_fmadd_ps(av, b0, c10);     \
    c11 = _mm256_fmadd_ps(av, b1, c11);     \
    av = _mm256_broadcast_ss((ap) + r2);    \
    c20 = _mm256_fmadd_ps(av, b0, c20);     \
    c21 = _mm256_fmadd_ps(av, b1, c21);     \
    av = _mm256_broadcast_ss(a3p);          \
    c30 = _mm256_fmadd_ps(av, b0, c30);     \
    c31 = _mm256_fmadd_ps(av, b1, c31);     \
    av = _mm256_broadcast_ss((a3p) + rs_a); \
    c40 = _mm256_fmadd_ps(av, b0, c40);     \
    c41 = _mm256_fmadd_ps(av, b1, c41);     \
    av = _mm256_broadcast_ss((a3p) + r2);   \
    c50 = _mm256_fmadd_ps(av, b0, c50);     \
    c51 = _mm256_fmadd_ps(av, b1, c51);     \
  }

  // Touch the C tile early: its rows are ldc apart and would otherwise miss at the very end.
  for (int i = 0; i < 6; i++) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
  for (int i = 0; i < 6; i++) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 15), _MM_HINT_T0);

  int64_t p = 0;
  if (kPacked) {
    for (; p + 4 <= k; p += 4) {
      _mm_prefetch(reinterpret_cast<const char*>(b + 8 * NR), _MM_HINT_T0);
      NATIVENN_STEP(a, a3, b);
      NATIVENN_STEP(a + MR, a3 + MR, b + NR);
      NATIVENN_STEP(a + 2 * MR, a3 + 2 * MR, b + 2 * NR);
      NATIVENN_STEP(a + 3 * MR, a3 + 3 * MR, b + 3 * NR);
      a += 4 * MR;
      a3 += 4 * MR;
      b += 4 * NR;
    }
  }
#pragma GCC unroll 4
  for (; p < k; p++) {
    NATIVENN_STEP(a, a3, b);
    a += cs_a;
    a3 += cs_a;
    b += NR;
  }
#undef NATIVENN_STEP

  const __m256 va = _mm256_set1_ps(alpha);
  __m256 rows[6][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  if (beta == 0) {
    for (int i = 0; i < 6; i++) {
      _mm256_storeu_ps(c + i * ldc, _mm256_mul_ps(va, rows[i][0]));
      _mm256_storeu_ps(c + i * ldc + 8, _mm256_mul_ps(va, rows[i][1]));
    }
  } else {
    const __m256 vb = _mm256_set1_ps(beta);
    for (int i = 0; i < 6; i++) {
      float* ci = c + i * ldc;
      _mm256_storeu_ps(ci, _mm256_fmadd_ps(va, rows[i][0], _mm256_mul_ps(vb, _mm256_loadu_ps(ci))));
      _mm256_storeu_ps(ci + 8, _mm256_fmadd_ps(va, rows[i][1], _mm256_mul_ps(vb, _mm256_loadu_ps(ci + 8))));
    }
  }
}

}  // namespace

void ukernel_f32_6x16_avx2(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b, float* c, int64_t ldc,
                           float alpha, float beta) {
  if (rs_a == 1 && cs_a == MR) return kernel<true>(k, a, 1, MR, b, c, ldc, alpha, beta);
  kernel<false>(k, a, rs_a, cs_a, b, c, ldc, alpha, beta);
}

}  // namespace nativenn::gemm
#endif
