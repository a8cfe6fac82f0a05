/**
 * The image layers in model files, proved against @tensorflow/tfjs 4.22 (issue 10 item 5): CNNs
 * built and trained in tfjs load in nativenn and predict the same (≤ 1e-4), with their optimizer
 * state; CNNs trained in nativenn load in tfjs and predict the same, and tfjs trains them on.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { maxAbsDiff, seededValues, tempDir, tfjsLoadFromDir, tfjsSaveToDir, tfReady } from './tfjs-files';

type TF = Awaited<ReturnType<typeof tfReady>>;
type TfTensor = ReturnType<TF['tensor']>;
let tf: TF;
beforeAll(async () => {
  tf = await tfReady();
});

/** Issue 10's bound: same float32 weights, different summation orders. */
const PREDICT_TOLERANCE = 1e-4;

interface TfCase {
  name: string;
  inputShape: number[];
  outputs: number;
  build: (t: TF) => ReturnType<TF['sequential']>;
  /** tfjs 4.22 cannot train a dilated convolution ("dilation rates greater than 1 are not yet
   *  supported in gradients"), nor a batch normalization without beta or gamma (its training
   *  branch reads both): its weights are set to seeded values instead (variances positive). */
  dilated?: boolean;
  /** tfjs's cpu AvgPoolGrad divides by the whole window even where it overlaps 'same' padding
   *  (its forward pass, like TensorFlow's and nativenn's, divides by the real cells): its
   *  gradients differ at the edges, so training on is not compared. */
  avgPoolSame?: boolean;
}

