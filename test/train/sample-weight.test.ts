/**
 * Sample weights in fit and fitDataset (sampleWeight, classWeight; issue 14): the weighted loss
 * kernels on the native executor against their TS twins on many shapes, Keras's
 * SUM_OVER_BATCH_SIZE semantics (all-1 weights are unweighted; a weight-0 row and a weight-2 row
 * equal removing and duplicating the row at the learning rate that keeps Σ/rows), a hand-written
 * formula, TensorFlow.js for classWeight, and every argument error before any update.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { Random } from '../../src/util/random';
import { allBackends, maxRelErr, nativeBackend } from '../support/backends';

const initial = nn.getBackend().name;
afterAll(() => nn.setBackend(initial));

type Kind =
  | 'softmax-categorical'
  | 'softmax-sparse'
  | 'sigmoid-binary'
  | 'mse'
  | 'plain-categorical'
  | 'plain-sparse'
  | 'plain-binary';

/** The loss and final activation of each kind: the fused cross-entropies, and the plain
 *  loss/lossGrad kernels (an activation the loss does not fuse with). */
const KINDS: Record<Kind, { loss: string; activation: string }> = {
  'softmax-categorical': { loss: 'categoricalCrossentropy', activation: 'softmax' },
  'softmax-sparse': { loss: 'sparseCategoricalCrossentropy', activation: 'softmax' },
  'sigmoid-binary': { loss: 'binaryCrossentropy', activation: 'sigmoid' },
  mse: { loss: 'meanSquaredError', activation: 'linear' },
  'plain-categorical': { loss: 'categoricalCrossentropy', activation: 'sigmoid' },
  'plain-sparse': { loss: 'sparseCategoricalCrossentropy', activation: 'sigmoid' },
  'plain-binary': { loss: 'binaryCrossentropy', activation: 'softmax' },
};

function model(kind: Kind, inputs: number, hidden: number, outputs: number, lr = 0.1, seed = 3) {
  const m = nn.sequential({
    seed,
    layers: [
      nn.layers.dense({ units: hidden, activation: 'tanh', inputShape: [inputs] }),
      nn.layers.dense({ units: outputs, activation: KINDS[kind].activation as 'linear' }),
    ],
  });
  m.compile({ optimizer: nn.optimizers.sgd({ learningRate: lr }), loss: KINDS[kind].loss });
  return m;
}

/** Rows of x and y fit takes for the kind (one-hot rows, labels, 0/1 targets or reals). */
function data(kind: Kind, rows: number, inputs: number, outputs: number, seed: number) {
  const rng = new Random(seed);
  const x = Float32Array.from({ length: rows * inputs }, () => rng.uniform(-1.5, 1.5));
  const loss = KINDS[kind].loss;
  const labels = Int32Array.from({ length: rows }, () => rng.int(outputs));
  let y: nn.Tensor | Int32Array;
  if (loss === 'sparseCategoricalCrossentropy') y = labels;
  else if (loss === 'categoricalCrossentropy') y = nn.data.oneHot(labels, outputs);
  else if (loss === 'binaryCrossentropy')
    y = nn.tensor2d(
      Float32Array.from({ length: rows * outputs }, () => rng.int(2)),
      [rows, outputs],
    );
  else
    y = nn.tensor2d(
      Float32Array.from({ length: rows * outputs }, () => rng.uniform(-1, 1)),
      [rows, outputs],
    );
  return { x: nn.tensor2d(x, [rows, inputs]), y, labels };
}

/** Random weights ≥ 0, some exactly 0, some above 1. */
function randomWeights(rows: number, seed: number): Float32Array {
  const rng = new Random(seed);
  return Float32Array.from({ length: rows }, () => (rng.int(5) === 0 ? 0 : rng.uniform(0, 3)));
}

const weightsOf = (m: nn.Sequential | nn.Functional) => m.getWeights().map((w) => Float32Array.from(w.data));

function expectClose(a: Float32Array[], b: Float32Array[], atol = 1e-6, rtol = 1e-5, what = 'weight') {
  expect(a.length).toBe(b.length);
  a.forEach((w, i) => {
    expect(maxRelErr(w, b[i], atol, rtol), `${what} ${i}`).toBeLessThanOrEqual(1);
  });
}

/** Rows `idx` of a (rows, width) array. */
function take(a: ArrayLike<number>, width: number, idx: number[]): Float32Array {
  const out = new Float32Array(idx.length * width);
  idx.forEach((r, i) => {
    for (let c = 0; c < width; c++) out[i * width + c] = a[r * width + c];
  });
  return out;
}

/** x and y restricted to (or repeating) rows idx. */
function rowsOf(d: ReturnType<typeof data>, inputs: number, outputs: number, idx: number[]) {
  const x = nn.tensor2d(take(d.x.data, inputs, idx), [idx.length, inputs]);
  const y =
    d.y instanceof Int32Array
      ? Int32Array.from(idx.map((r) => (d.y as Int32Array)[r]))
      : nn.tensor2d(take(d.y.data, outputs, idx), [idx.length, outputs]);
  return { x, y };
}

const ALL_KINDS = Object.keys(KINDS) as Kind[];

