// A first convolution layer fused with its bias, relu and a max pooling over windows that tile it
// (twin: src/backend/js/conv-relu-pool.ts, which states the contract; the tape builder's
// fuseConvReluPool emits it). x (n, inH, inW, inC), filter (kH, kW, inC, outC), z = conv(x,
// filter) (n, convH, convW, outC) as conv2d_forward; poolH × poolW windows with stride = window
// and no padding, out_h = convH / poolH, out_w = convW / poolW (the rows and columns past the last
// window belong to none). z itself is never stored: each image's poolH rows of it at a time go
// through a scratch (cache-sized for a first layer), and only the pooled values and each max's
// place in its window (ky·poolW + kx, int32) are written — 1/(poolH·poolW) of z's traffic, and the
// backward reads the pooled gradient instead of a mostly-zero full-size one.
//
// Values: on the AVX2 and AVX-512 paths, for patches of at most conv_simd::kMaxDirectPatch, the
// convolution is the direct loops' (bit-identical to conv2d_forward there), the pooling, bias and
// relu those of max_pool2d_forward and bias_relu_forward, and the filter gradient sums each element
// in the order direct_filter_block does over the gradient max_pool2d_backward would scatter: the
// same bits as the unfused tape. The portable path (plain loops) agrees within float32 rounding.
// Every result is the same for any thread count.
#pragma once
#include <cstdint>

#include "kernels/conv.h"

namespace nativenn {

// Patches (kH·kW·inC) of at most this many values: the fusion's case (a first layer), where the
// direct loops run; the tape validator refuses larger ones.
constexpr int64_t kConvPoolMaxPatch = 32;

struct ConvPoolShape {
  Conv2dShape conv;  // conv.out_h / out_w: the convolution's (convH, convW)
  int64_t pool_h, pool_w;
  int64_t out_h, out_w;  // pooled: convH / poolH, convW / poolW
};

// Floats of the scratch per image: poolH rows of outW·poolW convolution cells.
int64_t conv2d_relu_pool_scratch_size(const ConvPoolShape& s);

// out (n, out_h, out_w, outC) = relu(max over each window of z + bias), argmax = the max's place in
// its window (the first in window order on ties; a NaN never replaces an earlier cell). bias may be
// null. scratch: n · conv2d_relu_pool_scratch_size floats (a slice per image: images are split over
// the thread pool).
void conv2d_relu_pool_forward(float* out, int32_t* argmax, const float* x, const float* filter, const float* bias,
                              float* scratch, const ConvPoolShape& s);

// dfilter, dbias (may be null) = (accumulate: +=) the gradients given dy = ∂L/∂out and y = out:
// g = dy·(y > 0 ? 1 : 0) goes to the window cell argmax names (an argmax outside [0, poolH·poolW)
// names none).
void conv2d_relu_pool_backward(float* dfilter, float* dbias, const float* x, const float* dy, const float* y,
                               const int32_t* argmax, const ConvPoolShape& s, bool accumulate);

}  // namespace nativenn
