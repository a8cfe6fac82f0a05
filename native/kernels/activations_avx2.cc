// The activation loops of activations_loops.inc built with -mavx2 -mfma (the "avx2" list of
// native/sources.json): 8 floats per vector instead of 4. activations.cc calls these only
// where __builtin_cpu_supports reports AVX2 and FMA. Empty on other architectures.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")  // lets GCC vectorize vmath.h's selects (see activations.cc)
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <cmath>

#include "kernels/activations.h"
#include "kernels/vmath.h"

namespace nativenn::avx2 {
#include "kernels/activations_loops.inc"
}  // namespace nativenn::avx2
#endif
