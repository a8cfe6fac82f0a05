// Fused passes for the training executor's cheap activations: the shared kernels are general
// (any aliasing, a switch per call) and their relu backward branches per element, which costs
// more than the small GEMMs of a digits-sized step. These are bit-identical to bias add followed
// by activation_forward / activation_backward, in one branch-free, vectorizable pass.
#pragma once
#include <cstdint>

namespace nativenn::train {

// z (rows,cols) += bias (cols, or null); out = relu(z) (out may not alias z).
void bias_relu_forward(float* out, float* z, const float* bias, int64_t rows, int64_t cols);

// dz (n) = x > 0 ? dy : dy·0 (dz may not alias dy or x).
void relu_backward(float* dz, const float* dy, const float* x, int64_t n);

}  // namespace nativenn::train