/** tfjs models covering every image layer class and the arguments that change the geometry. */
const TFJS_CASES: TfCase[] = [
  {
    name: 'conv valid relu → maxPool → conv same stride 2 → LeakyReLU layer → avgPool same → flatten → dense softmax, adam',
    inputShape: [10, 9, 2],
    outputs: 4,
    build: (t) => {
      const m = t.sequential();
      m.add(t.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [10, 9, 2] }));
      m.add(t.layers.maxPooling2d({ poolSize: 2 }));
      m.add(t.layers.conv2d({ filters: 5, kernelSize: [2, 3], strides: 2, padding: 'same' }));
      m.add(t.layers.leakyReLU({ alpha: 0.2 }));
      m.add(t.layers.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same' }));
      m.add(t.layers.flatten());
      m.add(t.layers.dense({ units: 4, activation: 'softmax' }));
      m.compile({ optimizer: t.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      return m;
    },
    avgPoolSame: true,
  },
  {
    name: 'conv valid → LeakyReLU layer → zeroPadding2d → conv same stride 2 relu → avgPool valid → flatten → dense, adam (trained on)',
    inputShape: [9, 10, 2],
    outputs: 3,
    build: (t) => {
      const m = t.sequential();
      m.add(t.layers.conv2d({ filters: 3, kernelSize: [3, 2], inputShape: [9, 10, 2] }));
      m.add(t.layers.leakyReLU({ alpha: 0.1 }));
      m.add(
        t.layers.zeroPadding2d({
          padding: [
            [1, 0],
            [2, 1],
          ],
        }),
      );
      m.add(t.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }));
      m.add(t.layers.averagePooling2d({ poolSize: 2 }));
      m.add(t.layers.flatten());
      m.add(t.layers.dense({ units: 3, activation: 'softmax' }));
      m.compile({ optimizer: t.train.adam(0.01), loss: 'categoricalCrossentropy' });
      return m;
    },
  },
  {
    name: 'conv → BatchNormalization → relu layer → maxPool → flatten → BatchNormalization (epsilon 0.01) → dense, adam (trained on)',
    inputShape: [8, 7, 2],
    outputs: 3,
    build: (t) => {
      const m = t.sequential();
      // no bias before a batch normalization: its gradient is zero up to rounding, which Adam
      // would scale up to full steps of either sign
      m.add(t.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, inputShape: [8, 7, 2] }));
      m.add(t.layers.batchNormalization({ momentum: 0.9 }));
      m.add(t.layers.activation({ activation: 'relu' }));
      m.add(t.layers.maxPooling2d({ poolSize: 2 }));
      m.add(t.layers.flatten());
      m.add(t.layers.batchNormalization({ epsilon: 0.01 }));
      m.add(t.layers.dense({ units: 3, activation: 'softmax' }));
      m.compile({ optimizer: t.train.adam(0.01), loss: 'categoricalCrossentropy' });
      return m;
    },
  },
  {
    name: 'conv dilation 2 same tanh + L2 → maxPool same strides [1, 2] → globalAveragePooling → dense, rmsprop',
    inputShape: [8, 8, 3],
    outputs: 2,
    build: (t) => {
      const m = t.sequential();
      m.add(
        t.layers.conv2d({
          filters: 3,
          kernelSize: 3,
          dilationRate: 2,
          padding: 'same',
          activation: 'tanh',
          kernelRegularizer: t.regularizers.l2({ l2: 0.001 }),
          inputShape: [8, 8, 3],
        }),
      );
      m.add(t.layers.maxPooling2d({ poolSize: [3, 2], strides: [1, 2], padding: 'same' }));
      m.add(t.layers.globalAveragePooling2d({}));
      m.add(t.layers.dense({ units: 2 }));
      m.compile({ optimizer: t.train.rmsprop(0.01), loss: 'meanSquaredError' });
      return m;
    },
    dilated: true,
  },
  {
    name: 'conv1d same stride 2 → conv1d dilation 2 elu, no bias → BatchNormalization without beta → flatten → dense sigmoid, sgd',
    inputShape: [12, 3],
    outputs: 1,
    build: (t) => {
      const m = t.sequential();
      m.add(t.layers.conv1d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', inputShape: [12, 3] }));
      m.add(t.layers.conv1d({ filters: 2, kernelSize: 2, dilationRate: 2, activation: 'elu', useBias: false }));
      m.add(t.layers.batchNormalization({ center: false, momentum: 0.5 }));
      m.add(t.layers.flatten());
      m.add(t.layers.dense({ units: 1, activation: 'sigmoid' }));
      m.compile({ optimizer: t.train.sgd(0.1), loss: 'binaryCrossentropy' });
      return m;
    },
    dilated: true,
  },
  {
    name: 'conv1d valid tanh → conv1d same stride 2 → flatten → dense, sgd (trained on)',
    inputShape: [11, 2],
    outputs: 2,
    build: (t) => {
      const m = t.sequential();
      m.add(t.layers.conv1d({ filters: 3, kernelSize: 3, activation: 'tanh', inputShape: [11, 2] }));
      m.add(t.layers.conv1d({ filters: 4, kernelSize: 2, strides: 2, padding: 'same' }));
      m.add(t.layers.flatten());
      m.add(t.layers.dense({ units: 2 }));
      m.compile({ optimizer: t.train.sgd(0.1), loss: 'meanSquaredError' });
      return m;
    },
  },
  {
    name: 'reshape flat → image → conv 1×1 tanh → avgPool valid strides [2, 1] → globalMaxPooling → dense, momentum',
    inputShape: [48],
    outputs: 3,
    build: (t) => {
      const m = t.sequential();
      m.add(t.layers.reshape({ targetShape: [4, 4, 3], inputShape: [48] }));
      // not relu: its zeros make ties for the global max between overlapping windows, and tfjs
      // sends the gradient to every tied maximum where nativenn (like tf.nn.max_pool) sends it to one
      m.add(t.layers.conv2d({ filters: 5, kernelSize: 1, activation: 'tanh', kernelInitializer: 'heNormal' }));
      m.add(t.layers.averagePooling2d({ poolSize: 2, strides: [2, 1] }));
      m.add(t.layers.globalMaxPooling2d({}));
      m.add(t.layers.dense({ units: 3, activation: 'softmax' }));
      m.compile({ optimizer: t.train.momentum(0.05, 0.9), loss: 'categoricalCrossentropy' });
      return m;
    },
  },
];

/** One-hot (or 0/1, or regression) targets for `rows` samples. */
function targets(rows: number, outputs: number, seed: number, regression: boolean): Float32Array {
  if (regression) return seededValues(rows * outputs, seed);
  const raw = seededValues(rows, seed);
  if (outputs === 1) return Float32Array.from(raw, (v) => (v > 0 ? 1 : 0));
  const y = new Float32Array(rows * outputs);
  raw.forEach((v, i) => {
    y[i * outputs + Math.min(outputs - 1, Math.floor((v + 1) * 0.5 * outputs))] = 1;
  });
  return y;
}

function predictBoth(model: nn.Sequential, tfModel: ReturnType<TF['sequential']>, inputShape: number[], rows: number) {
  const x = seededValues(rows * inputShape.reduce((a, b) => a * b, 1), 91);
  const ours = model.predict(new nn.Tensor(x, [rows, ...inputShape]));
  const theirs = tfModel.predict(tf.tensor(x, [rows, ...inputShape])) as TfTensor;
  expect(ours.shape).toEqual(theirs.shape);
  return { ours: ours.data, theirs: theirs.dataSync() };
}

