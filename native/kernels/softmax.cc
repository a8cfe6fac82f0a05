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

#include "kernels/threads.h"
#include "kernels/vmath.h"

namespace nativenn {
namespace {

constexpr int kLanes = 8;
constexpr int64_t kParallelMin = 1 << 15;  // elements; below this one thread wins

float row_max(const float* x, int64_t cols) {
  // A NaN is never picked (x > max is false), as in the twin: it reaches the sum through its
  // exp instead and makes the whole row NaN.
  float lane[kLanes];
  for (float& m : lane) m = -INFINITY;
  int64_t c = 0;
  for (; c + kLanes <= cols; c += kLanes)
    for (int j = 0; j < kLanes; j++) lane[j] = x[c + j] > lane[j] ? x[c + j] : lane[j];
  float max = -INFINITY;
  for (; c < cols; c++) max = x[c] > max ? x[c] : max;
  for (float m : lane) max = m > max ? m : max;
  return max;
}

// e^(x − max) with x − max taken exactly: its float rounding error lo (TwoSum) multiplies back
// as e·(1 + lo), so a far-below-max entry keeps float32 relative accuracy (the twin subtracts
// in double). Where e is 0 (x = −inf, or x − max overflowed) lo may be NaN and is skipped.
inline float exp_of_difference(float x, float max) {
  float hi = x - max;
  float back = hi - x;
  float lo = (x - (hi - back)) + (-max - back);
  float e = vmath::exp_f32(hi);
  return e > 0 ? e + e * lo : e;
}

}  // namespace

void softmax_row(float* out, const float* x, int64_t cols) {
  float max = row_max(x, cols);
  for (int64_t c = 0; c < cols; c++) out[c] = exp_of_difference(x[c], max);  // out may alias x
  double lane[kLanes] = {};
  int64_t c = 0;
  for (; c + kLanes <= cols; c += kLanes)
    for (int j = 0; j < kLanes; j++) lane[j] += out[c + j];
  double sum = 0;
  for (; c < cols; c++) sum += out[c];
  for (double s : lane) sum += s;
  double inv = 1 / sum;
  for (int64_t c2 = 0; c2 < cols; c2++) out[c2] = static_cast<float>(out[c2] * inv);
}

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