describe.skipIf(!nativeBackend)('the weighted loss kernels: native against the TS twins', () => {
  it('loss values and every gradient agree on many shapes, weights and kinds (train and eval passes)', () => {
    const rng = new Random(11);
    for (let t = 0; t < 60; t++) {
      const kind = ALL_KINDS[t % ALL_KINDS.length];
      const inputs = 1 + rng.int(6);
      const hidden = 1 + rng.int(9);
      const outputs = (KINDS[kind].loss.includes('ategorical') ? 2 : 1) + rng.int(7);
      const rows = 1 + rng.int(40);
      const d = data(kind, rows, inputs, outputs, 100 + t);
      const w = randomWeights(rows, 200 + t);
      const results = allBackends.map((backend) => {
        nn.setBackend(backend.name);
        const m = model(kind, inputs, hidden, outputs);
        const xy = m.evaluationData('test', d.x, d.y);
        const yw = new Float32Array(rows * (m.targetWidth + 1));
        for (let r = 0; r < rows; r++) {
          yw.set(xy.y.subarray(r * m.targetWidth, (r + 1) * m.targetWidth), r * (m.targetWidth + 1));
          yw[r * (m.targetWidth + 1) + m.targetWidth] = w[r];
        }
        const grads = m
          .compiledNetwork()
          .tape.buffers.filter((b) => b.role === 'param')
          .map((b) => new Float32Array(b.width));
        const ex = m.executor(true);
        const loss = ex.gradients(xy.x, yw, rows, 0, grads);
        const evalLoss = ex.evaluate(xy.x, yw, rows)[0];
        return { loss, evalLoss, grads };
      });
      const [js, native] = results;
      const what = `${kind} case ${t} (${rows}×${inputs}→${hidden}→${outputs})`;
      expect(Math.abs(native.loss - js.loss), what).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(js.loss));
      expect(Math.abs(native.evalLoss - js.evalLoss), what).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(js.evalLoss));
      expect(js.evalLoss, what).toBeCloseTo(js.loss, 6);
      expectClose(native.grads, js.grads, 1e-6, 1e-4, `${what} grad`);
    }
  });
});