describe('TensorFlow.js → nativenn (CNNs)', () => {
  for (const c of TFJS_CASES) {
    it(`loads a tfjs-trained model with its optimizer state and predicts the same: ${c.name}`, async () => {
      const m = c.build(tf);
      const rows = 24;
      const x = seededValues(rows * c.inputShape.reduce((a, b) => a * b, 1), 5);
      const y = targets(rows, c.outputs, 6, c.name.includes('mse') || c.name.includes('sgd (trained'));
      if (c.dilated) {
        m.setWeights(
          m.weights.map((w, i) => {
            const v = seededValues(
              w.shape.reduce((a, b) => a * b, 1),
              40 + i,
            );
            return tf.tensor(w.name.includes('moving_variance') ? v.map((x) => 0.5 + Math.abs(x)) : v, w.shape);
          }),
        );
      } else {
        await m.fit(tf.tensor(x, [rows, ...c.inputShape]), tf.tensor2d(y, [rows, c.outputs]), {
          epochs: 2,
          batchSize: 8,
          verbose: 0,
        });
      }
      const dir = path.join(await tempDir(), 'tfjs-cnn');
      await tfjsSaveToDir(m, dir, { includeOptimizer: true });

      const model = await nn.loadModel(dir);
      expect(model.inputShape).toEqual(c.inputShape);
      const tfClasses = m.layers.map((l) => l.getClassName());
      expect(model.layers.map((l) => l.className)).toEqual(tfClasses);
      expect(model.optimizer?.iterations).toBe(c.dilated ? 0 : 6);
      const { ours, theirs } = predictBoth(model, m, c.inputShape, 7);
      expect(maxAbsDiff(ours, theirs)).toBeLessThanOrEqual(PREDICT_TOLERANCE);
      if (c.dilated || c.avgPoolSame) return;

      // The restored optimizer state carries on like tfjs's: one more full-batch step on both sides.
      await m.fit(tf.tensor(x, [rows, ...c.inputShape]), tf.tensor2d(y, [rows, c.outputs]), {
        epochs: 1,
        batchSize: rows,
        shuffle: false,
        verbose: 0,
      });
      await model.fit(new nn.Tensor(x, [rows, ...c.inputShape]), new nn.Tensor(y, [rows, c.outputs]), {
        epochs: 1,
        batchSize: rows,
        shuffle: false,
        verbose: 0,
      });
      // Tolerance: one update from the same state; float32 summation orders differ (~1e-7
      // relative) and Adam's 1/√v amplifies them where v is small.
      const tfw = m.getWeights();
      model.getWeights().forEach((w, i) => {
        expect(maxAbsDiff(w.data, tfw[i].dataSync()), `weight ${i}`).toBeLessThan(1e-4);
      });
    });
  }
});

interface NnCase {
  name: string;
  inputShape: number[];
  outputs: number;
  build: () => nn.Sequential;
  /** tfjs cannot train dilated convolutions, nor batch normalization without beta or gamma: it
   *  only predicts */
  dilated?: boolean;
}

