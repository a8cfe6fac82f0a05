// Vector and row/column kernels. Plain loops: the compiler vectorizes them at -O3.
#pragma once
#include <cstdint>

namespace nativenn {

// x[0..n) = value
void fill(float* x, float value, int64_t n);
// x[0..n) *= alpha
void scale(float* x, float alpha, int64_t n);
// y[0..n) += alpha * x
void axpy(float* y, float alpha, const float* x, int64_t n);
// out = a * b elementwise (out may alias a or b)
void mul(float* out, const float* a, const float* b, int64_t n);
// out (rows,cols) += bias (cols)
void add_bias(float* out, const float* bias, int64_t rows, int64_t cols);
// out (cols) += column sums of x (rows,cols)
void add_column_sums(float* out, const float* x, int64_t rows, int64_t cols);
// out (rows) = index of the largest value in each row of x (rows,cols); first on ties
void argmax_rows(int32_t* out, const float* x, int64_t rows, int64_t cols);
// Index of the first NaN or ±Infinity in x[0..n), or -1 (fit's check of its data).
int64_t first_non_finite(const float* x, int64_t n);

}  // namespace nativenn
