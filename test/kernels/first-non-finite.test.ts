/** firstNonFinite (fit's and evaluate's check of x): the addon's block scan against its twin
 *  firstNonFiniteJs, on lengths around the scan's 512-value blocks and the twin's groups of 4, with
 *  NaN, ±Infinity (alone, several, at block edges) among finite extremes (subnormals, ±0, ±max). */
import { describe, expect, it } from 'vitest';
import { addon } from '../../src/backend/native/addon';
import { firstNonFinite, firstNonFiniteJs } from '../../src/train/data';

const LENGTHS = [0, 1, 2, 3, 4, 5, 7, 63, 64, 511, 512, 513, 1023, 1024, 1025, 4099];
const BAD = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
const EXTREMES = [0, -0, 1.4e-45, -1.4e-45, 1.17e-38, 3.4028234663852886e38, -3.4028234663852886e38, 1];

function finite(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => EXTREMES[i % EXTREMES.length] * (i % 3 === 0 ? 1 : 0.5));
}

function positions(n: number): number[] {
  return [
    ...new Set([0, 1, 3, 4, 511, 512, 513, 1024, Math.floor(n / 2), n - 2, n - 1].filter((p) => p >= 0 && p < n)),
  ];
}

const native =
  typeof addon?.firstNonFinite === 'function' ? (addon.firstNonFinite as (x: Float32Array) => number) : null;
const scans = { twin: firstNonFiniteJs, native, dispatch: firstNonFinite };

describe.each(Object.entries(scans).filter(([, f]) => f !== null))('firstNonFinite: %s', (_, scan) => {
  const find = scan as (x: Float32Array) => number;
  it.each(LENGTHS)('%i finite values: -1', (n) => {
    expect(find(finite(n))).toBe(-1);
  });

  it.each(LENGTHS.filter((n) => n > 0))('%i values, one bad value at each position: its index', (n) => {
    for (const bad of BAD)
      for (const p of positions(n)) {
        const x = finite(n);
        x[p] = bad;
        expect(find(x)).toBe(p);
      }
  });

  it('several bad values: the first; a view into a larger buffer reads only its own values', () => {
    const x = finite(3000);
    x[2000] = Number.NaN;
    x[700] = Number.POSITIVE_INFINITY;
    x[2999] = Number.NEGATIVE_INFINITY;
    expect(find(x)).toBe(700);
    expect(find(x.subarray(701))).toBe(2000 - 701);
    expect(find(x.subarray(701, 2000))).toBe(-1);
  });
});

describe.skipIf(native === null)('firstNonFinite: native against the twin', () => {
  it('agrees on random arrays with random bad values', () => {
    let seed = 7;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (let t = 0; t < 200; t++) {
      const n = Math.floor(next() * 2000);
      const x = Float32Array.from({ length: n }, () => (next() - 0.5) * 1e6);
      const bads = Math.floor(next() * 3);
      for (let k = 0; k < bads && n > 0; k++) x[Math.floor(next() * n)] = BAD[k % 3];
      expect(native!(x)).toBe(firstNonFiniteJs(x));
    }
  });

  it('refuses what is not a Float32Array', () => {
    expect(() => native!([1, 2])).toThrow(TypeError);
    expect(() => native!(new Float64Array(2))).toThrow(TypeError);
    expect(() => (addon!.firstNonFinite as () => number)()).toThrow(TypeError);
  });
});