describe.each(allBackends.map((b) => [b.name] as const))('sample weights, Keras semantics (%s)', (backend) => {
  const rows = 13;
  const [inputs, hidden, outputs] = [4, 6, 3];

  it.each(ALL_KINDS)('weights of all 1 train as no weights (%s)', async (kind) => {
    nn.setBackend(backend);
    const d = data(kind, rows, inputs, outputs, 1);
    const plain = model(kind, inputs, hidden, outputs);
    const ones = model(kind, inputs, hidden, outputs);
    const options = { epochs: 2, batchSize: 5, seed: 4, verbose: 0 as const };
    const h0 = await plain.fit(d.x, d.y, options);
    const h1 = await ones.fit(d.x, d.y, { ...options, sampleWeight: new Float32Array(rows).fill(1) });
    // The js twins scale each gradient row by 1 after the unweighted kernel: the same bits. The
    // native unweighted softmax cross-entropy is a float32 fast path, the weighted one in double.
    if (backend === 'js') expect(weightsOf(ones)).toEqual(weightsOf(plain));
    else expectClose(weightsOf(ones), weightsOf(plain));
    h0.history.loss.forEach((l, e) => {
      expect(h1.history.loss[e]).toBeCloseTo(l, 5);
    });
  });

  it.each(ALL_KINDS)('a weight-0 row counts as absent, at the learning rate of Σ/rows (%s)', async (kind) => {
    nn.setBackend(backend);
    const d = data(kind, rows, inputs, outputs, 2);
    const w = new Float32Array(rows).fill(1);
    const kept: number[] = [];
    for (let r = 0; r < rows; r++) {
      if (r % 3 === 1) w[r] = 0;
      else kept.push(r);
    }
    // SUM_OVER_BATCH_SIZE divides by every row of the batch: the weighted gradient is kept/rows
    // of the gradient over the kept rows alone, so lr·kept/rows on those trains alike.
    const lr = 0.3;
    const weighted = model(kind, inputs, hidden, outputs, lr);
    const alone = model(kind, inputs, hidden, outputs, (lr * kept.length) / rows);
    const full = { epochs: 3, batchSize: rows, shuffle: true, seed: 5, verbose: 0 as const };
    const hw = await weighted.fit(d.x, d.y, { ...full, sampleWeight: w });
    const k = rowsOf(d, inputs, outputs, kept);
    const ha = await alone.fit(k.x, k.y, full);
    expectClose(weightsOf(weighted), weightsOf(alone), 1e-6, 1e-4);
    ha.history.loss.forEach((l, e) => {
      expect(hw.history.loss[e]).toBeCloseTo((l * kept.length) / rows, 5);
    });
  });

  it.each(ALL_KINDS)('a weight-2 row counts as the row twice, at the learning rate of Σ/rows (%s)', async (kind) => {
    nn.setBackend(backend);
    const d = data(kind, rows, inputs, outputs, 3);
    const w = new Float32Array(rows).fill(1);
    const idx = Array.from({ length: rows }, (_, r) => r);
    for (const r of [2, 7]) {
      w[r] = 2;
      idx.push(r);
    }
    // (Σ loss + loss_2 + loss_7)/rows weighted; /(rows + 2) duplicated.
    const lr = 0.3;
    const weighted = model(kind, inputs, hidden, outputs, lr);
    const twice = model(kind, inputs, hidden, outputs, (lr * idx.length) / rows);
    const full = { epochs: 3, batchSize: 64, shuffle: false, verbose: 0 as const };
    const hw = await weighted.fit(d.x, d.y, { ...full, sampleWeight: Array.from(w) });
    const dup = rowsOf(d, inputs, outputs, idx);
    const hd = await twice.fit(dup.x, dup.y, full);
    expectClose(weightsOf(weighted), weightsOf(twice), 1e-6, 1e-4);
    hd.history.loss.forEach((l, e) => {
      expect(hw.history.loss[e]).toBeCloseTo((l * idx.length) / rows, 5);
    });
  });

  it('matches the hand-written formula: mean squared error, SGD, short last batch', async () => {
    nn.setBackend(backend);
    const n = 7;
    const rng = new Random(8);
    const x = Float32Array.from({ length: n * 2 }, () => rng.uniform(-1, 1));
    const y = Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
    const w = Float32Array.from({ length: n }, () => rng.uniform(0, 2));
    const m = nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: 1, inputShape: [2] })] });
    const lr = 0.2;
    m.compile({ optimizer: nn.optimizers.sgd({ learningRate: lr }), loss: 'meanSquaredError' });
    const [k0, b0] = m.getWeights().map((t) => Array.from(t.data));
    const k = k0.slice();
    let b = b0[0];
    // Batches of 3, 3, 1 rows in order: loss Σ w·(p − y)² / rows of the batch.
    const losses: number[] = [];
    for (let start = 0; start < n; start += 3) {
      const batch = Array.from({ length: Math.min(3, n - start) }, (_, i) => start + i);
      let loss = 0;
      const g = [0, 0, 0];
      for (const r of batch) {
        const p = k[0] * x[2 * r] + k[1] * x[2 * r + 1] + b;
        loss += (w[r] * (p - y[r]) ** 2) / batch.length;
        const d = (2 * w[r] * (p - y[r])) / batch.length;
        g[0] += d * x[2 * r];
        g[1] += d * x[2 * r + 1];
        g[2] += d;
      }
      losses.push(loss);
      k[0] -= lr * g[0];
      k[1] -= lr * g[1];
      b -= lr * g[2];
    }
    const h = await m.fit(nn.tensor2d(x, [n, 2]), y, {
      batchSize: 3,
      shuffle: false,
      sampleWeight: nn.tensor(w, [n]),
      batchLoss: true,
      verbose: 0,
    });
    const [k1, b1] = m.getWeights().map((t) => Array.from(t.data));
    expect(maxRelErr(k1, k, 1e-6, 1e-5)).toBeLessThanOrEqual(1);
    expect(b1[0]).toBeCloseTo(b, 5);
    h.batchHistory?.loss.forEach((l, i) => {
      expect(l).toBeCloseTo(losses[i], 5);
    });
    // The epoch's loss: the batch values weighted by batch rows (as unweighted training).
    expect(h.history.loss[0]).toBeCloseTo((3 * losses[0] + 3 * losses[1] + losses[2]) / n, 5);
  });

  it('rows shuffle with their weights (a full batch in any order trains alike), and validationSplit splits them', async () => {
    nn.setBackend(backend);
    const kind: Kind = 'softmax-sparse';
    const d = data(kind, rows, inputs, outputs, 4);
    const w = randomWeights(rows, 5);
    const a = model(kind, inputs, hidden, outputs);
    const b = model(kind, inputs, hidden, outputs);
    await a.fit(d.x, d.y, { epochs: 3, batchSize: rows, shuffle: true, seed: 1, sampleWeight: w, verbose: 0 });
    await b.fit(d.x, d.y, { epochs: 3, batchSize: rows, shuffle: false, sampleWeight: w, verbose: 0 });
    expectClose(weightsOf(a), weightsOf(b), 1e-6, 1e-4);

    // validationSplit holds out rows order[trainRows…] of the seed's permutation, weights alike.
    const seed = 9;
    const trainRows = Math.floor(rows * (1 - 0.25));
    const order = Array.from(new Random(seed).permutation(rows));
    const train = order.slice(0, trainRows);
    const c = model(kind, inputs, hidden, outputs);
    const e = model(kind, inputs, hidden, outputs);
    const options = { epochs: 2, batchSize: 4, seed, verbose: 0 as const };
    const hc = await c.fit(d.x, d.y, { ...options, validationSplit: 0.25, sampleWeight: w });
    const t = rowsOf(d, inputs, outputs, train);
    await e.fit(t.x, t.y, { ...options, sampleWeight: Float32Array.from(train, (r) => w[r]) });
    expectClose(weightsOf(c), weightsOf(e), 1e-6, 1e-5);
    // The held-out rows keep their weights: val_loss is evaluate's weighted loss on them.
    const held = order.slice(trainRows);
    const v = rowsOf(d, inputs, outputs, held);
    const vw = Float32Array.from(held, (r) => w[r]);
    expect(hc.history.val_loss[1]).toBeCloseTo(c.evaluate(v.x, v.y, { sampleWeight: vw }).loss, 5);
  });

  it('evaluate takes sampleWeight: the loss Σ w·loss / rows, the metrics unweighted', () => {
    nn.setBackend(backend);
    const kind: Kind = 'softmax-sparse';
    const d = data(kind, rows, inputs, outputs, 14);
    const m = model(kind, inputs, hidden, outputs);
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const all = m.evaluate(d.x, d.y);
    const ones = m.evaluate(d.x, d.y, { sampleWeight: new Array(rows).fill(1) });
    expect(ones.loss).toBeCloseTo(all.loss, 6);
    expect(ones.accuracy).toBe(all.accuracy);
    const kept = [0, 2, 3, 5, 8, 12];
    const w = Float32Array.from({ length: rows }, (_, r) => (kept.includes(r) ? 1 : 0));
    const weighted = m.evaluate(d.x, d.y, { sampleWeight: w });
    const k = rowsOf(d, inputs, outputs, kept);
    expect(weighted.loss).toBeCloseTo((m.evaluate(k.x, k.y).loss * kept.length) / rows, 6);
    expect(weighted.accuracy).toBe(all.accuracy);
    expect(() => m.evaluate(d.x, d.y, { sampleWeight: [1] })).toThrow(
      /evaluate: sampleWeight has 1 weights but x has 13 rows/,
    );
  });

  it('trainOnBatch takes sampleWeight and classWeight as fit does', async () => {
    nn.setBackend(backend);
    const kind: Kind = 'softmax-categorical';
    const d = data(kind, rows, inputs, outputs, 15);
    const w = randomWeights(rows, 16);
    const a = model(kind, inputs, hidden, outputs);
    const b = model(kind, inputs, hidden, outputs);
    const loss = await a.trainOnBatch(d.x, d.y, { sampleWeight: w, classWeight: { 1: 2 } });
    const h = await b.fit(d.x, d.y, {
      batchSize: rows,
      shuffle: false,
      sampleWeight: w,
      classWeight: { 1: 2 },
      verbose: 0,
    });
    expect(weightsOf(a)).toEqual(weightsOf(b));
    expect(loss).toBeCloseTo(h.history.loss[0], 6);
    await expect(a.trainOnBatch(d.x, d.y, { sampleWeight: [1, 2] })).rejects.toThrow(
      /trainOnBatch: sampleWeight has 2 weights but x has 13 rows/,
    );
  });

  it('sampleWeight and classWeight multiply', async () => {
    nn.setBackend(backend);
    const kind: Kind = 'softmax-categorical';
    const d = data(kind, rows, inputs, outputs, 6);
    const w = randomWeights(rows, 7);
    const classWeight = { 0: 0.5, 2: 3 };
    const both = model(kind, inputs, hidden, outputs);
    const product = model(kind, inputs, hidden, outputs);
    const options = { epochs: 2, batchSize: 5, seed: 2, verbose: 0 as const };
    await both.fit(d.x, d.y, { ...options, sampleWeight: w, classWeight });
    const per = Float32Array.from(w, (v, r) => v * ([0.5, 1, 3][d.labels[r]] ?? 1));
    await product.fit(d.x, d.y, { ...options, sampleWeight: per });
    expect(weightsOf(both)).toEqual(weightsOf(product));
  });

  it('the plain tape stays as it was: weights compile a second tape only', async () => {
    nn.setBackend(backend);
    const kind: Kind = 'softmax-categorical';
    const d = data(kind, rows, inputs, outputs, 6);
    const m = model(kind, inputs, hidden, outputs);
    const before = JSON.stringify(m.compiledNetwork().tape);
    expect(before).not.toMatch(/weighted|sampleWeight/);
    await m.fit(d.x, d.y, { epochs: 1, sampleWeight: randomWeights(rows, 1), verbose: 0 });
    expect(JSON.stringify(m.compiledNetwork().tape)).toBe(before);
    // Alternating weighted and plain fits continue one training (one optimizer, one set of weights).
    const a = model(kind, inputs, hidden, outputs);
    const b = model(kind, inputs, hidden, outputs);
    a.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy' });
    b.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy' });
    const opts = { epochs: 1, batchSize: 4, seed: 3, verbose: 0 as const };
    await a.fit(d.x, d.y, opts);
    await a.fit(d.x, d.y, { ...opts, sampleWeight: new Float32Array(rows).fill(1) });
    await a.fit(d.x, d.y, opts);
    for (let i = 0; i < 3; i++) await b.fit(d.x, d.y, opts);
    expectClose(weightsOf(a), weightsOf(b), 1e-6, 1e-5);
    expect(a.optimizer?.iterations).toBe(b.optimizer?.iterations);
  });

  it('a model with two outputs weighs both losses by the row weight', async () => {
    nn.setBackend(backend);
    const build = (lr: number) => {
      const x = nn.input({ shape: [4], name: 'x' });
      const h = nn.layers.dense({ units: 5, activation: 'tanh', name: 'h' }).apply(x);
      const p = nn.layers.dense({ units: 3, activation: 'softmax', name: 'p' }).apply(h);
      const q = nn.layers.dense({ units: 2, name: 'q' }).apply(h);
      const m = nn.model({ inputs: [x], outputs: [p, q], seed: 5 });
      m.compile({
        optimizer: nn.optimizers.sgd({ learningRate: lr }),
        loss: ['sparseCategoricalCrossentropy', 'meanSquaredError'],
        lossWeights: [1, 0.5],
      });
      return m;
    };
    const rng = new Random(3);
    const n = 10;
    const x = Float32Array.from({ length: n * 4 }, () => rng.uniform(-1, 1));
    const labels = Int32Array.from({ length: n }, () => rng.int(3));
    const reg = Float32Array.from({ length: n * 2 }, () => rng.uniform(-1, 1));
    const w = new Float32Array(n).fill(1);
    const kept = [0, 1, 3, 4, 6, 8, 9];
    for (const r of [2, 5, 7]) w[r] = 0;
    const weighted = build(0.2);
    const alone = build((0.2 * kept.length) / n);
    const full = { epochs: 2, batchSize: 64, shuffle: false, verbose: 0 as const };
    const hw = await weighted.fit(nn.tensor2d(x, [n, 4]), [labels, nn.tensor2d(reg, [n, 2])] as never, {
      ...full,
      sampleWeight: w,
    });
    const ha = await alone.fit(
      nn.tensor2d(take(x, 4, kept), [kept.length, 4]),
      [Int32Array.from(kept, (r) => labels[r]), nn.tensor2d(take(reg, 2, kept), [kept.length, 2])] as never,
      full,
    );
    expectClose(weightsOf(weighted), weightsOf(alone), 1e-6, 1e-4);
    for (const key of ['loss', 'p_loss', 'q_loss'])
      expect(hw.history[key][1], key).toBeCloseTo((ha.history[key][1] * kept.length) / n, 5);
    await expect(
      weighted.fit(nn.tensor2d(x, [n, 4]), [labels, nn.tensor2d(reg, [n, 2])] as never, { classWeight: { 0: 2 } }),
    ).rejects.toThrow(/classWeight is supported for models with one output only/);
  });
});

