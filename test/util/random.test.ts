import { describe, expect, it } from 'vitest';
import { Random, randomSeed } from '../../src/util/random';

describe('Random (sfc32 seeded by splitmix32)', () => {
  it('gives fixed first values for a seed (checked against an independent Python implementation)', () => {
    const r = new Random(42);
    expect([r.nextUint32(), r.nextUint32(), r.nextUint32(), r.nextUint32()]).toEqual([
      1028872839, 2516511472, 400437680, 853279530,
    ]);
    const z = new Random(0);
    expect([z.nextUint32(), z.nextUint32()]).toEqual([4205396811, 3543653536]);
    const neg = new Random(-1);
    expect([neg.nextUint32(), neg.nextUint32()]).toEqual([235059873, 4290552029]);
    const big = new Random(2 ** 40 + 5); // the high bits of the seed count
    expect([big.nextUint32(), big.nextUint32()]).toEqual([2042551144, 612265412]);
  });

  it('is deterministic: same seed, same stream; different seed, different stream', () => {
    const a = new Random(7);
    const b = new Random(7);
    const c = new Random(8);
    const sa = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(sa);
    expect(Array.from({ length: 100 }, () => c.next())).not.toEqual(sa);
    expect(a.seed).toBe(7);
  });

  it('next() stays in [0, 1) with mean ≈ 1/2', () => {
    const r = new Random(1);
    let sum = 0;
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const u = r.next();
      if (!(u >= 0 && u < 1)) outside++;
      sum += u;
    }
    expect(outside).toBe(0);
    // std of the mean of 1e5 uniforms is 0.29/316 ≈ 0.0009; 0.005 is > 5 sigma.
    expect(Math.abs(sum / 100_000 - 0.5)).toBeLessThan(0.005);
  });

  it('int(n) covers 0..n-1 evenly and rejects bad n', () => {
    const r = new Random(3);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[r.int(6)]++;
    // expected 10000 each, std ≈ 91; 600 is > 6 sigma.
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(600);
    expect(() => r.int(0)).toThrow(RangeError);
    expect(() => r.int(2.5)).toThrow(/n must be an integer/);
  });

  it('normal(mean, std) has the right mean and std on 100k samples', () => {
    const r = new Random(123);
    const n = 100_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = r.normal(2, 3);
      s += v;
      s2 += v * v;
    }
    const mean = s / n;
    const std = Math.sqrt(s2 / n - mean * mean);
    // standard error of the mean is 3/316 ≈ 0.0095 and of the std ≈ 0.0067: 0.05 is > 5 sigma.
    expect(Math.abs(mean - 2)).toBeLessThan(0.05);
    expect(Math.abs(std - 3)).toBeLessThan(0.05);
  });

  it('normal() caches the second Box–Muller value (two normals use two uniforms)', () => {
    const a = new Random(9);
    const b = new Random(9);
    a.normal();
    a.normal();
    b.next();
    b.next();
    expect(a.next()).toBe(b.next());
  });

  it('permutation(n) is a permutation, and shuffle works in place', () => {
    const r = new Random(5);
    const p = r.permutation(1000);
    expect(p).toBeInstanceOf(Int32Array);
    expect(Array.from(p).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(p)).not.toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(r.permutation(0).length).toBe(0);
    const arr = ['a', 'b', 'c', 'd', 'e'];
    expect(r.shuffle(arr)).toBe(arr);
    expect([...arr].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('int(n) is the rejection definition (u below the largest multiple of n under 2^32, then u mod n), rejections included', () => {
    for (const n of [1, 3, 1437, 2 ** 31 + 1, 3 * 2 ** 30 + 7, 2 ** 32 - 1, 2 ** 32]) {
      const random = new Random(n % 1000);
      const raw = new Random(n % 1000);
      const limit = 2n ** 32n - (2n ** 32n % BigInt(n));
      let rejected = 0;
      for (let k = 0; k < 2000; k++) {
        let u = BigInt(raw.nextUint32());
        while (u >= limit) {
          rejected++;
          u = BigInt(raw.nextUint32());
        }
        expect(random.int(n)).toBe(Number(u % BigInt(n)));
      }
      // n just above 2^31 rejects about half the draws: the rejection branch really ran.
      if (n === 2 ** 31 + 1) expect(rejected).toBeGreaterThan(500);
      expect(random.nextUint32()).toBe(raw.nextUint32());
    }
  });

  it('shuffle is Fisher–Yates on int(i + 1): the same draws and order as that loop, and the generator after', () => {
    for (const [seed, n] of [
      [1, 1],
      [2, 2],
      [3, 17],
      [4, 1437],
      [2 ** 40 + 3, 5000],
    ]) {
      const fast = new Random(seed);
      const ref = new Random(seed);
      const expected = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = ref.int(i + 1);
        [expected[i], expected[j]] = [expected[j], expected[i]];
      }
      expect(Array.from(fast.permutation(n))).toEqual(expected);
      expect(fast.nextUint32()).toBe(ref.nextUint32());
    }
  });

  it('rejects bad seeds; randomSeed() gives a 32-bit integer', () => {
    expect(() => new Random(1.5)).toThrow(RangeError);
    expect(() => new Random('1' as unknown as number)).toThrow(TypeError);
    const s = randomSeed();
    expect(Number.isInteger(s) && s >= 0 && s < 2 ** 32).toBe(true);
    expect(() => new Random()).not.toThrow();
  });
});
