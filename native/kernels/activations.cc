// One loop per kind, the switch outside it. Cheap kinds are plain float/double loops; the
// transcendental kinds use the float32 exp/expm1/erfc of vmath.h, inlined so every loop
// vectorizes at -O3 (no libm call per element). They differ from the js twin (double
// arithmetic, one rounding) by a few float32 ulps. Large arrays split across the thread pool.
// GCC if-converts (and so vectorizes) the selects of vmath.h only when comparisons are not
// treated as trapping. No value changes: FP exceptions are never unmasked here. Clang's
// default already behaves this way.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif
#include "kernels/activations.h"

#include <algorithm>
#include <cmath>

#include "kernels/threads.h"
#include "kernels/vmath.h"

namespace nativenn {
namespace {

using vmath::exp_f32;
using vmath::expm1_f32;
using vmath::gauss_cdf_f32;

constexpr double kInvSqrt2Pi = 0.39894228040143267794;

// Below this many elements one thread is faster than waking the pool (≈ 50 µs of work).
constexpr int64_t kParallelMin = 1 << 15;
constexpr int64_t kChunk = 1 << 14;

// The kinds that evaluate an exp per element; the others are memory-bound and stay on one thread.
bool forward_uses_exp(Activation kind) {
  return kind == Activation::kSigmoid || kind == Activation::kTanh || kind == Activation::kElu ||
         kind == Activation::kGelu || kind == Activation::kSilu;
}
bool backward_uses_exp(Activation kind) { return kind == Activation::kGelu || kind == Activation::kSilu; }

// Logistic from e^−|x|: never exponentiates a positive number, so 0 or 1 at the extremes.
inline float sigmoid_f32(float v) {
  float e = exp_f32(-std::fabs(v));
  return (v >= 0 ? 1.0f : e) / (1.0f + e);
}

// tanh: Cephes' odd polynomial below 0.625 (no cancellation near 0, keeps −0), else
// 1 − 2/(e^2|x| + 1), which is ±1 once e^2|x| overflows. NaN takes the second path and stays NaN.
inline float tanh_f32(float v) {
  float a = std::fabs(v);
  float s = v * v;
  float p = -5.70498872745e-3f;
  p = p * s + 2.06390887954e-2f;
  p = p * s - 5.37397155531e-2f;
  p = p * s + 1.33314422036e-1f;
  p = p * s - 3.33332819422e-1f;
  float small = p * s * v + v;
  float t = 1.0f - 2.0f / (exp_f32(a + a) + 1.0f);
  float large = v < 0 ? -t : t;
  return a < 0.625f ? small : large;
}

void forward_range(Activation kind, float* out, const float* x, int64_t n, double alpha) {
  switch (kind) {
    case Activation::kLinear:
      for (int64_t i = 0; i < n; i++) out[i] = x[i];
      return;
    case Activation::kSigmoid:
      for (int64_t i = 0; i < n; i++) out[i] = sigmoid_f32(x[i]);
      return;
    case Activation::kTanh:
      for (int64_t i = 0; i < n; i++) out[i] = tanh_f32(x[i]);
      return;
    case Activation::kRelu:
      for (int64_t i = 0; i < n; i++) out[i] = x[i] > 0 ? x[i] : 0.0f;
      return;
    case Activation::kLeakyRelu:
      // hi + alpha·lo with the sign split into two selects: the twin's values (x stays x,
      // NaN stays NaN), and a form GCC if-converts and vectorizes.
      for (int64_t i = 0; i < n; i++) {
        double v = x[i];
        double lo = v < 0 ? v : 0.0;
        double hi = v < 0 ? 0.0 : v;
        out[i] = static_cast<float>(hi + alpha * lo);
      }
      return;
    case Activation::kElu:
      for (int64_t i = 0; i < n; i++) {
        float v = x[i];
        // min(v, 0) written so NaN stays NaN; alpha multiplies in double as in the twin.
        double negative_part = alpha * expm1_f32(v > 0 ? 0.0f : v);
        out[i] = v > 0 ? v : static_cast<float>(negative_part);
      }
      return;
    case Activation::kGelu:
      for (int64_t i = 0; i < n; i++) {
        float v = x[i];
        out[i] = v * gauss_cdf_f32(v);
      }
      return;
    case Activation::kSilu:
      for (int64_t i = 0; i < n; i++) {
        float v = x[i];
        out[i] = v * sigmoid_f32(v);
      }
      return;
  }
}

void backward_range(Activation kind, float* dx, const float* dy, const float* x, const float* y, int64_t n,
                    double alpha) {
  switch (kind) {
    case Activation::kLinear:
      for (int64_t i = 0; i < n; i++) dx[i] = dy[i];
      return;
    case Activation::kSigmoid:
      for (int64_t i = 0; i < n; i++) {
        double s = y[i];
        dx[i] = static_cast<float>(dy[i] * (s * (1 - s)));
      }
      return;
    case Activation::kTanh:
      for (int64_t i = 0; i < n; i++) {
        double t = y[i];
        dx[i] = static_cast<float>(dy[i] * (1 - t * t));
      }
      return;
    case Activation::kRelu:
      // dy·1 or dy·0 as in the twin (so NaN·0 stays NaN). The select sits in its own variable:
      // GCC vectorizes that form and not the inline ternary.
      for (int64_t i = 0; i < n; i++) {
        float slope = x[i] > 0 ? 1.0f : 0.0f;
        dx[i] = dy[i] * slope;
      }
      return;
    case Activation::kLeakyRelu:
      for (int64_t i = 0; i < n; i++) {
        double v = x[i];
        double slope = v > 0 ? 1.0 : alpha;
        dx[i] = static_cast<float>(dy[i] * slope);
      }
      return;
    case Activation::kElu:
      for (int64_t i = 0; i < n; i++) {
        double g = dy[i], y_plus_alpha = y[i] + alpha;  // both loads unconditional: vectorizes
        dx[i] = static_cast<float>(g * (x[i] > 0 ? 1.0 : y_plus_alpha));
      }
      return;
    case Activation::kGelu:
      for (int64_t i = 0; i < n; i++) {
        // The exps in float, the few products that combine them in double (the twin's form).
        float v = x[i];
        double d = static_cast<double>(gauss_cdf_f32(v)) + v * kInvSqrt2Pi * exp_f32(-0.5f * v * v);
        dx[i] = static_cast<float>(dy[i] * d);
      }
      return;
    case Activation::kSilu:
      for (int64_t i = 0; i < n; i++) {
        // Only e^−|x| in float: silu' cancels near x ≈ −2.4, so s keeps the double division.
        double v = x[i], e = exp_f32(-std::fabs(x[i]));
        double s = (v >= 0 ? 1.0 : e) / (1 + e);
        dx[i] = static_cast<float>(dy[i] * (s * (1 + v * (1 - s))));
      }
      return;
  }
}

}  // namespace

void activation_forward(Activation kind, float* out, const float* x, int64_t n, double alpha) {
  if (n < kParallelMin || !forward_uses_exp(kind)) return forward_range(kind, out, x, n, alpha);
  parallel_for((n + kChunk - 1) / kChunk, [&](int64_t task) {
    int64_t i0 = task * kChunk, len = std::min(kChunk, n - i0);
    forward_range(kind, out + i0, x + i0, len, alpha);
  });
}

void activation_backward(Activation kind, float* dx, const float* dy, const float* x, const float* y, int64_t n,
                         double alpha) {
  if (n < kParallelMin || !backward_uses_exp(kind)) return backward_range(kind, dx, dy, x, y, n, alpha);
  parallel_for((n + kChunk - 1) / kChunk, [&](int64_t task) {
    int64_t i0 = task * kChunk, len = std::min(kChunk, n - i0);
    backward_range(kind, dx + i0, dy + i0, x + i0, y + i0, len, alpha);
  });
}

}  // namespace nativenn
