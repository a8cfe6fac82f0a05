// Row-wise softmax and its backward pass (twin: src/backend/js/softmax.ts).
// Rows are independent: a range of rows [r0, r1) is the same call on x + r0*cols, ... with
// rows = r1 - r0, which is how a thread pool splits it.
#pragma once
#include <cstdint>

namespace nativenn {

// out (rows,cols) = softmax of each row of x (rows,cols), max-subtracted; out may alias x.
void softmax_forward(float* out, const float* x, int64_t rows, int64_t cols);

// dx (rows,cols) = y ⊙ (dy − rowsum(dy ⊙ y)), given y = softmax(x); dx may alias dy.
void softmax_backward(float* dx, const float* dy, const float* y, int64_t rows, int64_t cols);

// One row of softmax_forward, shared with the fused softmax cross-entropy.
void softmax_row(float* out, const float* x, int64_t cols);

}  // namespace nativenn
