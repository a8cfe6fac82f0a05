// The fused loops (fused_loops.inc) built with -mavx512f (the "avx512" list of native/sources.json);
// called through fused.cc only on the avx512 path or above. Here also the softmax cross-entropy
// for rows of at most 16 classes, one zmm per row (xent_rows_narrow).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
// GCC 12's AVX-512 reductions and extracts start from an undefined vector it then warns about.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/vmath.h"

namespace nativenn::train::avx512 {

namespace {

// vmath::exp_f32 on 16 lanes: the same range reduction and polynomial (FMA-contracted as the
// compiler contracts the scalar code here), the same special values.
__m512 exp16(__m512 x) {
  __m512 xc = _mm512_min_ps(x, _mm512_set1_ps(88.75f));
  xc = _mm512_max_ps(xc, _mm512_set1_ps(-104.0f));
  const __m512 shift = _mm512_set1_ps(12582912.0f);
  const __m512 n = _mm512_sub_ps(_mm512_fmadd_ps(xc, _mm512_set1_ps(1.44269504088896341f), shift), shift);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), xc);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  const __m512 y = _mm512_add_ps(_mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r), _mm512_set1_ps(1.0f));
  // y · 2^n as 2^(n/2) · 2^(n − n/2), each built from exponent bits.
  const __m512i ni = _mm512_cvttps_epi32(n);
  const __m512i n1 = _mm512_srai_epi32(_mm512_add_epi32(ni, _mm512_srli_epi32(ni, 31)), 1);  // n / 2 toward 0
  const __m512i n2 = _mm512_sub_epi32(ni, n1);
  const __m512i bias = _mm512_set1_epi32(127);
  const __m512 f1 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(n1, bias), 23));
  const __m512 f2 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(n2, bias), 23));
  const __m512 result = _mm512_mul_ps(_mm512_mul_ps(y, f1), f2);
  const __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
  return _mm512_mask_blend_ps(nan, result, x);
}

}  // namespace

// Rows [0, rows) of a softmax cross-entropy with cols <= 16 classes, each row in one zmm: the
// formulas of fused_loops.inc's xent_block (max-shifted e^z clamped at −87, loss by log-sum-exp in
// double, grad = (p·Σt − t)/rows), with the row's max and sums as vector reductions (a tree, not
// column order: the results differ from the other paths' by float rounding). In passes over up
// to kChunk rows (exps, then logs, then the rest), so that rows overlap instead of each waiting on
// its own chain of reductions. Returns the sum of the rows' losses.
double xent_rows_narrow(float* probs, float* grad, const float* logits, const float* target, int64_t rows, int64_t cols,
                        bool sparse, float inv_rows) {
  constexpr int64_t kChunk = 64;
  const __mmask16 m = static_cast<__mmask16>((1u << cols) - 1);
  const __mmask8 lo = static_cast<__mmask8>(m), hi = static_cast<__mmask8>(m >> 8);
  const __m512 neg_inf = _mm512_set1_ps(-INFINITY), floor87 = _mm512_set1_ps(-87.0f);
  const __m512 vrows = _mm512_set1_ps(inv_rows);
  float max[kChunk], sum[kChunk];
  double lse[kChunk];
  double total = 0;
  for (int64_t r0 = 0; r0 < rows; r0 += kChunk) {
    const int64_t n = rows - r0 < kChunk ? rows - r0 : kChunk;
    const float* z0 = logits + r0 * cols;
    float* p0 = probs + r0 * cols;
    float* g0 = grad + r0 * cols;
    // 1. e = e^max(−87, z − max) into probs; its sum. (maxps returns its second operand on NaN:
    // NaN stays NaN.)
    for (int64_t r = 0; r < n; r++) {
      const __m512 z = _mm512_mask_loadu_ps(neg_inf, m, z0 + r * cols);
      max[r] = _mm512_reduce_max_ps(z);
      const __m512 shifted = _mm512_max_ps(floor87, _mm512_sub_ps(z, _mm512_set1_ps(max[r])));
      const __m512 e = _mm512_maskz_mov_ps(m, exp16(shifted));
      sum[r] = _mm512_reduce_add_ps(e);
      _mm512_mask_storeu_ps(p0 + r * cols, m, e);
    }
    // 2. The log-sum-exps (independent calls).
    for (int64_t r = 0; r < n; r++) lse[r] = max[r] + std::log(static_cast<double>(sum[r]));
    // 3. p normalized, the loss terms and the grad.
    for (int64_t r = 0; r < n; r++) {
      const float* zr = z0 + r * cols;
      float* pr = p0 + r * cols;
      float* gr = g0 + r * cols;
      const __m512 p = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, pr), _mm512_set1_ps(1.0f / sum[r]));
      _mm512_mask_storeu_ps(pr, m, p);
      if (sparse) {
        const int64_t label = static_cast<int64_t>(target[r0 + r]);
        total += lse[r] - zr[label];
        _mm512_mask_storeu_ps(gr, m, _mm512_mul_ps(p, vrows));
        gr[label] = (pr[label] - 1.0f) * inv_rows;
        continue;
      }
      const __m512 t = _mm512_maskz_loadu_ps(m, target + (r0 + r) * cols);
      const __m512 z = _mm512_maskz_loadu_ps(m, zr);
      const float t_sum = _mm512_reduce_add_ps(t);
      // Σ t·(lse − z) over t ≠ 0, in double (terms with t = 0 are skipped: z may be -inf there).
      const __m512d vlse = _mm512_set1_pd(lse[r]);
      const __mmask16 nz = _mm512_mask_cmp_ps_mask(m, t, _mm512_setzero_ps(), _CMP_NEQ_UQ);
      const __m512d t_lo = _mm512_cvtps_pd(_mm512_castps512_ps256(t));
      const __m512d t_hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(t), 1)));
      const __m512d z_lo = _mm512_cvtps_pd(_mm512_castps512_ps256(z));
      const __m512d z_hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(z), 1)));
      const __m512d l_lo = _mm512_maskz_mul_pd(static_cast<__mmask8>(nz) & lo, t_lo, _mm512_sub_pd(vlse, z_lo));
      const __m512d l_hi = _mm512_maskz_mul_pd(static_cast<__mmask8>(nz >> 8) & hi, t_hi, _mm512_sub_pd(vlse, z_hi));
      total += _mm512_reduce_add_pd(_mm512_add_pd(l_lo, l_hi));
      _mm512_mask_storeu_ps(gr, m, _mm512_mul_ps(_mm512_fmsub_ps(p, _mm512_set1_ps(t_sum), t), vrows));
    }
  }
  return total;
}

#define NATIVENN_FUSED_XENT_ROWS_NARROW 1
#include "kernels/train/fused_loops.inc"

}  // namespace nativenn::train::avx512
