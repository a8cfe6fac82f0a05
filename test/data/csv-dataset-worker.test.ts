/** csvDataset's parsing worker (the compiled library only): the same batches as parsing on the
 *  main thread, and a bad file reported as the same CsvError. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from '../cli/support';

const dir = mkdtempSync(join(tmpdir(), 'csv-worker-'));
let nn: typeof import('../../src');
beforeAll(() => {
  ensureBuilt();
  nn = require(join(ROOT, 'dist'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function values(ds: AsyncIterable<{ xs: { data: Float32Array }; ys: unknown }>) {
  const out: number[] = [];
  for await (const b of ds) out.push(...b.xs.data, ...(b.ys as Float32Array));
  return out;
}

describe('csvDataset in a worker thread', () => {
  it('yields exactly the batches of main-thread parsing', async () => {
    const lines = ['a,b,c,y'];
    for (let r = 0; r < 40_000; r++)
      lines.push(`${(r % 97) / 7},${Math.sin(r).toFixed(5)},${r % 13},${r % 3 === 0 ? 'x' : 'z'}`);
    const path = join(dir, 'rows.csv');
    writeFileSync(path, `${lines.join('\n')}\n`);
    const open = (parseInWorker: boolean) =>
      nn.data.csvDataset(path, { parseInWorker, scale: 'minmax', shuffleBuffer: 1000, seed: 2, split: { test: 0.1 } });
    const inWorker = await open(true);
    const onMain = await open(false);
    const a = await values(inWorker);
    expect(a.length).toBe(inWorker.rows * 4);
    expect(a).toEqual(await values(onMain));
    expect(await values(inWorker.subset('test'))).toEqual(await values(onMain.subset('test')));
  });

  it('reports a problem found while streaming as the CsvError main-thread parsing gives', async () => {
    const path = join(dir, 'bad.csv');
    writeFileSync(path, 'a,y\n1,0\n2,1\n');
    const ds = await nn.data.csvDataset(path, { parseInWorker: true });
    writeFileSync(path, 'a,y\n1,0\n2,1,5\n'); // the file changed after the first pass
    const error = await values(ds).catch((e) => e);
    expect(error).toBeInstanceOf(nn.data.CsvError);
    expect(error.message).toMatch(/bad\.csv, line 3: expected 2 fields/);
    expect(error.line).toBe(3);
  });
});

describe('csvDataset parsing workers across epochs', () => {
  it('a worker runs epoch after epoch (the same batches); one left mid-epoch is ended, the next epoch is whole', async () => {
    const { idleWorkers } = require(join(ROOT, 'dist', 'data', 'csv-parse-worker.js'));
    const lines = ['a,b,y'];
    for (let r = 0; r < 30_000; r++) lines.push(`${r % 11},${(r * 7) % 13},${r % 2}`);
    const path = join(dir, 'epochs.csv');
    writeFileSync(path, `${lines.join('\n')}\n`);
    const open = (parseInWorker: boolean) =>
      nn.data.csvDataset(path, { parseInWorker, shuffleBuffer: 500, seed: 4, batchSize: 64 });
    const inWorker = await open(true);
    const onMain = await open(false);
    expect(idleWorkers()).toBeGreaterThanOrEqual(1); // started during the first pass
    for (let epoch = 0; epoch < 3; epoch++) {
      expect(await values(inWorker)).toEqual(await values(onMain));
      expect(idleWorkers()).toBeGreaterThanOrEqual(1);
    }
    // An epoch stopped after one batch: its worker is ended; the next epoch still gives every row.
    const before = idleWorkers();
    for await (const _ of inWorker) break;
    await values(onMain); // the same epoch count on both
    expect(idleWorkers()).toBe(before - 1);
    expect(await values(inWorker)).toEqual(await values(onMain));
    // A model trains on it (the blocks path) as on main-thread parsing.
    const make = () => {
      const m = nn.sequential({
        seed: 1,
        layers: [nn.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [2] })],
      });
      m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
      return m;
    };
    const [a, b] = [make(), make()];
    await a.fitDataset(inWorker, { epochs: 2, verbose: 0 });
    await b.fitDataset(onMain, { epochs: 2, verbose: 0 });
    expect(a.getWeights().map((w) => Array.from(w.data))).toEqual(b.getWeights().map((w) => Array.from(w.data)));
  });
});
