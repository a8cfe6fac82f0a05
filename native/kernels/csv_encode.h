// csvDataset's encoder for all-numeric rows (twin: src/data/csv-encode-numbers.ts): a table's
// float64 columns, rows picked by index, into float32 model inputs row by row, through the
// scaler's affine transform when there is one.
#pragma once
#include <cstdint>

namespace nativenn {

// out (n, ncols) row-major: out[i][j] = float(columns[j][rows[i]]), or with scale and offset
// (both or neither) float(double(float(v)) * scale[j] + offset[j]): the scaler's transform of the
// float32 value, computed in double and rounded once (no fused multiply-add), as the twin does.
// Returns the index i * ncols + j of the first value that is NaN or beyond ±FLT_MAX, before or
// after scaling (out is then incomplete), or −1. rows[i] index every column (the caller checks).
int64_t csv_encode_numbers(float* out, const double* const* columns, const int32_t* rows, int64_t n, int64_t ncols,
                           const double* scale, const double* offset);

}  // namespace nativenn

namespace nativenn {

// csvDataset's shuffle buffer, its replacing step for n rows of `width` floats (twin: shuffleRows
// in src/data/csv-shuffle.ts): for i = 0 … n − 1 in order, out row i = buf row slots[i], then
// buf row slots[i] = in row i. Values are copied as bits. slots[i] index rows of buf (the caller
// checks); out, buf and in may overlap (memmove).
void csv_shuffle_rows(float* out, float* buf, const float* in, const int32_t* slots, int64_t n, int64_t width);

}  // namespace nativenn
