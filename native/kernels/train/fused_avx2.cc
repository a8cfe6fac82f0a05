// The fused loops (fused_loops.inc) built with -mavx2 -mfma (the "avx2" list of native/sources.json);
// called through fused.cc only on the avx2 path or above. Here also the softmax cross-entropy for
// rows of at most 16 classes with the rows in the vector lanes (xent_rows_narrow).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif
#include <immintrin.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/vmath.h"

namespace nativenn::train::avx2 {

namespace {

// vmath::exp_f32 on 8 lanes for x in [−87, 0] or NaN (the max-shifted, clamped logits): the same
// range reduction and polynomial, FMA-contracted as GCC contracts the scalar code in this file's
// vectorized loops, so the same bits as xent_block's exps here. On that range e^x ≥ e^-87 > 2^-126
// is normal and n ≥ −126, so y·2^n is one exact product (exp_f32's two factors and clamps are for
// subnormal and overflowing results).
__m256 exp8_neg(__m256 x) {
  const __m256 shift = _mm256_set1_ps(12582912.0f);
  const __m256 n = _mm256_sub_ps(_mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), shift), shift);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  const __m256 y = _mm256_add_ps(_mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r), _mm256_set1_ps(1.0f));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(n), _mm256_set1_epi32(127)), 23);
  const __m256 result = _mm256_mul_ps(y, _mm256_castsi256_ps(e));
  return _mm256_blendv_ps(result, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
}

// ln x on 4 doubles, for x ≥ 1 or NaN (a row's Σ e^(z − max), which has a term e^0 = 1): fdlibm's
// e_log.c without its branches (x = 2^k·m, m ∈ [√2/2, √2), ln x = k·ln2 + ln(1 + f) with f = m − 1,
// by s = f/(2 + f) and its degree-14 polynomial; both of its final forms, one picked per lane).
// Within 1 ulp (tested against glibc on [1, 16] and on 2^±1000: equal but for 1 ulp in ~3%).
inline __attribute__((always_inline)) __m256d log4(__m256d x) {
  const __m256i bits = _mm256_castpd_si256(x);
  const __m256i hx = _mm256_srli_epi64(bits, 32);  // fdlibm's high word, in each lane's low half
  const __m256i mant_hi = _mm256_and_si256(hx, _mm256_set1_epi64x(0x000fffff));
  // 0x100000 where m ≥ √2 (m halved, k + 1).
  const __m256i i =
      _mm256_and_si256(_mm256_add_epi64(mant_hi, _mm256_set1_epi64x(0x95f64)), _mm256_set1_epi64x(0x100000));
  const __m256i k =
      _mm256_add_epi64(_mm256_sub_epi64(_mm256_srli_epi64(hx, 20), _mm256_set1_epi64x(1023)), _mm256_srli_epi64(i, 20));
  const __m256i m_hi = _mm256_or_si256(mant_hi, _mm256_xor_si256(i, _mm256_set1_epi64x(0x3ff00000)));
  const __m256d m = _mm256_castsi256_pd(
      _mm256_or_si256(_mm256_slli_epi64(m_hi, 32), _mm256_and_si256(bits, _mm256_set1_epi64x(0xffffffff))));
  const __m256d f = _mm256_sub_pd(m, _mm256_set1_pd(1.0));
  // k (|k| < 2^11) as a double, by adding it to the bits of 2^52 + 2^10.
  const __m256d magic = _mm256_set1_pd(4503599627370496.0 + 1024.0);
  const __m256d dk = _mm256_sub_pd(_mm256_castsi256_pd(_mm256_add_epi64(_mm256_castpd_si256(magic), k)), magic);
  const __m256d s = _mm256_div_pd(f, _mm256_add_pd(_mm256_set1_pd(2.0), f));
  const __m256d z = _mm256_mul_pd(s, s), w = _mm256_mul_pd(z, z);
  // The FMAs are written out wherever a product meets a sum, so that no compiler contraction can
  // change a bit (the products left to +/− are exact: k·ln2_hi, 0.5·f²), and fused_avx512.cc's
  // log8 gives the same bits.
  auto c = [](double v) { return _mm256_set1_pd(v); };
  const __m256d p1 = _mm256_fmadd_pd(w, _mm256_fmadd_pd(w, c(1.531383769920937332e-01), c(2.222219843214978396e-01)),
                                     c(3.999999999940941908e-01));
  const __m256d p2 =
      _mm256_fmadd_pd(w,
                      _mm256_fmadd_pd(w, _mm256_fmadd_pd(w, c(1.479819860511658591e-01), c(1.818357216161805012e-01)),
                                      c(2.857142874366239149e-01)),
                      c(6.666666666666735130e-01));
  const __m256d R = _mm256_fmadd_pd(z, p2, _mm256_mul_pd(w, p1));
  const __m256d k_ln2_hi = _mm256_mul_pd(dk, c(6.93147180369123816490e-01));
  const __m256d k_ln2_lo = _mm256_mul_pd(dk, c(1.90821492927058770002e-10));
  const __m256d hfsq = _mm256_mul_pd(c(0.5), _mm256_mul_pd(f, f));
  // fdlibm: k·ln2_hi − ((hfsq − (s·(hfsq + R) + k·ln2_lo)) − f) for mantissa bits in (0x6147a,
  // 0x6b851), k·ln2_hi − ((s·(f − R) − k·ln2_lo) − f) elsewhere.
  const __m256d a = _mm256_sub_pd(
      k_ln2_hi, _mm256_sub_pd(_mm256_sub_pd(hfsq, _mm256_fmadd_pd(s, _mm256_add_pd(hfsq, R), k_ln2_lo)), f));
  const __m256d b = _mm256_sub_pd(k_ln2_hi, _mm256_sub_pd(_mm256_fmsub_pd(s, _mm256_sub_pd(f, R), k_ln2_lo), f));
  const __m256i mid = _mm256_and_si256(_mm256_cmpgt_epi64(mant_hi, _mm256_set1_epi64x(0x6147a)),
                                       _mm256_cmpgt_epi64(_mm256_set1_epi64x(0x6b851), mant_hi));
  const __m256d r = _mm256_blendv_pd(b, a, _mm256_castsi256_pd(mid));
  return _mm256_blendv_pd(r, x, _mm256_cmp_pd(x, x, _CMP_UNORD_Q));
}

