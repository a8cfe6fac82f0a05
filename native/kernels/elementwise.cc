#include "kernels/elementwise.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/train/fused.h"

namespace nativenn {

void fill(float* x, float value, int64_t n) {
  for (int64_t i = 0; i < n; i++) x[i] = value;
}

void scale(float* x, float alpha, int64_t n) {
  for (int64_t i = 0; i < n; i++) x[i] *= alpha;
}

void axpy(float* y, float alpha, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] += alpha * x[i];
}

void mul(float* out, const float* a, const float* b, int64_t n) {
  for (int64_t i = 0; i < n; i++) out[i] = a[i] * b[i];
}

void add_bias(float* out, const float* bias, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; r++) {
    float* row = out + r * cols;
    for (int64_t c = 0; c < cols; c++) row[c] += bias[c];
  }
}

void add_column_sums(float* out, const float* x, int64_t rows, int64_t cols) {
  // Where out and x do not overlap (always, but in a hand-made tape or a raw call), the same sums
  // in the same order with a block of columns held in registers, built per CPU path (fused.h).
  const auto o = reinterpret_cast<uintptr_t>(out), in = reinterpret_cast<uintptr_t>(x);
  if (o + sizeof(float) * cols <= in || in + sizeof(float) * rows * cols <= o)
    return train::column_sums(out, x, rows, cols);
  // Row by row: each column summed in row order onto out, reading out again after every row.
  for (int64_t r = 0; r < rows; r++) {
    const float* row = x + r * cols;
    for (int64_t c = 0; c < cols; c++) out[c] += row[c];
  }
}

void argmax_rows(int32_t* out, const float* x, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; r++) {
    const float* row = x + r * cols;
    int64_t best = 0;
    for (int64_t c = 1; c < cols; c++)
      if (row[c] > row[best]) best = c;
    out[r] = static_cast<int32_t>(best);
  }
}

int64_t first_non_finite(const float* x, int64_t n) {
  // Blocks are scanned with integer ops only (an all-ones exponent), which vectorize; only a block
  // holding a non-finite value is walked again to find it.
  constexpr int64_t kBlock = 512;
  for (int64_t i0 = 0; i0 < n; i0 += kBlock) {
    const int64_t end = std::min(n, i0 + kBlock);
    uint32_t bad = 0;
    for (int64_t i = i0; i < end; i++) {
      uint32_t bits;
      std::memcpy(&bits, x + i, sizeof bits);
      bad |= static_cast<uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
    }
    if (bad == 0) continue;
    for (int64_t i = i0; i < end; i++)
      if (!std::isfinite(x[i])) return i;
  }
  return -1;
}

}  // namespace nativenn
