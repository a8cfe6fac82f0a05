// Winograd convolution (Lavin & Gray 2015, "Fast Algorithms for Convolutional Neural Networks")
// for conv.cc: 3×3 filters, stride 1, dilation 1, NHWC. Twins: src/backend/js/conv-winograd.ts
// (F(2×2)) and conv-winograd4.ts (F(4×4)).
//
// F(m×m, 3×3) cuts the output into m×m tiles; tile (ty, tx) reads the α×α input cells (α = m + 2)
// from (m·ty − padTop, m·tx − padLeft) on (cells outside the image read 0) and computes
//   out tile = Aᵀ [ Σ_c (Bᵀ d_c B) ⊙ (G g_{c,o} Gᵀ) ] A.
// F(2×2): Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1], G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
// Aᵀ = [1 1 1 0; 0 1 −1 −1].
// F(4×4): Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0;
// 0 4 0 −5 0 1], G = [¼ 0 0; −⅙ −⅙ −⅙; −⅙ ⅙ −⅙; 1/24 1/12 ⅙; 1/24 −1/12 ⅙; 0 0 1],
// Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1]: 36 products per 16 outputs
// against 16 per 4, with about ten times F(2×2)'s rounding error (≈ 5e-6 of the largest output
// against 5e-7; im2col's is 3e-7).
// The sum over channels is α² GEMMs, one per cell ξ of the transformed tile: M_ξ (tiles × outC) =
// V_ξ (tiles × inC) · U_ξ (inC × outC). Edge tiles are clipped: outputs past the image are not
// written. Which m a direction takes is a function of the shape (conv_winograd.cc: tile_size).
//
// Backward-data is the same computation: dx = the forward of dy (padded by 2 − padTop, 2 − padLeft)
// with the filter turned 180° and its channels swapped.
//
// Each output tile is computed alone, and the GEMMs sum every element over inC in the same order
// whatever their row count (gemm_blocked.cc), so the result is the same bits for any workspace
// size and thread count.
#pragma once
#include <cstdint>

#include "kernels/conv.h"

namespace nativenn {

// The tile edge m of the Winograd F(m×m, 3×3) that conv.cc takes for this (forward) shape, or 0
// for im2col: for the forward and the filter gradient (backward_data false, over the output) or for
// backward-data (over the input). Needs a 3×3 filter, stride 1, dilation 1, one image's column slot
// (the least workspace the contract allows) large enough for a useful chunk of F(2×2) tiles both
// ways, at least 16 input and 16 output channels, and 48 together unless F(4×4) is taken. F(4×4)
// where its tiles fit and it multiplies less. A function of the shape alone (and the mode below),
// so every workspace size gives the same algorithm.
int conv2d_winograd_tile(const Conv2dShape& s, bool backward_data);

// out = conv(x, filter), overwritten. False (nothing written) when the transformed filter's
// scratch cannot be allocated, or the workspace cannot hold one tile: the caller then takes im2col.
// m: 2 or 4, from conv2d_winograd_tile.
bool conv2d_winograd_forward(float* out, const float* x, const float* filter, float* workspace, int64_t workspace_len,
                             const Conv2dShape& s, int m);
// dx (+)= ∂(Σ dy·out)/∂x; overwrite: dx is written instead of added to. False as above.
bool conv2d_winograd_backward_data(float* dx, const float* dy, const float* filter, float* workspace,
                                   int64_t workspace_len, const Conv2dShape& s, int m, bool overwrite);

// dfilter += ∂(Σ dy·out)/∂filter, summed over the batch, by Winograd the other way round: since
// out tile = Aᵀ [U ⊙ V] A with U = G g Gᵀ, the filter gradient is Gᵀ [ Σ_tiles (A dy Aᵀ) ⊙ V ] G,
// with V the forward's transformed input tiles and dy each tile's m×m output gradient (cells past
// the image 0). The sum over tiles is α² GEMMs, z_ξ (outC × inC) = W_ξᵀ (outC × tiles) · V_ξ
// (tiles × inC), in chunks of tiles the workspace holds, added chunk after chunk: for a given
// workspace size the same bits for any thread count. False as above.
bool conv2d_winograd_backward_filter(float* dfilter, const float* x, const float* dy, float* workspace,
                                     int64_t workspace_len, const Conv2dShape& s, int m);

// For tests and benchmarks: 0 = by shape (the default), 1 = never Winograd, 2 = F(2×2) wherever it
// can run (3×3, stride 1, dilation 1, any channel count, F(2×2) tiles fit the workspace), 3 = the
// same with F(4×4) wherever its tiles fit (F(2×2) elsewhere).
void conv2d_winograd_mode(int mode);
int conv2d_winograd_mode();

}  // namespace nativenn
