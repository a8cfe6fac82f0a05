// AVX-512 micro-kernel, 14 x 32: 28 zmm accumulators, two zmm of B and one broadcast of A per
// row (31 of 32 registers), 28 FMAs per 16 loads. On Zen 4 a 512-bit FMA takes both 256-bit
// pipes, so the peak equals AVX2's; the gain is half the instructions per FLOP and more
// accumulators to hide the FMA latency. On Sapphire Rapids (two 512-bit FMA units) it is twice
// AVX2's peak, small products included.
// Edge tiles are computed in place: a row count below 14 is a template instance of its own (no
// wasted rows), and columns beyond nr are masked off in the loads of B and in C's loads and
// stores (no scratch tile); nr <= 16 uses one zmm per row.
// This file alone is compiled with -mavx512f (the "avx512" list of native/sources.json) and is
// only called after a run-time CPU check. On other architectures it compiles to nothing.
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "kernels/gemm/gemm_internal.h"

namespace nativenn::gemm {

namespace {

constexpr int MR = kAvx512MR, NR = kAvx512NR;
static_assert(NR == 32, "two zmm per row");

// kRows rows of C, kHalves zmm per row (1: nr <= 16). kPacked: A is a packed panel (rs_a = 1,
// cs_a = MR): constant offsets, few integer registers. m0/m1 mask the columns of each half in C;
// kMaskB: in B's loads too (B read in place, ending at column nr < NR).
template <int kRows, int kHalves, bool kPacked, bool kMaskB>
__attribute__((noinline)) void kernel(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b,
                                      int64_t rs_b, float* c, int64_t ldc, __mmask16 m0, __mmask16 m1, float alpha,
                                      float beta) {
  if (kPacked) {
    rs_a = 1;
    cs_a = MR;
  }
  __m512 lo[kRows], hi[kRows];  // columns 0-15 and 16-31 of each row; fully unrolled, so registers
#pragma GCC unroll 16
  for (int i = 0; i < kRows; i++) lo[i] = hi[i] = _mm512_setzero_ps();

    // Touch the C tile early: its rows are ldc apart and would otherwise miss at the very end.
#pragma GCC unroll 16
  for (int i = 0; i < kRows; i++) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    if (kHalves == 2) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + NR - 1), _MM_HINT_T0);
  }

#pragma GCC unroll 2
  for (int64_t p = 0; p < k; p++) {
    __m512 b0, b1;
    if (kMaskB) {
      b0 = _mm512_maskz_loadu_ps(m0, b);
      b1 = kHalves == 2 ? _mm512_maskz_loadu_ps(m1, b + 16) : b0;
    } else {
      b0 = _mm512_loadu_ps(b);
      b1 = kHalves == 2 ? _mm512_loadu_ps(b + 16) : b0;
    }
    // Both B vectors in registers: GCC 12 otherwise kept b1 on the stack in the packed 11- to
    // 13-row instances (one FMA per row read it from there): n = 1024 on 2 threads cut into tiles
    // of 13 and 12 rows ran at 0.74x the speed of 14-row tiles. Not in the 14-row instance, whose
    // code stays as it was (as does that of the unpacked instances, which did not spill).
    if (kPacked && kRows < MR) asm("" : "+v"(b0), "+v"(b1));
#pragma GCC unroll 16
    for (int i = 0; i < kRows; i++) {
      const __m512 av = _mm512_set1_ps(a[i * rs_a]);
      lo[i] = _mm512_fmadd_ps(av, b0, lo[i]);
      if (kHalves == 2) hi[i] = _mm512_fmadd_ps(av, b1, hi[i]);
    }
    a += cs_a;
    b += rs_b;
  }

  const __m512 va = _mm512_set1_ps(alpha);
  if (beta == 0) {
#pragma GCC unroll 16
    for (int i = 0; i < kRows; i++) {
      _mm512_mask_storeu_ps(c + i * ldc, m0, _mm512_mul_ps(va, lo[i]));
      if (kHalves == 2) _mm512_mask_storeu_ps(c + i * ldc + 16, m1, _mm512_mul_ps(va, hi[i]));
    }
  } else {
    const __m512 vb = _mm512_set1_ps(beta);
#pragma GCC unroll 16
    for (int i = 0; i < kRows; i++) {
      float* ci = c + i * ldc;
      _mm512_mask_storeu_ps(ci, m0, _mm512_fmadd_ps(va, lo[i], _mm512_mul_ps(vb, _mm512_maskz_loadu_ps(m0, ci))));
      if (kHalves == 2)
        _mm512_mask_storeu_ps(ci + 16, m1,
                              _mm512_fmadd_ps(va, hi[i], _mm512_mul_ps(vb, _mm512_maskz_loadu_ps(m1, ci + 16))));
    }
  }
}

using Fn = void (*)(int64_t, const float*, int64_t, int64_t, const float*, int64_t, float*, int64_t, __mmask16,
                    __mmask16, float, float);

// kTable.rows[rows - 1].fn[halves - 1][packed][mask_b]
template <int... kRows>
struct Table {
  struct Row {
    Fn fn[2][2][2];
  };
  Row rows[sizeof...(kRows)] = {{{{{kernel<kRows, 1, false, false>, kernel<kRows, 1, false, true>},
                                   {kernel<kRows, 1, true, false>, kernel<kRows, 1, true, true>}},
                                  {{kernel<kRows, 2, false, false>, kernel<kRows, 2, false, true>},
                                   {kernel<kRows, 2, true, false>, kernel<kRows, 2, true, true>}}}}...};
};
const Table<1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14> kTable;
static_assert(MR == 14, "one table entry per row count");

__mmask16 low_bits(int64_t n) { return n >= 16 ? __mmask16(0xffff) : __mmask16((1u << n) - 1); }

}  // namespace

void ukernel_f32_14x32_avx512(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b, int64_t rs_b,
                              float* c, int64_t ldc, int64_t mr, int64_t nr, float alpha, float beta) {
  const bool packed = rs_a == 1 && cs_a == MR;
  const bool mask_b = rs_b != NR && nr < NR;
  const __mmask16 m0 = low_bits(nr), m1 = nr > 16 ? low_bits(nr - 16) : 0;
  kTable.rows[mr - 1].fn[nr > 16 ? 1 : 0][packed][mask_b](k, a, rs_a, cs_a, b, rs_b, c, ldc, m0, m1, alpha, beta);
}

}  // namespace nativenn::gemm
#endif
