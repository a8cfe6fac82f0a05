// Elementwise activations, forward and backward (twin: src/backend/js/activations.ts).
// Elementwise kernels split across threads by offsetting the pointers: any range [i0, i1) of a
// call is the same call on out + i0, x + i0, ... with n = i1 - i0.
#pragma once
#include <cmath>
#include <cstdint>

namespace nativenn {

// Codes are the index in ACTIVATIONS of src/backend/check.ts.
enum class Activation : int { kLinear, kSigmoid, kTanh, kRelu, kLeakyRelu, kElu, kGelu, kSilu, kHardSigmoid };
constexpr int kActivationCount = 9;
// The names that cross Node-API, in enum order (the TS lists in src/backend/check.ts match them).
extern const char* const kActivationNames[kActivationCount];

// Stable logistic in double: never exponentiates a positive number, so it is finite (0 or 1 at
// the extremes) for every input. The same values as the twin's two branches (1/(1 + e^−x) for
// x ≥ 0, e^x/(1 + e^x) below), written with one exp and a select, which does not mispredict on
// mixed signs. The losses use it too.
inline double stable_sigmoid(double x) {
  double e = std::exp(-std::abs(x));
  return (x >= 0 ? 1.0 : e) / (1 + e);
}

// out (n) = f(x) elementwise; out may alias x. alpha: leakyRelu's slope, elu's scale.
void activation_forward(Activation kind, float* out, const float* x, int64_t n, double alpha);

// dx (n) = dy * f'(x), given x and y = f(x); dx may alias dy.
void activation_backward(Activation kind, float* dx, const float* dy, const float* x, const float* y, int64_t n,
                         double alpha);

}  // namespace nativenn
