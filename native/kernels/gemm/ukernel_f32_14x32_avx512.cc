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
// GCC 12's avx512fintrin.h writes _mm512_undefined_ps() as `__m512 __Y = __Y;`, and -Wuninitialized
// then reports every inlined unpack and shuffle of the transposed-store tiles (GCC PR 105593,
// fixed in GCC 13): ~4 MB of false warnings per build. Off for this file's intrinsics only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include "kernels/gemm/gemm_internal.h"

namespace nativenn::gemm {

namespace {

constexpr int MR = kAvx512MR, NR = kAvx512NR;
static_assert(NR == 32, "two zmm per row");

// Columns [0, ncols) of the 16-column block v[0..kRows) (v[i]: row i) to C transposed: column j
// of the tile is row j of C (kRows floats at c + j*ldc, a masked store), scaled as the plain
// store does. A 16 x 16 transpose in registers: 4 x 4 blocks by unpacks, then the 128-bit lanes.
template <int kRows>
inline __attribute__((always_inline)) void store_transposed(const __m512* v, int ncols, float* c, int64_t ldc,
                                                            __m512 va, __m512 vb, float beta) {
  __m512 r[16], t[16];
#pragma GCC unroll 16
  for (int i = 0; i < 16; i++) r[i] = i < kRows ? v[i] : _mm512_setzero_ps();
#pragma GCC unroll 8
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  // u[g][q] = r[4g + q]: lane l holds column 4l + q of rows 4g..4g+3.
#pragma GCC unroll 4
  for (int g = 0; g < 16; g += 4) {
    r[g] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[g]), _mm512_castps_pd(t[g + 2])));
    r[g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[g]), _mm512_castps_pd(t[g + 2])));
    r[g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[g + 1]), _mm512_castps_pd(t[g + 3])));
    r[g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[g + 1]), _mm512_castps_pd(t[g + 3])));
  }
  // Per q, the 4 x 4 matrix of lanes (g, l) transposed: column 4l + q gets lane g = u[g][q].l.
  __m512 col[16];
#pragma GCC unroll 4
  for (int q = 0; q < 4; q++) {
    const __m512 x0 = _mm512_shuffle_f32x4(r[q], r[4 + q], 0x44), x1 = _mm512_shuffle_f32x4(r[q], r[4 + q], 0xEE);
    const __m512 x2 = _mm512_shuffle_f32x4(r[8 + q], r[12 + q], 0x44);
    const __m512 x3 = _mm512_shuffle_f32x4(r[8 + q], r[12 + q], 0xEE);
    col[q] = _mm512_shuffle_f32x4(x0, x2, 0x88);
    col[4 + q] = _mm512_shuffle_f32x4(x0, x2, 0xDD);
    col[8 + q] = _mm512_shuffle_f32x4(x1, x3, 0x88);
    col[12 + q] = _mm512_shuffle_f32x4(x1, x3, 0xDD);
  }
  const __mmask16 rows = static_cast<__mmask16>((1u << kRows) - 1);
#pragma GCC unroll 16
  for (int j = 0; j < 16; j++) {
    if (j >= ncols) break;
    float* cj = c + j * ldc;
    if (beta == 0) {
      _mm512_mask_storeu_ps(cj, rows, _mm512_mul_ps(va, col[j]));
    } else {
      _mm512_mask_storeu_ps(cj, rows, _mm512_fmadd_ps(va, col[j], _mm512_mul_ps(vb, _mm512_maskz_loadu_ps(rows, cj))));
    }
  }
}

// kRows rows of C, kHalves zmm per row (1: nr <= 16). kPacked: A is a packed panel (rs_a = 1,
// cs_a = MR): constant offsets, few integer registers. m0/m1 mask the columns of each half in C;
// kMaskB: in B's loads too (B read in place, ending at column nr < NR). kTransC: the tile is
// stored transposed (its element (i, j) at c[j*ldc + i]; the driver's narrow-C swap), through
// 16 x 16 transposes in registers; each element gets the same arithmetic as a plain store.
template <int kRows, int kHalves, bool kPacked, bool kMaskB, bool kTransC>
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
  if (!kTransC) {
#pragma GCC unroll 16
    for (int i = 0; i < kRows; i++) {
      _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
      if (kHalves == 2) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + NR - 1), _MM_HINT_T0);
    }
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
  if (kTransC) {
    const __m512 vb = _mm512_set1_ps(beta);
    store_transposed<kRows>(lo, __builtin_popcount(m0), c, ldc, va, vb, beta);
    if (kHalves == 2) store_transposed<kRows>(hi, __builtin_popcount(m1), c + 16 * ldc, ldc, va, vb, beta);
    return;
  }
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

// kTable<trans_c>.rows[rows - 1].fn[halves - 1][packed][mask_b]
template <bool kTransC, int... kRows>
struct Table {
  struct Row {
    Fn fn[2][2][2];
  };
  Row rows[sizeof...(kRows)] = {
      {{{{kernel<kRows, 1, false, false, kTransC>, kernel<kRows, 1, false, true, kTransC>},
         {kernel<kRows, 1, true, false, kTransC>, kernel<kRows, 1, true, true, kTransC>}},
        {{kernel<kRows, 2, false, false, kTransC>, kernel<kRows, 2, false, true, kTransC>},
         {kernel<kRows, 2, true, false, kTransC>, kernel<kRows, 2, true, true, kTransC>}}}}...};
};
const Table<false, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14> kTable;
const Table<true, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14> kTableTransC;
static_assert(MR == 14, "one table entry per row count");

__mmask16 low_bits(int64_t n) { return n >= 16 ? __mmask16(0xffff) : __mmask16((1u << n) - 1); }

}  // namespace

namespace {
// One entry per table: the instance for the tile's rows, halves, packing and B masking.
template <typename T>
inline void run_tile(const T& table, int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b,
                     int64_t rs_b, float* c, int64_t ldc, int64_t mr, int64_t nr, float alpha, float beta) {
  const bool packed = rs_a == 1 && cs_a == MR;
  const bool mask_b = rs_b != NR && nr < NR;
  const __mmask16 m0 = low_bits(nr), m1 = nr > 16 ? low_bits(nr - 16) : 0;
  table.rows[mr - 1].fn[nr > 16 ? 1 : 0][packed][mask_b](k, a, rs_a, cs_a, b, rs_b, c, ldc, m0, m1, alpha, beta);
}
}  // namespace

void ukernel_f32_14x32_avx512(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b, int64_t rs_b,
                              float* c, int64_t ldc, int64_t mr, int64_t nr, float alpha, float beta) {
  run_tile(kTable, k, a, rs_a, cs_a, b, rs_b, c, ldc, mr, nr, alpha, beta);
}

void ukernel_f32_14x32_avx512_tc(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b, int64_t rs_b,
                                 float* c, int64_t ldc, int64_t mr, int64_t nr, float alpha, float beta) {
  run_tile(kTableTransC, k, a, rs_a, cs_a, b, rs_b, c, ldc, mr, nr, alpha, beta);
}

}  // namespace nativenn::gemm
#endif
