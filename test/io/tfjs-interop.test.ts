/**
 * The proof against the real thing (issue 6): @tensorflow/tfjs 4.22 reads what nativenn writes
 * and nativenn reads what tfjs writes, predicting the same outputs, and training goes on.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { maxAbsDiff, seededValues, tempDir, tfjsLoadFromDir, tfjsSaveToDir, tfReady } from './tfjs-files';

type TF = Awaited<ReturnType<typeof tfReady>>;
let tf: TF;
beforeAll(async () => {
  tf = await tfReady();
});

/** Outputs agree to 1e-5 (the issue's bound): same float32 weights, different summation orders
 *  and activation formulas (tfjs's erf for gelu is an A&S approximation, |err| < 1.5e-7). */
const PREDICT_TOLERANCE = 1e-5;

function classData(rows: number, inputs: number, classes: number, seed: number) {
  const x = seededValues(rows * inputs, seed);
  const labels = Array.from({ length: rows }, (_, i) => {
    let s = 0;
    for (let j = 0; j < inputs; j++) s += x[i * inputs + j] * (j + 1);
    return Math.abs(Math.floor(s * 3)) % classes;
  });
  const y = new Float32Array(rows * classes);
  labels.forEach((c, i) => {
    y[i * classes + c] = 1;
  });
  return { x, y, labels };
}

interface Case {
  name: string;
  inputs: number;
  outputs: number;
  build: () => nn.Sequential;
}

const NATIVENN_CASES: Case[] = [
  {
    name: 'relu → dropout → leakyRelu (separate LeakyReLU layer in the file) → softmax, adam',
    inputs: 5,
    outputs: 3,
    build: () => {
      const m = nn.sequential({
        seed: 11,
        layers: [
          nn.layers.dense({ units: 8, activation: 'relu', inputShape: [5] }),
          nn.layers.dropout({ rate: 0.2 }),
          nn.layers.dense({ units: 6, activation: 'leakyRelu' }),
          nn.layers.dense({ units: 3, activation: 'softmax' }),
        ],
      });
      m.compile({
        optimizer: nn.optimizers.adam({ learningRate: 0.01 }),
        loss: 'categoricalCrossentropy',
        metrics: ['accuracy'],
      });
      return m;
    },
  },
  {
    name: 'tanh + L2 → elu → gelu → sigmoid, rmsprop, binary cross-entropy',
    inputs: 4,
    outputs: 1,
    build: () => {
      const m = nn.sequential({
        seed: 12,
        layers: [
          nn.layers.dense({
            units: 7,
            activation: 'tanh',
            inputShape: [4],
            kernelRegularizer: nn.regularizers.l2({ l2: 0.001 }),
          }),
          nn.layers.dense({ units: 6, activation: 'elu' }),
          nn.layers.dense({ units: 5, activation: 'gelu', useBias: false }),
          nn.layers.dense({ units: 1, activation: 'sigmoid' }),
        ],
      });
      m.compile({
        optimizer: nn.optimizers.rmsprop({ learningRate: 0.01 }),
        loss: 'binaryCrossentropy',
        metrics: ['accuracy'],
      });
      return m;
    },
  },
  {
    name: 'silu (tfjs swish) → Activation sigmoid → LeakyReLU(0.1) → ELU layer → linear, momentum, mse',
    inputs: 3,
    outputs: 2,
    build: () => {
      const m = nn.sequential({
        seed: 13,
        layers: [
          nn.layers.dense({ units: 6, activation: 'silu', inputShape: [3], kernelInitializer: 'heNormal' }),
          nn.layers.activation({ activation: 'sigmoid' }),
          nn.layers.dense({ units: 5 }),
          nn.layers.leakyRelu({ alpha: 0.1 }),
          nn.layers.elu(),
          nn.layers.dense({ units: 2 }),
        ],
      });
      m.compile({
        optimizer: nn.optimizers.momentum({ learningRate: 0.05, momentum: 0.9 }),
        loss: 'meanSquaredError',
        metrics: ['mae'],
      });
      return m;
    },
  },
];

