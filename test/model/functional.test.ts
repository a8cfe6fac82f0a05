/** Functional models against @tensorflow/tfjs with the same weights: several inputs and outputs,
 *  every merge layer, a shared layer, a tensor read by several layers, an output that feeds
 *  another layer; predictions, evaluate, and the weights after two SGD epochs, on every backend. */
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { allBackends, maxRelErr, randomF32 } from '../support/backends';

const initial = nn.getBackend().name;
afterAll(() => nn.setBackend(initial));

const ROWS = 6;

/** The parts of nn and tf that build a functional model (the same names in both). */
type Lib = { input(a: { shape: number[]; name?: string }): any; layers: any; model(a: any): any };
const NN = nn as unknown as Lib;
const TF = tf as unknown as Lib;

interface Case {
  label: string;
  inputs: number[][];
  /** Output widths and losses (y is random in [0, 1); one-hot rows for categorical). */
  outputs: { width: number; loss: string }[];
  lossWeights?: number[];
  build(lib: Lib): { inputs: any[]; outputs: any[] };
}

const merge = (kind: string): Case => ({
  label: `${kind} of a shared layer's two applications`,
  inputs: [[4], [4]],
  outputs: [{ width: 2, loss: 'meanSquaredError' }],
  build(lib) {
    const a = lib.input({ shape: [4], name: 'a' });
    const b = lib.input({ shape: [4], name: 'b' });
    const shared = lib.layers.dense({ units: 3, activation: 'tanh', name: 'shared' });
    const m = lib.layers[kind]({ name: 'merged' }).apply([shared.apply(a), shared.apply(b)]);
    return { inputs: [a, b], outputs: [lib.layers.dense({ units: 2, name: 'head' }).apply(m)] };
  },
});

const CASES: Case[] = [
  // tfjs has no Subtract layer: see 'subtract' below.
  ...['add', 'multiply', 'average', 'maximum', 'minimum', 'concatenate'].map(merge),
  {
    label: 'two inputs, two outputs (softmax + linear), loss weights',
    inputs: [[4], [3]],
    outputs: [
      { width: 3, loss: 'categoricalCrossentropy' },
      { width: 1, loss: 'meanSquaredError' },
    ],
    lossWeights: [1, 0.5],
    build(lib) {
      const a = lib.input({ shape: [4], name: 'a' });
      const b = lib.input({ shape: [3], name: 'b' });
      const ha = lib.layers.dense({ units: 5, activation: 'relu', name: 'ha' }).apply(a);
      const hb = lib.layers.dense({ units: 2, activation: 'sigmoid', name: 'hb' }).apply(b);
      const h = lib.layers.concatenate({ name: 'joined' }).apply([ha, hb]);
      const cls = lib.layers.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(h);
      const reg = lib.layers.dense({ units: 1, name: 'reg' }).apply(h);
      return { inputs: [a, b], outputs: [cls, reg] };
    },
  },
  {
    label: 'two softmax outputs with class-index targets (sparse cross-entropy)',
    inputs: [[4]],
    outputs: [
      { width: 3, loss: 'sparseCategoricalCrossentropy' },
      { width: 4, loss: 'sparseCategoricalCrossentropy' },
    ],
    build(lib) {
      const x = lib.input({ shape: [4], name: 'x' });
      const h = lib.layers.dense({ units: 5, activation: 'tanh', name: 'h' }).apply(x);
      const p = lib.layers.dense({ units: 3, activation: 'softmax', name: 'p' }).apply(h);
      const q = lib.layers.dense({ units: 4, activation: 'softmax', name: 'q' }).apply(x);
      return { inputs: [x], outputs: [p, q] };
    },
  },
  {
    label: 'one tensor read by three layers; an output that feeds another layer',
    inputs: [[5]],
    outputs: [
      { width: 4, loss: 'meanSquaredError' },
      { width: 2, loss: 'binaryCrossentropy' },
    ],
    build(lib) {
      const x = lib.input({ shape: [5], name: 'x' });
      const h = lib.layers.dense({ units: 4, activation: 'elu', name: 'h' }).apply(x);
      const p = lib.layers.dense({ units: 4, activation: 'tanh', name: 'p' }).apply(h);
      const q = lib.layers.dense({ units: 4, name: 'q' }).apply(h);
      const sum = lib.layers.add({ name: 'sum' }).apply([p, q, h]);
      const out = lib.layers.dense({ units: 2, activation: 'sigmoid', name: 'out' }).apply(sum);
      return { inputs: [x], outputs: [sum, out] };
    },
  },
  {
    label: 'concatenate on the time axis of sequences',
    inputs: [
      [2, 3],
      [4, 3],
    ],
    outputs: [{ width: 2, loss: 'meanSquaredError' }],
    build(lib) {
      const a = lib.input({ shape: [2, 3], name: 'a' });
      const b = lib.input({ shape: [4, 3], name: 'b' });
      const c = lib.layers.concatenate({ axis: 1, name: 'c' }).apply([a, b]);
      const d = lib.layers.dense({ units: 2, activation: 'tanh', name: 'd' }).apply(c);
      const f = lib.layers.flatten({ name: 'f' }).apply(d);
      return { inputs: [a, b], outputs: [lib.layers.dense({ units: 2, name: 'o' }).apply(f)] };
    },
  },
];

