// UpSampling2D of NHWC images by integer factors (twin: src/backend/js/upsampling.ts), as
// TensorFlow.js: tf.image.resizeNearestNeighbor / resizeBilinear with alignCorners and
// halfPixelCenters false. Output cell y reads the input at y / size_h: nearest takes row
// floor(y / size_h); bilinear mixes rows floor and ceil (clamped to the last row) with weight
// (y mod size_h) / size_h, in double. x (n, in_h, in_w, c), out (n, in_h·size_h, in_w·size_w, c).
#pragma once
#include <cstdint>

namespace nativenn {

struct UpSampling2dShape {
  int64_t batch, in_h, in_w, channels, size_h, size_w;
  bool bilinear;
};

void up_sampling2d_forward(float* out, const float* x, const UpSampling2dShape& s);
// dx (+)= the adjoint: output gradients added into the cells they read, in output order (each
// product in double, each sum rounded to float, as the twin).
void up_sampling2d_backward(float* dx, const float* dy, const UpSampling2dShape& s, bool accumulate);

}  // namespace nativenn
