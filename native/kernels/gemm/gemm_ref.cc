// Reference sgemm: the definition, in loops. Accumulates each dot product in double, like the
// js twin, so it is also the yardstick the fast path is checked against in C++ experiments.
#include "kernels/gemm/gemm.h"

namespace nativenn {

void sgemm_ref(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
               const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  for (int64_t i = 0; i < m; i++) {
    for (int64_t j = 0; j < n; j++) {
      double sum = 0;
      for (int64_t p = 0; p < k; p++) {
        float aip = trans_a ? a[p * lda + i] : a[i * lda + p];
        float bpj = trans_b ? b[j * ldb + p] : b[p * ldb + j];
        sum += static_cast<double>(aip) * bpj;
      }
      float old = beta == 0 ? 0.0f : beta * c[i * ldc + j];  // beta == 0 never reads c
      c[i * ldc + j] = static_cast<float>(alpha * sum) + old;
    }
  }
}

}  // namespace nativenn
