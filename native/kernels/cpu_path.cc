#include "kernels/cpu_path.h"

#include <atomic>

namespace nativenn {
namespace {

CpuPath detect() {
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (avx2 && __builtin_cpu_supports("avx512f")) return CpuPath::kAvx512;
  if (avx2) return CpuPath::kAvx2;
#endif
  return CpuPath::kPortable;
}

// -1: not chosen, the best path. (Not initialized from detect() here: other files' static
// initializers may ask before this file's have run.)
std::atomic<int> g_path{-1};

constexpr const char* kNames[] = {"portable", "avx2", "avx512"};

}  // namespace

CpuPath cpu_path_best() {
  static const CpuPath best = detect();
  return best;
}

CpuPath cpu_path() {
  const int chosen = g_path.load(std::memory_order_relaxed);
  return chosen < 0 ? cpu_path_best() : static_cast<CpuPath>(chosen);
}

bool set_cpu_path(CpuPath path) {
  const int p = static_cast<int>(path);
  if (p < 0 || p > static_cast<int>(cpu_path_best())) return false;
  g_path.store(p, std::memory_order_relaxed);
  return true;
}

const char* cpu_path_name(CpuPath path) { return kNames[static_cast<int>(path)]; }

}  // namespace nativenn
