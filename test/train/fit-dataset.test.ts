/** model.fitDataset / evaluateDataset: the same loop as fit, fed by a dataset's batches. */
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import * as nn from '../../src';
import { BATCH_BLOCKS } from '../../src/train/dataset-source';
import { Random } from '../../src/util/random';
import { nativeBackend } from '../support/backends';

const initial = nn.getBackend().name;
afterAll(() => nn.setBackend(initial));
afterEach(() => vi.restoreAllMocks());

/** 3 classes from 4 features (the class is where the largest of the first 3 sits). */
function blobs(rows: number, seed = 7) {
  const rng = new Random(seed);
  const x = new Float32Array(rows * 4);
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < 4; c++) x[r * 4 + c] = rng.uniform(-1, 1);
    const row = [x[r * 4], x[r * 4 + 1], x[r * 4 + 2]];
    labels[r] = row.indexOf(Math.max(...row));
  }
  return { x: nn.tensor2d(x, [rows, 4]), labels, y: nn.data.oneHot(labels, 3) };
}

function model(seed = 3) {
  const m = nn.sequential({
    seed,
    layers: [
      nn.layers.dense({ units: 8, activation: 'relu', inputShape: [4] }),
      nn.layers.dropout({ rate: 0.25 }),
      nn.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  m.compile({
    optimizer: nn.optimizers.adam({ learningRate: 0.01 }),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  return m;
}

/** Rows [from, to) of x and y as one batch. */
function slice(d: ReturnType<typeof blobs>, from: number, to: number) {
  return {
    xs: nn.tensor2d(d.x.data.slice(from * 4, to * 4) as Float32Array, [to - from, 4]),
    ys: nn.tensor2d(d.y.data.slice(from * 3, to * 3) as Float32Array, [to - from, 3]),
  };
}

/** Batches of the given sizes, in order, from the start of d. */
function batchesOf(d: ReturnType<typeof blobs>, sizes: number[]) {
  const out = [];
  let at = 0;
  for (const n of sizes) {
    out.push(slice(d, at, at + n));
    at += n;
  }
  return out;
}

const weightsOf = (m: nn.Sequential) => m.getWeights().map((w) => Array.from(w.data));

async function* asyncBatches<T>(items: T[]) {
  for (const b of items) {
    await new Promise((r) => setImmediate(r));
    yield b;
  }
}

const backends = nativeBackend ? ['native', 'js'] : ['js'];

describe.each(backends)('fitDataset (%s backend)', (backend) => {
  it('gives the same weights and history as fit on the same batches in the same order', async () => {
    nn.setBackend(backend as 'native' | 'js');
    const d = blobs(50);
    const viaFit = model();
    const h1 = await viaFit.fit(d.x, d.y, { epochs: 3, batchSize: 8, shuffle: false, verbose: 0, seed: 1 });
    const viaDataset = model();
    // A re-iterable source (an array): each epoch opens a fresh iterator.
    const data = batchesOf(d, [8, 8, 8, 8, 8, 8, 2]);
    const h2 = await viaDataset.fitDataset(data, { epochs: 3, verbose: 0, seed: 1 });
    expect(weightsOf(viaDataset)).toEqual(weightsOf(viaFit));
    expect(h2.history.loss).toEqual(h1.history.loss);
    expect(h2.history.accuracy).toEqual(h1.history.accuracy);
    expect(viaDataset.optimizer?.iterations).toBe(21);
  });

  it('batches of mixed sizes train as one fit call per batch would (packing into runs changes nothing)', async () => {
    nn.setBackend(backend as 'native' | 'js');
    const d = blobs(60);
    const sizes = [8, 8, 5, 8, 3, 10, 10, 8];
    const reference = model();
    for (const b of batchesOf(d, sizes))
      await reference.fit(b.xs, b.ys, { batchSize: b.xs.shape[0], shuffle: false, verbose: 0 });
    const packed = model();
    await packed.fitDataset(asyncBatches(batchesOf(d, sizes)), { verbose: 0 });
    expect(weightsOf(packed)).toEqual(weightsOf(reference));
    // Per-batch hooks make one run per batch: still the same weights, and the hooks see each batch.
    const hooked = model();
    const seen: number[] = [];
    await hooked.fitDataset(asyncBatches(batchesOf(d, sizes)), {
      verbose: 0,
      callbacks: { onBatchEnd: (_b, logs) => void seen.push(logs.size) },
    });
    expect(seen).toEqual(sizes);
    expect(weightsOf(hooked)).toEqual(weightsOf(reference));
  });
});

describe('fitDataset', () => {
  it('takes a tfjs-style Dataset (iterator() → next()), number[][] batches and label vectors', async () => {
    const d = blobs(24);
    const sparse = nn.sequential({
      seed: 1,
      layers: [nn.layers.dense({ units: 3, activation: 'softmax', inputShape: [4] })],
    });
    sparse.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const rows = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => Array.from(d.x.data.slice((from + i) * 4, (from + i + 1) * 4)));
    const tfjsLike = {
      iterator: async () => {
        let b = 0;
        return {
          next: async () =>
            b < 3
              ? {
                  value: { xs: rows(b * 8, b * 8 + 8), ys: Array.from(d.labels.slice(b * 8, b++ * 8 + 8)) },
                  done: false,
                }
              : { value: undefined, done: true },
        };
      },
    };
    const h = await sparse.fitDataset(tfjsLike, { epochs: 2, verbose: 0 });
    expect(h.epoch).toEqual([0, 1]);
    const reference = nn.sequential({
      seed: 1,
      layers: [nn.layers.dense({ units: 3, activation: 'softmax', inputShape: [4] })],
    });
    reference.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    await reference.fit(d.x, d.labels, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 });
    expect(weightsOf(sparse)).toEqual(weightsOf(reference));
  });

  it('batchesPerEpoch: one iterator across epochs; running out stops training with a warning', async () => {
    const d = blobs(80);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const m = model();
    async function* ten() {
      yield* batchesOf(d, Array(10).fill(8));
    }
    const h = await m.fitDataset(ten(), { epochs: 5, batchesPerEpoch: 4, verbose: 0 });
    // 4 + 4 + 2 batches: the third epoch is short, then training stops.
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(m.optimizer?.iterations).toBe(10);
    expect(warn.mock.calls.join(' ')).toMatch(/ran out of data in epoch 3, after 2 batches/);
    const reference = model();
    for (const b of batchesOf(d, Array(10).fill(8)))
      await reference.fit(b.xs, b.ys, { batchSize: 8, shuffle: false, verbose: 0 });
    expect(weightsOf(m)).toEqual(weightsOf(reference));
  });

  it('a one-shot generator without batchesPerEpoch trains one epoch, then warns and stops', async () => {
    const d = blobs(32);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const m = model();
    const h = await m.fitDataset(asyncBatches(batchesOf(d, [16, 16])), { epochs: 3, verbose: 0 });
    expect(h.epoch).toEqual([0]);
    expect(warn.mock.calls.join(' ')).toMatch(/no batches in epoch 2/);
  });

  it('a bad batch mid-epoch names it and leaves the updates of every batch before it', async () => {
    const d = blobs(40);
    const batches = batchesOf(d, [8, 8, 8, 8, 8]);
    const bad = batches[3].xs.data.slice();
    bad[5] = Number.NaN;
    const broken = [...batches.slice(0, 3), { xs: nn.tensor2d(bad, [8, 4]), ys: batches[3].ys }, batches[4]];
    const m = model();
    await expect(m.fitDataset(asyncBatches(broken), { verbose: 0 })).rejects.toThrow(
      /fitDataset: batch 3 of epoch 1 xs row 1 holds NaN \(column 1\)/,
    );
    const reference = model();
    for (const b of batches.slice(0, 3)) await reference.fit(b.xs, b.ys, { batchSize: 8, shuffle: false, verbose: 0 });
    expect(weightsOf(m)).toEqual(weightsOf(reference));
    expect(m.optimizer?.iterations).toBe(3);
    // The model is usable again at once.
    await m.fitDataset(batches.slice(0, 1), { verbose: 0 });
    expect(m.optimizer?.iterations).toBe(4);
  });

  it('refuses batches of the wrong width or kind, naming the batch', async () => {
    const d = blobs(16);
    const [good] = batchesOf(d, [8]);
    const m = model();
    const wide = { xs: nn.tensor2d(new Float32Array(8 * 5), [8, 5]), ys: good.ys };
    await expect(m.fitDataset([good, wide], { verbose: 0 })).rejects.toThrow(
      /batch 1 of epoch 1 xs has 5 features per row but the model expects 4/,
    );
    await expect(m.fitDataset([{ xs: good.xs }] as never, { verbose: 0 })).rejects.toThrow(
      /batch 0 of epoch 1 must be an object \{ xs, ys \}/,
    );
    await expect(
      m.fitDataset([{ xs: good.xs, ys: nn.tensor2d(new Float32Array(7 * 3), [7, 3]) }], { verbose: 0 }),
    ).rejects.toThrow(/x has 8 rows but batch 0 of epoch 1 ys has 7/);
    await expect(m.fitDataset(42 as never)).rejects.toThrow(TypeError);
    await expect(m.fitDataset([good], { batchesPerEpoch: 0 })).rejects.toThrow(
      /batchesPerEpoch must be a positive integer/,
    );
    await expect(m.fitDataset([], { verbose: 0 })).rejects.toThrow(/no batches in epoch 1/);
  });

  it('validates on [x, y] or on a dataset, and early stopping works as in fit', async () => {
    const d = blobs(64);
    const v = blobs(30, 99);
    const m = model();
    const h = await m.fitDataset(batchesOf(d, [16, 16, 16, 16]), { epochs: 2, validationData: [v.x, v.y], verbose: 0 });
    expect(h.history.val_loss[1]).toBeCloseTo(m.evaluate(v.x, v.y).loss, 6);
    const viaDataset = await model().fitDataset(batchesOf(d, [16, 16, 16, 16]), {
      epochs: 2,
      validationData: batchesOf(v, [10, 10, 10]),
      verbose: 0,
    });
    expect(viaDataset.history.val_loss).toEqual(h.history.val_loss.map((x) => expect.closeTo(x, 6)));
    const stopper = nn.callbacks.earlyStopping({ monitor: 'loss', patience: 0, minDelta: 10 });
    const stopped = await model().fitDataset(batchesOf(d, [16, 16, 16, 16]), {
      epochs: 10,
      callbacks: stopper,
      verbose: 0,
    });
    expect(stopped.epoch.length).toBe(2);
  });
});

describe('evaluateDataset', () => {
  it('equals evaluate on the same rows, whole-set metrics included', async () => {
    const d = blobs(50);
    const m = nn.sequential({
      seed: 2,
      layers: [nn.layers.dense({ units: 3, activation: 'softmax', inputShape: [4] })],
    });
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy', 'precision'] });
    const whole = m.evaluate(d.x, d.y);
    const streamed = await m.evaluateDataset(asyncBatches(batchesOf(d, [16, 16, 16, 2])));
    expect(Object.keys(streamed)).toEqual(Object.keys(whole));
    for (const k of Object.keys(whole)) expect(streamed[k]).toBeCloseTo(whole[k], 6);
    const capped = await m.evaluateDataset(batchesOf(d, [16, 16, 16, 2]), { batches: 1 });
    expect(capped.loss).toBeCloseTo(m.evaluate(slice(d, 0, 16).xs, slice(d, 0, 16).ys).loss, 6);
    await expect(m.evaluateDataset([])).rejects.toThrow(/no batches/);
  });
});

/** A dataset that also hands out its batches in blocks (BATCH_BLOCKS, as csvDataset does): `per`
 *  batches a block (fewer where the cap of rows or a change of size cuts it); its iterator gives
 *  the same batches one by one. `opened` counts the block epochs. */
function blockDataset(batches: { xs: nn.Tensor; ys: nn.Tensor }[], per: number) {
  const state = { opened: 0, maxRows: 0 };
  const dataset = {
    size: batches.length,
    state,
    [Symbol.iterator]: () => batches[Symbol.iterator](),
    [BATCH_BLOCKS](maxRows: number) {
      state.opened++;
      state.maxRows = maxRows;
      return (async function* () {
        for (let i = 0; i < batches.length; ) {
          const group = [batches[i++]];
          const n = group[0].xs.shape[0];
          while (i < batches.length && group.length < per && group[group.length - 1].xs.shape[0] === n) {
            if (batches[i].xs.shape[0] > n) break;
            group.push(batches[i++]);
          }
          await new Promise((r) => setImmediate(r));
          const cat = (ts: nn.Tensor[]) => {
            const rows = ts.reduce((a, t) => a + t.shape[0], 0);
            const out = new Float32Array(ts.reduce((a, t) => a + t.size, 0));
            let at = 0;
            for (const t of ts) {
              out.set(t.data, at);
              at += t.size;
            }
            return nn.tensor2d(out, [rows, ts[0].shape[1]]);
          };
          yield {
            xs: cat(group.map((b) => b.xs)),
            ys: cat(group.map((b) => b.ys)),
            sizes: group.map((b) => b.xs.shape[0]),
          };
        }
      })();
    },
  };
  return dataset;
}

describe.each(backends)('fitDataset on a dataset of blocks (%s backend)', (backend) => {
  it('trains as on the same batches one by one (runs cut from blocks, per-batch hooks too)', async () => {
    nn.setBackend(backend as 'native' | 'js');
    const d = blobs(70);
    const sizes = [8, 8, 8, 8, 8, 8, 8, 8, 6];
    const reference = model();
    const h1 = await reference.fitDataset(batchesOf(d, sizes), { epochs: 2, verbose: 0 });
    for (const per of [1, 4, 100]) {
      const ds = blockDataset(batchesOf(d, sizes), per);
      const m = model();
      const h2 = await m.fitDataset(ds, { epochs: 2, verbose: 0 });
      expect(ds.state.opened).toBe(2);
      expect(ds.state.maxRows).toBe(1 << 15);
      expect(weightsOf(m)).toEqual(weightsOf(reference));
      expect(h2.history.loss).toEqual(h1.history.loss);
      expect(h2.params.steps).toBe(9);
    }
    const hooked = model();
    const seen: number[] = [];
    await hooked.fitDataset(blockDataset(batchesOf(d, sizes), 4), {
      epochs: 2,
      verbose: 0,
      callbacks: { onBatchEnd: (_b, logs) => void seen.push(logs.size) },
    });
    expect(seen).toEqual([...sizes, ...sizes]);
    expect(weightsOf(hooked)).toEqual(weightsOf(reference));
  });
});

describe('fitDataset on a dataset of blocks', () => {
  it('a bad batch inside a block is named as one by one, after every batch before it has trained', async () => {
    const d = blobs(48);
    const batches = batchesOf(d, [8, 8, 8, 8, 8, 8]);
    const bad = batches[3].xs.data.slice();
    bad[5] = Number.NaN;
    batches[3] = { xs: nn.tensor2d(bad, [8, 4]), ys: batches[3].ys };
    for (const per of [2, 4, 6]) {
      const m = model();
      await expect(m.fitDataset(blockDataset(batches, per), { verbose: 0 })).rejects.toThrow(
        /fitDataset: batch 3 of epoch 1 xs row 1 holds NaN \(column 1\)/,
      );
      const reference = model();
      await reference.fitDataset(batches.slice(0, 3), { verbose: 0 });
      expect(weightsOf(m)).toEqual(weightsOf(reference));
      expect(m.optimizer?.iterations).toBe(3);
    }
    // Targets out of range: named the same way.
    const ys = batches[1].ys.data.slice();
    ys[0] = 2;
    const wrong = [batches[0], { xs: batches[1].xs, ys: nn.tensor2d(ys, [8, 3]) }];
    await expect(model().fitDataset(blockDataset(wrong, 2), { verbose: 0 })).rejects.toThrow(
      /batch 1 of epoch 1 ys row 0 holds 2; categoricalCrossentropy needs targets in \[0, 1\]/,
    );
  });

  it('batchesPerEpoch: a block’s rest carries over to the next epoch; running out warns and stops', async () => {
    const d = blobs(80);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const m = model();
    const ds = blockDataset(batchesOf(d, Array(10).fill(8)), 3);
    const h = await m.fitDataset(ds, { epochs: 5, batchesPerEpoch: 4, verbose: 0 });
    expect(ds.state.opened).toBe(1);
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(m.optimizer?.iterations).toBe(10);
    expect(warn.mock.calls.join(' ')).toMatch(/ran out of data in epoch 3, after 2 batches/);
    const reference = model();
    await reference.fitDataset(batchesOf(d, Array(10).fill(8)), { verbose: 0 });
    expect(weightsOf(m)).toEqual(weightsOf(reference));
  });

  it('refuses a block that is not one', async () => {
    const d = blobs(16);
    const [good] = batchesOf(d, [8]);
    const broken = {
      [Symbol.iterator]: () => [good][Symbol.iterator](),
      [BATCH_BLOCKS]: () =>
        (async function* () {
          yield { xs: good.xs, ys: good.ys, sizes: [4, 5] };
        })(),
    };
    await expect(model().fitDataset(broken as never, { verbose: 0 })).rejects.toThrow(
      /the dataset's \[BATCH_BLOCKS\] gave .*not a block of batches/,
    );
  });
});
