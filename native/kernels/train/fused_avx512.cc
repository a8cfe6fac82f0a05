// The fused loops (fused_loops.inc) built with -mavx512f (the "avx512" list of native/sources.json);
// called through fused.cc only on the avx512 path or above. Here also the softmax cross-entropy for
// rows of at most 16 classes with the rows in the vector lanes (xent_rows_narrow): fused_avx2.cc's
// loop on 16 lanes, with the same bits.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
// GCC 12's AVX-512 extracts start from an undefined vector it then warns about.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/vmath.h"

namespace nativenn::train::avx512 {

namespace {

// fused_avx2.cc's exp8_neg on 16 lanes (vmath::exp_f32 for x in [−87, 0] or NaN).
inline __attribute__((always_inline)) __m512 exp16_neg(__m512 x) {
  const __m512 shift = _mm512_set1_ps(12582912.0f);
  const __m512 n = _mm512_sub_ps(_mm512_fmadd_ps(x, _mm512_set1_ps(1.44269504088896341f), shift), shift);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  const __m512 y = _mm512_add_ps(_mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r), _mm512_set1_ps(1.0f));
  const __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvttps_epi32(n), _mm512_set1_epi32(127)), 23);
  const __m512 result = _mm512_mul_ps(y, _mm512_castsi512_ps(e));
  return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), result, x);
}

// fused_avx2.cc's log4 on 8 doubles (fdlibm's ln, for x ≥ 1 or NaN), operation for operation.
inline __attribute__((always_inline)) __m512d log8(__m512d x) {
  const __m512i bits = _mm512_castpd_si512(x);
  const __m512i hx = _mm512_srli_epi64(bits, 32);
  const __m512i mant_hi = _mm512_and_si512(hx, _mm512_set1_epi64(0x000fffff));
  const __m512i i =
      _mm512_and_si512(_mm512_add_epi64(mant_hi, _mm512_set1_epi64(0x95f64)), _mm512_set1_epi64(0x100000));
  const __m512i k =
      _mm512_add_epi64(_mm512_sub_epi64(_mm512_srli_epi64(hx, 20), _mm512_set1_epi64(1023)), _mm512_srli_epi64(i, 20));
  const __m512i m_hi = _mm512_or_si512(mant_hi, _mm512_xor_si512(i, _mm512_set1_epi64(0x3ff00000)));
  const __m512d m = _mm512_castsi512_pd(
      _mm512_or_si512(_mm512_slli_epi64(m_hi, 32), _mm512_and_si512(bits, _mm512_set1_epi64(0xffffffff))));
  const __m512d f = _mm512_sub_pd(m, _mm512_set1_pd(1.0));
  const __m512d magic = _mm512_set1_pd(4503599627370496.0 + 1024.0);
  const __m512d dk = _mm512_sub_pd(_mm512_castsi512_pd(_mm512_add_epi64(_mm512_castpd_si512(magic), k)), magic);
  const __m512d s = _mm512_div_pd(f, _mm512_add_pd(_mm512_set1_pd(2.0), f));
  const __m512d z = _mm512_mul_pd(s, s), w = _mm512_mul_pd(z, z);
  auto c = [](double v) { return _mm512_set1_pd(v); };
  const __m512d p1 = _mm512_fmadd_pd(w, _mm512_fmadd_pd(w, c(1.531383769920937332e-01), c(2.222219843214978396e-01)),
                                     c(3.999999999940941908e-01));
  const __m512d p2 =
      _mm512_fmadd_pd(w,
                      _mm512_fmadd_pd(w, _mm512_fmadd_pd(w, c(1.479819860511658591e-01), c(1.818357216161805012e-01)),
                                      c(2.857142874366239149e-01)),
                      c(6.666666666666735130e-01));
  const __m512d R = _mm512_fmadd_pd(z, p2, _mm512_mul_pd(w, p1));
  const __m512d k_ln2_hi = _mm512_mul_pd(dk, c(6.93147180369123816490e-01));
  const __m512d k_ln2_lo = _mm512_mul_pd(dk, c(1.90821492927058770002e-10));
  const __m512d hfsq = _mm512_mul_pd(c(0.5), _mm512_mul_pd(f, f));
  const __m512d a = _mm512_sub_pd(
      k_ln2_hi, _mm512_sub_pd(_mm512_sub_pd(hfsq, _mm512_fmadd_pd(s, _mm512_add_pd(hfsq, R), k_ln2_lo)), f));
  const __m512d b = _mm512_sub_pd(k_ln2_hi, _mm512_sub_pd(_mm512_fmsub_pd(s, _mm512_sub_pd(f, R), k_ln2_lo), f));
  const __mmask8 mid = _mm512_cmpgt_epi64_mask(mant_hi, _mm512_set1_epi64(0x6147a)) &
                       _mm512_cmpgt_epi64_mask(_mm512_set1_epi64(0x6b851), mant_hi);
  const __m512d r = _mm512_mask_blend_pd(mid, b, a);
  return _mm512_mask_blend_pd(_mm512_cmp_pd_mask(x, x, _CMP_UNORD_Q), r, x);
}

