import { describe, expect, it } from 'vitest';
import { type ActivationName, backends } from '../../src';
import { ACTIVATIONS } from '../../src/backend/check';
import { addon } from '../../src/backend/native/addon';
import { allBackends, expectSameErrorOnBoth, nativeBackend, randomF32, SIZES } from '../support/backends';

const js = backends.js;

/** Largest |a−b| / (atol + rtol·|b|); equal infinities and NaN-vs-NaN count as agreement. */
function worst(a: ArrayLike<number>, b: ArrayLike<number>, atol: number, rtol: number): number {
  expect(a.length).toBe(b.length);
  let w = 0;
  for (let i = 0; i < a.length; i++) {
    if (Object.is(a[i], b[i]) || (Number.isNaN(a[i]) && Number.isNaN(b[i])) || a[i] === b[i]) continue;
    const d = Math.abs(a[i] - b[i]);
    w = Math.max(w, Number.isFinite(d) ? d / (atol + rtol * Math.abs(b[i])) : Infinity);
  }
  return w;
}

// Both sides compute in double and round once to float32, so they differ only where libm and V8
// differ in the last double bit (a float32 rounding flip, 2^-24 ≈ 6e-8 relative) or, for gelu,
// by the twin's erf approximation (≤ 1.2e-7 relative in erfc, i.e. ≤ 1.2e-7 absolute near the
// zero of gelu'). rtol 3e-7 = a few float32 ulps; atol 2e-7 covers gelu' near its zero.
const ATOL = 2e-7;
const RTOL = 3e-7;
const ALPHAS: Record<ActivationName, number[]> = {
  linear: [0],
  sigmoid: [0],
  tanh: [0],
  relu: [0],
  gelu: [0],
  silu: [0],
  hardSigmoid: [0],
  leakyRelu: [0.01, 0.2, 0.3, 1.5],
  elu: [0.5, 1, 1.7],
};
const EXTREMES = [0, -0, 1e-30, -1e-30, 30, -30, 100, -100, 1000, -1000, Infinity, -Infinity, 87.5, -87.5, 3e38, -3e38];
// hardSigmoid's kinks: exactly ±2.5 and the float32 neighbours on both sides.
const KINKS = [2.5, -2.5, 2.4999998, -2.4999998, 2.5000002, -2.5000002];

function forward(b: typeof js, kind: ActivationName, x: Float32Array, alpha: number): Float32Array {
  const out = new Float32Array(x.length);
  b.activationForward(kind, out, x, x.length, alpha);
  return out;
}
function backward(
  b: typeof js,
  kind: ActivationName,
  dy: Float32Array,
  x: Float32Array,
  y: Float32Array,
  alpha: number,
) {
  const dx = new Float32Array(x.length);
  b.activationBackward(kind, dx, dy, x, y, x.length, alpha);
  return dx;
}

