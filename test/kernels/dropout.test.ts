import { describe, expect, it } from 'vitest';
import { backends } from '../../src';
import { dropoutHash } from '../../src/backend/js/dropout';
import { addon } from '../../src/backend/native/addon';
import { allBackends, expectSameErrorOnBoth, nativeBackend, randomF32, SIZES } from '../support/backends';

const js = backends.js;
type B = typeof js;

function dropout(b: B, x: Float32Array, rate: number, seed: number) {
  const out = new Float32Array(x.length);
  const mask = new Float32Array(x.length);
  b.dropoutForward(out, mask, x, x.length, rate, seed);
  return { out, mask };
}

const RATES = [0, 1e-9, 0.1, 0.3, 0.5, 0.9, 0.999];
const SEEDS = [0, 1, 12345, 2 ** 31 - 1];

describe.skipIf(!nativeBackend)('dropout: native is bit-identical to the js twin', () => {
  const native = nativeBackend!;

  it.each(RATES)('rate %d: masks and outputs equal exactly for n = 0, SIZES, 10007 and four seeds', (rate) => {
    for (const seed of SEEDS) {
      for (const n of [0, ...SIZES, 10007]) {
        const x = randomF32(n, n + seed, -3, 3);
        const a = dropout(native, x, rate, seed);
        const b = dropout(js, x, rate, seed);
        // The mask is an integer hash compared with rate and the out a single float32 product,
        // so anything short of bit equality is a bug.
        expect(Buffer.from(a.mask.buffer).equals(Buffer.from(b.mask.buffer)), `mask n=${n} seed=${seed}`).toBe(true);
        expect(Buffer.from(a.out.buffer).equals(Buffer.from(b.out.buffer)), `out n=${n} seed=${seed}`).toBe(true);
      }
    }
  });

  it('the keep/drop boundary is exact: rate equal to an element’s uniform keeps it, one ulp above drops it', () => {
    const seed = 7;
    const x = new Float32Array(64).fill(1);
    for (const i of [0, 5, 33, 63]) {
      const u = (dropoutHash(seed, i) >>> 8) / 16777216;
      if (u === 0) continue;
      const atRate = Math.min(u, 0.999);
      const above = atRate + Number.EPSILON * atRate;
      for (const rate of [atRate, above]) {
        const a = dropout(native, x, rate, seed);
        const b = dropout(js, x, rate, seed);
        expect(Array.from(a.mask)).toEqual(Array.from(b.mask));
      }
      if (u < 0.999) {
        expect(dropout(native, x, u, seed).mask[i]).toBeGreaterThan(0);
        expect(dropout(native, x, above, seed).mask[i]).toBe(0);
      }
    }
  });

  it('out may alias x', () => {
    const x = randomF32(1000, 3);
    const ref = dropout(native, x, 0.4, 9);
    const buf = x.slice();
    const mask = new Float32Array(1000);
    native.dropoutForward(buf, mask, buf, 1000, 0.4, 9);
    expect(Array.from(buf)).toEqual(Array.from(ref.out));
  });
});

describe.each(allBackends)('dropout on $name', (b) => {
  it('drops about rate of the elements and scales the rest by 1/(1 − rate)', () => {
    const n = 100_000;
    const x = new Float32Array(n).fill(2);
    for (const rate of [0.1, 0.5, 0.8]) {
      const { out, mask } = dropout(b, x, rate, 2024);
      const keep = Math.fround(1 / (1 - rate));
      let dropped = 0;
      let wrong = 0; // a mask value other than 0 / keep, or out ≠ x·mask
      for (let i = 0; i < n; i++) {
        if (mask[i] === 0) dropped++;
        else if (mask[i] !== keep) wrong++;
        if (out[i] !== Math.fround(2 * mask[i])) wrong++;
      }
      expect(wrong).toBe(0);
      // Binomial(n, rate): 5 standard deviations is a false-alarm rate below 1e-6.
      expect(Math.abs(dropped - n * rate)).toBeLessThan(5 * Math.sqrt(n * rate * (1 - rate)));
    }
  });

  it('rate 0 keeps everything; different seeds give different masks; the same seed the same', () => {
    const x = randomF32(500, 1);
    const zero = dropout(b, x, 0, 5);
    expect(Array.from(zero.out)).toEqual(Array.from(x));
    expect(zero.mask.every((m) => m === 1)).toBe(true);
    const m1 = dropout(b, x, 0.5, 5).mask;
    expect(Array.from(dropout(b, x, 0.5, 5).mask)).toEqual(Array.from(m1));
    expect(Array.from(dropout(b, x, 0.5, 6).mask)).not.toEqual(Array.from(m1));
  });
});

describe.skipIf(!nativeBackend)('dropout: bad calls', () => {
  const f = new Float32Array(4);
  const bad: [string, (b: B) => void][] = [
    ['rate 1', (b) => b.dropoutForward(f, f, f, 4, 1, 0)],
    ['rate −0.1', (b) => b.dropoutForward(f, f, f, 4, -0.1, 0)],
    ['rate NaN', (b) => b.dropoutForward(f, f, f, 4, Number.NaN, 0)],
    ['rate a string', (b) => b.dropoutForward(f, f, f, 4, '0.5' as unknown as number, 0)],
    ['seed −1', (b) => b.dropoutForward(f, f, f, 4, 0.5, -1)],
    ['seed 1.5', (b) => b.dropoutForward(f, f, f, 4, 0.5, 1.5)],
    ['seed 2^31', (b) => b.dropoutForward(f, f, f, 4, 0.5, 2 ** 31)],
    ['short mask', (b) => b.dropoutForward(f, new Float32Array(3), f, 4, 0.5, 0)],
  ];
  it.each(bad)('%s: both backends throw the same error', (_, call) => expectSameErrorOnBoth(call));

  it('the addon glue checks on its own', () => {
    const raw = addon!;
    expect(() => raw.dropoutForward(f, f, f, 4, 1, 0)).toThrow(/rate must be in \[0, 1\)/);
    expect(() => raw.dropoutForward(f, f, f, 4, Number.NaN, 0)).toThrow(RangeError);
    expect(() => raw.dropoutForward(f, f, f, 4, 0.5, 2 ** 31)).toThrow(/seed must be an integer/);
    expect(() => raw.dropoutForward(f, f, f, 4, 0.5, -1)).toThrow(RangeError);
    expect(() => raw.dropoutForward(f, f, new Float32Array(3), 4, 0.5, 0)).toThrow(/x is too short/);
    expect(() => raw.dropoutForward(f, f, f, 4, 0.5)).toThrow(/expected 6 arguments/);
  });
});
