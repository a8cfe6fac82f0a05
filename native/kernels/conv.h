// 2-D convolution, NHWC (twin: src/backend/js/conv.ts). x (n, inH, inW, inC), filter
// (kH, kW, inC, outC) — TensorFlow's layouts —, out (n, outH, outW, outC) with
//   out[b,oy,ox,o] = Σ_{ky,kx,c} x[b, oy·sh − padTop + ky·dh, ox·sw − padLeft + kx·dw, c] · filter[ky,kx,c,o]
// where input cells outside the image (the padding) read as 0. The caller computes outH/outW
// (= (inH + padTop + padBottom − dh·(kH−1) − 1) / sh + 1) and checks every size and buffer.
//
// Implementation: on the AVX2 and AVX-512 paths, patches of at most 32 floats (kH·kW·inC: a
// first layer over 1–3 channels) take direct loops for the forward and the filter gradient
// (conv_simd.h), which ignore the workspace. 3×3 stride-1 dilation-1 convolutions with enough
// channels (conv2d_winograd_tile, a function of the shape alone) take Winograd F(2×2, 3×3) or
// F(4×4, 3×3) for the forward, backward-data and the filter gradient (conv_winograd.h), in chunks of
// tiles that the workspace holds (columns_ready is then ignored: the forward wrote none). Otherwise im2col
// into the caller's workspace, then
// the BLIS sgemm; col2im for backward-data. The workspace holds `slots` column matrices of
// conv2d_column_size floats. With a slot per image (the tape gives that) the whole batch is one
// GEMM: over batch·pixels rows (forward, backward-data) or summing over them (backward-filter).
// With fewer, images are spread over min(slots, threads) tasks, each image computed alone
// (forward, backward-data), and backward-filter walks the images in order. The GEMM threads over
// output tiles, never over the summed dimension, so for a given workspace size no result depends
// on the thread count.
#pragma once
#include <cstdint>

namespace nativenn {

struct Conv2dShape {
  int64_t batch, in_h, in_w, in_c, out_c;
  int64_t k_h, k_w, stride_h, stride_w, dilation_h, dilation_w;
  int64_t pad_top, pad_left;  // bottom/right padding only shape out_h/out_w
  int64_t out_h, out_w;
};

// Floats of one image's column matrix: (outH·outW) × (kH·kW·inC).
int64_t conv2d_column_size(const Conv2dShape& s);

// out = conv(x, filter) (overwritten). workspace holds workspace_len ≥ conv2d_column_size floats.
void conv2d_forward(float* out, const float* x, const float* filter, float* workspace, int64_t workspace_len,
                    const Conv2dShape& s);
// dx += ∂(Σ dy·out)/∂x: accumulates into dx. overwrite: dx is zeroed first, image by image in the
// task that then adds into it (the same values as a fill before).
void conv2d_backward_data(float* dx, const float* dy, const float* filter, float* workspace, int64_t workspace_len,
                          const Conv2dShape& s, bool overwrite = false);
// dfilter += ∂(Σ dy·out)/∂filter, summed over the batch: accumulates. columns_ready: the workspace
// still holds conv2d_forward's columns of this x (a slot per image; the tape's training step,
// which runs the forward first), so they are not gathered again.
void conv2d_backward_filter(float* dfilter, const float* x, const float* dy, float* workspace, int64_t workspace_len,
                            const Conv2dShape& s, bool columns_ready = false);

}  // namespace nativenn