// v[j] (lane i) ↔ v[i] (lane j).
inline __attribute__((always_inline)) void transpose8(__m256 v[8]) {
  const __m256 t0 = _mm256_unpacklo_ps(v[0], v[1]), t1 = _mm256_unpackhi_ps(v[0], v[1]);
  const __m256 t2 = _mm256_unpacklo_ps(v[2], v[3]), t3 = _mm256_unpackhi_ps(v[2], v[3]);
  const __m256 t4 = _mm256_unpacklo_ps(v[4], v[5]), t5 = _mm256_unpackhi_ps(v[4], v[5]);
  const __m256 t6 = _mm256_unpacklo_ps(v[6], v[7]), t7 = _mm256_unpackhi_ps(v[6], v[7]);
  const __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xee);
  const __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xee);
  const __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xee);
  const __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xee);
  v[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
  v[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
  v[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
  v[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
  v[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
  v[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
  v[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
  v[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

// The first w ≤ 8 lanes set.
__m256i first_lanes(int64_t w) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(w)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// out[c] (lane r) = m[r · cols + c] for the n rows and cols ≤ 16 columns of m; lanes of rows ≥ n
// and columns ≥ cols are 0. Columns go 8 at a time through an 8×8 transpose; a partial group is
// read with a masked load (no byte past a row is touched).
inline __attribute__((always_inline)) void load_columns(__m256 out[16], const float* m, int64_t n, int64_t cols) {
  for (int64_t c0 = 0; c0 < cols; c0 += 8) {
    const int64_t w = cols - c0 < 8 ? cols - c0 : 8;
    const __m256i mask = first_lanes(w);
    __m256* v = out + c0;
    for (int64_t r = 0; r < 8; r++)
      v[r] = r >= n   ? _mm256_setzero_ps()
             : w == 8 ? _mm256_loadu_ps(m + r * cols + c0)
                      : _mm256_maskload_ps(m + r * cols + c0, mask);
    transpose8(v);
  }
}

// m[r · cols + c] = v[c] (lane r) for the n rows and cols ≤ 16 columns: load_columns' inverse. A
// partial group is stored by lanes from a copy on the stack (AMD's masked stores are microcoded).
inline __attribute__((always_inline)) void store_columns(float* m, __m256 v[16], int64_t n, int64_t cols) {
  for (int64_t c0 = 0; c0 < cols; c0 += 8) {
    const int64_t w = cols - c0 < 8 ? cols - c0 : 8;
    __m256 rows[8];
    for (int64_t j = 0; j < 8; j++) rows[j] = v[c0 + j];
    transpose8(rows);
    for (int64_t r = 0; r < n; r++) {
      float* dst = m + r * cols + c0;
      if (w == 8) {
        _mm256_storeu_ps(dst, rows[r]);
      } else {
        alignas(32) float lanes[8];
        _mm256_store_ps(lanes, rows[r]);
        for (int64_t j = 0; j < w; j++) dst[j] = lanes[j];
      }
    }
  }
}

}  // namespace

// Rows [0, rows) of a softmax cross-entropy with cols ≤ 16 classes, in groups of 8 rows with row r
// of a group in lane r of one vector per class: the per-row reductions (max, Σp, Σt, the loss
// terms) become vector operations over classes, in column order, so each row's probs and grad get
// the bits of fused_loops.inc's xent_block (the same formulas, order and exp); its loss differs
// only by log4's rounding (≤ 1 ulp of the log in double, where xent_block calls libm). A group's
// loss is added to the total as xent_block's blocks (8 rows) and single rows are. A group of
// fewer than 8 rows pads its lanes with zeros, never stored. Up to kChunk rows go through each
// step together (exps, then logs, then the rest), so that groups overlap instead of each waiting
// on its own chain of max, Σ and log. Returns the sum of the rows' losses.
double xent_rows_narrow(float* probs, float* grad, const float* logits, const float* target, int64_t rows, int64_t cols,
                        bool sparse, float inv_rows) {
  constexpr int64_t kChunk = 64;
  const __m256 floor87 = _mm256_set1_ps(-87.0f), vrows = _mm256_set1_ps(inv_rows), one = _mm256_set1_ps(1.0f);
  const __m256d dzero = _mm256_setzero_pd();
  __m256 z[kChunk / 8][16], p[kChunk / 8][16], t[16], max[kChunk / 8], sum[kChunk / 8];
  __m256d lse[kChunk / 8][2];
  double total = 0;
  for (int64_t r0 = 0; r0 < rows; r0 += kChunk) {
    const int64_t groups = ((rows - r0 < kChunk ? rows - r0 : kChunk) + 7) / 8;
    // 1. Row maxima (maxps(a, b) = a > b ? a : b: a NaN logit after the first is passed over, a
    // NaN first one stays, as xent_block's comparisons); p = e^max(−87, z − max) (NaN stays NaN)
    // and Σp in column order.
    for (int64_t q = 0; q < groups; q++) {
      const int64_t g0 = r0 + q * 8, n = rows - g0 < 8 ? rows - g0 : 8;
      load_columns(z[q], logits + g0 * cols, n, cols);
      __m256 m = z[q][0];
      for (int64_t c = 1; c < cols; c++) m = _mm256_max_ps(z[q][c], m);
      __m256 s = _mm256_setzero_ps();
      for (int64_t c = 0; c < cols; c++) {
        p[q][c] = exp8_neg(_mm256_max_ps(floor87, _mm256_sub_ps(z[q][c], m)));
        s = _mm256_add_ps(s, p[q][c]);
      }
      max[q] = m;
      sum[q] = s;
    }
    // 2. Log-sum-exps in double.
    for (int64_t q = 0; q < groups; q++) {
      lse[q][0] = _mm256_add_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(max[q])),
                                log4(_mm256_cvtps_pd(_mm256_castps256_ps128(sum[q]))));
      lse[q][1] = _mm256_add_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(max[q], 1)),
                                log4(_mm256_cvtps_pd(_mm256_extractf128_ps(sum[q], 1))));
    }
    // 3. The loss, p normalized, the grad.
    for (int64_t q = 0; q < groups; q++) {
      const int64_t g0 = r0 + q * 8, n = rows - g0 < 8 ? rows - g0 : 8;
      const __m256 inv_sum = _mm256_div_ps(one, sum[q]);
      __m256d loss_lo = dzero, loss_hi = dzero;
      if (sparse) {
        // Loss lse − z[label]; grad p/rows, (p − 1)/rows at the label.
        const __m256i label = _mm256_cvttps_epi32(_mm256_maskload_ps(target + g0, first_lanes(n)));
        __m256 z_label = _mm256_setzero_ps();
        for (int64_t c = 0; c < cols; c++) {
          const __m256 hit = _mm256_castsi256_ps(_mm256_cmpeq_epi32(label, _mm256_set1_epi32(static_cast<int>(c))));
          z_label = _mm256_blendv_ps(z_label, z[q][c], hit);
          const __m256 pc = _mm256_mul_ps(p[q][c], inv_sum);
          p[q][c] = pc;
          t[c] = _mm256_blendv_ps(_mm256_mul_ps(pc, vrows), _mm256_mul_ps(_mm256_sub_ps(pc, one), vrows), hit);
        }
        loss_lo = _mm256_sub_pd(lse[q][0], _mm256_cvtps_pd(_mm256_castps256_ps128(z_label)));
        loss_hi = _mm256_sub_pd(lse[q][1], _mm256_cvtps_pd(_mm256_extractf128_ps(z_label, 1)));
      } else {
        // Σt; the loss Σ t·(lse − z) in double over t ≠ 0 (the others skipped, not multiplied: z
        // may be −inf there); grad = (p·Σt − t)/rows, into t.
        load_columns(t, target + g0 * cols, n, cols);
        __m256 t_sum = _mm256_setzero_ps();
        for (int64_t c = 0; c < cols; c++) t_sum = _mm256_add_ps(t_sum, t[c]);
        for (int64_t c = 0; c < cols; c++) {
          const __m256d t_lo = _mm256_cvtps_pd(_mm256_castps256_ps128(t[c]));
          const __m256d t_hi = _mm256_cvtps_pd(_mm256_extractf128_ps(t[c], 1));
          const __m256d z_lo = _mm256_cvtps_pd(_mm256_castps256_ps128(z[q][c]));
          const __m256d z_hi = _mm256_cvtps_pd(_mm256_extractf128_ps(z[q][c], 1));
          const __m256d term_lo = _mm256_mul_pd(t_lo, _mm256_sub_pd(lse[q][0], z_lo));
          const __m256d term_hi = _mm256_mul_pd(t_hi, _mm256_sub_pd(lse[q][1], z_hi));
          loss_lo = _mm256_add_pd(loss_lo, _mm256_and_pd(_mm256_cmp_pd(t_lo, dzero, _CMP_NEQ_UQ), term_lo));
          loss_hi = _mm256_add_pd(loss_hi, _mm256_and_pd(_mm256_cmp_pd(t_hi, dzero, _CMP_NEQ_UQ), term_hi));
          const __m256 pc = _mm256_mul_ps(p[q][c], inv_sum);
          p[q][c] = pc;
          t[c] = _mm256_mul_ps(_mm256_fmsub_ps(pc, t_sum, t[c]), vrows);
        }
      }
      store_columns(probs + g0 * cols, p[q], n, cols);
      store_columns(grad + g0 * cols, t, n, cols);
      // The total: a group of 8 as one block sum, the rows of a shorter one one by one.
      alignas(32) double loss[8];
      _mm256_store_pd(loss, loss_lo);
      _mm256_store_pd(loss + 4, loss_hi);
      if (n == 8) {
        double block = 0;
        for (int64_t r = 0; r < 8; r++) block += loss[r];
        total += block;
      } else {
        for (int64_t r = 0; r < n; r++) total += loss[r];
      }
    }
  }
  return total;
}

#define NATIVENN_FUSED_XENT_ROWS_NARROW 1
#include "kernels/train/fused_loops.inc"

}  // namespace nativenn::train::avx2