describe.skipIf(!nativeBackend)('activations: native equals the js twin', () => {
  const native = nativeBackend!;
  const cases = ACTIVATIONS.flatMap((kind) => ALPHAS[kind].map((alpha) => [kind, alpha] as const));

  it.each(cases)('%s (alpha %d) forward and backward on n = 0, SIZES, 1000, 4099', (kind, alpha) => {
    for (const n of [0, ...SIZES, 1000, 4099]) {
      const x = randomF32(n, n * 7 + 1, -6, 6);
      const dy = randomF32(n, n * 7 + 2, -2, 2);
      const yJs = forward(js, kind, x, alpha);
      expect(worst(forward(native, kind, x, alpha), yJs, ATOL, RTOL), `forward n=${n}`).toBeLessThanOrEqual(1);
      const dxJs = backward(js, kind, dy, x, yJs, alpha);
      expect(worst(backward(native, kind, dy, x, yJs, alpha), dxJs, ATOL, RTOL), `backward n=${n}`).toBeLessThanOrEqual(
        1,
      );
    }
  });

  it.each(cases)('%s (alpha %d) on 100003 elements (split across the thread pool)', (kind, alpha) => {
    const n = 100003; // past the kernels' threading threshold, not a multiple of the chunk
    const x = randomF32(n, 12345, -12, 12);
    const dy = randomF32(n, 12346, -2, 2);
    const yJs = forward(js, kind, x, alpha);
    expect(worst(forward(native, kind, x, alpha), yJs, ATOL, RTOL)).toBeLessThanOrEqual(1);
    const dxJs = backward(js, kind, dy, x, yJs, alpha);
    expect(worst(backward(native, kind, dy, x, yJs, alpha), dxJs, ATOL, RTOL)).toBeLessThanOrEqual(1);
  });

  it.each(cases)('%s (alpha %d) on extreme inputs (|x| up to 3e38, ±Infinity)', (kind, alpha) => {
    const x = Float32Array.from([...EXTREMES, ...KINKS]);
    const dy = Float32Array.from(x, (_, i) => (i % 3) - 1.25);
    const yJs = forward(js, kind, x, alpha);
    const yNative = forward(native, kind, x, alpha);
    expect(worst(yNative, yJs, ATOL, RTOL)).toBeLessThanOrEqual(1);
    expect(
      worst(backward(native, kind, dy, x, yJs, alpha), backward(js, kind, dy, x, yJs, alpha), ATOL, RTOL),
    ).toBeLessThanOrEqual(1);
  });

  it.each(cases)('%s (alpha %d): out may alias x, dx may alias dy', (kind, alpha) => {
    const n = 257;
    const x = randomF32(n, 99, -5, 5);
    const dy = randomF32(n, 98);
    const y = forward(native, kind, x, alpha);
    const inPlace = x.slice();
    native.activationForward(kind, inPlace, inPlace, n, alpha);
    expect(Array.from(inPlace)).toEqual(Array.from(y));
    const dx = backward(native, kind, dy, x, y, alpha);
    const dyInPlace = dy.slice();
    native.activationBackward(kind, dyInPlace, dyInPlace, x, y, n, alpha);
    expect(Array.from(dyInPlace)).toEqual(Array.from(dx));
  });
});

describe.each(allBackends)('activations on $name: known values and stability', (b) => {
  it('sigmoid is finite and exact at the extremes', () => {
    const y = forward(b, 'sigmoid', Float32Array.from([-Infinity, -1000, -100, -30, 0, 30, 100, 1000, Infinity]), 0);
    expect(y.every((v) => Number.isFinite(v) && v >= 0 && v <= 1)).toBe(true);
    expect([y[0], y[1], y[4], y[6], y[7], y[8]]).toEqual([0, 0, 0.5, 1, 1, 1]);
    expect(y[3]).toBeCloseTo(Math.exp(-30), 20); // 9.36e-14: no underflow to 0 at −30
    expect(y[2]).toBeGreaterThan(0); // e^-100 ≈ 3.7e-44 is a float32 subnormal, not 0
  });

  it('hardSigmoid: clamp(0.2·x + 0.5, 0, 1), slope 0.2 strictly between the kinks at ±2.5', () => {
    const x = Float32Array.from([-10, -2.5, -2.4999998, -1, 0, 1, 2.4999998, 2.5, 10, Number.NaN]);
    const y = forward(b, 'hardSigmoid', x, 0);
    const want = [0, 0, 0.5 - 0.49999996, 0.3, 0.5, 0.7, 0.99999996, 1, 1];
    for (const [i, w] of want.entries()) expect(y[i]).toBeCloseTo(w, 7);
    expect(y[9]).toBeNaN();
    const dx = backward(b, 'hardSigmoid', new Float32Array(10).fill(2), x, y, 0);
    expect([...dx.subarray(0, 9)].map((v) => Math.fround(v))).toEqual(
      [0, 0, 0.4, 0.4, 0.4, 0.4, 0.4, 0, 0].map(Math.fround),
    );
  });

  it('tanh, relu, leakyRelu, elu, gelu, silu at a few points', () => {
    const x = Float32Array.from([-2, -0.5, 0.5, 2]);
    const close = (got: Float32Array, want: number[]) => {
      for (const [i, w] of want.entries()) expect(got[i]).toBeCloseTo(w, 6);
    };
    close(forward(b, 'tanh', x, 0), [Math.tanh(-2), Math.tanh(-0.5), Math.tanh(0.5), Math.tanh(2)]);
    close(forward(b, 'relu', x, 0), [0, 0, 0.5, 2]);
    close(forward(b, 'leakyRelu', x, 0.1), [-0.2, -0.05, 0.5, 2]);
    close(forward(b, 'elu', x, 1.5), [1.5 * Math.expm1(-2), 1.5 * Math.expm1(-0.5), 0.5, 2]);
    // gelu(x) = x·Φ(x); Φ(−2) = 0.0227501319, Φ(−0.5) = 0.3085375387 (tables)
    close(forward(b, 'gelu', x, 0), [-2 * 0.0227501319, -0.5 * 0.3085375387, 0.5 * 0.6914624613, 2 * 0.9772498681]);
    close(forward(b, 'silu', x, 0), [
      -2 / (1 + Math.exp(2)),
      -0.5 / (1 + Math.exp(0.5)),
      0.5 / (1 + Math.exp(-0.5)),
      2 / (1 + Math.exp(-2)),
    ]);
  });
});

