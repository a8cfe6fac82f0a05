// The fused loops (fused_loops.inc) built with -mavx512f (the "avx512" list of native/sources.json);
// called through fused.cc only on the avx512 path or above.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif
#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/vmath.h"

namespace nativenn::train {

// The softmax cross-entropy for rows of at most 16 classes is fused_avx2.cc's, rows in the lanes of
// ymm vectors (AVX-512 implies AVX2 and FMA): it took 0.6–0.8× the time of the zmm per row this
// file had (whose reductions across a row's lanes were most of its cost), and this path then gives
// the AVX2 path's bits.
namespace avx2 {
double xent_rows_narrow(float* probs, float* grad, const float* logits, const float* target, int64_t rows, int64_t cols,
                        bool sparse, float inv_rows);
}  // namespace avx2

namespace avx512 {

using avx2::xent_rows_narrow;
#define NATIVENN_FUSED_XENT_ROWS_NARROW 1
#include "kernels/train/fused_loops.inc"

}  // namespace avx512
}  // namespace nativenn::train