function targetsFor(c: Case, rows: number, seed: number): { x: nn.Tensor; y: nn.Tensor } {
  const d = classData(rows, c.inputs, Math.max(2, c.outputs), seed);
  let y: Float32Array;
  if (c.outputs === 1) y = Float32Array.from(d.labels, (l) => l % 2);
  else if (c.name.includes('mse')) y = seededValues(rows * c.outputs, seed + 1);
  else y = d.y;
  return { x: nn.tensor2d(d.x, [rows, c.inputs]), y: nn.tensor2d(y, [rows, c.outputs]) };
}

describe('nativenn → TensorFlow.js', () => {
  for (const c of NATIVENN_CASES) {
    it(`tf.loadLayersModel reads a trained model and predicts the same: ${c.name}`, async () => {
      const model = c.build();
      const { x, y } = targetsFor(c, 48, 3);
      await model.fit(x, y, { epochs: 3, batchSize: 16, seed: 5, verbose: 0 });
      const dir = path.join(await tempDir(), 'model');
      await model.save(dir);
      expect((await fsp.readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']);

      const tfModel = await tfjsLoadFromDir(dir);
      const xt = seededValues(20 * c.inputs, 99);
      const ours = model.predict(nn.tensor2d(xt, [20, c.inputs])).data;
      const theirs = (tfModel.predict(tf.tensor2d(xt, [20, c.inputs])) as ReturnType<TF['tensor2d']>).dataSync();
      expect(maxAbsDiff(ours, theirs)).toBeLessThanOrEqual(PREDICT_TOLERANCE);
      // tfjs compiled it from trainingConfig and can train it further.
      expect(tfModel.optimizer).toBeTruthy();
      const h = await tfModel.fit(tf.tensor2d(x.data, [48, c.inputs]), tf.tensor2d(y.data, [48, c.outputs]), {
        epochs: 1,
        verbose: 0,
      });
      expect(Number.isFinite(h.history.loss[0] as number)).toBe(true);
    });
  }

  it("tfjs restores a nativenn checkpoint's optimizer state (iterations and Adam moments)", async () => {
    const c = NATIVENN_CASES[0];
    const model = c.build();
    const { x, y } = targetsFor(c, 48, 3);
    await model.fit(x, y, { epochs: 2, batchSize: 16, seed: 5, verbose: 0 });
    const dir = path.join(await tempDir(), 'ckpt');
    await model.save(dir, { includeOptimizer: true });
    const tfModel = await tfjsLoadFromDir(dir);
    expect(tfModel.optimizer.iterations).toBe(6);
    const tfOpt = await tfModel.optimizer.getWeights();
    const slots = model.optimizer?.plan.slots as Float32Array[][];
    expect(tfOpt[0].name).toBe('iter');
    expect(Array.from(tfOpt[1].tensor.dataSync())).toEqual(Array.from(slots[0][0]));
    expect(Array.from(tfOpt[tfOpt.length - 1].tensor.dataSync())).toEqual(Array.from(slots[slots.length - 1][1]));
  });
});

describe('what tfjs has no name for', () => {
  it('adamw is written as Adam for tfjs and read back as adamw by nativenn', async () => {
    const m = nn.sequential([
      nn.layers.dense({ units: 2, inputShape: [3], activation: 'relu' }),
      nn.layers.dense({ units: 1 }),
    ]);
    m.compile({ optimizer: nn.optimizers.adamw({ learningRate: 0.02, weightDecay: 0.05 }), loss: 'mse' });
    const dir = path.join(await tempDir(), 'adamw');
    await m.save(dir);
    const json = JSON.parse(await fsp.readFile(path.join(dir, 'model.json'), 'utf8'));
    expect(json.trainingConfig.optimizer_config.class_name).toBe('Adam');
    expect(json.trainingConfig.nativenn.optimizer_config).toEqual({
      class_name: 'AdamW',
      config: { learningRate: 0.02, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0.05 },
    });
    const tfModel = await tfjsLoadFromDir(dir);
    expect(tfModel.optimizer.getClassName()).toBe('Adam');
    const back = await nn.loadModel(dir);
    expect(back.optimizer?.getConfig()).toEqual(m.optimizer?.getConfig());
  });
});

function buildTfjs(kind: 'classifier' | 'regressor') {
  const m = tf.sequential();
  if (kind === 'classifier') {
    m.add(tf.layers.dense({ units: 10, activation: 'relu', inputShape: [6] }));
    m.add(tf.layers.dropout({ rate: 0.1 }));
    m.add(
      tf.layers.dense({
        units: 8,
        activation: 'tanh',
        kernelRegularizer: tf.regularizers.l1l2({ l1: 0.0005, l2: 0.001 }),
      }),
    );
    m.add(tf.layers.leakyReLU({ alpha: 0.2 }));
    m.add(tf.layers.dense({ units: 4, activation: 'softmax' }));
    m.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  } else {
    m.add(tf.layers.dense({ units: 9, activation: 'sigmoid', inputShape: [6] }));
    m.add(tf.layers.dense({ units: 7, activation: 'elu', useBias: false }));
    m.add(tf.layers.activation({ activation: 'relu' }));
    m.add(tf.layers.dense({ units: 2 }));
    m.compile({ optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError', metrics: ['mse'] });
  }
  return m;
}

describe('TensorFlow.js → nativenn', () => {
  for (const [kind, shardBytes] of [
    ['classifier', undefined],
    ['classifier', 64],
    ['regressor', undefined],
    ['regressor', 100],
  ] as const) {
    it(`nn.loadModel reads a tfjs-trained ${kind} (${shardBytes ? `${shardBytes}-byte shards` : 'weights.bin'}), predicts the same and trains on`, async () => {
      const m = buildTfjs(kind);
      const outputs = kind === 'classifier' ? 4 : 2;
      const d = classData(40, 6, 4, 21);
      const yData = kind === 'classifier' ? d.y : seededValues(40 * 2, 22);
      const xs = tf.tensor2d(d.x, [40, 6]);
      const ys = tf.tensor2d(yData, [40, outputs]);
      await m.fit(xs, ys, { epochs: 3, batchSize: 10, verbose: 0 });
      const dir = path.join(await tempDir(), 'tfjs-model');
      await tfjsSaveToDir(m, dir, { shardBytes, includeOptimizer: true });
      if (shardBytes) expect((await fsp.readdir(dir)).filter((f) => f.endsWith('.bin')).length).toBeGreaterThan(1);

      const model = await nn.loadModel(dir);
      const xt = seededValues(25 * 6, 77);
      const ours = model.predict(nn.tensor2d(xt, [25, 6])).data;
      const theirs = (m.predict(tf.tensor2d(xt, [25, 6])) as ReturnType<TF['tensor2d']>).dataSync();
      expect(maxAbsDiff(ours, theirs)).toBeLessThanOrEqual(PREDICT_TOLERANCE);
      expect(model.optimizer?.iterations).toBe(12);

      // One more full-batch epoch on both sides from the same state (weights, optimizer moments,
      // iteration count): the weights stay together. Tolerance: one float32 update, different
      // summation orders (~1e-7 relative), amplified by Adam's 1/√v for tiny v.
      const x = nn.tensor2d(d.x, [40, 6]);
      const y = nn.tensor2d(yData, [40, outputs]);
      const before = model.getWeights().map((w) => w.data.slice());
      const h = await model.fit(x, y, { epochs: 1, batchSize: 40, shuffle: false, verbose: 0 });
      expect(Number.isFinite(h.history.loss[0])).toBe(true);
      if (kind === 'regressor') {
        // no dropout: the same update on both sides
        await m.fit(xs, ys, { epochs: 1, batchSize: 40, shuffle: false, verbose: 0 });
        const tfw = m.getWeights();
        model.getWeights().forEach((w, i) => {
          expect(maxAbsDiff(w.data, tfw[i].dataSync())).toBeLessThan(1e-5);
        });
      }
      expect(model.getWeights().some((w, i) => maxAbsDiff(w.data, before[i]) > 0)).toBe(true);
      expect(model.optimizer?.iterations).toBe(13);
    });
  }

  it('a tfjs model with an explicit InputLayer loads (no optimizer state, not compiled)', async () => {
    const m = tf.sequential({
      layers: [tf.layers.inputLayer({ inputShape: [4] }), tf.layers.dense({ units: 3, activation: 'gelu' })],
    });
    const dir = path.join(await tempDir(), 'input-layer');
    await tfjsSaveToDir(m, dir);
    const model = await nn.loadModel(dir);
    expect(model.compileConfig).toBeNull();
    expect(model.layers.length).toBe(1);
    const xt = seededValues(12, 5);
    const theirs = (m.predict(tf.tensor2d(xt, [3, 4])) as ReturnType<TF['tensor2d']>).dataSync();
    expect(maxAbsDiff(model.predict(nn.tensor2d(xt, [3, 4])).data, theirs)).toBeLessThanOrEqual(PREDICT_TOLERANCE);
  });

  it('hardSigmoid both ways (tfjs writes it as hard_sigmoid)', async () => {
    const m = tf.sequential({
      layers: [
        tf.layers.dense({ units: 4, activation: 'hardSigmoid', inputShape: [3] }),
        tf.layers.dense({ units: 2 }),
      ],
    });
    const dir = path.join(await tempDir(), 'hard-sigmoid');
    await tfjsSaveToDir(m, dir);
    expect(await fsp.readFile(path.join(dir, 'model.json'), 'utf8')).toContain('"hard_sigmoid"');
    const model = await nn.loadModel(dir);
    const xt = seededValues(30, 6).map((v) => v * 8); // past the clamps at ±2.5
    const theirs = (m.predict(tf.tensor2d(xt, [10, 3])) as ReturnType<TF['tensor2d']>).dataSync();
    expect(maxAbsDiff(model.predict(nn.tensor2d(xt, [10, 3])).data, theirs)).toBeLessThanOrEqual(PREDICT_TOLERANCE);
    const back = path.join(await tempDir(), 'hard-sigmoid-back');
    await model.save(back);
    expect(await fsp.readFile(path.join(back, 'model.json'), 'utf8')).toContain('"hard_sigmoid"');
    const again = (await tfjsLoadFromDir(back)).predict(tf.tensor2d(xt, [10, 3])) as ReturnType<TF['tensor2d']>;
    expect(maxAbsDiff(again.dataSync(), theirs)).toBeLessThanOrEqual(PREDICT_TOLERANCE);
  });

  it('an Adam state loaded from tfjs continues exactly like tfjs (no dropout)', async () => {
    const m = tf.sequential();
    m.add(tf.layers.dense({ units: 5, activation: 'tanh', inputShape: [6] }));
    m.add(tf.layers.dense({ units: 3, activation: 'softmax' }));
    m.compile({ optimizer: tf.train.adam(0.02), loss: 'categoricalCrossentropy' });
    const d = classData(30, 6, 3, 31);
    const xs = tf.tensor2d(d.x, [30, 6]);
    const ys = tf.tensor2d(d.y, [30, 3]);
    await m.fit(xs, ys, { epochs: 4, batchSize: 30, shuffle: false, verbose: 0 });
    const dir = path.join(await tempDir(), 'adam');
    await tfjsSaveToDir(m, dir, { includeOptimizer: true });
    const model = await nn.loadModel(dir);
    await m.fit(xs, ys, { epochs: 3, batchSize: 30, shuffle: false, verbose: 0 });
    await model.fit(nn.tensor2d(d.x, [30, 6]), nn.tensor2d(d.y, [30, 3]), {
      epochs: 3,
      batchSize: 30,
      shuffle: false,
      verbose: 0,
    });
    const tfw = m.getWeights();
    // 3 Adam steps of lr 0.02 from identical state; float32 rounding differences only
    model.getWeights().forEach((w, i) => {
      expect(maxAbsDiff(w.data, tfw[i].dataSync())).toBeLessThan(1e-5);
    });
  });
});
