/** maxPool2d / avgPool2d forward and backward: native against the js twin on many shapes, the
 *  twin against hand-computed values (padding cells belong to no window), and bad calls. */
import { describe, expect, it } from 'vitest';
import { backends } from '../../src';
import { addon } from '../../src/backend/native/addon';
import { expectSameErrorOnBoth, maxRelErr, nativeBackend, randomF32 } from '../support/backends';
import { type PoolCase, poolCase, poolCases } from './conv-cases';

const js = backends.js;
type B = typeof js;

function run(b: B, c: PoolCase, seed: number) {
  const x = randomF32(c.x, seed);
  const dy = randomF32(c.out, seed + 1);
  const maxOut = new Float32Array(c.out).fill(Number.NaN);
  const argmax = new Int32Array(c.out).fill(-7);
  b.maxPool2dForward(maxOut, argmax, x, ...c.shape);
  const maxDx = randomF32(c.x, seed + 2); // backward accumulates
  b.maxPool2dBackward(maxDx, dy, argmax, ...c.shape);
  const avgOut = new Float32Array(c.out).fill(Number.NaN);
  b.avgPool2dForward(avgOut, x, ...c.shape);
  const avgDx = randomF32(c.x, seed + 3);
  b.avgPool2dBackward(avgDx, dy, ...c.shape);
  return { maxOut, argmax, maxDx, avgOut, avgDx };
}