// v[j] (lane i) ↔ v[i] (lane j), 16×16.
inline __attribute__((always_inline)) void transpose16(__m512 v[16]) {
  __m512 t[16];
  for (int j = 0; j < 16; j += 2) {
    t[j] = _mm512_unpacklo_ps(v[j], v[j + 1]);
    t[j + 1] = _mm512_unpackhi_ps(v[j], v[j + 1]);
  }
  for (int j = 0; j < 16; j += 4)
    for (int h = 0; h < 2; h++) {
      const __m512d a = _mm512_castps_pd(t[j + h]), b = _mm512_castps_pd(t[j + h + 2]);
      v[j + 2 * h] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, b));
      v[j + 2 * h + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, b));
    }
  // Now 128-bit lane L of v[4i + e] holds column 4L + e of rows 4i … 4i + 3: a 4×4 transpose of
  // 128-bit lanes across v[e], v[4 + e], v[8 + e], v[12 + e] finishes it.
  for (int j = 0; j < 16; j += 8)
    for (int h = 0; h < 4; h++) {
      t[j + h] = _mm512_shuffle_f32x4(v[j + h], v[j + h + 4], 0x88);
      t[j + h + 4] = _mm512_shuffle_f32x4(v[j + h], v[j + h + 4], 0xdd);
    }
  for (int h = 0; h < 8; h++) {
    v[h] = _mm512_shuffle_f32x4(t[h], t[h + 8], 0x88);
    v[h + 8] = _mm512_shuffle_f32x4(t[h], t[h + 8], 0xdd);
  }
}

// out[c] (lane r) = m[r · cols + c] for the n ≤ 16 rows and cols ≤ 16 columns of m; other lanes 0
// (masked loads: no byte past a row is touched).
inline __attribute__((always_inline)) void load_columns(__m512 out[16], const float* m, int64_t n, int64_t cols) {
  const __mmask16 mask = static_cast<__mmask16>((1u << cols) - 1);
  for (int64_t r = 0; r < 16; r++) out[r] = r < n ? _mm512_maskz_loadu_ps(mask, m + r * cols) : _mm512_setzero_ps();
  transpose16(out);
}

// m[r · cols + c] = v[c] (lane r) for the n rows and cols columns: load_columns' inverse.
inline __attribute__((always_inline)) void store_columns(float* m, const __m512 v[16], int64_t n, int64_t cols) {
  const __mmask16 mask = static_cast<__mmask16>((1u << cols) - 1);
  __m512 rows[16];
  for (int64_t j = 0; j < 16; j++) rows[j] = v[j];
  transpose16(rows);
  for (int64_t r = 0; r < n; r++) _mm512_mask_storeu_ps(m + r * cols, mask, rows[r]);
}

inline __m512d lo_pd(__m512 v) { return _mm512_cvtps_pd(_mm512_castps512_ps256(v)); }
inline __m512d hi_pd(__m512 v) {
  return _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
}

}  // namespace

