// Softmax with the float32 exp of vmath.h: max, exp and scale loops vectorize at -O3, the row
// sum runs in double over 8 independent lanes (no float reassociation flag needed). Differs
// from the js twin (double exp, one rounding) by a couple of float32 ulps. Large batches split
// their rows across the thread pool.
// GCC vectorizes vmath.h's selects only without trapping comparisons (no value change; see
// activations.cc). Clang's default already behaves this way.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif
#include "kernels/softmax.h"

#include <algorithm>
#include <cmath>

#include "kernels/cpu_path.h"
#include "kernels/threads.h"
#include "kernels/vmath.h"

namespace nativenn {
namespace {

constexpr int64_t kParallelMin = 1 << 15;  // elements; below this one thread wins

}  // namespace

namespace portable_softmax {
#include "kernels/softmax_loops.inc"
}  // namespace portable_softmax

#if NATIVENN_VMATH_X86
namespace avx2_softmax {  // softmax_avx2.cc: the same loops built with -mavx2 -mfma
void row(float* out, const float* x, int64_t cols);
}  // namespace avx2_softmax
#endif

namespace {

using RowFn = decltype(&portable_softmax::row);

// The AVX2 build on the AVX2 and AVX-512 paths (cpu_path.h: only where the CPU has AVX2 and FMA).
RowFn row_loop() {
#if NATIVENN_VMATH_X86
  if (cpu_path() >= CpuPath::kAvx2) return &avx2_softmax::row;
#endif
  return &portable_softmax::row;
}

}  // namespace

void softmax_row(float* out, const float* x, int64_t cols) { row_loop()(out, x, cols); }

void softmax_forward(float* out, const float* x, int64_t rows, int64_t cols) {
  if (cols == 0) return;  // nothing to write; do not spin over up to 2^31 empty rows
  if (rows < 2 || rows * cols < kParallelMin) {
    for (int64_t r = 0; r < rows; r++) softmax_row(out + r * cols, x + r * cols, cols);
    return;
  }
  int64_t rows_per_task = std::max<int64_t>(1, (kParallelMin / 2) / cols);
  parallel_for((rows + rows_per_task - 1) / rows_per_task, [&](int64_t task) {
    int64_t r1 = std::min(rows, (task + 1) * rows_per_task);
    for (int64_t r = task * rows_per_task; r < r1; r++) softmax_row(out + r * cols, x + r * cols, cols);
  });
}

void softmax_backward(float* dx, const float* dy, const float* y, int64_t rows, int64_t cols) {
  if (cols == 0) return;
  for (int64_t r = 0; r < rows; r++) {
    const float* g = dy + r * cols;
    const float* p = y + r * cols;
    float* d = dx + r * cols;
    double dot = 0;
    for (int64_t c = 0; c < cols; c++) dot += static_cast<double>(g[c]) * p[c];
    for (int64_t c = 0; c < cols; c++) d[c] = static_cast<float>(p[c] * (g[c] - dot));
  }
}

}  // namespace nativenn
