// The SIMD loops of the convolution and pooling kernels (conv_simd_loops.inc), built once with
// -mavx2 -mfma (conv_simd_avx2.cc) and once with -mavx512f (conv_simd_avx512.cc). conv.cc and
// pool.cc take them on the AVX2 and AVX-512 paths (cpu_path.h) and keep plain loops for the
// portable one. Declarations only: no inline function here may be compiled with those flags.
#pragma once
#include <cstdint>

#include "kernels/conv.h"
#include "kernels/conv_pool.h"
#include "kernels/pool.h"

namespace nativenn::conv_simd {

// Direct convolution for patches of at most kMaxDirectPatch floats (kH·kW·inC), where a GEMM
// over im2col columns wastes its register tile on the short k (a 3×3 filter over a one-channel
// image: k = 9) and the columns cost more memory traffic than the arithmetic.
constexpr int64_t kMaxDirectPatch = 32;

struct Loops {
  // Channels of one pass of the direct filter loops: direct_filter_block's channel ranges start at
  // multiples of it.
  int64_t filter_channels;
  // Output rows [oy0, oy1) of image b: out = conv(x, filter), overwritten.
  void (*direct_forward_rows)(float* out, const float* x, const float* filter, const Conv2dShape& s, int64_t b,
                              int64_t oy0, int64_t oy1);
  // dfilter[j0:j1, o0:o1) += the sum over every image and output pixel, in that order, of
  // patch ⊗ dy: each element summed alone from 0, the same bits for any split into blocks.
  void (*direct_filter_block)(float* dfilter, const float* x, const float* dy, const Conv2dShape& s, int64_t j0,
                              int64_t j1, int64_t o0, int64_t o1);
  // dx (one image) += its column matrix scattered back (col2im).
  void (*col2im_add_image)(float* dx, const float* col, const Conv2dShape& s);
  // One image of max_pool2d_forward / max_pool2d_backward (pool.h), pointers at the image.
  void (*max_pool_forward_image)(float* out, int32_t* argmax, const float* x, const Pool2dShape& s);
  // Null: pool.cc's scalar scatter.
  void (*max_pool_backward_image)(float* dx, const float* dy, const int32_t* argmax, const Pool2dShape& s);
  // Windows that tile the image from its corner (stride = window, no padding, pool.cc checks):
  // dx (one image) = dy at argmax and 0 elsewhere, every cell written once. False when some argmax
  // lies outside its window (a hand-made tape): dx is then partly written, and pool.cc zeroes and
  // scatters that image instead.
  bool (*max_pool_backward_tiled_image)(float* dx, const float* dy, const int32_t* argmax, const Pool2dShape& s);
  // Rows [oy0, oy1) of image b's convolution, columns [0, ox_end) (≤ outW) of each:
  // out[((oy − oy0)·ox_end + ox)·outC + o], overwritten (direct_forward_rows' values). For
  // conv2d_relu_pool_forward (conv_pool.h).
  void (*direct_forward_block)(float* out, const float* x, const float* filter, const Conv2dShape& s, int64_t b,
                               int64_t oy0, int64_t oy1, int64_t ox_end);
  // One pooled row of conv2d_relu_pool_forward from the poolH convolution rows under it (each
  // outW·poolW·outC floats): out and argmax (pointers at the row), max_pool_forward_image's rule,
  // then bias (may be null) and relu as bias_relu_forward.
  void (*pool_relu_row)(float* out, int32_t* argmax, const float* rows, const float* bias, const ConvPoolShape& s);
  // dfilter[j0:j1, o0:o1) += conv2d_relu_pool_backward's filter gradient (conv_pool.h): each
  // element summed alone from 0 over every image and window cell in order, the same bits for any
  // split into blocks (o0 a multiple of filter_channels).
  void (*pool_filter_block)(float* dfilter, const float* x, const float* dy, const float* y, const int32_t* argmax,
                            const ConvPoolShape& s, int64_t j0, int64_t j1, int64_t o0, int64_t o1);
  // Winograd F(2×2, 3×3) transforms (conv_winograd_plain.h has the plain loops): the filter, u (16,
  // inC, outC) = G g Gᵀ of filter (3, 3, inC, outC); over n channels of a tile,
  // v[ξ·vs + c] = (Bᵀ d B)[ξ] with d[k] the channels of window cell k (4×4, row-major); and the
  // 2×2 output cells q[k] (+)= (Aᵀ m A)[k] with m[ξ·ms + o].
  void (*winograd_filter)(float* u, const float* filter, int64_t in_c, int64_t out_c);
  void (*winograd_input_tile)(float* v, int64_t vs, const float* const* d, int64_t n);
  void (*winograd_output_tile)(float* const* q, const float* m, int64_t ms, int64_t n, bool add);
  // The filter gradient's: w[ξ·ws + o] = (A q Aᵀ)[ξ] for the output gradient's 2×2 cells q[k].
  void (*winograd_grad_tile)(float* w, int64_t ws, const float* const* q, int64_t n);
  // The same four for F(4×4, 3×3): α = 6 (36 cells d[k], u and v matrices), 4×4 cells q[k].
  void (*winograd4_filter)(float* u, const float* filter, int64_t in_c, int64_t out_c);
  void (*winograd4_input_tile)(float* v, int64_t vs, const float* const* d, int64_t n);
  void (*winograd4_output_tile)(float* const* q, const float* m, int64_t ms, int64_t n, bool add);
  void (*winograd4_grad_tile)(float* w, int64_t ws, const float* const* q, int64_t n);
};

// The loops of the CPU path in use, or null on the portable path (conv.cc).
const Loops* loops();

namespace avx2 {
extern const Loops kLoops;
}  // namespace avx2
namespace avx512 {
extern const Loops kLoops;
}  // namespace avx512

}  // namespace nativenn::conv_simd