const TF_LOSS: Record<string, (yt: tf.Tensor, yp: tf.Tensor) => tf.Tensor> = {
  meanSquaredError: (yt, yp) => tf.metrics.meanSquaredError(yt, yp),
  categoricalCrossentropy: (yt, yp) => tf.metrics.categoricalCrossentropy(yt, yp),
  sparseCategoricalCrossentropy: (yt, yp) => tf.metrics.sparseCategoricalCrossentropy(yt, yp),
};

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

const yWidth = (o: { width: number; loss: string }) => (o.loss === 'sparseCategoricalCrossentropy' ? 1 : o.width);

function targets(o: { width: number; loss: string }, seed: number): Float32Array {
  if (o.loss === 'sparseCategoricalCrossentropy')
    return Float32Array.from(randomF32(ROWS, seed, 0, o.width), (v) => Math.floor(v));
  const y = randomF32(ROWS * o.width, seed, 0, 1);
  if (o.loss !== 'categoricalCrossentropy') return y;
  for (let r = 0; r < ROWS; r++) {
    const row = y.subarray(r * o.width, (r + 1) * o.width);
    const hot = row.indexOf(Math.max(...row));
    row.fill(0);
    row[hot] = 1;
  }
  return y;
}

describe.each(allBackends.map((b) => [b.name] as const))('functional models (%s)', (backend) => {
  it.each(CASES.map((c) => [c.label, c] as const))('%s: equals tfjs', async (_l, c) => {
    nn.setBackend(backend);
    const ours = c.build(NN);
    const m = nn.model({ inputs: ours.inputs, outputs: ours.outputs, seed: 7 });
    const theirs = c.build(TF);
    const t = tf.model({ inputs: theirs.inputs, outputs: theirs.outputs });
    // Same weights, layer by layer (the two libraries may list layers in another order).
    for (const layer of m.layers) {
      const w = layer.weights();
      if (w.length === 0) continue;
      const target = t.getLayer(layer.name as string);
      const shapes = target.getWeights().map((v) => v.shape);
      target.setWeights(w.map((v, i) => tf.tensor(Array.from(v), shapes[i])));
    }
    const losses = c.outputs.map((o) => o.loss);
    m.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.2 }), loss: losses, lossWeights: c.lossWeights });
    // tfjs 4.22 ignores lossWeights (in its gradients too): weigh its loss functions instead.
    const weights = c.lossWeights ?? c.outputs.map(() => 1);
    const tfLosses = losses.map((l, k) =>
      weights[k] === 1 ? l : (yt: tf.Tensor, yp: tf.Tensor) => tf.mul(TF_LOSS[l](yt, yp), weights[k]),
    );
    t.compile({ optimizer: tf.train.sgd(0.2), loss: tfLosses });

    const xs = c.inputs.map((shape, i) => randomF32(ROWS * size(shape), 10 + i));
    const ys = c.outputs.map((o, k) => targets(o, 20 + k));
    const ourX = xs.map((x, i) => nn.tensor(x, [ROWS, ...c.inputs[i]]));
    const ourY = ys.map((y, k) => nn.tensor2d(y, [ROWS, yWidth(c.outputs[k])]));
    const tfX = xs.map((x, i) => tf.tensor(Array.from(x), [ROWS, ...c.inputs[i]]));
    const tfY = ys.map((y, k) => tf.tensor2d(Array.from(y), [ROWS, yWidth(c.outputs[k])]));

    const pred = m.predict(ourX);
    const ourPred = c.outputs.length === 1 ? [pred] : (pred as unknown as nn.Tensor[]);
    const tfPred = [t.predict(tfX)].flat() as tf.Tensor[];
    ourPred.forEach((p, k) => {
      expect(maxRelErr(p.data, tfPred[k].dataSync(), 1e-5, 1e-4), `predict ${k}`).toBeLessThanOrEqual(1);
    });

    const ev = m.evaluate(ourX as unknown as nn.Tensor, ourY);
    // tfjs 4.22 returns [output 0's loss, total, each output's loss] for several outputs: the
    // last 1 + outputs values are Keras's [total, each output's loss].
    const tfEv = ([t.evaluate(tfX, tfY)].flat() as tf.Scalar[]).slice(
      -1 - (c.outputs.length > 1 ? c.outputs.length : 0),
    );
    expect(Math.abs(ev.loss - tfEv[0].dataSync()[0]), 'evaluate loss').toBeLessThan(1e-4);
    if (c.outputs.length > 1)
      m.outputNames.forEach((name, k) => {
        const theirs = tfEv[1 + k].dataSync()[0] / weights[k];
        expect(Math.abs(ev[`${name}_loss`] - theirs), `${name}_loss`).toBeLessThan(1e-4);
      });

    const h = await m.fit(ourX as unknown as nn.Tensor, ourY, {
      epochs: 2,
      batchSize: ROWS,
      shuffle: false, // tfjs's row order, not a random one: the same sums
      verbose: 0,
    });
    const th = await t.fit(tfX, tfY, { epochs: 2, batchSize: ROWS, shuffle: false, verbose: 0 });
    expect(Math.abs(h.history.loss[1] - (th.history.loss[1] as number)), 'fit loss').toBeLessThan(1e-4);
    for (const layer of m.layers) {
      const w = layer.weights();
      const tw = t.getLayer(layer.name as string).getWeights();
      w.forEach((v, i) => {
        expect(
          maxRelErr(v, tw[i].dataSync() as Float32Array, 1e-5, 1e-4),
          `${layer.name} weight ${i}`,
        ).toBeLessThanOrEqual(1);
      });
    }
  });
});

