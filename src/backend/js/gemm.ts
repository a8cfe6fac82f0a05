/** Reference sgemm, row-major: c (m,n) = alpha·op(a)·op(b) + beta·c. The specification the
 *  native GEMM is tested against: obvious loops, float64 accumulation of each dot product. */
export function gemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  lda: number,
  b: Float32Array,
  ldb: number,
  beta: number,
  c: Float32Array,
  ldc: number,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) {
        const aip = transA ? a[p * lda + i] : a[i * lda + p];
        const bpj = transB ? b[j * ldb + p] : b[p * ldb + j];
        sum += aip * bpj;
      }
      const old = beta === 0 ? 0 : beta * c[i * ldc + j]; // beta == 0 never reads c (it may hold NaN)
      c[i * ldc + j] = alpha * sum + old;
    }
  }
}
