// Glue for sgemm: unpack, check, call. Stored shapes: a is (transA ? k x m : m x k) with row
// stride lda, b is (transB ? n x k : k x n) with ldb, c is m x n with ldc; Args::matrix checks
// ld >= max(1, cols) and length >= (rows-1)*ld + cols, so the kernel never leaves the buffers.
#include "kernels/gemm/gemm.h"
#include "napi/args.h"
#include "napi/register.h"

namespace nativenn::glue {
namespace {

Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Args a(info, "gemm");
  a.count(13);
  bool trans_a = a.boolean(0, "transA");
  bool trans_b = a.boolean(1, "transB");
  uint64_t m = a.size(2, "m"), n = a.size(3, "n"), k = a.size(4, "k");
  float alpha = static_cast<float>(a.number(5, "alpha"));
  uint64_t lda = a.size(7, "lda"), ldb = a.size(9, "ldb");
  float beta = static_cast<float>(a.number(10, "beta"));
  uint64_t ldc = a.size(12, "ldc");
  const float* pa = a.matrix(6, "a", trans_a ? k : m, trans_a ? m : k, lda, "lda");
  const float* pb = a.matrix(8, "b", trans_b ? n : k, trans_b ? k : n, ldb, "ldb");
  float* pc = a.matrix(11, "c", m, n, ldc, "ldc");
  sgemm(trans_a, trans_b, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
  return info.Env().Undefined();
}

// Hidden, for tests and benchmarks: _gemmKernel() names the micro-kernel in use; _gemmKernel(name)
// switches to "avx512", "avx2" or "generic" and returns whether this build and CPU have it.
Napi::Value GemmKernel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() == 0) return Napi::String::New(env, sgemm_kernel());
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "_gemmKernel: name must be a string");
  return Napi::Boolean::New(env, sgemm_use_kernel(info[0].As<Napi::String>().Utf8Value().c_str()));
}

}  // namespace

void RegisterGemm(Napi::Env env, Napi::Object exports) {
  exports.Set("gemm", Napi::Function::New(env, Gemm, "gemm"));
  exports.Set("_gemmKernel", Napi::Function::New(env, GemmKernel, "_gemmKernel"));
}

}  // namespace nativenn::glue
