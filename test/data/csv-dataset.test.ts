/** nn.data.csvDataset: streamed batches, the first pass's preprocessing, the shuffle buffer, the hash split. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { partOf } from '../../src/data/csv-stream';
import { encodeTable } from '../../src/pipeline-encode';
import { BATCH_BLOCKS } from '../../src/train/dataset-source';
import { Random } from '../../src/util/random';

const dir = mkdtempSync(join(tmpdir(), 'csv-dataset-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** rows × 3 numeric features and a 0/1 label, seeded. */
function numericCsv(name: string, rows: number, seed = 1): string {
  const rng = new Random(seed);
  const lines = ['a,b,c,y'];
  for (let r = 0; r < rows; r++) {
    const v = [rng.uniform(-5, 5), rng.uniform(0, 100), rng.normal()].map((x) => x.toFixed(4));
    lines.push(`${v.join(',')},${Number(v[0]) + Number(v[2]) > 0 ? 1 : 0}`);
  }
  return file(name, `${lines.join('\n')}\n`);
}

async function collect(ds: AsyncIterable<{ xs: nn.Tensor; ys: unknown }>) {
  const xs: number[] = [];
  const ys: number[] = [];
  const sizes: number[] = [];
  for await (const b of ds) {
    xs.push(...b.xs.data);
    ys.push(...(b.ys instanceof nn.Tensor ? b.ys.data : (b.ys as Float32Array)));
    sizes.push(b.xs.shape[0]);
  }
  return { xs, ys, sizes };
}