describe.each(allBackends.map((b) => [b.name] as const))('classWeight against TensorFlow.js (%s)', (backend) => {
  const cases = [
    { label: 'one-hot targets', loss: 'categoricalCrossentropy', units: 3, activation: 'softmax' },
    { label: 'sparse labels', loss: 'sparseCategoricalCrossentropy', units: 3, activation: 'softmax' },
    { label: 'a single sigmoid output', loss: 'binaryCrossentropy', units: 1, activation: 'sigmoid' },
  ] as const;
  it.each(cases)('SGD with classWeight gives tfjs’s weights and loss: $label', async (c) => {
    nn.setBackend(backend);
    const n = 12;
    const rng = new Random(21);
    const x = Float32Array.from({ length: n * 4 }, () => rng.uniform(-1, 1));
    const labels = Int32Array.from({ length: n }, () => rng.int(c.units === 1 ? 2 : c.units));
    const classWeight = c.units === 1 ? { 0: 0.3, 1: 2.5 } : { 0: 1, 1: 3, 2: 0.5 };
    const m = nn.sequential({
      seed: 4,
      layers: [
        nn.layers.dense({ units: 5, activation: 'tanh', inputShape: [4] }),
        nn.layers.dense({ units: c.units, activation: c.activation }),
      ],
    });
    m.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.5 }), loss: c.loss });
    const t = tf.sequential({
      layers: [
        tf.layers.dense({ units: 5, activation: 'tanh', inputShape: [4] }),
        tf.layers.dense({ units: c.units, activation: c.activation }),
      ],
    });
    t.setWeights(m.getWeights().map((w) => tf.tensor(Array.from(w.data), w.shape)));
    t.compile({ optimizer: tf.train.sgd(0.5), loss: c.loss });
    const ourY =
      c.loss === 'sparseCategoricalCrossentropy'
        ? labels
        : c.loss === 'categoricalCrossentropy'
          ? nn.data.oneHot(labels, 3)
          : nn.tensor2d(Float32Array.from(labels), [n, 1]);
    const tfY =
      c.loss === 'categoricalCrossentropy'
        ? tf.oneHot(tf.tensor1d(Array.from(labels), 'int32'), 3).toFloat()
        : tf.tensor2d(Array.from(labels), [n, 1]);
    const h = await m.fit(nn.tensor2d(x, [n, 4]), ourY, {
      epochs: 3,
      batchSize: 5,
      shuffle: false,
      classWeight,
      verbose: 0,
    });
    const th = await t.fit(tf.tensor2d(Array.from(x), [n, 4]), tfY, {
      epochs: 3,
      batchSize: 5,
      shuffle: false,
      classWeight,
      verbose: 0,
    });
    const theirs = t.getWeights().map((w) => w.dataSync() as Float32Array);
    expectClose(weightsOf(m), theirs, 1e-5, 1e-4);
    h.history.loss.forEach((l, e) => {
      expect(Math.abs(l - (th.history.loss[e] as number)), `epoch ${e} loss`).toBeLessThan(1e-5);
    });
  });
});

