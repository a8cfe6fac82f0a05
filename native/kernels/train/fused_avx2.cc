// The fused loops (fused_loops.inc) built with -mavx2 -mfma (the "avx2" list of native/sources.json);
// called through fused.cc only on the avx2 path or above.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif
#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/vmath.h"

namespace nativenn::train::avx2 {
#include "kernels/train/fused_loops.inc"
}  // namespace nativenn::train::avx2