const NATIVENN_CASES: NnCase[] = [
  {
    name: 'conv same leakyRelu (a LeakyReLU layer in the file) → maxPool → zeroPadding2d → conv valid stride 2 → avgPool same → flatten → dropout → dense softmax, adam',
    inputShape: [11, 10, 2],
    outputs: 3,
    build: () => {
      const m = nn.sequential({
        seed: 21,
        layers: [
          nn.layers.conv2d({
            filters: 4,
            kernelSize: 3,
            padding: 'same',
            activation: 'leakyRelu',
            inputShape: [11, 10, 2],
          }),
          nn.layers.maxPooling2d({ poolSize: 2 }),
          nn.layers.zeroPadding2d({ padding: [1, 2] }),
          nn.layers.conv2d({ filters: 3, kernelSize: [3, 2], strides: 2, activation: 'relu' }),
          nn.layers.averagePooling2d({ poolSize: [2, 3], strides: 1, padding: 'same' }),
          nn.layers.flatten(),
          nn.layers.dropout({ rate: 0.1 }),
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
    name: 'conv → BatchNormalization (momentum 0.8, no scale) → avgPool → BatchNormalization → flatten → dense, sgd',
    inputShape: [6, 6, 3],
    outputs: 2,
    build: () => {
      const m = nn.sequential({
        seed: 24,
        layers: [
          nn.layers.conv2d({ filters: 3, kernelSize: 3, inputShape: [6, 6, 3] }),
          nn.layers.batchNormalization({ momentum: 0.8, scale: false }),
          nn.layers.averagePooling2d({ poolSize: 2 }),
          nn.layers.batchNormalization({ epsilon: 0.01 }),
          nn.layers.flatten(),
          nn.layers.dense({ units: 2 }),
        ],
      });
      m.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.05 }), loss: 'meanSquaredError' });
      return m;
    },
    dilated: true,
  },
  {
    name: 'conv dilation [2, 1] gelu, no bias, L2 → globalMaxPooling → dense, rmsprop, mse',
    inputShape: [7, 6, 3],
    outputs: 2,
    build: () => {
      const m = nn.sequential({
        seed: 22,
        layers: [
          nn.layers.conv2d({
            filters: 5,
            kernelSize: 3,
            dilationRate: [2, 1],
            activation: 'gelu',
            useBias: false,
            kernelRegularizer: nn.regularizers.l2({ l2: 0.001 }),
            inputShape: [7, 6, 3],
          }),
          nn.layers.globalMaxPooling2d(),
          nn.layers.dense({ units: 2 }),
        ],
      });
      m.compile({ optimizer: nn.optimizers.rmsprop({ learningRate: 0.01 }), loss: 'meanSquaredError' });
      return m;
    },
    dilated: true,
  },
  {
    name: 'dense → reshape → conv1d same stride 2 → an ELU layer → conv1d silu → globalAverage over a reshape → dense sigmoid, momentum',
    inputShape: [6],
    outputs: 1,
    build: () => {
      const m = nn.sequential({
        seed: 23,
        layers: [
          nn.layers.dense({ units: 30, inputShape: [6] }),
          nn.layers.reshape({ targetShape: [10, 3] }),
          nn.layers.conv1d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }),
          nn.layers.elu(),
          nn.layers.conv1d({ filters: 4, kernelSize: 3, activation: 'silu' }),
          nn.layers.reshape({ targetShape: [3, 2, 2] }),
          nn.layers.globalAveragePooling2d(),
          nn.layers.dense({ units: 1, activation: 'sigmoid' }),
        ],
      });
      m.compile({
        optimizer: nn.optimizers.momentum({ learningRate: 0.05, momentum: 0.9 }),
        loss: 'binaryCrossentropy',
        metrics: ['accuracy'],
      });
      return m;
    },
  },
];

describe('nativenn → TensorFlow.js (CNNs)', () => {
  for (const c of NATIVENN_CASES) {
    it(`tf.loadLayersModel reads a nativenn-trained model, predicts the same and trains on: ${c.name}`, async () => {
      const model = c.build();
      const rows = 20;
      const x = seededValues(rows * c.inputShape.reduce((a, b) => a * b, 1), 7);
      const y = targets(rows, c.outputs, 8, c.name.includes('mse'));
      await model.fit(new nn.Tensor(x, [rows, ...c.inputShape]), new nn.Tensor(y, [rows, c.outputs]), {
        epochs: 2,
        batchSize: 10,
        seed: 3,
        verbose: 0,
      });
      const dir = path.join(await tempDir(), 'nn-cnn');
      await model.save(dir, { includeOptimizer: true });
      expect((await fsp.readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']);

      const tfModel = await tfjsLoadFromDir(dir);
      const { ours, theirs } = predictBoth(model, tfModel, c.inputShape, 6);
      expect(maxAbsDiff(ours, theirs)).toBeLessThanOrEqual(PREDICT_TOLERANCE);
      // tfjs restored the optimizer: iterations and the first and last slot
      expect(tfModel.optimizer.iterations).toBe(4);
      const tfOpt = await tfModel.optimizer.getWeights();
      const slots = model.optimizer?.plan.slots as Float32Array[][];
      expect(tfOpt.length).toBe(1 + slots.reduce((n, p) => n + p.length, 0));
      if (slots[0].length > 0) {
        expect(Array.from(tfOpt[1].tensor.dataSync())).toEqual(Array.from(slots[0][0]));
        const lastSlot = slots[slots.length - 1];
        expect(Array.from(tfOpt[tfOpt.length - 1].tensor.dataSync())).toEqual(
          Array.from(lastSlot[lastSlot.length - 1]),
        );
      }
      if (!c.dilated) {
        const h = await tfModel.fit(tf.tensor(x, [rows, ...c.inputShape]), tf.tensor2d(y, [rows, c.outputs]), {
          epochs: 1,
          verbose: 0,
        });
        expect(Number.isFinite(h.history.loss[0] as number)).toBe(true);
      }
      // and nativenn reads its own file back to the same predictions
      const back = await nn.loadModel(dir);
      const xt = seededValues(3 * model.inputSize, 4);
      const again = back.predict(new nn.Tensor(xt, [3, ...c.inputShape])).data;
      expect(Array.from(again)).toEqual(Array.from(model.predict(new nn.Tensor(xt, [3, ...c.inputShape])).data));
    });
  }
});