describe.each(allBackends.map((b) => [b.name] as const))('fitDataset with sample weights (%s)', (backend) => {
  const [rows, inputs, hidden, outputs] = [14, 4, 6, 3];
  const kind: Kind = 'softmax-categorical';
  const sizes = [5, 5, 4];
  function batches(d: ReturnType<typeof data>, w: (Float32Array | null)[]) {
    let at = 0;
    return sizes.map((n, i) => {
      const idx = Array.from({ length: n }, (_, k) => at + k);
      at += n;
      const b = rowsOf(d, inputs, outputs, idx);
      return { xs: b.x, ys: b.y, ...(w[i] ? { sampleWeight: w[i] } : {}) };
    });
  }

  it('batches carrying sampleWeight (some without: weight 1) train as fit with those weights', async () => {
    nn.setBackend(backend);
    const d = data(kind, rows, inputs, outputs, 9);
    const w = randomWeights(rows, 10);
    const parts = [w.slice(0, 5), null, w.slice(10)];
    const all = Float32Array.from(w, (v, r) => (r >= 5 && r < 10 ? 1 : v));
    const a = model(kind, inputs, hidden, outputs);
    const b = model(kind, inputs, hidden, outputs);
    const c = model(kind, inputs, hidden, outputs);
    const ha = await a.fitDataset(batches(d, parts), { epochs: 2, verbose: 0 });
    const hb = await b.fit(d.x, d.y, { epochs: 2, batchSize: 5, shuffle: false, sampleWeight: all, verbose: 0 });
    expectClose(weightsOf(a), weightsOf(b), 1e-6, 1e-5);
    expect(ha.history.loss[1]).toBeCloseTo(hb.history.loss[1], 5);
    // One batch per call (a per-batch callback): weighted and plain runs alternate.
    await c.fitDataset(batches(d, parts), { epochs: 2, verbose: 0, callbacks: { onBatchEnd: () => {} } });
    expectClose(weightsOf(c), weightsOf(b), 1e-6, 1e-5);
  });

  it('classWeight weighs every batch as fit’s does', async () => {
    nn.setBackend(backend);
    const d = data(kind, rows, inputs, outputs, 12);
    const classWeight = new Map([
      [0, 2],
      [1, 0.25],
    ]);
    const a = model(kind, inputs, hidden, outputs);
    const b = model(kind, inputs, hidden, outputs);
    await a.fitDataset(batches(d, [null, null, null]), { epochs: 2, classWeight, verbose: 0 });
    await b.fit(d.x, d.y, { epochs: 2, batchSize: 5, shuffle: false, classWeight, verbose: 0 });
    expect(weightsOf(a)).toEqual(weightsOf(b));
  });

  it('a bad sampleWeight in a batch is named, after the batches before it trained', async () => {
    nn.setBackend(backend);
    const d = data(kind, rows, inputs, outputs, 13);
    const m = model(kind, inputs, hidden, outputs);
    const bad = batches(d, [null, null, Float32Array.from([1, 1, Number.NaN, 1])]);
    await expect(m.fitDataset(bad, { verbose: 0 })).rejects.toThrow(
      /fitDataset: batch 2 of epoch 1 sampleWeight\[2\] is NaN; sample weights must be finite numbers ≥ 0/,
    );
    const short = batches(d, [new Float32Array(3), null, null]);
    await expect(model(kind, inputs, hidden, outputs).fitDataset(short, { verbose: 0 })).rejects.toThrow(
      /batch 0 of epoch 1 sampleWeight has 3 weights but x has 5 rows/,
    );
    await expect(m.fitDataset(batches(d, [null, null, null]), { classWeight: { 4: 1 } })).rejects.toThrow(
      /fitDataset: classWeight names class 4, but the model has 3 classes/,
    );
  });
});

