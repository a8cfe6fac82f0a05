import { describe, expect, it } from 'vitest';
import * as nn from '../../src';

describe('nn.data.oneHot', () => {
  it('puts a 1 in each label column', () => {
    const t = nn.data.oneHot(Int32Array.of(2, 0, 1), 3);
    expect(t.shape).toEqual([3, 3]);
    expect(t.toArray()).toEqual([
      [0, 0, 1],
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(nn.data.oneHot([1], 2).toArray()).toEqual([[0, 1]]);
    expect(nn.data.oneHot(Float32Array.of(1, 0), 2).toArray()).toEqual([
      [0, 1],
      [1, 0],
    ]);
  });

  it('rejects labels out of range, naming the index and the value', () => {
    expect(() => nn.data.oneHot([0, 3], 3)).toThrow(RangeError);
    expect(() => nn.data.oneHot([0, 3], 3)).toThrow('oneHot: labels[1] must be an integer in [0, 3), got 3');
    expect(() => nn.data.oneHot([0.5], 3)).toThrow(/labels\[0\].*got 0.5/);
    expect(() => nn.data.oneHot([-1], 3)).toThrow(/got -1/);
    expect(() => nn.data.oneHot([0], 0)).toThrow(/numClasses must be a positive integer/);
    expect(() => nn.data.oneHot('abc' as unknown as number[], 3)).toThrow(TypeError);
  });
});

describe('nn.data.take', () => {
  const x = nn.tensor2d([
    [0, 1],
    [2, 3],
    [4, 5],
  ]);
  it('gathers rows of tensors and label arrays, keeping the type', () => {
    expect(nn.data.take(x, [2, 0, 2]).toArray()).toEqual([
      [4, 5],
      [0, 1],
      [4, 5],
    ]);
    const yi = nn.data.take(Int32Array.of(7, 8, 9), Int32Array.of(1));
    expect(yi).toBeInstanceOf(Int32Array);
    expect(Array.from(yi)).toEqual([8]);
    const yf = nn.data.take(Float32Array.of(0.5, 1.5, 2.5), [2, 1]);
    expect(yf).toBeInstanceOf(Float32Array);
    expect(Array.from(yf)).toEqual([2.5, 1.5]);
    expect(nn.data.take(x, []).shape).toEqual([0, 2]);
  });
  it('rejects indices out of range', () => {
    expect(() => nn.data.take(x, [0, 3])).toThrow(RangeError);
    expect(() => nn.data.take(x, [0, 3])).toThrow('take: indices[1] must be an integer in [0, 3), got 3');
    expect(() => nn.data.take(x, [-1])).toThrow(RangeError);
    expect(() => nn.data.take([1, 2] as unknown as Int32Array, [0])).toThrow(TypeError);
  });
});

describe('nn.data.trainTestSplit', () => {
  const n = 100;
  const x = new nn.Tensor(
    Float32Array.from({ length: n * 2 }, (_, i) => Math.floor(i / 2)),
    [n, 2],
  ); // row r = [r, r]
  const y = Int32Array.from({ length: n }, (_, i) => (i < 80 ? 0 : 1)); // 80 / 20 classes

  it('holds out ceil(testSize · n) rows, keeping x and y rows together', () => {
    const s = nn.data.trainTestSplit(x, y, { testSize: 0.333, seed: 1 });
    expect(s.xTest.rows).toBe(34); // ceil(33.3)
    expect(s.xTrain.rows).toBe(66);
    expect(s.yTrain).toBeInstanceOf(Int32Array);
    for (let i = 0; i < s.xTest.rows; i++) {
      const r = s.xTest.data[i * 2];
      expect(s.yTest[i]).toBe(r < 80 ? 0 : 1);
      expect(s.testIndices[i]).toBe(r);
    }
    const all = [...s.trainIndices, ...s.testIndices].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: n }, (_, i) => i));
  });

  it('defaults to 25%, accepts a count, and is deterministic for a seed', () => {
    expect(nn.data.trainTestSplit(x, y, { seed: 3 }).xTest.rows).toBe(25);
    expect(nn.data.trainTestSplit(x, y, { testSize: 10, seed: 3 }).xTest.rows).toBe(10);
    const a = nn.data.trainTestSplit(x, y, { seed: 5 });
    const b = nn.data.trainTestSplit(x, y, { seed: 5 });
    const c = nn.data.trainTestSplit(x, y, { seed: 6 });
    expect(Array.from(a.testIndices)).toEqual(Array.from(b.testIndices));
    expect(Array.from(a.testIndices)).not.toEqual(Array.from(c.testIndices));
  });

  it('stratify keeps each class share in both parts', () => {
    for (const seed of [1, 2, 3]) {
      const s = nn.data.trainTestSplit(x, y, { testSize: 0.25, seed, stratify: true });
      const ones = (a: Int32Array) => a.reduce((k, v) => k + v, 0);
      expect(s.yTest.length).toBe(25);
      expect(ones(s.yTest)).toBe(5); // 20% of 25
      expect(ones(s.yTrain)).toBe(15);
    }
    // one-hot y with stratify: true uses the argmax
    const yOneHot = nn.data.oneHot(y, 2);
    const s = nn.data.trainTestSplit(x, yOneHot, { testSize: 0.2, seed: 1, stratify: true });
    expect(s.yTest).toBeInstanceOf(nn.Tensor);
    let ones = 0;
    for (let i = 0; i < s.yTest.rows; i++) ones += s.yTest.data[i * 2 + 1];
    expect(ones).toBe(4);
    // explicit labels and Float32Array targets
    const t = nn.data.trainTestSplit(x, Float32Array.from(y), { testSize: 0.1, seed: 1, stratify: y });
    expect(t.yTest).toBeInstanceOf(Float32Array);
    expect(t.yTest.reduce((k, v) => k + v, 0)).toBe(2);
  });

  it('rejects bad arguments', () => {
    expect(() => nn.data.trainTestSplit(x, y.subarray(0, 99))).toThrow('trainTestSplit: x has 100 rows but y has 99');
    expect(() => nn.data.trainTestSplit(x, y, { testSize: 0 })).toThrow(RangeError);
    expect(() => nn.data.trainTestSplit(x, y, { testSize: 1.5 })).toThrow(/fraction in \(0, 1\) or a whole row count/);
    expect(() => nn.data.trainTestSplit(x, y, { testSize: 100 })).toThrow(/leaves no training rows/);
    const lonely = Int32Array.from(y);
    lonely[99] = 2;
    expect(() => nn.data.trainTestSplit(x, lonely, { stratify: true })).toThrow(/class 2 has only 1 row/);
    expect(() => nn.data.trainTestSplit(x, y, { testSize: 1, stratify: true })).toThrow(
      /both parts need at least 2 rows/,
    );
    expect(() => nn.data.trainTestSplit(x, [1, 2] as unknown as Int32Array)).toThrow(TypeError);
    expect(() => nn.data.trainTestSplit(x, y, { seed: 1.5 })).toThrow(
      'trainTestSplit: seed must be an integer, got 1.5',
    );
  });
});
