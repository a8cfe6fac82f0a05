/** csvDataset's encoder for all-numeric rows (src/data/csv-encode-numbers.ts): the native kernel
 *  equals its twin bit for bit on many tables (NaN, values beyond float32 before or after
 *  scaling, −0, picked rows), and its glue refuses bad arguments with a TypeError/RangeError. */
import { describe, expect, it } from 'vitest';
import { encodeNumberRowsNative, encodeNumberRowsTwin } from '../../src/data/csv-encode-numbers';
import { Random } from '../../src/util/random';

const SPECIAL = [
  Number.NaN,
  Infinity,
  -Infinity,
  3.4028234663852886e38,
  3.4028235677973366e38,
  1e39,
  -0,
  5e-324,
  1e-40,
];

function table(rng: Random, rows: number, cols: number, specials: number) {
  return Array.from({ length: cols }, () =>
    Float64Array.from({ length: rows }, () =>
      rng.next() < specials ? SPECIAL[rng.int(SPECIAL.length)] : rng.normal() * 10 ** rng.int(8) + rng.uniform(-1, 1),
    ),
  );
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe.skipIf(!encodeNumberRowsNative)('csvEncodeNumbers: the native kernel equals its twin', () => {
  it('on 600 tables: picked rows, with and without a scaler, refused values where the twin refuses them', () => {
    const rng = new Random(2024);
    let refused = 0;
    for (let t = 0; t < 600; t++) {
      const rows = 1 + rng.int(200);
      const cols = 1 + rng.int(20);
      const columns = table(rng, rows, cols, t % 3 === 0 ? 0 : 0.002 * rng.int(5));
      const picked = Int32Array.from({ length: rng.int(rows + 5) }, () => rng.int(rows));
      let scale: Float64Array | null = null;
      let offset: Float64Array | null = null;
      if (t % 2 === 1) {
        // A fitted scaler's coefficients, sometimes one that overflows float32.
        scale = Float64Array.from({ length: cols }, () => (rng.next() < 0.05 ? 1e36 : 1 / (0.1 + rng.next() * 50)));
        offset = Float64Array.from({ length: cols }, () => rng.normal() * 3);
      }
      const a = new Float32Array(picked.length * cols);
      const b = new Float32Array(picked.length * cols);
      const got = encodeNumberRowsNative!(a, columns, picked, scale, offset);
      const want = encodeNumberRowsTwin(b, columns, picked, scale, offset);
      expect(got).toBe(want);
      expect(bits(a)).toEqual(bits(b));
      if (want >= 0) refused++;
    }
    expect(refused).toBeGreaterThan(50);
    expect(refused).toBeLessThan(550);
  });

  it('scaling rounds as the scaler’s transform does (float32 value, double multiply and add, float32)', () => {
    const x = Float64Array.from([0.1, 1 / 3, 123456.789, -7.25]);
    const scale = Float64Array.from([1 / 3]);
    const offset = Float64Array.from([0.7]);
    const out = new Float32Array(4);
    expect(encodeNumberRowsNative!(out, [x], Int32Array.from([0, 1, 2, 3]), scale, offset)).toBe(-1);
    expect(Array.from(out)).toEqual(Array.from(x, (v) => Math.fround(Math.fround(v) * scale[0] + offset[0])));
  });

  it('refuses bad arguments, naming them', () => {
    const f = encodeNumberRowsNative as unknown as (...args: unknown[]) => number;
    const col = new Float64Array(4);
    const rows = Int32Array.from([0, 3]);
    const out = new Float32Array(4);
    expect(() => f(out, [col, col], rows, null)).toThrow(TypeError);
    expect(() => f(out, col, rows, null, null)).toThrow(/columns must be an array of Float64Array/);
    expect(() => f(out, [], rows, null, null)).toThrow(/columns must hold 1 to 2\^23 arrays/);
    expect(() => f(out, [new Float32Array(4)], rows, null, null)).toThrow(/columns\[0\] must be a Float64Array/);
    expect(() => f(out, [col], Int32Array.from([0, 4]), null, null)).toThrow(/rows\[1\] must index every column/);
    expect(() => f(out, [col], Int32Array.from([-1]), null, null)).toThrow(RangeError);
    expect(() => f(out, [col, new Float64Array(2)], rows, null, null)).toThrow(/rows\[1\] must index every column/);
    expect(() => f(new Float32Array(3), [col, col], rows, null, null)).toThrow(/out is too short/);
    expect(() => f(out, [col], rows, new Float64Array(1), null)).toThrow(/scale and offset must both be/);
    expect(() => f(out, [col, col], rows, new Float64Array(1), new Float64Array(2))).toThrow(/scale must hold/);
    expect(() => f(out, [col], [0, 1], null, null)).toThrow(/rows must be a Int32Array|rows must be an Int32Array/);
    expect(f(out, [col], new Int32Array(0), null, null)).toBe(-1);
  });
});