describe('functional models: shape', () => {
  it('packs name-keyed inputs and outputs, reports Keras history keys, and prints a summary', async () => {
    const a = nn.input({ shape: [2], name: 'left' });
    const b = nn.input({ shape: [3], name: 'right' });
    const h = nn.layers.concatenate().apply([a, b]);
    const p = nn.layers.dense({ units: 2, activation: 'softmax', name: 'kind' }).apply(h);
    const q = nn.layers.dense({ units: 1, name: 'size' }).apply(h);
    const m = nn.model({ inputs: [a, b], outputs: [p, q], seed: 1 });
    m.compile({
      optimizer: 'adam',
      loss: { kind: 'sparseCategoricalCrossentropy', size: 'meanSquaredError' },
      metrics: { kind: ['accuracy'], size: ['mae'] },
    });
    const x = { left: nn.tensor2d(randomF32(8, 1), [4, 2]), right: nn.tensor2d(randomF32(12, 2), [4, 3]) };
    const y = { kind: nn.tensor1d([0, 1, 1, 0]), size: nn.tensor2d(randomF32(4, 3), [4, 1]) };
    const hist = await m.fit(x as unknown as nn.Tensor, y as unknown as nn.Tensor, { epochs: 2, verbose: 0 });
    expect(Object.keys(hist.history).sort()).toEqual(['kind_accuracy', 'kind_loss', 'loss', 'size_loss', 'size_mae']);
    const ev = m.evaluate(x as unknown as nn.Tensor, y as unknown as nn.Tensor);
    // The total is the sum of the outputs' losses (weights 1).
    expect(ev.loss).toBeCloseTo(ev.kind_loss + ev.size_loss, 5);
    const [pk, ps] = m.predict(x as unknown as nn.Tensor) as unknown as nn.Tensor[];
    expect(pk.shape).toEqual([4, 2]);
    expect(ps.shape).toEqual([4, 1]);
    const text = m.summary({ print: false });
    expect(text).toContain('Connected to');
    expect(text).toContain('left, right');
    expect(text).toContain(`Total params: ${m.countParams()}`);
    expect(m.countParams()).toBe(5 * 2 + 2 + 5 + 1);
    expect(m.getLayer('kind').className).toBe('Dense');
    expect(() => m.getLayer('nope')).toThrow(/no layer named "nope"; its layers: .*kind, size/);
  });

  it('a layer applied twice keeps one set of weights, trained by both uses', async () => {
    const a = nn.input({ shape: [3] });
    const b = nn.input({ shape: [3] });
    const shared = nn.layers.dense({ units: 2, kernelRegularizer: nn.regularizers.l2({ l2: 0.1 }) });
    const out = nn.layers.add().apply([shared.apply(a), shared.apply(b)]);
    const m = nn.model({ inputs: [a, b], outputs: out, seed: 3 });
    expect(m.getWeights().map((w) => w.shape)).toEqual([[3, 2], [2]]);
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    // add(W·a + c, W·b + c) = W·(a + b) + 2c: a one-input model with the same W learns alike,
    // apart from the doubled bias, which is the point: both uses' gradients reach one bias.
    const x = [nn.tensor2d(randomF32(12, 4), [4, 3]), nn.tensor2d(randomF32(12, 5), [4, 3])];
    const before = m.getWeights();
    await m.fit(x as unknown as nn.Tensor, nn.tensor2d(randomF32(8, 6), [4, 2]), {
      epochs: 1,
      batchSize: 4,
      verbose: 0,
    });
    const after = m.getWeights();
    expect(Array.from(after[1].data)).not.toEqual(Array.from(before[1].data));
    // The regularization counts once: evaluate's loss is the data loss + 0.1·Σw², not twice that.
    const pred = m.predict(x as unknown as nn.Tensor);
    const y = new Float32Array(8);
    const ev = m.evaluate(x as unknown as nn.Tensor, nn.tensor2d(y, [4, 2]));
    const mse = pred.data.reduce((s, v) => s + v * v, 0) / 8;
    const l2 = 0.1 * after[0].data.reduce((s, v) => s + v * v, 0);
    expect(ev.loss).toBeCloseTo(mse + l2, 5);
  });

  it('subtract(p(a), q(b)) trains as add(p(a), −q(b)) (tfjs has no Subtract to compare with)', async () => {
    const build = (kind: 'subtract' | 'add', sign: number) => {
      const a = nn.input({ shape: [3] });
      const b = nn.input({ shape: [3] });
      const p = nn.layers.dense({ units: 2, activation: 'tanh' });
      const q = nn.layers.dense({ units: 2 });
      const m = nn.model({ inputs: [a, b], outputs: nn.layers[kind]().apply([p.apply(a), q.apply(b)]), seed: 9 });
      const w = m.getWeights();
      m.setWeights([
        w[0],
        w[1],
        nn.tensor(
          w[2].data.map((v) => sign * v),
          w[2].shape,
        ),
        nn.tensor(
          w[3].data.map((v) => sign * v),
          w[3].shape,
        ),
      ]);
      m.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.3 }), loss: 'meanSquaredError' });
      return m;
    };
    const sub = build('subtract', 1);
    const add = build('add', -1);
    const x = [nn.tensor2d(randomF32(15, 1), [5, 3]), nn.tensor2d(randomF32(15, 2), [5, 3])] as unknown as nn.Tensor;
    const y = nn.tensor2d(randomF32(10, 3), [5, 2]);
    expect(maxRelErr(sub.predict(x).data, add.predict(x).data, 1e-6, 1e-5)).toBeLessThanOrEqual(1);
    // shuffle: false: each fit would otherwise draw its own row order, and the full batch's sums
    // would round differently in the two models.
    await sub.fit(x, y, { epochs: 3, batchSize: 5, shuffle: false, verbose: 0 });
    await add.fit(x, y, { epochs: 3, batchSize: 5, shuffle: false, verbose: 0 });
    const ws = sub.getWeights();
    add.getWeights().forEach((w, i) => {
      const sign = i >= 2 ? -1 : 1;
      expect(
        maxRelErr(
          w.data.map((v) => sign * v),
          ws[i].data,
          1e-6,
          1e-5,
        ),
        `weight ${i}`,
      ).toBeLessThanOrEqual(1);
    });
  });

  it('bad graphs and bad data get clear errors', async () => {
    const a = nn.input({ shape: [3], name: 'a' });
    const b = nn.input({ shape: [2], name: 'b' });
    const da = nn.layers.dense({ units: 2 }).apply(a);
    expect(() => nn.model({ inputs: [a], outputs: nn.layers.add().apply([da, b]) })).toThrow(
      /depend on input "b", which is not in inputs/,
    );
    expect(() => nn.layers.add().apply([a, b])).toThrow(/same shape/);
    expect(() => nn.layers.concatenate({ axis: 1 }).apply([a, nn.input({ shape: [3, 1] })])).toThrow(RangeError);
    expect(() => nn.layers.add().apply(a as unknown as nn.SymbolicTensor[])).toThrow(TypeError);
    expect(() => nn.layers.dense({ units: 1 }).apply([a, b])).toThrow(/takes one tensor/);
    expect(() => nn.layers.dense({ units: 1 }).apply(nn.tensor2d([1], [1, 1]) as never)).toThrow(TypeError);
    expect(() => nn.model({ inputs: [a, a], outputs: da })).toThrow(/listed twice/);
    expect(() => nn.model({ inputs: [a], outputs: [da, da] })).toThrow(/listed twice/);
    expect(() => nn.model({ inputs: [da], outputs: da })).toThrow(/come from nn.input/);
    const shared = nn.layers.dense({ units: 2 });
    shared.apply(a);
    expect(() => shared.apply(b)).toThrow(/shares its weights/);
    expect(() => nn.input({ shape: [0] })).toThrow(RangeError);
    expect(() => nn.sequential([nn.layers.add({ inputShape: [2] } as never)])).toThrow(/functional model/);

    const two = nn.model({
      inputs: [a, b],
      outputs: nn.layers.dense({ units: 1 }).apply(nn.layers.concatenate().apply([a, b])),
    });
    two.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const xa = nn.tensor2d(randomF32(6, 1), [2, 3]);
    expect(() => two.predict(xa)).toThrow(/one entry per model input|list of 2/);
    expect(() => two.predict([xa, nn.tensor2d(randomF32(6, 1), [3, 2])] as never)).toThrow(/rows/);
    expect(() => two.predict({ a: xa, c: xa } as never)).toThrow(/"c", which is not a model input/);
    expect(() => two.compile({ optimizer: 'sgd', loss: ['mse', 'mse'] })).toThrow(/one entry per output/);
    await expect(two.save(undefined as never)).rejects.toThrow(/save: dir/);
    const pair = nn.model({ inputs: a, outputs: [da, nn.layers.dense({ units: 3 }).apply(da)] });
    pair.compile({ optimizer: 'sgd', loss: ['meanSquaredError', 'sparseCategoricalCrossentropy'] });
    // Labels are checked per output: the second output's column of y holds class indices < 3.
    for (const backend of allBackends) {
      nn.setBackend(backend.name);
      expect(() => pair.evaluate(nn.tensor2d([[1, 2, 3]]), [nn.tensor2d([[0, 0]]), nn.tensor1d([3])] as never)).toThrow(
        /y\[1\] \(dense_\d+\) row 0/,
      );
      // The executors check again (y packed: 2 targets of the first output, then the label).
      const x = new Float32Array([1, 2, 3]);
      expect(() => pair.executor().evaluate(x, new Float32Array([0, 0, 3]), 1)).toThrow(
        /y\[2\] must be a class index from 0 to 2, got 3/,
      );
      expect(pair.executor().evaluate(x, new Float32Array([0, 0, 2]), 1)).toHaveLength(3);
    }
  });
});

