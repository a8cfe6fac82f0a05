// One loop per kind, the switch outside it. Cheap kinds are plain float/double loops that
// vectorize at -O3; transcendental kinds call libm in double and round once on store, which
// matches the js twin (double arithmetic, float32 storage) to the last bit or two.
#include "kernels/activations.h"

#include <cmath>

namespace nativenn {
namespace {

constexpr double kSqrt1_2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;

// 0.5 * (1 + erf(x/√2)) written as 0.5 * erfc(-x/√2): no cancellation for negative x.
inline double gauss_cdf(double x) { return 0.5 * std::erfc(-x * kSqrt1_2); }

}  // namespace

void activation_forward(Activation kind, float* out, const float* x, int64_t n, double alpha) {
  switch (kind) {
    case Activation::kLinear:
      for (int64_t i = 0; i < n; i++) out[i] = x[i];
      return;
    case Activation::kSigmoid:
      for (int64_t i = 0; i < n; i++) out[i] = static_cast<float>(stable_sigmoid(x[i]));
      return;
    case Activation::kTanh:
      for (int64_t i = 0; i < n; i++) out[i] = static_cast<float>(std::tanh(static_cast<double>(x[i])));
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
        double v = x[i];
        double negative_part = alpha * std::expm1(std::fmin(v, 0.0));  // no branch on the sign
        out[i] = static_cast<float>(v > 0 ? v : negative_part);
      }
      return;
    case Activation::kGelu:
      for (int64_t i = 0; i < n; i++) {
        double v = x[i];
        out[i] = static_cast<float>(v * gauss_cdf(v));
      }
      return;
    case Activation::kSilu:
      for (int64_t i = 0; i < n; i++) {
        double v = x[i];
        out[i] = static_cast<float>(v * stable_sigmoid(v));
      }
      return;
  }
}

void activation_backward(Activation kind, float* dx, const float* dy, const float* x, const float* y, int64_t n,
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
        double g = dy[i];
        dx[i] = static_cast<float>(g * (x[i] > 0 ? 1.0 : y[i] + alpha));
      }
      return;
    case Activation::kGelu:
      for (int64_t i = 0; i < n; i++) {
        double v = x[i];
        double d = gauss_cdf(v) + v * kInvSqrt2Pi * std::exp(-0.5 * v * v);
        dx[i] = static_cast<float>(dy[i] * d);
      }
      return;
    case Activation::kSilu:
      for (int64_t i = 0; i < n; i++) {
        double v = x[i];
        double s = stable_sigmoid(v);
        dx[i] = static_cast<float>(dy[i] * (s * (1 + v * (1 - s))));
      }
      return;
  }
}

}  // namespace nativenn
