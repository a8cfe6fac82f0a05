// Zero padding loops; see pad.h.
#include "kernels/pad.h"

#include <algorithm>
#include <cstring>

namespace nativenn {
namespace {

int64_t out_h(const Pad2dShape& s) { return s.in_h + s.top + s.bottom; }
int64_t out_w(const Pad2dShape& s) { return s.in_w + s.left + s.right; }

}  // namespace

void pad2d_forward(float* out, const float* x, const Pad2dShape& s) {
  const int64_t oh = out_h(s), ow = out_w(s), row = s.in_w * s.channels;
  std::fill(out, out + s.batch * oh * ow * s.channels, 0.0f);
  for (int64_t b = 0; b < s.batch; b++)
    for (int64_t y = 0; y < s.in_h; y++) {
      float* dst = out + ((b * oh + y + s.top) * ow + s.left) * s.channels;
      const float* src = x + (b * s.in_h + y) * row;
      if (row > 0) std::memcpy(dst, src, sizeof(float) * row);
    }
}

void pad2d_backward(float* dx, const float* dy, const Pad2dShape& s, bool accumulate) {
  const int64_t oh = out_h(s), ow = out_w(s), row = s.in_w * s.channels;
  for (int64_t b = 0; b < s.batch; b++)
    for (int64_t y = 0; y < s.in_h; y++) {
      const float* src = dy + ((b * oh + y + s.top) * ow + s.left) * s.channels;
      float* dst = dx + (b * s.in_h + y) * row;
      for (int64_t i = 0; i < row; i++) dst[i] = accumulate ? dst[i] + src[i] : src[i];
    }
}

}  // namespace nativenn