describe.skipIf(!nativeBackend)('activations: bad calls', () => {
  const f = new Float32Array(4);
  const bad: [string, (b: typeof js) => void][] = [
    ['unknown kind', (b) => b.activationForward('swish' as ActivationName, f, f, 4, 0)],
    ['n past the buffer', (b) => b.activationForward('relu', f, new Float32Array(3), 4, 0)],
    ['Float64Array x', (b) => b.activationForward('relu', f, new Float64Array(4) as unknown as Float32Array, 4, 0)],
    ['NaN alpha', (b) => b.activationBackward('elu', f, f, f, f, 4, Number.NaN)],
    ['fractional n', (b) => b.activationBackward('elu', f, f, f, f, 1.5, 1)],
    ['plain Array dy', (b) => b.activationBackward('tanh', f, [0, 0, 0, 0] as unknown as Float32Array, f, f, 4, 0)],
    ['argument count', (b) => (b.softmaxForward as (...a: unknown[]) => void)(f, f, 2)],
  ];
  it.each(bad)('%s: both backends throw the same error', (_, call) => expectSameErrorOnBoth(call));

  it('the addon glue checks on its own (called without the TS layer)', () => {
    const raw = addon!;
    // Enums cross Node-API by name: an index code is a TypeError, an unknown name a RangeError.
    expect(() => raw.activationForward(3, f, f, 4, 0)).toThrow(/activation must be a string/);
    expect(() => raw.activationForward('swish', f, f, 4, 0)).toThrow(
      /unknown activation "swish"; valid: linear, sigmoid/,
    );
    expect(() => raw.activationForward('sigmoid', f, f, 5, 0)).toThrow(/x is too short|out is too short/);
    expect(() => raw.activationForward('leakyRelu', f, f, 4, Number.POSITIVE_INFINITY)).toThrow(/alpha must be finite/);
    expect(() => raw.activationForward('leakyRelu', f, new Float64Array(4), 4, 0)).toThrow(TypeError);
    expect(() => raw.activationBackward('sigmoid', f, f, f, f, 4)).toThrow(/expected 7 arguments/);
    expect(() => raw.activationBackward('sigmoid', f, f, f, new Float32Array(2), 4, 0)).toThrow(/y is too short/);
    expect(() => raw.softmaxForward(f, f, 3, 2)).toThrow(RangeError);
    expect(() => raw.softmaxBackward(f, f, f, 2, 2.5)).toThrow(/cols must be an integer/);
  });
});
