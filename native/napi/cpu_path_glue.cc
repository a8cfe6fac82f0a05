// Glue for the CPU path (kernels/cpu_path.h): cpuPath() names the path in use, cpuPaths() the
// paths this CPU and build run (best first), setCpuPath(name) switches to one of them and returns
// false (no change) when the CPU lacks it. The TS loader applies NATIVENN_CPU with these.
#include "kernels/cpu_path.h"
#include "kernels/gemm/gemm.h"
#include "napi/args.h"
#include "napi/register.h"

namespace nativenn::glue {
namespace {

Napi::Value GetCpuPath(const Napi::CallbackInfo& info) {
  Args a(info, "cpuPath");
  a.count(0);
  return Napi::String::New(info.Env(), cpu_path_name(cpu_path()));
}

Napi::Value CpuPaths(const Napi::CallbackInfo& info) {
  Args a(info, "cpuPaths");
  a.count(0);
  Napi::Array out = Napi::Array::New(info.Env());
  for (int p = static_cast<int>(cpu_path_best()); p >= 0; p--)
    out.Set(out.Length(), Napi::String::New(info.Env(), cpu_path_name(static_cast<CpuPath>(p))));
  return out;
}

Napi::Value SetCpuPath(const Napi::CallbackInfo& info) {
  Args a(info, "setCpuPath");
  a.count(1);
  const char* const names[] = {cpu_path_name(CpuPath::kPortable), cpu_path_name(CpuPath::kAvx2),
                               cpu_path_name(CpuPath::kAvx512)};
  const int path = a.name(0, "path", names, 3);
  return Napi::Boolean::New(info.Env(), set_cpu_path(static_cast<CpuPath>(path)));
}

// Hidden, for tests: the GEMM micro-kernel the CPU path in use takes for an m x n x k product.
Napi::Value GemmKernelFor(const Napi::CallbackInfo& info) {
  Args a(info, "_gemmKernelFor");
  a.count(3);
  const uint64_t m = a.size(0, "m"), n = a.size(1, "n"), k = a.size(2, "k");
  return Napi::String::New(info.Env(), sgemm_auto_kernel(m, n, k));
}

}  // namespace

void RegisterCpuPath(Napi::Env env, Napi::Object exports) {
  exports.Set("cpuPath", Napi::Function::New(env, GetCpuPath, "cpuPath"));
  exports.Set("cpuPaths", Napi::Function::New(env, CpuPaths, "cpuPaths"));
  exports.Set("setCpuPath", Napi::Function::New(env, SetCpuPath, "setCpuPath"));
  exports.Set("_gemmKernelFor", Napi::Function::New(env, GemmKernelFor, "_gemmKernelFor"));
}

}  // namespace nativenn::glue
