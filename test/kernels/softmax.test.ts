import { describe, expect, it } from 'vitest';
import { backends } from '../../src';
import { addon } from '../../src/backend/native/addon';
import { allBackends, expectSameErrorOnBoth, nativeBackend, randomF32, SIZES } from '../support/backends';

const js = backends.js;

/** Largest |a−b| / (atol + rtol·|b|); NaN-vs-NaN counts as agreement. */
function worst(a: ArrayLike<number>, b: ArrayLike<number>, atol: number, rtol: number): number {
  expect(a.length).toBe(b.length);
  let w = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i] || (Number.isNaN(a[i]) && Number.isNaN(b[i]))) continue;
    const d = Math.abs(a[i] - b[i]);
    w = Math.max(w, Number.isFinite(d) ? d / (atol + rtol * Math.abs(b[i])) : Infinity);
  }
  return w;
}

// Both sides take exp in double, sum in double, store exp(x − max) in float32 and divide it by
// the sum once: they differ only where libm's exp and V8's differ in the last double bit, which
// can flip one float32 rounding (2^-24 relative). rtol 3e-7 = a few ulps; atol 1e-30 only lets
// subnormal probabilities differ.
const ATOL = 1e-30;
const RTOL = 3e-7;
const COLS = [1, 2, 3, 10, 33, 100];

function softmax(b: typeof js, x: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  b.softmaxForward(out, x, rows, cols);
  return out;
}

describe.skipIf(!nativeBackend)('softmax: native equals the js twin', () => {
  const native = nativeBackend!;
  const shapes = [[0, 5], [4, 0], [0, 0], ...SIZES.flatMap((rows) => COLS.map((cols) => [rows, cols]))] as [
    number,
    number,
  ][];

  it('forward on 300 x 333 (rows split across the thread pool)', () => {
    const x = randomF32(300 * 333, 777, -40, 40);
    expect(worst(softmax(native, x, 300, 333), softmax(js, x, 300, 333), ATOL, RTOL)).toBeLessThanOrEqual(1);
  });

  it.each(shapes)('forward and backward on %i x %i', (rows, cols) => {
    const x = randomF32(rows * cols, rows * 1000 + cols, -8, 8);
    const dy = randomF32(rows * cols, rows * 1000 + cols + 1);
    const yJs = softmax(js, x, rows, cols);
    expect(worst(softmax(native, x, rows, cols), yJs, ATOL, RTOL)).toBeLessThanOrEqual(1);
    const dxJs = new Float32Array(rows * cols);
    const dxNative = new Float32Array(rows * cols);
    js.softmaxBackward(dxJs, dy, yJs, rows, cols);
    native.softmaxBackward(dxNative, dy, yJs, rows, cols);
    // dx = y·(dy − dot): the dot is a double sum on both sides, same order, so the same rtol;
    // atol for entries where dy ≈ dot cancels (error ≤ 2^-24·|dy|·y ≤ 6e-8 with |dy| ≤ 1).
    expect(worst(dxNative, dxJs, 1e-7, RTOL)).toBeLessThanOrEqual(1);
  });

  it('extreme rows: ±30, ±100, ±1000 spreads, −Infinity entries, all equal', () => {
    const rows = [
      [30, -30, 0, 1],
      [100, -100, 99.5, 0],
      [1000, -1000, 999, 998],
      [-1000, -1000, -1000, -1000],
      [-Infinity, 0, 5, -Infinity],
      [-Infinity, -Infinity, -Infinity, 1000],
      [3e38, -3e38, 3e38, 0],
      [Infinity, 0, 0, 0], // +Infinity is not meaningful: NaN on both backends
    ];
    const x = Float32Array.from(rows.flat());
    const yJs = softmax(js, x, rows.length, 4);
    const yNative = softmax(native, x, rows.length, 4);
    expect(worst(yNative, yJs, ATOL, RTOL)).toBeLessThanOrEqual(1);
    for (let r = 0; r < rows.length - 1; r++) {
      const row = Array.from(yNative.subarray(r * 4, r * 4 + 4));
      expect(
        row.every((p) => Number.isFinite(p) && p >= 0 && p <= 1),
        `row ${r}`,
      ).toBe(true);
      expect(row.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 6);
    }
    expect(yNative[0]).toBeCloseTo(1 / (1 + Math.exp(-29) + Math.exp(-30) + Math.exp(-60)), 7);
    expect(Array.from(yNative.subarray(12, 16))).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(Array.from(yNative.subarray(20, 24))).toEqual([0, 0, 0, 1]);
    expect(Number.isNaN(yNative[28])).toBe(true);
  });

  it('out may alias x and dx may alias dy', () => {
    const [rows, cols] = [17, 33];
    const x = randomF32(rows * cols, 5, -10, 10);
    const dy = randomF32(rows * cols, 6);
    const y = softmax(native, x, rows, cols);
    const inPlace = x.slice();
    native.softmaxForward(inPlace, inPlace, rows, cols);
    expect(Array.from(inPlace)).toEqual(Array.from(y));
    const dx = new Float32Array(rows * cols);
    native.softmaxBackward(dx, dy, y, rows, cols);
    const dyInPlace = dy.slice();
    native.softmaxBackward(dyInPlace, dyInPlace, y, rows, cols);
    expect(Array.from(dyInPlace)).toEqual(Array.from(dx));
  });
});

describe.each(allBackends)('softmax on $name', (b) => {
  it('rows sum to 1 and shifting a row does not change it', () => {
    const x = Float32Array.from([1, 2, 3, 101, 102, 103]);
    const y = softmax(b, x, 2, 3);
    const e = [Math.exp(-2), Math.exp(-1), 1].map((v) => v / (Math.exp(-2) + Math.exp(-1) + 1));
    for (let c = 0; c < 3; c++) {
      expect(y[c]).toBeCloseTo(e[c], 7);
      expect(y[3 + c]).toBeCloseTo(e[c], 7);
    }
  });
});

describe.skipIf(!nativeBackend)('softmax: bad calls', () => {
  const f = new Float32Array(6);
  const bad: [string, (b: typeof js) => void][] = [
    ['rows·cols past out', (b) => b.softmaxForward(new Float32Array(5), f, 2, 3)],
    ['negative rows', (b) => b.softmaxForward(f, f, -1, 3)],
    ['NaN cols', (b) => b.softmaxBackward(f, f, f, 2, Number.NaN)],
    ['string cols', (b) => b.softmaxBackward(f, f, f, 2, '3' as unknown as number)],
    ['Int32Array y', (b) => b.softmaxBackward(f, f, new Int32Array(6) as unknown as Float32Array, 2, 3)],
  ];
  it.each(bad)('%s: both backends throw the same error', (_, call) => expectSameErrorOnBoth(call));

  it('the addon glue checks on its own', () => {
    expect(() => addon!.softmaxForward(f, new Float32Array(5), 2, 3)).toThrow(/x is too short/);
    expect(() => addon!.softmaxForward(f, f, 2 ** 31, 0)).toThrow(RangeError);
    expect(() => addon!.softmaxBackward(f, f, [0, 0, 0, 0, 0, 0], 2, 3)).toThrow(TypeError);
  });
});
