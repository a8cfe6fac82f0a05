// conv_simd_loops.inc with 8-float AVX2 vectors; masks are vectors of all-ones lanes. This file
// alone is compiled with -mavx2 -mfma (the "avx2" list of native/sources.json) and is only called
// on the AVX2 and AVX-512 paths (conv_simd::loops()). On other architectures it compiles to
// nothing.
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include <algorithm>

#include "kernels/conv_simd.h"

namespace nativenn::conv_simd::avx2 {
namespace {

constexpr int kLanes = 8;
using Vf = __m256;
using Vi = __m256i;
using Mask = __m256i;

// first_n(n): lanes [0, n) set, read from a window of this table.
alignas(64) constexpr int32_t kFirstN[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
inline Mask first_n(int n) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kFirstN + kLanes - std::min(n, kLanes)));
}
inline Vf vzero() { return _mm256_setzero_ps(); }
inline Vf vset1(float v) { return _mm256_set1_ps(v); }
inline Vf vload(const float* p) { return _mm256_loadu_ps(p); }
inline Vf vload_n(const float* p, int n) { return n >= kLanes ? vload(p) : _mm256_maskload_ps(p, first_n(n)); }
inline void vstore(float* p, Vf v) { _mm256_storeu_ps(p, v); }
inline void vstore_n(float* p, Vf v, int n) {
  if (n >= kLanes)
    vstore(p, v);
  else
    _mm256_maskstore_ps(p, first_n(n), v);
}
inline Vf vfma(Vf a, Vf b, Vf c) { return _mm256_fmadd_ps(a, b, c); }
inline Vf vadd(Vf a, Vf b) { return _mm256_add_ps(a, b); }
inline Vf vmul(Vf a, Vf b) { return _mm256_mul_ps(a, b); }
inline Vi iset1(int32_t v) { return _mm256_set1_epi32(v); }
inline Vi iload(const int32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
inline Vf vsub(Vf a, Vf b) { return _mm256_sub_ps(a, b); }
inline Vi iload_n(const int32_t* p, int n) { return _mm256_maskload_epi32(p, first_n(n)); }
inline void istore_n(int32_t* p, Vi v, int n) { _mm256_maskstore_epi32(p, first_n(n), v); }
// base + lane
inline Vi iramp(int32_t base) {
  return _mm256_add_epi32(_mm256_set1_epi32(base), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
inline Mask greater(Vf a, Vf b) { return _mm256_castps_si256(_mm256_cmp_ps(a, b, _CMP_GT_OQ)); }
inline Vf select(Mask m, Vf a, Vf b) { return _mm256_blendv_ps(b, a, _mm256_castsi256_ps(m)); }  // m ? a : b
inline Vi iselect(Mask m, Vi a, Vi b) {
  return _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(b), _mm256_castsi256_ps(a), _mm256_castsi256_ps(m)));
}
inline Mask iequal(Vi a, Vi b) { return _mm256_cmpeq_epi32(a, b); }
inline Mask mask_and(Mask a, Mask b) { return _mm256_and_si256(a, b); }
inline Mask mask_or(Mask a, Mask b) { return _mm256_or_si256(a, b); }
inline Mask mask_none() { return _mm256_setzero_si256(); }
inline unsigned mask_bits(Mask m) { return static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(m))); }
// p[lane] += v[lane] where m is set; other lanes are neither read nor written.
inline void add_masked(float* p, Vf v, Mask m) { _mm256_maskstore_ps(p, m, vadd(_mm256_maskload_ps(p, m), v)); }

}  // namespace

#include "kernels/conv_simd_loops.inc"

}  // namespace nativenn::conv_simd::avx2
#endif