// fused_avx2.cc's xent_rows_narrow with 16 rows per group (row r of a group in lane r of one zmm
// per class): each row's formulas, order and exp are that loop's, and so are its bits (probs, grad
// and loss); the total adds each aligned 8 rows of a full group as one block sum and the rows of
// a partial 8 one by one, as that loop (and xent_block) does.
double xent_rows_narrow(float* probs, float* grad, const float* logits, const float* target, int64_t rows, int64_t cols,
                        bool sparse, float inv_rows) {
  constexpr int64_t kChunk = 64;
  const __m512 floor87 = _mm512_set1_ps(-87.0f), vrows = _mm512_set1_ps(inv_rows), one = _mm512_set1_ps(1.0f);
  const __m512d dzero = _mm512_setzero_pd();
  __m512 z[kChunk / 16][16], p[kChunk / 16][16], t[16], max[kChunk / 16], sum[kChunk / 16];
  __m512d lse[kChunk / 16][2];
  double total = 0;
  for (int64_t r0 = 0; r0 < rows; r0 += kChunk) {
    const int64_t groups = ((rows - r0 < kChunk ? rows - r0 : kChunk) + 15) / 16;
    for (int64_t q = 0; q < groups; q++) {
      const int64_t g0 = r0 + q * 16, n = rows - g0 < 16 ? rows - g0 : 16;
      load_columns(z[q], logits + g0 * cols, n, cols);
      __m512 m = z[q][0];
      for (int64_t c = 1; c < cols; c++) m = _mm512_max_ps(z[q][c], m);
      __m512 s = _mm512_setzero_ps();
      for (int64_t c = 0; c < cols; c++) {
        p[q][c] = exp16_neg(_mm512_max_ps(floor87, _mm512_sub_ps(z[q][c], m)));
        s = _mm512_add_ps(s, p[q][c]);
      }
      max[q] = m;
      sum[q] = s;
    }
    for (int64_t q = 0; q < groups; q++) {
      lse[q][0] = _mm512_add_pd(lo_pd(max[q]), log8(lo_pd(sum[q])));
      lse[q][1] = _mm512_add_pd(hi_pd(max[q]), log8(hi_pd(sum[q])));
    }
    for (int64_t q = 0; q < groups; q++) {
      const int64_t g0 = r0 + q * 16, n = rows - g0 < 16 ? rows - g0 : 16;
      const __m512 inv_sum = _mm512_div_ps(one, sum[q]);
      __m512d loss_lo = dzero, loss_hi = dzero;
      if (sparse) {
        const __m512i label =
            _mm512_cvttps_epi32(_mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << n) - 1), target + g0));
        __m512 z_label = _mm512_setzero_ps();
        for (int64_t c = 0; c < cols; c++) {
          const __mmask16 hit = _mm512_cmpeq_epi32_mask(label, _mm512_set1_epi32(static_cast<int>(c)));
          z_label = _mm512_mask_blend_ps(hit, z_label, z[q][c]);
          const __m512 pc = _mm512_mul_ps(p[q][c], inv_sum);
          p[q][c] = pc;
          t[c] = _mm512_mask_blend_ps(hit, _mm512_mul_ps(pc, vrows), _mm512_mul_ps(_mm512_sub_ps(pc, one), vrows));
        }
        loss_lo = _mm512_sub_pd(lse[q][0], lo_pd(z_label));
        loss_hi = _mm512_sub_pd(lse[q][1], hi_pd(z_label));
      } else {
        load_columns(t, target + g0 * cols, n, cols);
        __m512 t_sum = _mm512_setzero_ps();
        for (int64_t c = 0; c < cols; c++) t_sum = _mm512_add_ps(t_sum, t[c]);
        for (int64_t c = 0; c < cols; c++) {
          const __m512d t_lo = lo_pd(t[c]), t_hi = hi_pd(t[c]);
          const __m512d term_lo = _mm512_mul_pd(t_lo, _mm512_sub_pd(lse[q][0], lo_pd(z[q][c])));
          const __m512d term_hi = _mm512_mul_pd(t_hi, _mm512_sub_pd(lse[q][1], hi_pd(z[q][c])));
          // Terms with t = 0 skipped (z may be −inf there): +0 added instead.
          loss_lo = _mm512_add_pd(loss_lo, _mm512_maskz_mov_pd(_mm512_cmp_pd_mask(t_lo, dzero, _CMP_NEQ_UQ), term_lo));
          loss_hi = _mm512_add_pd(loss_hi, _mm512_maskz_mov_pd(_mm512_cmp_pd_mask(t_hi, dzero, _CMP_NEQ_UQ), term_hi));
          const __m512 pc = _mm512_mul_ps(p[q][c], inv_sum);
          p[q][c] = pc;
          t[c] = _mm512_mul_ps(_mm512_fmsub_ps(pc, t_sum, t[c]), vrows);
        }
      }
      store_columns(probs + g0 * cols, p[q], n, cols);
      store_columns(grad + g0 * cols, t, n, cols);
      alignas(64) double loss[16];
      _mm512_store_pd(loss, loss_lo);
      _mm512_store_pd(loss + 8, loss_hi);
      for (int64_t h = 0; h < n; h += 8) {
        if (n - h >= 8) {
          double block = 0;
          for (int64_t r = h; r < h + 8; r++) block += loss[r];
          total += block;
        } else {
          for (int64_t r = h; r < n; r++) total += loss[r];
        }
      }
    }
  }
  return total;
}

#define NATIVENN_FUSED_XENT_ROWS_NARROW 1
#include "kernels/train/fused_loops.inc"

}  // namespace nativenn::train::avx512
