#include "kernels/csv_encode.h"

#include <cmath>
#include <cstring>

namespace nativenn {
namespace {

constexpr double kFloat32Max = 3.4028234663852886e38;  // FLT_MAX, exactly

}  // namespace

// Exact rounding twice (to float32, then the affine map in double, then to float32) is the
// contract: a compiler must not fuse the multiply and the add (GCC contracts across statements by
// default in C++, clang within one expression; the arm64 targets have FMA).
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("fp-contract=off")))
#endif
int64_t
csv_encode_numbers(float* out, const double* const* columns, const int32_t* rows, int64_t n, int64_t ncols,
                   const double* scale, const double* offset) {
#if defined(__clang__)
#pragma clang fp contract(off)
#endif
  for (int64_t i = 0; i < n; i++) {
    const int64_t r = rows[i];
    float* o = out + i * ncols;
    for (int64_t j = 0; j < ncols; j++) {
      const double v = columns[j][r];
      if (!(std::fabs(v) <= kFloat32Max)) return i * ncols + j;  // NaN (missing) or beyond float32
      if (scale == nullptr) {
        o[j] = static_cast<float>(v);
        continue;
      }
      const double product = static_cast<double>(static_cast<float>(v)) * scale[j];
      const float scaled = static_cast<float>(product + offset[j]);
      if (!(std::fabs(scaled) <= kFloat32Max)) return i * ncols + j;
      o[j] = scaled;
    }
  }
  return -1;
}

void csv_shuffle_rows(float* out, float* buf, const float* in, const int32_t* slots, int64_t n, int64_t width) {
  const size_t bytes = static_cast<size_t>(width) * sizeof(float);
  for (int64_t i = 0; i < n; i++) {
    float* slot = buf + static_cast<int64_t>(slots[i]) * width;
    std::memmove(out + i * width, slot, bytes);
    std::memmove(slot, in + i * width, bytes);
  }
}

}  // namespace nativenn
