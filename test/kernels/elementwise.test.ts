import { describe, expect, it } from 'vitest';
import { backends } from '../../src';
import { maxRelErr, nativeBackend, randomF32, SIZES } from '../support/backends';

const js = backends.js;

describe.skipIf(!nativeBackend)('elementwise kernels: native equals the js twin', () => {
  const native = nativeBackend!;
  const shapes = SIZES.flatMap((rows) => [1, 3, 10, 33].map((cols) => [rows, cols] as const));

  it.each(shapes)('addBias and addColumnSums on %i x %i', (rows, cols) => {
    const x = randomF32(rows * cols, rows * 131 + cols);
    const bias = randomF32(cols, cols);
    const outJs = x.slice();
    const outNative = x.slice();
    js.addBias(outJs, bias, rows, cols);
    native.addBias(outNative, bias, rows, cols);
    expect(maxRelErr(outNative, outJs, 1e-6, 1e-6)).toBeLessThanOrEqual(1);

    const sumJs = randomF32(cols, 7);
    const sumNative = sumJs.slice();
    js.addColumnSums(sumJs, x, rows, cols);
    native.addColumnSums(sumNative, x, rows, cols);
    // float32 accumulation of `rows` terms of magnitude ≤ 1: error ≤ rows·2^-24 each way.
    expect(maxRelErr(sumNative, sumJs, rows * 6e-8 + 1e-6, 1e-6)).toBeLessThanOrEqual(1);
  });

  // add_column_sums takes a register-blocked loop when out and x are apart and the row-by-row one
  // when they overlap: both are float32 sums in row order onto out, the bits of this loop.
  const columnSumsRef = (out: Float32Array, x: Float32Array, rows: number, cols: number) => {
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c] += x[r * cols + c];
  };
  const wide = [1, 7, 32].flatMap((rows) => [1, 10, 63, 64, 65, 130].map((cols) => [rows, cols] as const));
  it.each(wide)('addColumnSums on %i x %i: the bits of row-order float32 sums, apart or overlapping', (rows, cols) => {
    const fresh = () => randomF32((rows + 1) * cols, rows * 7 + cols);
    // Apart: out is the first row of one buffer, x the rows after it.
    const [a, aRef] = [fresh(), fresh()];
    native.addColumnSums(a.subarray(0, cols), a.subarray(cols), rows, cols);
    columnSumsRef(aRef.subarray(0, cols), aRef.subarray(cols), rows, cols);
    expect(a).toEqual(aRef);
    // Overlapping: out is x's last row, read and written as the sums go.
    const [b, bRef] = [fresh(), fresh()];
    native.addColumnSums(b.subarray(rows * cols), b.subarray(cols), rows, cols);
    columnSumsRef(bRef.subarray(rows * cols), bRef.subarray(cols), rows, cols);
    expect(b).toEqual(bRef);
  });

  it.each(SIZES)('fill, scale, axpy, mul on n = %i', (n) => {
    const x = randomF32(n, n);
    const y = randomF32(n, n + 1);
    const run = (b: typeof js) => {
      const a = x.slice();
      const c = y.slice();
      b.scale(a, -1.5, n);
      b.axpy(c, 0.25, a, n);
      b.mul(a, a, c, n);
      const f = new Float32Array(n);
      b.fill(f, 3.5, n);
      return [a, c, f];
    };
    const [ja, jc, jf] = run(js);
    const [na, nc, nf] = run(native);
    expect(maxRelErr(na, ja, 1e-6, 1e-6)).toBeLessThanOrEqual(1);
    expect(maxRelErr(nc, jc, 1e-6, 1e-6)).toBeLessThanOrEqual(1);
    expect(Array.from(nf)).toEqual(Array.from(jf));
  });

  it.each(shapes)('argmaxRows on %i x %i (ties go to the first)', (rows, cols) => {
    const x = randomF32(rows * cols, rows + cols * 17);
    for (let i = 0; i < x.length; i += 5) x[i] = 0.5; // create ties
    const a = new Int32Array(rows);
    const b = new Int32Array(rows);
    js.argmaxRows(a, x, rows, cols);
    native.argmaxRows(b, x, rows, cols);
    expect(Array.from(b)).toEqual(Array.from(a));
  });
});
