import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';

describe('nn.datasets.digits', () => {
  const { x, y, split } = nn.datasets.digits();

  it('has 1797 rows of 64 raw pixels 0..16 and Int32Array labels', () => {
    expect(x.shape).toEqual([1797, 64]);
    expect(y).toBeInstanceOf(Int32Array);
    expect(y.length).toBe(1797);
    let min = Infinity;
    let max = -Infinity;
    let nonInteger = 0;
    for (const v of x.data) {
      min = Math.min(min, v);
      max = Math.max(max, v);
      if (!Number.isInteger(v)) nonInteger++;
    }
    expect([min, max, nonInteger]).toEqual([0, 16, 0]);
    // First image of sklearn's load_digits (a zero): row 0 starts 0, 0, 5, 13, 9, 1.
    expect(Array.from(x.data.subarray(0, 6))).toEqual([0, 0, 5, 13, 9, 1]);
    expect(y[0]).toBe(0);
  });

  it('has the known label counts for 0..9', () => {
    const counts = new Array(10).fill(0);
    for (const label of y) counts[label]++;
    expect(counts).toEqual([178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
  });

  it("gives the article's split: 1437 / 360, disjoint, covering every row, as in the JSON", () => {
    expect(split.train.length).toBe(1437);
    expect(split.test.length).toBe(360);
    const seen = new Uint8Array(1797);
    for (const i of split.train) seen[i]++;
    for (const i of split.test) seen[i]++;
    expect(seen.every((c) => c === 1)).toBe(true);
    const json = JSON.parse(readFileSync(join(__dirname, '../../data/digits-split-seed42.json'), 'utf8'));
    expect(split.train[0]).toBe(json.train[0]);
    expect(split.train[0]).toBe(1734);
    expect(Array.from(split.test)).toEqual(json.test);
  });

  it('returns fresh copies each call, so callers may mutate them', () => {
    const a = nn.datasets.digits();
    a.x.data[0] = 99;
    a.y[0] = 7;
    a.split.train[0] = -1;
    const b = nn.datasets.digits();
    expect([b.x.data[0], b.y[0], b.split.train[0]]).toEqual([0, 0, 1734]);
  });
});

describe('nn.datasets.digits({ images: true })', () => {
  it('gives the same pixels as [1797, 8, 8, 1]; the default stays [1797, 64]', () => {
    const rows = nn.datasets.digits();
    const images = nn.datasets.digits({ images: true });
    expect(rows.x.shape).toEqual([1797, 64]);
    expect(images.x.shape).toEqual([1797, 8, 8, 1]);
    expect(images.x.data).toEqual(rows.x.data);
    expect(images.y).toEqual(rows.y);
    expect(images.split.test).toEqual(rows.split.test);
    // Row 0 is a zero: its first image row is 0 0 5 13 9 1 0 0.
    expect((images.x.arraySync() as number[][][][])[0][0].map((p) => p[0])).toEqual([0, 0, 5, 13, 9, 1, 0, 0]);
  });

  it('checks its options', () => {
    expect(() => nn.datasets.digits({ images: 1 as never })).toThrow(/images must be a boolean, got 1/);
    expect(() => nn.datasets.digits(null as never)).toThrow(TypeError);
  });
});
