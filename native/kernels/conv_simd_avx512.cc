// conv_simd_loops.inc with 16-float AVX-512 vectors and mask registers. This file alone is
// compiled with -mavx512f (the "avx512" list of native/sources.json) and is only called on the
// AVX-512 path (conv_simd::loops()). On other architectures it compiles to nothing.
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include <algorithm>

#include "kernels/conv_simd.h"

namespace nativenn::conv_simd::avx512 {
namespace {

constexpr int kLanes = 16;
using Vf = __m512;
using Vi = __m512i;
using Mask = __mmask16;

inline Mask first_n(int n) { return n >= kLanes ? Mask(0xFFFF) : static_cast<Mask>((1u << n) - 1); }
inline Vf vzero() { return _mm512_setzero_ps(); }
inline Vf vset1(float v) { return _mm512_set1_ps(v); }
inline Vf vload(const float* p) { return _mm512_loadu_ps(p); }
inline Vf vload_n(const float* p, int n) { return n >= kLanes ? vload(p) : _mm512_maskz_loadu_ps(first_n(n), p); }
inline void vstore(float* p, Vf v) { _mm512_storeu_ps(p, v); }
inline void vstore_n(float* p, Vf v, int n) {
  if (n >= kLanes)
    vstore(p, v);
  else
    _mm512_mask_storeu_ps(p, first_n(n), v);
}
inline Vf vfma(Vf a, Vf b, Vf c) { return _mm512_fmadd_ps(a, b, c); }
inline Vf vadd(Vf a, Vf b) { return _mm512_add_ps(a, b); }
inline Vf vmul(Vf a, Vf b) { return _mm512_mul_ps(a, b); }
inline Vi iset1(int32_t v) { return _mm512_set1_epi32(v); }
inline Vi iload(const int32_t* p) { return _mm512_loadu_si512(p); }
inline Vf vsub(Vf a, Vf b) { return _mm512_sub_ps(a, b); }
inline Vi iload_n(const int32_t* p, int n) { return _mm512_maskz_loadu_epi32(first_n(n), p); }
inline void istore_n(int32_t* p, Vi v, int n) { _mm512_mask_storeu_epi32(p, first_n(n), v); }
// base + lane
inline Vi iramp(int32_t base) {
  return _mm512_add_epi32(_mm512_set1_epi32(base),
                          _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
}
inline Mask greater(Vf a, Vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
inline Vf select(Mask m, Vf a, Vf b) { return _mm512_mask_blend_ps(m, b, a); }  // m ? a : b
inline Vi iselect(Mask m, Vi a, Vi b) { return _mm512_mask_blend_epi32(m, b, a); }
inline Mask iequal(Vi a, Vi b) { return _mm512_cmpeq_epi32_mask(a, b); }
inline Mask mask_and(Mask a, Mask b) { return a & b; }
inline Mask mask_or(Mask a, Mask b) { return a | b; }
inline Mask mask_none() { return 0; }
inline unsigned mask_bits(Mask m) { return m; }
// p[lane] += v[lane] where m is set; other lanes are neither read nor written.
inline void add_masked(float* p, Vf v, Mask m) { _mm512_mask_storeu_ps(p, m, vadd(_mm512_maskz_loadu_ps(m, p), v)); }

}  // namespace

#include "kernels/conv_simd_loops.inc"

}  // namespace nativenn::conv_simd::avx512
#endif
