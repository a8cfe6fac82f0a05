/** Vector and row/column kernels: fill, scale, axpy, mul, bias add, column sums, argmax. */
export function fill(x: Float32Array, value: number, n: number): void {
  for (let i = 0; i < n; i++) x[i] = value;
}

export function scale(x: Float32Array, alpha: number, n: number): void {
  for (let i = 0; i < n; i++) x[i] *= alpha;
}

export function axpy(y: Float32Array, alpha: number, x: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) y[i] += alpha * x[i];
}

export function mul(out: Float32Array, a: Float32Array, b: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i] * b[i];
}

// out (rows,cols) += bias (cols)
export function addBias(out: Float32Array, bias: Float32Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] += bias[c];
}

// out (cols) += sum over rows of x (rows,cols)
export function addColumnSums(out: Float32Array, x: Float32Array, rows: number, cols: number): void {
  for (let c = 0; c < cols; c++) {
    let sum = 0;
    for (let r = 0; r < rows; r++) sum += x[r * cols + c];
    out[c] += sum;
  }
}

// out (rows) = argmax of each row of x (rows,cols); first index on ties; NaN never wins
export function argmaxRows(out: Int32Array, x: Float32Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (x[r * cols + c] > x[r * cols + best]) best = c;
    out[r] = best;
  }
}
