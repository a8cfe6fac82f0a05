// The exp of the fused softmax cross-entropy is vmath.h's, which GCC vectorizes only without
// trapping comparisons (no value change; see native/kernels/activations.cc).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif
#include "kernels/train/fused.h"

#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/cpu_path.h"
#include "kernels/vmath.h"

namespace nativenn::train {

namespace portable {
#include "kernels/train/fused_loops.inc"
}  // namespace portable

#if NATIVENN_VMATH_X86
// The same loops built with -mavx2 -mfma (fused_avx2.cc) and -mavx512f (fused_avx512.cc).
#define NATIVENN_FUSED_DECLARE(ns)                                                                               \
  namespace ns {                                                                                                 \
  void bias_relu_forward(float* out, float* z, const float* bias, int64_t rows, int64_t cols);                   \
  void relu_backward(float* dz, const float* dy, const float* x, int64_t n);                                     \
  void column_sums(float* out, const float* x, int64_t rows, int64_t cols);                                      \
  double softmax_cross_entropy_f32(float* probs, float* grad, const float* logits, const float* t, int64_t rows, \
                                   int64_t cols, bool sparse);                                                   \
  }
NATIVENN_FUSED_DECLARE(avx2)
NATIVENN_FUSED_DECLARE(avx512)
#undef NATIVENN_FUSED_DECLARE
#define NATIVENN_FUSED_DISPATCH(call)                  \
  do {                                                 \
    const CpuPath path = cpu_path();                   \
    if (path >= CpuPath::kAvx512) return avx512::call; \
    if (path >= CpuPath::kAvx2) return avx2::call;     \
    return portable::call;                             \
  } while (0)
#else
#define NATIVENN_FUSED_DISPATCH(call) return portable::call
#endif

void bias_relu_forward(float* out, float* z, const float* bias, int64_t rows, int64_t cols) {
  NATIVENN_FUSED_DISPATCH(bias_relu_forward(out, z, bias, rows, cols));
}

void relu_backward(float* dz, const float* dy, const float* x, int64_t n) {
  NATIVENN_FUSED_DISPATCH(relu_backward(dz, dy, x, n));
}

void column_sums(float* out, const float* x, int64_t rows, int64_t cols) {
  NATIVENN_FUSED_DISPATCH(column_sums(out, x, rows, cols));
}

double softmax_cross_entropy_f32(float* probs, float* grad, const float* logits, const float* target, int64_t rows,
                                 int64_t cols, bool sparse) {
  NATIVENN_FUSED_DISPATCH(softmax_cross_entropy_f32(probs, grad, logits, target, rows, cols, sparse));
}

}  // namespace nativenn::train
