// Fused passes for the training executor's cheap activations: the shared kernels are general
// (any aliasing, a switch per call) and their relu backward branches per element, which costs
// more than the small GEMMs of a digits-sized step. These are bit-identical to bias add followed
// by activation_forward / activation_backward, in one branch-free, vectorizable pass. Each is
// built for every CPU path (fused.cc portable, fused_avx2.cc, fused_avx512.cc: fused_loops.inc)
// and the build of the path in use runs.
#pragma once
#include <cstdint>

namespace nativenn::train {

// z (rows,cols) += bias (cols, or null); out = relu(z) (out may not alias z).
void bias_relu_forward(float* out, float* z, const float* bias, int64_t rows, int64_t cols);

// dz (n) = x > 0 ? dy : dy·0 (dz may not alias dy or x).
void relu_backward(float* dz, const float* dy, const float* x, int64_t n);

// out (cols) += Σ_r x (rows, cols): nativenn::add_column_sums, bit for bit (out may not alias x).
void column_sums(float* out, const float* x, int64_t rows, int64_t cols);

}  // namespace nativenn::train

namespace nativenn::train {

// Fused softmax + categorical cross-entropy from logits (rows,cols), the formulas of
// nativenn::softmax_cross_entropy (probs = softmax, grad = (probs·Σt − t)/rows, mean loss by
// log-sum-exp), with the exponentials as float32 polynomials that vectorize (rel. error < 1e-7 on
// [−87, 0]) instead of libm's double exp per element: in a digits-sized step those 320 exps cost
// more than a small GEMM. Rows go 8 at a time with their reductions side by side (fused_loops.inc);
// on the AVX2 and AVX-512 paths, rows of up to 16 classes go 8 (16) at a time in the lanes of one
// vector per class, with the log as a vector polynomial (fused_avx2.cc, fused_avx512.cc: the same
// bits on both paths; probs and grad those of the loops, the loss within 1 ulp of the log). Built
// per CPU path like bias_relu_forward. probs must not alias logits or grad.
double softmax_cross_entropy_f32(float* probs, float* grad, const float* logits, const float* target, int64_t rows,
                                 int64_t cols, bool sparse);

}  // namespace nativenn::train
