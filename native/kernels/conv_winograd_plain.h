// The plain loops of the Winograd tile transforms (conv_winograd.cc takes them on the portable
// path; conv_simd_loops.inc has the SIMD ones, with the same contracts). For F(m×m, 3×3), α = m + 2:
// - filter: u (α², inC, outC), u[ξ][c][o] = (G g Gᵀ)[ξ] for the taps g[ky][kx] = filter[ky][kx][c][o];
// - input: v[ξ·vs + c] = (Bᵀ d B)[ξ] for c < n, d[k] the channels of window cell k (α×α, row-major);
// - output: the m×m cells q[k] (row-major; add: added to, else overwritten) = (Aᵀ m A)[k] for the
//   n channels m[ξ·ms + o];
// - grad: w[ξ·ws + o] = (A q Aᵀ)[ξ] for the n channels q[k] of the output gradient's m×m cell k.
// The matrices are in conv_winograd.h.
#pragma once
#include <cstdint>

namespace nativenn::winograd_plain {

void filter2(float* u, const float* filter, int64_t in_c, int64_t out_c);
void input2(float* v, int64_t vs, const float* const* d, int64_t n);
void output2(float* const* q, const float* m, int64_t ms, int64_t n, bool add);
void grad2(float* w, int64_t ws, const float* const* q, int64_t n);

void filter4(float* u, const float* filter, int64_t in_c, int64_t out_c);
void input4(float* v, int64_t vs, const float* const* d, int64_t n);
void output4(float* const* q, const float* m, int64_t ms, int64_t n, bool add);
void grad4(float* w, int64_t ws, const float* const* q, int64_t n);

}  // namespace nativenn::winograd_plain
