// Single-precision GEMM, row-major, BLAS semantics:
//   c (m,n) = alpha · op(a) · op(b) + beta · c,   op(a) is (m,k), op(b) is (k,n)
// a is stored (m,k) with row stride lda, or (k,m) when trans_a; b is (k,n), or (n,k) when trans_b.
// beta == 0 overwrites c without reading it (c may hold NaN); alpha == 0 or k == 0 gives beta·c.
#pragma once
#include <cstdint>

namespace nativenn {

// The fast one: cache-blocked, packed, SIMD micro-kernel, threaded when large (gemm_blocked.cc).
void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
           const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

// Plain loops with the same contract, for tests and as the obvious reading (gemm_ref.cc).
void sgemm_ref(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
               const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

// The micro-kernel choice: "auto" (the default: the best kernel of the CPU path in use,
// kernels/cpu_path.h, or on the AVX-512 path the AVX2 one for small products), or the kernel
// forced by sgemm_use_kernel.
const char* sgemm_kernel();
// The kernel "auto" takes for an m x n x k product on the CPU path in use ("avx512", "avx2",
// "generic"), whether or not one is forced.
const char* sgemm_auto_kernel(int64_t m, int64_t n, int64_t k);
// Forces every later sgemm onto the named kernel ("avx512", "avx2", "generic") if this build has
// it and the CPU runs it (whatever the CPU path), or back to "auto"; false (and no change)
// otherwise. For tests and benchmarks: all kernels give the same results within float32 rounding.
bool sgemm_use_kernel(const char* name);

}  // namespace nativenn
