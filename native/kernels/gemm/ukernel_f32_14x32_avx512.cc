// AVX-512 micro-kernel, 14 x 32: 28 zmm accumulators, two zmm of B and one broadcast of A per
// row (31 of 32 registers), 28 FMAs per 16 loads. On Zen 4 a 512-bit FMA takes both 256-bit
// pipes, so the peak equals AVX2's; the gain is half the instructions per FLOP and more
// accumulators to hide the FMA latency.
// This file alone is compiled with -mavx512f (the "avx512" list of native/sources.json) and is
// only called after a run-time CPU check. On other architectures it compiles to nothing.
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "kernels/gemm/gemm_internal.h"

namespace nativenn::gemm {

namespace {

constexpr int MR = kAvx512MR, NR = kAvx512NR;
static_assert(NR == 32, "two zmm per row");

// kPacked: A is a packed panel (rs_a = 1, cs_a = MR): constant offsets, few integer registers.
template <bool kPacked>
inline __attribute__((always_inline)) void kernel(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b,
                                                  float* c, int64_t ldc, float alpha, float beta) {
  if (kPacked) {
    rs_a = 1;
    cs_a = MR;
  }
  __m512 lo[MR], hi[MR];  // columns 0-15 and 16-31 of each row; fully unrolled, so registers
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++) lo[i] = hi[i] = _mm512_setzero_ps();

    // Touch the C tile early: its rows are ldc apart and would otherwise miss at the very end.
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + NR - 1), _MM_HINT_T0);
  }

#pragma GCC unroll 2
  for (int64_t p = 0; p < k; p++) {
    const __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      const __m512 av = _mm512_set1_ps(a[i * rs_a]);
      lo[i] = _mm512_fmadd_ps(av, b0, lo[i]);
      hi[i] = _mm512_fmadd_ps(av, b1, hi[i]);
    }
    a += cs_a;
    b += NR;
  }

  const __m512 va = _mm512_set1_ps(alpha);
  if (beta == 0) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      _mm512_storeu_ps(c + i * ldc, _mm512_mul_ps(va, lo[i]));
      _mm512_storeu_ps(c + i * ldc + 16, _mm512_mul_ps(va, hi[i]));
    }
  } else {
    const __m512 vb = _mm512_set1_ps(beta);
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      float* ci = c + i * ldc;
      _mm512_storeu_ps(ci, _mm512_fmadd_ps(va, lo[i], _mm512_mul_ps(vb, _mm512_loadu_ps(ci))));
      _mm512_storeu_ps(ci + 16, _mm512_fmadd_ps(va, hi[i], _mm512_mul_ps(vb, _mm512_loadu_ps(ci + 16))));
    }
  }
}

}  // namespace

void ukernel_f32_14x32_avx512(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b, float* c,
                              int64_t ldc, float alpha, float beta) {
  if (rs_a == 1 && cs_a == MR) return kernel<true>(k, a, 1, MR, b, c, ldc, alpha, beta);
  kernel<false>(k, a, rs_a, cs_a, b, c, ldc, alpha, beta);
}

}  // namespace nativenn::gemm
#endif