describe('functional models: fit options', () => {
  it('validationData and validationSplit with several inputs and outputs report val_ keys per output', async () => {
    const a = nn.input({ shape: [2], name: 'a' });
    const b = nn.input({ shape: [1], name: 'b' });
    const h = nn.layers.dense({ units: 4, activation: 'relu' }).apply(nn.layers.concatenate().apply([a, b]));
    const cls = nn.layers.dense({ units: 2, activation: 'softmax', name: 'cls' }).apply(h);
    const reg = nn.layers.dense({ units: 1, name: 'reg' }).apply(h);
    const m = nn.model({ inputs: [a, b], outputs: [cls, reg], seed: 5 });
    m.compile({
      optimizer: 'adam',
      loss: ['sparseCategoricalCrossentropy', 'mse'],
      metrics: { cls: ['accuracy'], reg: [] },
    });
    const x = [nn.tensor2d(randomF32(20, 1), [10, 2]), nn.tensor2d(randomF32(10, 2), [10, 1])];
    const y = [nn.tensor1d(Array.from({ length: 10 }, (_, i) => i % 2)), nn.tensor2d(randomF32(10, 3), [10, 1])];
    const stop = nn.callbacks.earlyStopping({ monitor: 'val_reg_loss', patience: 100 });
    const h1 = await m.fit(x as never, y as never, { epochs: 2, validationSplit: 0.3, callbacks: [stop], verbose: 0 });
    expect(Object.keys(h1.history).sort()).toEqual(
      [
        'cls_accuracy',
        'cls_loss',
        'loss',
        'reg_loss',
        'val_cls_accuracy',
        'val_cls_loss',
        'val_loss',
        'val_reg_loss',
      ].sort(),
    );
    const h2 = await m.fit(x as never, y as never, { epochs: 1, validationData: [x, y] as never, verbose: 0 });
    const ev = m.evaluate(x as never, y as never);
    expect(h2.history.val_loss[0]).toBeCloseTo(ev.loss, 5);
  });
});
