// 2-D max and average pooling, NHWC (twin: src/backend/js/pool.ts). x (n, inH, inW, c),
// out (n, outH, outW, c); the window of output (oy, ox) covers input rows oy·sh − padTop + [0, kH)
// and columns ox·sw − padLeft + [0, kW). Padding cells are not part of any window: max ignores
// them, the average divides by the count of real cells (Keras/TensorFlow 'same'). The caller
// checks padTop/padBottom < kH, padLeft/padRight < kW and inH, inW ≥ 1, so every window holds at
// least one real cell, and computes outH/outW as for a convolution.
// Images are independent: they are split over the thread pool, same bits for any thread count.
// Max pooling runs vectors of channels on the AVX2 and AVX-512 paths (conv_simd.h).
#pragma once
#include <cstdint>

namespace nativenn {

struct Pool2dShape {
  int64_t batch, in_h, in_w, channels;
  int64_t k_h, k_w, stride_h, stride_w;
  int64_t pad_top, pad_left;
  int64_t out_h, out_w;
};

// out = window max; argmax = the offset of that max inside its image, (iy·inW + ix)·c + ch
// (the first one in (ky, kx) order on ties).
void max_pool2d_forward(float* out, int32_t* argmax, const float* x, const Pool2dShape& s);
// dx[image b][argmax[i]] += dy[i]: accumulates. An argmax outside [0, inH·inW·c) is skipped (the
// raw-kernel glue checks a copy first and names the bad index). overwrite: dx is zeroed first,
// image by image inside the task that then scatters into it (the same values as a fill before,
// one pass over dx fewer while it is cached, and split over the pool).
void max_pool2d_backward(float* dx, const float* dy, const int32_t* argmax, const Pool2dShape& s,
                         bool overwrite = false);
// out = mean of the real cells of each window.
void avg_pool2d_forward(float* out, const float* x, const Pool2dShape& s);
// dx += dy spread evenly over the real cells of each window: accumulates.
void avg_pool2d_backward(float* dx, const float* dy, const Pool2dShape& s);

}  // namespace nativenn
