// AVX2 + FMA micro-kernel, 6 x 16: twelve ymm accumulators, two ymm of B and one broadcast of A
// per step (15 of 16 registers), 12 FMAs per 8 loads: FMA-bound on Zen 3 and Haswell.
// Edge tiles are computed in place: a row count below 6 is a template instance of its own, nr <= 8
// uses one ymm per row, and columns beyond nr are masked (vmaskmov) in C's loads and stores, and
// in B's loads when B is read in place (a packed panel is zero-padded: plain loads).
// This file alone is compiled with -mavx2 -mfma (the "avx2" list of native/sources.json) and is
// only called after a run-time CPU check. On other architectures it compiles to nothing.
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "kernels/gemm/gemm_internal.h"

namespace nativenn::gemm {

namespace {

constexpr int MR = kAvx2MR, NR = kAvx2NR;
static_assert(NR == 16, "two ymm per row");

// Lanes [0, n) of a ymm mask (n clamped to 0..8).
__m256i lane_mask(int64_t n) {
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n < 0 ? 0 : n > 8 ? 8 : n)), idx);
}

// The 8 x 8 block of r[0..7] (rows) transposed in place: r[j] then holds column j.
inline __attribute__((always_inline)) void transpose_8x8_regs(__m256 r[8]) {
  __m256 t[8];
#pragma GCC unroll 4
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
#pragma GCC unroll 2
  for (int i = 0; i < 8; i += 4) {
    r[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
    r[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
    r[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    r[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
#pragma GCC unroll 4
  for (int i = 0; i < 4; i++) {
    t[i] = _mm256_permute2f128_ps(r[i], r[i + 4], 0x20);
    t[i + 4] = _mm256_permute2f128_ps(r[i], r[i + 4], 0x31);
  }
#pragma GCC unroll 8
  for (int i = 0; i < 8; i++) r[i] = t[i];
}

// Lanes [0, kN) of v to p, kN <= 8, with plain stores of 4, 2 and 1 floats (a vmaskmovps store
// is microcoded on AMD cores); load_lanes reads the same floats (the others are zero).
template <int kN>
inline __attribute__((always_inline)) void store_lanes(float* p, __m256 v) {
  static_assert(kN >= 1 && kN <= 7, "1 to 7 lanes");
  __m128 lo = _mm256_castps256_ps128(v);
  if (kN >= 4) {
    _mm_storeu_ps(p, lo);
    if (kN == 4) return;
    p += 4;
    lo = _mm256_extractf128_ps(v, 1);
  }
  constexpr int n = kN >= 4 ? kN - 4 : kN;
  if (n >= 2) _mm_storel_pi(reinterpret_cast<__m64*>(p), lo);
  if (n == 3) _mm_store_ss(p + 2, _mm_movehl_ps(lo, lo));
  if (n == 1) _mm_store_ss(p, lo);
}
template <int kN>
inline __attribute__((always_inline)) __m256 load_lanes(const float* p) {
  __m128 x = _mm_setzero_ps(), y = _mm_setzero_ps();
  const float* q = p;
  if (kN >= 4) {
    x = _mm_loadu_ps(p);
    q += 4;
  }
  constexpr int n = kN >= 4 ? kN - 4 : kN;
  __m128 t = _mm_setzero_ps();
  if (n >= 2) t = _mm_loadl_pi(t, reinterpret_cast<const __m64*>(q));
  if (n == 3) t = _mm_movelh_ps(t, _mm_load_ss(q + 2));
  if (n == 1) t = _mm_load_ss(q);
  if (kN >= 4) {
    y = t;
  } else {
    x = t;
  }
  return _mm256_insertf128_ps(_mm256_castps128_ps256(x), y, 1);
}

// Tile columns [0, ncols) of the 8-column block v[0..kRows) (v[i]: row i) to C transposed:
// column j of the tile is row j of C (kRows floats at c + j*ldc), scaled as the plain store does.
template <int kRows>
inline __attribute__((always_inline)) void store_transposed(const __m256* v, int64_t ncols, float* c, int64_t ldc,
                                                            __m256 va, __m256 vb, float beta) {
  __m256 r[8];
#pragma GCC unroll 8
  for (int i = 0; i < 8; i++) r[i] = i < kRows ? v[i] : _mm256_setzero_ps();
  transpose_8x8_regs(r);
#pragma GCC unroll 8
  for (int j = 0; j < 8; j++) {
    if (j >= ncols) break;
    float* cj = c + j * ldc;
    if (beta == 0) {
      store_lanes<kRows>(cj, _mm256_mul_ps(va, r[j]));
    } else {
      store_lanes<kRows>(cj, _mm256_fmadd_ps(va, r[j], _mm256_mul_ps(vb, load_lanes<kRows>(cj))));
    }
  }
}

// kRows rows of C, kHalves ymm per row (1: nr <= 8). kPacked: A is a packed panel (rs_a = 1,
// cs_a = MR), so every address is a constant offset. kMaskB: B is read in place and ends at
// column nr < NR, so its loads are masked (they must not touch memory beyond it). kTransC: the
// tile is stored transposed (its element (i, j) at c[j*ldc + i]; the driver's narrow-C swap),
// through 8 x 8 transposes in registers; each element gets the same arithmetic as a plain store.
template <int kRows, int kHalves, bool kPacked, bool kMaskB, bool kTransC>
__attribute__((noinline)) void kernel(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b,
                                      int64_t rs_b, float* c, int64_t ldc, int64_t nr, float alpha, float beta) {
  if (kPacked) {
    rs_a = 1;
    cs_a = MR;
  }
  __m256i bm0 = _mm256_setzero_si256(), bm1 = bm0;
  if (kMaskB) {
    bm0 = lane_mask(nr);
    bm1 = lane_mask(nr - 8);
  }
  __m256 lo[kRows], hi[kRows];
#pragma GCC unroll 8
  for (int i = 0; i < kRows; i++) lo[i] = hi[i] = _mm256_setzero_ps();

  // Touch the C tile early: its rows are ldc apart and would otherwise miss at the very end.
  if (!kTransC) {
#pragma GCC unroll 8
    for (int i = 0; i < kRows; i++) {
      _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
      if (kHalves == 2) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + NR - 1), _MM_HINT_T0);
    }
  }

#pragma GCC unroll 4
  for (int64_t p = 0; p < k; p++) {
    __m256 b0, b1;
    if (kMaskB) {
      b0 = _mm256_maskload_ps(b, bm0);
      b1 = kHalves == 2 ? _mm256_maskload_ps(b + 8, bm1) : b0;
    } else {
      b0 = _mm256_loadu_ps(b);
      b1 = kHalves == 2 ? _mm256_loadu_ps(b + 8) : b0;
    }
#pragma GCC unroll 8
    for (int i = 0; i < kRows; i++) {
      const __m256 av = _mm256_broadcast_ss(a + i * rs_a);
      lo[i] = _mm256_fmadd_ps(av, b0, lo[i]);
      if (kHalves == 2) hi[i] = _mm256_fmadd_ps(av, b1, hi[i]);
    }
    a += cs_a;
    b += rs_b;
  }

  const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
  if (kTransC) {
    store_transposed<kRows>(lo, nr, c, ldc, va, vb, beta);
    if (kHalves == 2) store_transposed<kRows>(hi, nr - 8, c + 8 * ldc, ldc, va, vb, beta);
    return;
  }
  if (nr == kHalves * 8) {
#pragma GCC unroll 8
    for (int i = 0; i < kRows; i++) {
      float* ci = c + i * ldc;
      if (beta == 0) {
        _mm256_storeu_ps(ci, _mm256_mul_ps(va, lo[i]));
        if (kHalves == 2) _mm256_storeu_ps(ci + 8, _mm256_mul_ps(va, hi[i]));
      } else {
        _mm256_storeu_ps(ci, _mm256_fmadd_ps(va, lo[i], _mm256_mul_ps(vb, _mm256_loadu_ps(ci))));
        if (kHalves == 2)
          _mm256_storeu_ps(ci + 8, _mm256_fmadd_ps(va, hi[i], _mm256_mul_ps(vb, _mm256_loadu_ps(ci + 8))));
      }
    }
    return;
  }
  const __m256i cm0 = lane_mask(nr), cm1 = lane_mask(nr - 8);
#pragma GCC unroll 8
  for (int i = 0; i < kRows; i++) {
    float* ci = c + i * ldc;
    if (beta == 0) {
      _mm256_maskstore_ps(ci, cm0, _mm256_mul_ps(va, lo[i]));
      if (kHalves == 2) _mm256_maskstore_ps(ci + 8, cm1, _mm256_mul_ps(va, hi[i]));
    } else {
      _mm256_maskstore_ps(ci, cm0, _mm256_fmadd_ps(va, lo[i], _mm256_mul_ps(vb, _mm256_maskload_ps(ci, cm0))));
      if (kHalves == 2)
        _mm256_maskstore_ps(ci + 8, cm1,
                            _mm256_fmadd_ps(va, hi[i], _mm256_mul_ps(vb, _mm256_maskload_ps(ci + 8, cm1))));
    }
  }
}

using Fn = void (*)(int64_t, const float*, int64_t, int64_t, const float*, int64_t, float*, int64_t, int64_t, float,
                    float);

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
const Table<false, 1, 2, 3, 4, 5, 6> kTable;
const Table<true, 1, 2, 3, 4, 5, 6> kTableTransC;
static_assert(MR == 6, "one table entry per row count");

// The 8 x 8 block at s (rows ld apart) transposed into d (rows ld_d apart).
inline __attribute__((always_inline)) void transpose_8x8(const float* s, int64_t ld, float* d, int64_t ld_d) {
  __m256 r[8];
#pragma GCC unroll 8
  for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(s + i * ld);
  transpose_8x8_regs(r);
#pragma GCC unroll 8
  for (int i = 0; i < 8; i++) _mm256_storeu_ps(d + i * ld_d, r[i]);
}

}  // namespace

namespace {
// One entry per table: the instance for the tile's rows, halves, packing and B masking.
template <typename T>
inline void run_tile(const T& table, int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b,
                     int64_t rs_b, float* c, int64_t ldc, int64_t mr, int64_t nr, float alpha, float beta) {
  const bool packed = rs_a == 1 && cs_a == MR;
  const bool mask_b = rs_b != NR && nr < NR;
  table.rows[mr - 1].fn[nr > 8 ? 1 : 0][packed][mask_b](k, a, rs_a, cs_a, b, rs_b, c, ldc, nr, alpha, beta);
}
}  // namespace

void ukernel_f32_6x16_avx2(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b, int64_t rs_b,
                           float* c, int64_t ldc, int64_t mr, int64_t nr, float alpha, float beta) {
  run_tile(kTable, k, a, rs_a, cs_a, b, rs_b, c, ldc, mr, nr, alpha, beta);
}

void ukernel_f32_6x16_avx2_tc(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b, int64_t rs_b,
                              float* c, int64_t ldc, int64_t mr, int64_t nr, float alpha, float beta) {
  run_tile(kTableTransC, k, a, rs_a, cs_a, b, rs_b, c, ldc, mr, nr, alpha, beta);
}

// A transposed B in 8 x 8 blocks (a float at a time, the writes NR floats apart were the bottleneck
// of the transposed products: NT 32x128x512 ran at a quarter of NN's speed).
void pack_b_trans_avx2(const float* b, int64_t ldb, int64_t kc, int64_t nc, int64_t NR, int64_t panel_begin,
                       int64_t panel_end, float* dst) {
  for (int64_t q = panel_begin; q < panel_end; q++) {
    const int64_t j0 = q * NR, nr = nc - j0 < NR ? nc - j0 : NR;
    float* d = dst + q * kc * NR;
    const int64_t nr8 = nr / 8 * 8, kc8 = kc / 8 * 8;
    for (int64_t j = 0; j < nr8; j += 8) {
      const float* s = b + (j0 + j) * ldb;
      for (int64_t p = 0; p < kc8; p += 8) transpose_8x8(s + p, ldb, d + p * NR + j, NR);
      for (int64_t p = kc8; p < kc; p++)
        for (int64_t r = 0; r < 8; r++) d[p * NR + j + r] = s[r * ldb + p];
    }
    if (nr8 == NR) continue;
    for (int64_t p = 0; p < kc; p++)
      for (int64_t j = nr8; j < NR; j++) d[p * NR + j] = j < nr ? b[(j0 + j) * ldb + p] : 0.0f;
  }
}

}  // namespace nativenn::gemm
#endif