describe.each(allBackends.map((b) => [b.name] as const))('weighted validation (%s)', (backend) => {
  const [rows, inputs, hidden, outputs] = [12, 4, 6, 3];
  const kind: Kind = 'softmax-categorical';

  it('validationData [x, y, sampleWeight]: val_loss is evaluate’s weighted loss, val metrics unweighted', async () => {
    nn.setBackend(backend);
    const d = data(kind, rows, inputs, outputs, 21);
    const v = data(kind, 7, inputs, outputs, 22);
    const w = randomWeights(7, 23);
    const m = nn.sequential({
      seed: 3,
      layers: [
        nn.layers.dense({ units: hidden, activation: 'tanh', inputShape: [inputs] }),
        nn.layers.dense({ units: outputs, activation: 'softmax' }),
      ],
    });
    m.compile({
      optimizer: nn.optimizers.sgd({ learningRate: 0.1 }),
      loss: 'categoricalCrossentropy',
      metrics: ['accuracy'],
    });
    const h = await m.fit(d.x, d.y, { epochs: 1, batchSize: 5, seed: 1, verbose: 0, validationData: [v.x, v.y, w] });
    const weighted = m.evaluate(v.x, v.y as nn.Tensor, { sampleWeight: w });
    const plain = m.evaluate(v.x, v.y as nn.Tensor);
    expect(h.history.val_loss[0]).toBeCloseTo(weighted.loss, 6);
    expect(Math.abs(weighted.loss - plain.loss)).toBeGreaterThan(1e-3); // the weights did something
    expect(h.history.val_accuracy[0]).toBe(plain.accuracy);
    // fitDataset takes the same triple.
    const h2 = await m.fitDataset([{ xs: d.x, ys: d.y }], { epochs: 1, verbose: 0, validationData: [v.x, v.y, w] });
    expect(h2.history.val_loss[0]).toBeCloseTo(m.evaluate(v.x, v.y as nn.Tensor, { sampleWeight: w }).loss, 6);
  });

  it('validationSplit: the held-out rows keep their sampleWeight; classWeight weighs training only', async () => {
    nn.setBackend(backend);
    const d = data(kind, rows, inputs, outputs, 24);
    const options = { epochs: 2, batchSize: 4, seed: 6, verbose: 0 as const, validationSplit: 0.25 };
    // Weight 2 on every row trains as twice the SGD learning rate (exactly: ×2 is exact in binary).
    const doubled = model(kind, inputs, hidden, outputs, 0.2);
    const byWeight = model(kind, inputs, hidden, outputs, 0.1);
    const byClass = model(kind, inputs, hidden, outputs, 0.1);
    const hd = await doubled.fit(d.x, d.y, options);
    const hw = await byWeight.fit(d.x, d.y, { ...options, sampleWeight: new Float32Array(rows).fill(2) });
    const hc = await byClass.fit(d.x, d.y, { ...options, classWeight: { 0: 2, 1: 2, 2: 2 } });
    expectClose(weightsOf(byWeight), weightsOf(doubled));
    expectClose(weightsOf(byClass), weightsOf(doubled));
    for (let e = 0; e < 2; e++) {
      expect(hw.history.val_loss[e]).toBeCloseTo(2 * hd.history.val_loss[e], 5);
      expect(hc.history.val_loss[e]).toBeCloseTo(hd.history.val_loss[e], 5);
    }
  });

  it('evaluateDataset and validation datasets weigh the batches that carry sampleWeight', async () => {
    nn.setBackend(backend);
    const d = data(kind, rows, inputs, outputs, 25);
    const w = randomWeights(rows, 26);
    const all = Float32Array.from(w, (x, r) => (r >= 5 && r < 9 ? 1 : x)); // the middle batch has none
    const batches = [
      [0, 5],
      [5, 9],
      [9, 12],
    ].map(([a, b], i) => {
      const part = rowsOf(
        d,
        inputs,
        outputs,
        Array.from({ length: b - a }, (_, k) => a + k),
      );
      return { xs: part.x, ys: part.y, ...(i === 1 ? {} : { sampleWeight: w.slice(a, b) }) };
    });
    const m = model(kind, inputs, hidden, outputs);
    const want = m.evaluate(d.x, d.y as nn.Tensor, { sampleWeight: all }).loss;
    expect((await m.evaluateDataset(batches)).loss).toBeCloseTo(want, 6);
    const h = await m.fitDataset(batches, { epochs: 1, verbose: 0, validationData: batches });
    expect(h.history.val_loss[0]).toBeCloseTo(m.evaluate(d.x, d.y as nn.Tensor, { sampleWeight: all }).loss, 6);
    const bad = [{ ...batches[0], sampleWeight: w.slice(0, 2) }];
    await expect(m.evaluateDataset(bad)).rejects.toThrow(
      /^evaluateDataset: batch 0 sampleWeight has 2 weights but batch 0 xs has 5 rows; give one per row$/,
    );
  });

  it('a bad validationData[2] is named before any update', async () => {
    nn.setBackend(backend);
    const d = data(kind, rows, inputs, outputs, 27);
    const m = model(kind, inputs, hidden, outputs);
    const before = weightsOf(m);
    await expect(
      m.fit(d.x, d.y, { verbose: 0, validationData: [d.x, d.y, new Float32Array(3)] as never }),
    ).rejects.toThrow(/^fit: validationData\[2\] has 3 weights but validationData\[0\] has 12 rows; give one per row$/);
    await expect(
      m.fit(d.x, d.y, { verbose: 0, validationData: [d.x, d.y, new Float32Array(12).fill(-1)] as never }),
    ).rejects.toThrow(/^fit: validationData\[2\]\[0\] is -1; sample weights must be finite numbers ≥ 0$/);
    await expect(
      m.fitDataset([{ xs: d.x, ys: d.y }], { verbose: 0, validationData: [d.x, d.y, [1]] as never }),
    ).rejects.toThrow(/^fitDataset: validationData\[2\] has 1 weights but validationData\[0\] has 12 rows/);
    await expect(m.fit(d.x, d.y, { verbose: 0, validationData: [d.x, d.y, w4(), 1] as never })).rejects.toThrow(
      /^fit: validationData must be \[x, y\] or \[x, y, sampleWeight\], got /,
    );
    expect(weightsOf(m)).toEqual(before);
    expect(m.optimizer?.iterations).toBe(0);
    function w4() {
      return new Float32Array(12);
    }
  });
});

