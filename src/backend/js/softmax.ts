/** Row-wise softmax (max-subtracted) and its backward pass. */
export function softmaxForward(out: Float32Array, x: Float32Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let max = -Infinity;
    for (let c = 0; c < cols; c++) max = Math.max(max, x[o + c]);
    let sum = 0;
    for (let c = 0; c < cols; c++) {
      const e = Math.exp(x[o + c] - max);
      out[o + c] = e;
      sum += e;
    }
    for (let c = 0; c < cols; c++) out[o + c] /= sum;
  }
}

// dx = y ⊙ (dy − Σ dy⊙y), row by row
export function softmaxBackward(dx: Float32Array, dy: Float32Array, y: Float32Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let dot = 0;
    for (let c = 0; c < cols; c++) dot += dy[o + c] * y[o + c];
    for (let c = 0; c < cols; c++) dx[o + c] = y[o + c] * (dy[o + c] - dot);
  }
}
