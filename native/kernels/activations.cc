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

#include "kernels/cpu_path.h"
#include "kernels/threads.h"
#include "kernels/vmath.h"

namespace nativenn {

const char* const kActivationNames[kActivationCount] = {"linear", "sigmoid", "tanh", "relu",       "leakyRelu",
                                                        "elu",    "gelu",    "silu", "hardSigmoid"};
namespace {

// Below this many elements one thread is faster than waking the pool (≈ 50 µs of work).
constexpr int64_t kParallelMin = 1 << 15;
constexpr int64_t kChunk = 1 << 14;

// The kinds that evaluate an exp per element; the others are memory-bound and stay on one thread.
bool forward_uses_exp(Activation kind) {
  return kind == Activation::kSigmoid || kind == Activation::kTanh || kind == Activation::kElu ||
         kind == Activation::kGelu || kind == Activation::kSilu;
}
bool backward_uses_exp(Activation kind) { return kind == Activation::kGelu || kind == Activation::kSilu; }

}  // namespace

namespace portable {
#include "kernels/activations_loops.inc"
}  // namespace portable

#if NATIVENN_VMATH_X86
namespace avx2 {  // activations_avx2.cc: the same loops built with -mavx2 -mfma
void forward_range(Activation kind, float* out, const float* x, int64_t n, double alpha);
void backward_range(Activation kind, float* dx, const float* dy, const float* x, const float* y, int64_t n,
                    double alpha);
}  // namespace avx2
#endif

namespace {

struct Loops {
  decltype(&portable::forward_range) forward;
  decltype(&portable::backward_range) backward;
};

// The AVX2 build of the loops on the AVX2 and AVX-512 paths (cpu_path.h: only where the CPU has
// AVX2 and FMA).
Loops loops() {
#if NATIVENN_VMATH_X86
  if (cpu_path() >= CpuPath::kAvx2) return Loops{avx2::forward_range, avx2::backward_range};
#endif
  return Loops{portable::forward_range, portable::backward_range};
}

}  // namespace

void activation_forward(Activation kind, float* out, const float* x, int64_t n, double alpha) {
  auto forward_range = loops().forward;
  if (n < kParallelMin || !forward_uses_exp(kind)) return forward_range(kind, out, x, n, alpha);
  parallel_for((n + kChunk - 1) / kChunk, [&](int64_t task) {
    int64_t i0 = task * kChunk, len = std::min(kChunk, n - i0);
    forward_range(kind, out + i0, x + i0, len, alpha);
  });
}

void activation_backward(Activation kind, float* dx, const float* dy, const float* x, const float* y, int64_t n,
                         double alpha) {
  auto backward_range = loops().backward;
  if (n < kParallelMin || !backward_uses_exp(kind)) return backward_range(kind, dx, dy, x, y, n, alpha);
  parallel_for((n + kChunk - 1) / kChunk, [&](int64_t task) {
    int64_t i0 = task * kChunk, len = std::min(kChunk, n - i0);
    backward_range(kind, dx + i0, dy + i0, x + i0, y + i0, len, alpha);
  });
}

}  // namespace nativenn