describe('the pooling twin against hand-computed values', () => {
  // 3×3 image, one channel: 1..9; 2×2 windows, stride 2, 'same' → pad 0 before, 1 after
  const x = Float32Array.from([1, 2, 3, 4, 9, 6, 7, 8, 5]);
  const c = poolCase(1, [3, 3], 1, [2, 2], [2, 2], 'same');

  it('max ignores padding and records the offset of each max in its image', () => {
    const out = new Float32Array(4);
    const argmax = new Int32Array(4);
    js.maxPool2dForward(out, argmax, x, ...c.shape);
    expect(Array.from(out)).toEqual([9, 6, 8, 5]);
    expect(Array.from(argmax)).toEqual([4, 5, 7, 8]);
    const dx = new Float32Array(9).fill(1);
    js.maxPool2dBackward(dx, Float32Array.from([10, 20, 30, 40]), argmax, ...c.shape);
    expect(Array.from(dx)).toEqual([1, 1, 1, 1, 11, 21, 1, 31, 41]);
  });

  it('the average divides by the real cells only (Keras same), and backward spreads dy over them', () => {
    const out = new Float32Array(4);
    js.avgPool2dForward(out, x, ...c.shape);
    expect(Array.from(out)).toEqual([(1 + 2 + 4 + 9) / 4, (3 + 6) / 2, (7 + 8) / 2, 5]);
    const dx = new Float32Array(9);
    js.avgPool2dBackward(dx, Float32Array.from([4, 2, 2, 1]), ...c.shape);
    expect(Array.from(dx)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('ties go to the first cell in window order', () => {
    const out = new Float32Array(1);
    const argmax = new Int32Array(1);
    js.maxPool2dForward(out, argmax, new Float32Array(4).fill(2), 1, 2, 2, 1, 2, 2, 1, 1, 0, 0, 0, 0);
    expect(argmax[0]).toBe(0);
  });
});

describe.skipIf(!nativeBackend)('pooling: native against the js twin', () => {
  const native = nativeBackend!;
  const cases = poolCases();

  it('covers the shapes', () => {
    expect(cases.length).toBeGreaterThan(60);
  });

  it.each(cases.map((c, i) => [c.label, c, i] as const))('%s', (_label, c, i) => {
    const a = run(native, c, 300 + i);
    const b = run(js, c, 300 + i);
    // max pooling selects, it does not compute: exact
    expect(Array.from(a.argmax)).toEqual(Array.from(b.argmax));
    expect(Buffer.from(a.maxOut.buffer).equals(Buffer.from(b.maxOut.buffer))).toBe(true);
    expect(maxRelErr(a.maxDx, b.maxDx, 1e-6, 1e-6)).toBeLessThanOrEqual(1);
    expect(maxRelErr(a.avgOut, b.avgOut, 1e-6, 1e-5)).toBeLessThanOrEqual(1);
    expect(maxRelErr(a.avgDx, b.avgDx, 1e-6, 1e-5)).toBeLessThanOrEqual(1);
  });
});

describe.skipIf(!nativeBackend)('max pooling backward with any argmax inside the image', () => {
  const native = nativeBackend!;

  it('adds dy where each argmax points, in its window or not (a hand-made tape may pair any indices)', () => {
    for (const c of [
      poolCase(2, [6, 7], 37, [2, 2], [2, 2], 'valid'),
      poolCase(3, [5, 5], 4, [3, 3], [1, 1], 'same'),
    ]) {
      const argmax = new Int32Array(c.out);
      const x = randomF32(c.x, 5);
      native.maxPool2dForward(new Float32Array(c.out), argmax, x, ...c.shape);
      // Every third index moved elsewhere in its image: lanes of a vector then miss their window.
      for (let i = 0; i < c.out; i += 3) argmax[i] = (argmax[i] * 7 + i) % c.image;
      const dy = randomF32(c.out, 6);
      const [a, b] = [native, js].map((backend) => {
        const dx = randomF32(c.x, 7);
        backend.maxPool2dBackward(dx, dy, argmax, ...c.shape);
        return dx;
      });
      expect(maxRelErr(a, b, 1e-6, 1e-6)).toBeLessThanOrEqual(1);
    }
  });
});

describe.skipIf(!nativeBackend)('pooling: bad calls give the same clear error on both backends', () => {
  const c = poolCase(2, [4, 4], 3, [2, 2], [2, 2], 'valid');
  const withShape = (i: number, v: number) => c.shape.map((s, j) => (j === i ? v : s)) as typeof c.shape;
  const x = () => new Float32Array(c.x);
  const out = () => new Float32Array(c.out);

  it.each([
    ['strideW 0', 7, 0],
    ['kH 0', 4, 0],
    ['inW 0', 2, 0],
    ['padTop equal to kH', 8, 2],
    ['padRight above kW', 11, 3],
    ['a window larger than the input', 4, 5],
  ] as const)('%s', (_name, at, value) => {
    expectSameErrorOnBoth((b) => b.maxPool2dForward(out(), new Int32Array(c.out), x(), ...withShape(at, value)));
    expectSameErrorOnBoth((b) => b.avgPool2dBackward(x(), out(), ...withShape(at, value)));
  });

  it('an argmax outside its image is refused before dx changes', () => {
    for (const bad of [-1, c.image, 2 ** 31 - 1]) {
      const argmax = new Int32Array(c.out);
      argmax[c.out - 1] = bad;
      const dx = new Float32Array(c.x).fill(3);
      expectSameErrorOnBoth((b) => b.maxPool2dBackward(dx, out().fill(1), argmax, ...c.shape));
      expect(() => js.maxPool2dBackward(dx, out().fill(1), argmax, ...c.shape)).toThrow(
        /argmax\[23\] must be an offset/,
      );
      expect(() => addon!.maxPool2dBackward(dx, out().fill(1), argmax, ...c.shape)).toThrow(RangeError);
      expect(dx.every((v) => v === 3)).toBe(true);
    }
  });

  it('the raw addon refuses sizes whose products overflow', () => {
    const big = 2 ** 31 - 1;
    const f = new Float32Array(4);
    expect(() => addon!.avgPool2dForward(f, f, big, big, big, big, 1, 1, 1, 1, 0, 0, 0, 0)).toThrow(RangeError);
    expect(() => addon!.maxPool2dForward(f, new Int32Array(4), f, 1, big, big, 4, 1, 1, 1, 1, 0, 0, 0, 0)).toThrow(
      /argmax cannot index it/,
    );
  });
});
