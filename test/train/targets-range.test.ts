/** The [0, 1] check of binary and categorical cross-entropy targets (data.ts allProbabilities, the
 *  branch-free pass fit runs on every call) against the plain comparison, at the edges: −0, the
 *  smallest subnormals either side of 0, the floats either side of 1, odd and even lengths. */
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/tensor';
import { allProbabilities, targetsOf } from '../../src/train/data';

const ABOVE_ONE = 1 + 2 ** -23; // the float32 after 1
const BELOW_ONE = 1 - 2 ** -24; // the float32 before 1
const INSIDE = [0, -0, 1, 0.5, 1.4e-45, BELOW_ONE, 1e-30];
const OUTSIDE = [-1.4e-45, ABOVE_ONE, -1, 2, -1e-30, 3.4e38, -3.4e38];

describe('allProbabilities', () => {
  it.each([1, 2, 3, 8, 9])('length %i: true inside [0, 1], false with one value outside at any place', (n) => {
    for (const v of INSIDE) expect(allProbabilities(new Float32Array(n).fill(v))).toBe(true);
    for (const bad of OUTSIDE)
      for (let p = 0; p < n; p++) {
        const data = Float32Array.from({ length: n }, (_, i) => INSIDE[i % INSIDE.length]);
        data[p] = bad;
        expect(allProbabilities(data)).toBe(false);
      }
    expect(allProbabilities(new Float32Array(0))).toBe(true);
  });

  it('targetsOf names the first value outside [0, 1], as before', () => {
    const y = new Tensor(Float32Array.of(0, 1, 1, 0, 0.5, ABOVE_ONE), [3, 2]);
    expect(() => targetsOf('fit', 'y', y, 3, 2, 'categoricalCrossentropy')).toThrow(
      /^fit: y row 2 holds 1\.0000001192092896; categoricalCrossentropy needs targets in \[0, 1\]/,
    );
    expect(targetsOf('fit', 'y', new Tensor(Float32Array.of(0, 1, -0, 1), [2, 2]), 2, 2, 'binaryCrossentropy')).toEqual(
      Float32Array.of(0, 1, -0, 1),
    );
  });
});
