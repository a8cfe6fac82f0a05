import { describe, expect, it } from 'vitest';
import * as nn from '../../src';

// Columns: varying, constant, negative.
const x = nn.tensor2d([
  [1, 5, -2],
  [3, 5, 0],
  [5, 5, 4],
]);

describe('nn.data.minMaxScaler', () => {
  it('maps each column onto [0, 1] (constant column → 0), like scikit-learn', () => {
    const s = nn.data.minMaxScaler();
    const t = s.fitTransform(x);
    // hand-computed: (v − min) / (max − min); column 2 has min −2, range 6
    expect(Array.from(t.data)).toEqual(Array.from(Float32Array.of(0, 0, 0, 0.5, 0, 2 / 6, 1, 0, 1)));
    expect(x.data[0]).toBe(1); // the input is untouched
  });

  it('honours featureRange (constant column → its lower end) and transforms new data', () => {
    const s = nn.data.minMaxScaler({ featureRange: [-1, 1] });
    s.fit(x);
    const t = s.transform(nn.tensor2d([[2, 7, 7]]));
    // column 0: (2−1)/4·2 − 1 = −0.5; column 1: 5 → −1 and 7 → (7−5)·2 − 1 = 3; column 2: (7+2)/6·2 − 1 = 2
    expect(Array.from(t.data)).toEqual([-0.5, 3, 2]);
    expect(Array.from(s.transform(x).data.subarray(0, 3))).toEqual([-1, -1, -1]);
  });

  it('inverseTransform undoes transform', () => {
    const s = nn.data.minMaxScaler().fit(x);
    const back = s.inverseTransform(s.transform(x)).data;
    // the scaled values are float32 (e.g. 1/3): one float32 rounding of values ≤ 6 → ≤ 1e-6 off
    back.forEach((v, i) => {
      expect(Math.abs(v - x.data[i])).toBeLessThan(1e-6);
    });
  });

  it('round-trips through toJSON / fromJSON', () => {
    const s = nn.data.minMaxScaler({ featureRange: [0, 2] }).fit(x);
    const json = JSON.parse(JSON.stringify(s.toJSON()));
    expect(json).toEqual({ type: 'minMax', featureRange: [0, 2], dataMin: [1, 5, -2], dataMax: [5, 5, 4] });
    const r = nn.data.scalerFromJSON(json);
    expect(r).toBeInstanceOf(nn.data.MinMaxScaler);
    expect(Array.from(r.transform(x).data)).toEqual(Array.from(s.transform(x).data));
  });

  it('rejects bad use with clear errors', () => {
    const s = nn.data.minMaxScaler();
    expect(() => s.transform(x)).toThrow(/not fitted; call fit\(x\) first/);
    expect(() => s.toJSON()).toThrow(/not fitted/);
    s.fit(x);
    expect(() => s.transform(nn.tensor2d([[1, 2]]))).toThrow(RangeError);
    expect(() => s.transform(nn.tensor2d([[1, 2]]))).toThrow(/x has 2 features, but the scaler was fitted on 3/);
    expect(() => nn.data.minMaxScaler({ featureRange: [1, 0] })).toThrow(/featureRange min must be below max/);
    expect(() => nn.data.minMaxScaler({ featureRange: [0] as unknown as [number, number] })).toThrow(TypeError);
    expect(() => s.fit([[1]] as unknown as nn.Tensor)).toThrow(/x must be a Tensor, got Array/);
    expect(() => s.fit(new nn.Tensor(new Float32Array(0), [0, 3]))).toThrow(/no rows/);
    expect(() =>
      s.fit(
        nn.tensor2d([
          [1, 2],
          [NaN, 3],
        ]),
      ),
    ).toThrow(/NaN at row 1, column 0/);
    expect(() =>
      nn.data.scalerFromJSON({ type: 'minMax', featureRange: [0, 1], dataMin: [0], dataMax: [1, 2] }),
    ).toThrow(/dataMin has 1 values but dataMax has 2/);
    expect(() => nn.data.scalerFromJSON({ type: 'robust' } as unknown as nn.data.ScalerJSON)).toThrow(
      /"minMax" or "standard"/,
    );
  });
});

describe('nn.data.standardScaler', () => {
  it('centres and scales by the population std (constant column → 0), like scikit-learn', () => {
    const s = nn.data.standardScaler();
    const t = s.fitTransform(x);
    // column 0: mean 3, std sqrt(8/3); column 2: mean 2/3, deviations −8/3, −2/3, 10/3, std sqrt(56/9 ≈ 6.222)
    const s0 = Math.sqrt(8 / 3);
    const s2 = Math.sqrt((64 + 4 + 100) / 27);
    const expected = [-2 / s0, 0, -8 / 3 / s2, 0, 0, -2 / 3 / s2, 2 / s0, 0, 10 / 3 / s2];
    // float32 output: within 1e-6 of the double result
    t.data.forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i], 6);
    });
    expect(s.toJSON().std[1]).toBe(0);
    expect(s.toJSON().mean).toEqual([3, 5, 2 / 3]);
  });

  it('gives each column mean 0 and std 1 on larger data', () => {
    const d = nn.datasets.digits().x;
    const t = nn.data.standardScaler().fitTransform(d);
    const cols = t.cols;
    for (const c of [10, 20, 36]) {
      let sum = 0;
      let sq = 0;
      for (let r = 0; r < t.rows; r++) {
        sum += t.data[r * cols + c];
        sq += t.data[r * cols + c] ** 2;
      }
      // float32 rounding of 1797 values: 1e-5 is ample
      expect(Math.abs(sum / t.rows)).toBeLessThan(1e-5);
      expect(Math.abs(sq / t.rows - 1)).toBeLessThan(1e-5);
    }
  });

  it('round-trips through toJSON / fromJSON and rejects bad input', () => {
    const s = nn.data.standardScaler().fit(x);
    const r = nn.data.StandardScaler.fromJSON(JSON.parse(JSON.stringify(s.toJSON())));
    expect(Array.from(r.transform(x).data)).toEqual(Array.from(s.transform(x).data));
    expect(() => nn.data.standardScaler().fitTransform(nn.tensor2d([[Infinity]]))).toThrow(RangeError);
    expect(() => nn.data.standardScaler().transform(x)).toThrow(/not fitted/);
    expect(() => nn.data.StandardScaler.fromJSON({ type: 'standard', mean: [0], std: [-1] })).toThrow(/≥ 0/);
  });
});
