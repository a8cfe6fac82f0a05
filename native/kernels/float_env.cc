#include "kernels/float_env.h"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

namespace nativenn {

#if defined(__x86_64__) || defined(__i386__)
namespace {
constexpr uint32_t kFlushToZero = 0x8000;       // MXCSR.FTZ: subnormal results become 0
constexpr uint32_t kDenormalsAreZero = 0x0040;  // MXCSR.DAZ: subnormal inputs read as 0
}  // namespace

uint32_t float_env_get() { return _mm_getcsr(); }
void float_env_set(uint32_t env) { _mm_setcsr(env); }

ScopedFlushDenormals::ScopedFlushDenormals() : saved_(_mm_getcsr()) {
  const uint32_t flush = saved_ | kFlushToZero | kDenormalsAreZero;
  if (flush != saved_) _mm_setcsr(flush);
}
ScopedFlushDenormals::~ScopedFlushDenormals() {
  if (_mm_getcsr() != saved_) _mm_setcsr(saved_);
}
#else
uint32_t float_env_get() { return 0; }
void float_env_set(uint32_t) {}
ScopedFlushDenormals::ScopedFlushDenormals() : saved_(0) {}
ScopedFlushDenormals::~ScopedFlushDenormals() {}
#endif

}  // namespace nativenn
