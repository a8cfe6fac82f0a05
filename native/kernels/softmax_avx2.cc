// The softmax row loops of softmax_loops.inc built with -mavx2 -mfma (the "avx2" list of
// native/sources.json). softmax.cc calls them only where __builtin_cpu_supports reports AVX2
// and FMA. Empty on other architectures.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")  // lets GCC vectorize vmath.h's selects (see activations.cc)
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <cmath>
#include <cstdint>

#include "kernels/vmath.h"

namespace nativenn::avx2_softmax {
#include "kernels/softmax_loops.inc"
}  // namespace nativenn::avx2_softmax
#endif