describe('csvDataset', () => {
  it('without shuffling yields readCsv’s rows in file order, in batches', async () => {
    const path = numericCsv('plain.csv', 103);
    const ds = await nn.data.csvDataset(path, { label: 'y', batchSize: 10, shuffleBuffer: 0 });
    const ref = await nn.data.readCsv(path, { label: 'y' });
    expect(ds.rows).toBe(103);
    expect(ds.size).toBe(11);
    expect(ds.featureNames).toEqual(['a', 'b', 'c']);
    expect(ds.classes).toEqual(['0', '1']);
    const got = await collect(ds);
    expect(got.sizes).toEqual([...Array(10).fill(10), 3]);
    expect(got.xs).toEqual(Array.from(ref.x.data));
    expect(got.ys).toEqual(Array.from(ref.y!));
  });

  it('streams a file of many chunks (rows cut across 1 MiB reads)', async () => {
    const path = numericCsv('big.csv', 60_000, 2); // ~2.1 MB
    const ds = await nn.data.csvDataset(path, { batchSize: 512, shuffleBuffer: 0 });
    const ref = await nn.data.readCsv(path);
    const got = await collect(ds);
    expect(got.xs.length).toBe(ref.x.data.length);
    expect(got.xs).toEqual(Array.from(ref.x.data));
  });

  it('shuffles with a seeded buffer: each epoch is a permutation, reproducible, different per epoch', async () => {
    const path = numericCsv('shuffle.csv', 500, 3);
    const open = () => nn.data.csvDataset(path, { batchSize: 64, shuffleBuffer: 100, seed: 5 });
    const a = await open();
    const b = await open();
    const e1 = await collect(a);
    const e2 = await collect(a);
    const again = await collect(b);
    const plain = await collect(await nn.data.csvDataset(path, { batchSize: 64, shuffleBuffer: 0 }));
    const rowsOf = (xs: number[]) => Array.from({ length: xs.length / 3 }, (_, r) => xs.slice(r * 3, r * 3 + 3).join());
    expect(rowsOf(e1.xs).sort()).toEqual(rowsOf(plain.xs).sort());
    expect(e1.xs).not.toEqual(plain.xs);
    expect(e2.xs).not.toEqual(e1.xs);
    expect(again.xs).toEqual(e1.xs);
    // Labels travel with their rows.
    const label = new Map(rowsOf(plain.xs).map((k, i) => [k, plain.ys[i]]));
    rowsOf(e1.xs).forEach((k, i) => {
      expect(e1.ys[i]).toBe(label.get(k));
    });
  });

  it('fits fills, categories and the scaler on a first pass as the in-memory pipeline would', async () => {
    const lines = ['size,color,weight,label'];
    const colors = ['red', 'green', 'blue'];
    const rng = new Random(9);
    for (let r = 0; r < 400; r++) {
      const size = r % 17 === 0 ? 'NA' : rng.uniform(0, 10).toFixed(3);
      const color = r % 23 === 0 ? '' : colors[rng.int(3)];
      lines.push(`${size},${color},${rng.uniform(50, 90).toFixed(2)},${rng.int(2) ? 'cat' : 'dog'}`);
    }
    const path = file('mixed.csv', `${lines.join('\n')}\n`);
    const ds = await nn.data.csvDataset(path, { missing: 'mean', scale: 'standard', shuffleBuffer: 0, batchSize: 50 });
    const p = ds.preprocess;
    expect(p.classes).toEqual(['cat', 'dog']);
    expect(p.columns.map((c) => c.kind)).toEqual(['numeric', 'categorical', 'numeric']);
    expect(p.featureNames).toEqual(['size', 'color=blue', 'color=green', 'color=red', 'weight']);
    const table = await nn.data.readCsvTable(path);
    const sizes = Array.from(table.columns[0].numbers).filter((v) => !Number.isNaN(v));
    expect(p.columns[0].fill).toBe(Math.fround(sizes.reduce((a, b) => a + b, 0) / sizes.length));
    // The scaler equals a StandardScaler fitted on the encoded, filled rows.
    const unscaled = encodeTable({ ...p, scaler: null }, table).x;
    const ref = nn.data.standardScaler().fit(unscaled).toJSON() as { mean: number[]; std: number[] };
    const got = p.scaler as { mean: number[]; std: number[] };
    got.mean.forEach((m, i) => expect(m).toBeCloseTo(ref.mean[i], 9));
    got.std.forEach((s, i) => expect(s).toBeCloseTo(ref.std[i], 9));
    // The batches are that encoding (labels as class indices).
    const all = await collect(ds);
    const expected = encodeTable(p, table).x.data;
    expect(all.xs).toEqual(Array.from(expected));
    expect(all.ys.slice(0, 4)).toEqual(
      [0, 1, 2, 3].map((r) => (table.columns[3].texts[table.columns[3].ids![r]] === 'cat' ? 0 : 1)),
    );
  });

  it('splits by a hash of the row: disjoint parts, no row list, the scaler on the training part only', async () => {
    const path = numericCsv('split.csv', 2000, 4);
    const train = await nn.data.csvDataset(path, {
      split: { test: 0.25, seed: 11 },
      shuffleBuffer: 0,
      scale: 'minmax',
      batchSize: 100,
    });
    const test = train.subset('test');
    expect(train.rows + test.rows).toBe(2000);
    expect(test.rows).toBeGreaterThan(400);
    expect(test.rows).toBeLessThan(600);
    const expectedTest = Array.from({ length: 2000 }, (_, r) => r).filter(
      (r) => partOf(r, { test: 0.25, validation: 0, seed: 11 }) === 'test',
    );
    expect(test.rows).toBe(expectedTest.length);
    const ref = await nn.data.readCsv(path);
    const trainRows = Array.from({ length: 2000 }, (_, r) => r).filter(
      (r) => partOf(r, { test: 0.25, validation: 0, seed: 11 }) !== 'test',
    );
    const x = ref.x.data;
    const min = [0, 1, 2].map((c) => Math.min(...trainRows.map((r) => x[r * 3 + c])));
    expect((train.preprocess.scaler as { dataMin: number[] }).dataMin).toEqual(min);
    const got = await collect(test);
    const scaled = nn.data.scalerFromJSON(train.preprocess.scaler!).transform(nn.tensor2d(x, [2000, 3])).data;
    expect(got.xs).toEqual(expectedTest.flatMap((r) => Array.from(scaled.slice(r * 3, r * 3 + 3))));
  });

  it('holds out a validation part as well; ignore leaves columns out', async () => {
    const path = numericCsv('three.csv', 1000, 8);
    const split = { test: 0.2, validation: 0.1, seed: 3 };
    const train = await nn.data.csvDataset(path, { split, ignore: ['b'], shuffleBuffer: 0, batchSize: 64 });
    const validation = train.subset('validation');
    const test = train.subset('test');
    expect(train.featureNames).toEqual(['a', 'c']);
    const count = (part: string) =>
      Array.from({ length: 1000 }, (_, r) => partOf(r, split)).filter((p) => p === part).length;
    expect([train.rows, validation.rows, test.rows]).toEqual([count('train'), count('validation'), count('test')]);
    expect(train.rows + validation.rows + test.rows).toBe(1000);
    expect((await collect(validation)).sizes.reduce((a, b) => a + b, 0)).toBe(validation.rows);
    expect(() => train.subset('nope' as never)).toThrow(TypeError);
  });

  it('trains through fitDataset to the same weights as fit on readCsv’s rows in the same order', async () => {
    const path = numericCsv('train.csv', 300, 6);
    const make = () => {
      const m = nn.sequential({
        seed: 4,
        layers: [
          nn.layers.dense({ units: 6, activation: 'relu', inputShape: [3] }),
          nn.layers.dense({ units: 1, activation: 'sigmoid' }),
        ],
      });
      m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
      return m;
    };
    const ds = await nn.data.csvDataset(path, { batchSize: 32, shuffleBuffer: 0 });
    const streamed = make();
    const h = await streamed.fitDataset(ds, { epochs: 2, verbose: 0 });
    const ref = await nn.data.readCsv(path);
    const inMemory = make();
    const h2 = await inMemory.fit(ref.x, ref.y!, { epochs: 2, batchSize: 32, shuffle: false, verbose: 0 });
    expect(streamed.getWeights().map((w) => Array.from(w.data))).toEqual(
      inMemory.getWeights().map((w) => Array.from(w.data)),
    );
    expect(h.history.loss).toEqual(h2.history.loss);
    expect(h.params.steps).toBe(10);
  });

  it('hands out blocks of whole batches (fitDataset’s path): the iterator’s batches, the same weights', async () => {
    const path = numericCsv('blocks.csv', 3000, 10);
    const open = () =>
      nn.data.csvDataset(path, { batchSize: 16, shuffleBuffer: 500, seed: 3, scale: 'standard', oneHot: true });
    const a = await open();
    const b = await open();
    for (let epoch = 0; epoch < 2; epoch++) {
      const batches = await collect(a);
      const xs: number[] = [];
      const ys: number[] = [];
      const sizes: number[] = [];
      for await (const block of b[BATCH_BLOCKS](100)) {
        expect(block.sizes.length).toBeLessThanOrEqual(6);
        xs.push(...block.xs.data);
        ys.push(...(block.ys as nn.Tensor).data);
        sizes.push(...block.sizes);
      }
      expect(sizes).toEqual(batches.sizes);
      expect(xs).toEqual(batches.xs);
      expect(ys).toEqual(batches.ys);
    }
    const make = () => {
      const m = nn.sequential({
        seed: 4,
        layers: [
          nn.layers.dense({ units: 6, activation: 'relu', inputShape: [3] }),
          nn.layers.dense({ units: 2, activation: 'softmax' }),
        ],
      });
      m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      return m;
    };
    const viaBlocks = make();
    const h1 = await viaBlocks.fitDataset(await open(), { epochs: 2, verbose: 0 });
    const ds = await open();
    const viaBatches = make();
    const h2 = await viaBatches.fitDataset({ size: ds.size, iterator: () => ds.iterator() }, { epochs: 2, verbose: 0 });
    expect(viaBlocks.getWeights().map((w) => Array.from(w.data))).toEqual(
      viaBatches.getWeights().map((w) => Array.from(w.data)),
    );
    expect(h1.history.loss).toEqual(h2.history.loss);
    // classWeight: the batches come one by one (blocks carry no weights), the same as from the iterator.
    const [c1, c2] = [make(), make()];
    const classWeight = { 0: 1, 1: 3 };
    await c1.fitDataset(await open(), { epochs: 1, verbose: 0, classWeight });
    const again = await open();
    await c2.fitDataset({ size: again.size, iterator: () => again.iterator() }, { epochs: 1, verbose: 0, classWeight });
    expect(c1.getWeights().map((w) => Array.from(w.data))).toEqual(c2.getWeights().map((w) => Array.from(w.data)));
    expect(c1.getWeights().map((w) => Array.from(w.data))).not.toEqual(
      viaBlocks.getWeights().map((w) => Array.from(w.data)),
    );
  });

  it('reports bad files and options clearly', async () => {
    const gap = file('gap.csv', 'a,b,y\n1,2,0\n3,,1\n');
    await expect(nn.data.csvDataset(gap)).rejects.toThrow(/gap\.csv, line 3, column "b": the cell is empty/);
    const text = file('text.csv', 'a,b,y\n1,2,0\n3,4,1\n5,x7,0\n6,1,1\n7,2,0\n');
    await expect(nn.data.csvDataset(text)).rejects.toThrow(/line 4, column "b": "x7" is not a number/);
    await expect(nn.data.csvDataset(text.replace('text', 'nope'))).rejects.toThrow(/no such file/);
    await expect(nn.data.csvDataset(gap, { label: 'z' })).rejects.toThrow(RangeError);
    await expect(nn.data.csvDataset(gap, { batchSize: 0 })).rejects.toThrow(/batchSize must be a positive integer/);
    await expect(nn.data.csvDataset(gap, { bogus: 1 } as never)).rejects.toThrow(/unknown option "bogus"/);
    await expect(nn.data.csvDataset(gap, { split: { test: 1.5 } })).rejects.toThrow(/split must be/);
    await expect(nn.data.csvDataset(gap, { subset: 'test' })).rejects.toThrow(/needs split.test/);
    const dropped = await nn.data.csvDataset(gap, { missing: 'drop', shuffleBuffer: 0 });
    expect(dropped.rows).toBe(1);
    expect((await collect(dropped)).xs).toEqual([1, 2]);
  });
});
