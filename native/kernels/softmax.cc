// Exponentials in double, the row sum in double, one rounding on store: the js twin's
// arithmetic (it stores exp(x − max) in the float32 output, then divides that by the sum).
#include "kernels/softmax.h"

#include <cmath>

namespace nativenn {

void softmax_row(float* out, const float* x, int64_t cols) {
  // A NaN anywhere makes the sum NaN, so the whole row is NaN as in the twin; no special case.
  float max = -INFINITY;
  for (int64_t c = 0; c < cols; c++) max = x[c] > max ? x[c] : max;
  double sum = 0;
  for (int64_t c = 0; c < cols; c++) {
    double e = std::exp(static_cast<double>(x[c]) - max);
    out[c] = static_cast<float>(e);  // x[c] is read before out[c] is written: out may alias x
    sum += e;
  }
  for (int64_t c = 0; c < cols; c++) out[c] = static_cast<float>(out[c] / sum);
}

void softmax_forward(float* out, const float* x, int64_t rows, int64_t cols) {
  if (cols == 0) return;  // nothing to write; do not spin over up to 2^31 empty rows
  for (int64_t r = 0; r < rows; r++) softmax_row(out + r * cols, x + r * cols, cols);
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
