// Branch-free float32 exp / expm1 / erfc that GCC and Clang vectorize at -O3 when inlined into
// a plain loop (no intrinsics: the same code serves SSE2, AVX2 and NEON). Cephes-style range
// reduction and polynomials; relative error ≤ 2 ulp for normal results. Selects instead of
// branches, integer bit tricks instead of ldexp, no libm call in any loop body.
#pragma once
#include <cstdint>
#include <cstring>

// Whether the kernels using this header also have AVX2 builds (*_avx2.cc) to pick at run time.
// -DNATIVENN_VMATH_X86=0 builds the baseline loops only (to test that path on an AVX2 machine).
#ifndef NATIVENN_VMATH_X86
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define NATIVENN_VMATH_X86 1
#else
#define NATIVENN_VMATH_X86 0
#endif
#endif

// Internal linkage on purpose: this header is compiled both for the baseline ISA and with
// -mavx2 -mfma (the *_avx2.cc files); shared inline copies could let the linker hand the AVX2
// body to baseline code.
namespace nativenn::vmath {
namespace {

inline float bits_to_float(int32_t i) {
  float f;
  std::memcpy(&f, &i, sizeof f);
  return f;
}

// 2^k for an integer k in [-126, 127], built from the exponent bits.
inline float pow2i(int32_t k) { return bits_to_float((k + 127) << 23); }

// e^x. Overflow → +inf (x > 88.72), results below FLT_MIN come out as subnormals (e^-100 ≈
// 3.7e-44, not 0) and below 2^-150 as 0, −inf → 0, NaN → NaN.
inline float exp_f32(float x) {
  // Clamp so the exponent split below stays in range; selects keep NaN out of the arithmetic
  // path (NaN compares false, and the final select returns x itself).
  float xc = x < 88.75f ? x : 88.75f;
  xc = xc > -104.0f ? xc : -104.0f;
  // n = round(x / ln 2) with the 1.5·2^23 trick (exact for |n| < 2^22, no rounding mode call).
  constexpr float kShift = 12582912.0f;
  float n = (xc * 1.44269504088896341f + kShift) - kShift;
  // r = x − n·ln2 in two parts (Cody–Waite): ln2_hi has few bits so n·ln2_hi is exact.
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  // Cephes expf polynomial on |r| ≤ ln2/2.
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  float y = p * (r * r) + r + 1.0f;
  // y · 2^n as two factors 2^(n/2) · 2^(n − n/2): n ∈ [-150, 128], each half is a normal power
  // of two, so the product overflows to inf or rounds to a subnormal exactly like ldexp.
  int32_t ni = static_cast<int32_t>(n);
  int32_t n1 = ni / 2;
  float result = y * pow2i(n1) * pow2i(ni - n1);
  return x != x ? x : result;
}

// e^x − 1 without cancellation near 0: a degree-9 Taylor polynomial on |x| < 0.5 (truncation
// < 1e-10 relative), e^x − 1 outside. Same special values as exp_f32 minus one.
inline float expm1_f32(float x) {
  float small = 2.7557319224e-6f;  // 1/9!
  small = small * x + 2.4801587302e-5f;
  small = small * x + 1.9841269841e-4f;
  small = small * x + 1.3888888889e-3f;
  small = small * x + 8.3333333333e-3f;
  small = small * x + 4.1666666667e-2f;
  small = small * x + 1.6666666667e-1f;
  small = small * x + 0.5f;
  small = small * (x * x) + x;
  float large = exp_f32(x) - 1.0f;
  float ax = x < 0 ? -x : x;
  return ax < 0.5f ? small : large;
}

// erfc(z) for z ≥ 0: Numerical Recipes' Chebyshev fit (fractional error < 1.2e-7), the formula
// the js twin uses for |z| ≥ 0.5.
inline float erfc_nonneg_f32(float z) {
  float t = 1.0f / (1.0f + 0.5f * z);
  float q = 0.17087277f;
  q = q * t - 0.82215223f;
  q = q * t + 1.48851587f;
  q = q * t - 1.13520398f;
  q = q * t + 0.27886807f;
  q = q * t - 0.18628806f;
  q = q * t + 0.09678418f;
  q = q * t + 0.37409196f;
  q = q * t + 1.00002368f;
  q = q * t - 1.26551223f;
  return t * exp_f32(q - z * z);
}

// erf(z) for |z| < 0.5: its Maclaurin series to z^15 (truncation < 1e-9 relative), as the js
// twin does there: the Chebyshev erfc above sums terms that cancel to ≈ 0 near z = 0.
inline float erf_small_f32(float z) {
  float s = z * z;
  float p = -1.4925650358e-05f;
  p = p * s + 1.2055332982e-04f;
  p = p * s - 8.5483270235e-04f;
  p = p * s + 5.2239776254e-03f;
  p = p * s - 2.6866170645e-02f;
  p = p * s + 1.1283791671e-01f;
  p = p * s - 3.7612638903e-01f;
  p = p * s + 1.1283791671e+00f;
  return p * z;
}

// Φ(x) = P(N(0,1) ≤ x) = erfc(−x/√2)/2, for either sign of x: 1/2 + erf/2 near 0, the tail
// from erfc (no cancellation for negative x) elsewhere. NaN stays NaN.
inline float gauss_cdf_f32(float x) {
  float z = x * 0.70710678118654752f;
  float az = z < 0 ? -z : z;
  float half_tail = 0.5f * erfc_nonneg_f32(az);
  float tail_form = x < 0 ? half_tail : 1.0f - half_tail;
  float series_form = 0.5f + 0.5f * erf_small_f32(z);
  return az < 0.5f ? series_form : tail_form;
}

}  // namespace
}  // namespace nativenn::vmath
