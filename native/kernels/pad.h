// Zero padding of NHWC images (twin: src/backend/js/pad.ts): out (n, inH + top + bottom,
// inW + left + right, c) holds x in the middle and zeros around it; the gradient crops.
#pragma once
#include <cstdint>

namespace nativenn {

struct Pad2dShape {
  int64_t batch, in_h, in_w, channels, top, bottom, left, right;
};

void pad2d_forward(float* out, const float* x, const Pad2dShape& s);
// dx = (or, with accumulate, +=) the middle of dy.
void pad2d_backward(float* dx, const float* dy, const Pad2dShape& s, bool accumulate);

}  // namespace nativenn