describe('sample weight errors: named, thrown before any update', () => {
  const [rows, inputs, hidden, outputs] = [6, 4, 5, 3];
  const cases: [string, Kind, Record<string, unknown>, RegExp, 'TypeError' | 'RangeError'][] = [
    [
      'wrong length',
      'mse',
      { sampleWeight: [1, 2, 3] },
      /fit: sampleWeight has 3 weights but x has 6 rows/,
      'RangeError',
    ],
    ['NaN', 'mse', { sampleWeight: [1, 1, Number.NaN, 1, 1, 1] }, /sampleWeight\[2\] is NaN/, 'RangeError'],
    ['negative', 'mse', { sampleWeight: [1, 1, 1, -1, 1, 1] }, /sampleWeight\[3\] is -1/, 'RangeError'],
    [
      'Infinity',
      'mse',
      { sampleWeight: new Float32Array(6).fill(Infinity) },
      /sampleWeight\[0\] is Infinity/,
      'RangeError',
    ],
    ['not numbers', 'mse', { sampleWeight: ['1', 1, 1, 1, 1, 1] }, /sampleWeight\[0\] must be a number/, 'TypeError'],
    [
      'not a vector',
      'mse',
      { sampleWeight: nn.tensor2d(new Float32Array(12), [6, 2]) },
      /one weight per row/,
      'RangeError',
    ],
    [
      'per-output list',
      'mse',
      { sampleWeight: [new Float32Array(6)] },
      /per-output sample weights are not supported/,
      'TypeError',
    ],
    ['a string', 'mse', { sampleWeight: 'all' }, /sampleWeight must be one weight per row/, 'TypeError'],
    [
      'a BigUint64Array',
      'mse',
      { sampleWeight: new BigUint64Array(6).fill(1n) },
      /sampleWeight must be one weight per row/,
      'TypeError',
    ],
    ['bigint values', 'mse', { sampleWeight: [1n, 1, 1, 1, 1, 1] }, /sampleWeight\[0\] must be a number/, 'TypeError'],
    [
      'classWeight on a regression',
      'mse',
      { classWeight: { 0: 2 } },
      /classWeight needs a classification loss .*meanSquaredError/,
      'TypeError',
    ],
    [
      'a class the model lacks',
      'softmax-sparse',
      { classWeight: { 3: 2 } },
      /classWeight names class 3, but the model has 3 classes \(0 to 2\)/,
      'RangeError',
    ],
    [
      'class 2 of a sigmoid output',
      'sigmoid-binary',
      { classWeight: { 2: 1 } },
      /names class 2.*classes 0 and 1/,
      'RangeError',
    ],
    [
      'a negative class weight',
      'softmax-categorical',
      { classWeight: { 1: -2 } },
      /classWeight\[1\] must be a finite number ≥ 0, got -2/,
      'RangeError',
    ],
    [
      'a NaN class weight',
      'softmax-categorical',
      { classWeight: new Map([[1, Number.NaN]]) },
      /classWeight\[1\] must be a finite number/,
      'RangeError',
    ],
    [
      'a key that is no class',
      'softmax-categorical',
      { classWeight: { a: 1 } },
      /classWeight keys must be class indices/,
      'TypeError',
    ],
    [
      'an array',
      'softmax-categorical',
      { classWeight: [1, 2, 3] },
      /classWeight must be an object or a Map/,
      'TypeError',
    ],
  ];
  it.each(cases)('%s', async (_label, kind, options, message, name) => {
    const units = kind === 'sigmoid-binary' ? 1 : outputs;
    const d = data(kind, rows, inputs, units, 1);
    const m = model(kind, inputs, hidden, units);
    const before = weightsOf(m);
    const err = await m.fit(d.x, d.y, { verbose: 0, ...options }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe(name);
    expect((err as Error).message).toMatch(message);
    expect(weightsOf(m)).toEqual(before);
    expect(m.optimizer?.iterations).toBe(0);
  });

  it('a single sigmoid output needs 0/1 targets for classWeight', async () => {
    const m = model('sigmoid-binary', 2, 3, 1);
    const y = nn.tensor2d(Float32Array.from([0, 1, 0.5]), [3, 1]);
    await expect(
      m.fit(nn.tensor2d(new Float32Array(6), [3, 2]), y, { classWeight: { 1: 2 }, verbose: 0 }),
    ).rejects.toThrow(/classWeight needs 0\/1 targets for a single sigmoid output, but y row 2 holds 0.5/);
  });

  it('classWeight needs an output of shape [batch, classes]: a [batch, 3, 1] output is refused, nothing trained', async () => {
    // binaryCrossentropy takes any output shape (categorical losses refuse this one at fit already).
    const m = nn.sequential({
      seed: 1,
      layers: [nn.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [3, 2] })],
    });
    m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    const before = m.getWeights().map((w) => Array.from(w.data));
    const x = nn.tensor(new Float32Array(5 * 3 * 2).fill(0.5), [5, 3, 2]);
    const y = nn.tensor(
      Float32Array.from({ length: 15 }, (_, i) => i % 2),
      [5, 3, 1],
    );
    const err = await m.fit(x, y, { classWeight: { 1: 2 }, verbose: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toMatch(
      /^fit: classWeight needs an output of shape \[batch, classes\]; this model outputs \[batch, 3, 1\]$/,
    );
    expect(m.getWeights().map((w) => Array.from(w.data))).toEqual(before);
    expect(m.optimizer?.iterations).toBe(0);
    // The same model trains without classWeight (the shape itself is fine).
    await m.fit(x, y, { epochs: 1, verbose: 0 });
    expect(m.optimizer?.iterations).toBe(1);
  });
});
