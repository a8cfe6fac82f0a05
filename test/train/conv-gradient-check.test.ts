/**
 * Convolution, pooling, flatten and reshape in whole networks (issue 10): executor.gradients
 * against central differences of evaluate's loss, through the public model API, on every backend
 * (so the native tape executor and the js one on the TS twins are each checked against the math),
 * plus training on both executors to the same weights.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { addon } from '../../src/backend/native/addon';
import { Random } from '../../src/util/random';
import { allBackends, maxRelErr, nativeBackend } from '../support/backends';
import { centralDifferences } from '../support/central-differences';

const initial = nn.getBackend().name;
afterAll(() => nn.setBackend(initial));

const init = () => ({
  kernelInitializer: nn.initializers.randomNormal({ stddev: 0.5, seed: 3 }),
  biasInitializer: nn.initializers.randomUniform({ minval: -0.2, maxval: 0.2, seed: 4 }),
});

interface Case {
  name: string;
  input: number[];
  loss: string;
  outputs: number;
  /** piecewise-linear parts (relu, max): a smaller step, a few entries may straddle a kink */
  kinks: boolean;
  /** native: Winograd forced on wherever it can run (the addon's _convWinograd(2), or 3: F(4×4)) */
  winograd?: 2 | 3;
  layers: () => nn.layers.Layer[];
}

const CASES: Case[] = [
  {
    name: "conv 3×3 'same' relu → maxPool 2 → flatten → dense softmax",
    input: [6, 6, 2],
    loss: 'categoricalCrossentropy',
    outputs: 3,
    kinks: true,
    layers: () => [
      nn.layers.conv2d({
        filters: 3,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        inputShape: [6, 6, 2],
        ...init(),
      }),
      nn.layers.maxPooling2d({ poolSize: 2 }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 3, activation: 'softmax', ...init() }),
    ],
  },
  {
    name: "conv 2×3 stride 2 'valid' tanh → avgPool 'same' stride 1 → flatten → dense linear (mse)",
    input: [7, 8, 1],
    loss: 'meanSquaredError',
    outputs: 2,
    kinks: false,
    layers: () => [
      nn.layers.conv2d({
        filters: 2,
        kernelSize: [2, 3],
        strides: 2,
        activation: 'tanh',
        inputShape: [7, 8, 1],
        ...init(),
      }),
      nn.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 2, ...init() }),
    ],
  },
  {
    name: "dilated conv, no bias, L2 → 'same' stride 2 conv → global average pool → dense sigmoid (bce)",
    input: [7, 7, 2],
    loss: 'binaryCrossentropy',
    outputs: 2,
    kinks: false,
    layers: () => [
      nn.layers.conv2d({
        filters: 3,
        kernelSize: 3,
        dilationRate: 2,
        useBias: false,
        activation: 'sigmoid',
        kernelRegularizer: nn.regularizers.l2({ l2: 0.01 }),
        inputShape: [7, 7, 2],
        ...init(),
      }),
      nn.layers.conv2d({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', activation: 'elu', ...init() }),
      nn.layers.globalAveragePooling2d(),
      nn.layers.dense({ units: 2, activation: 'sigmoid', ...init() }),
    ],
  },
  {
    name: "kernel 5 over a 3×3 image ('same') → global max pool → dense softmax (sparse)",
    input: [3, 3, 2],
    loss: 'sparseCategoricalCrossentropy',
    outputs: 3,
    kinks: true,
    layers: () => [
      nn.layers.conv2d({
        filters: 4,
        kernelSize: 5,
        padding: 'same',
        activation: 'linear',
        inputShape: [3, 3, 2],
        ...init(),
      }),
      nn.layers.globalMaxPooling2d(),
      nn.layers.dense({ units: 3, activation: 'softmax', ...init() }),
    ],
  },
  {
    name: "reshape x [12] → [3, 4] → conv1d k3 'same' tanh → conv1d k2 stride 2 → flatten → dense",
    input: [12],
    loss: 'meanSquaredError',
    outputs: 2,
    kinks: false,
    layers: () => [
      nn.layers.reshape({ targetShape: [3, 4], inputShape: [12] }),
      nn.layers.conv1d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh', ...init() }),
      nn.layers.conv1d({ filters: 2, kernelSize: 2, strides: 2, activation: 'sigmoid', ...init() }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 2, ...init() }),
    ],
  },
  {
    name: '1×1 conv → dropout → reshape → maxPool 3 stride 2 → flatten → dense softmax',
    input: [5, 5, 3],
    loss: 'categoricalCrossentropy',
    outputs: 3,
    kinks: true,
    layers: () => [
      nn.layers.conv2d({ filters: 2, kernelSize: 1, activation: 'tanh', inputShape: [5, 5, 3], ...init() }),
      nn.layers.dropout({ rate: 0.3, seed: 9 }),
      nn.layers.reshape({ targetShape: [5, 5, -1] }),
      nn.layers.maxPooling2d({ poolSize: 3, strides: 2 }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 3, activation: 'softmax', ...init() }),
    ],
  },
  {
    name: 'zeroPadding2d [[1, 2], [0, 1]] → conv 3×3 valid → zeroPadding2d 1 → avgPool 2 → flatten → dense',
    input: [4, 3, 2],
    loss: 'meanSquaredError',
    outputs: 2,
    kinks: false,
    layers: () => [
      nn.layers.zeroPadding2d({
        padding: [
          [1, 2],
          [0, 1],
        ],
        inputShape: [4, 3, 2],
      }),
      nn.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'tanh', ...init() }),
      nn.layers.zeroPadding2d(),
      nn.layers.averagePooling2d({ poolSize: 2 }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 2, ...init() }),
    ],
  },
  // Both convs take Winograd on the native backend (forced: their channels are under the threshold
  // of conv-winograd.ts, which would make a finite-difference check slow): the forwards, the
  // backward-data of the second, and the filter gradients after a forward that wrote no im2col
  // columns (the tape's columnsReady).
  winogradCase(2, 'valid'),
  // F(4×4) where its tiles fit (_convWinograd(3)): with the second conv 'same', in every direction
  winogradCase(3, 'same'),
];

const ROWS = 5;

function winogradCase(mode: 2 | 3, secondPadding: 'valid' | 'same'): Case {
  return {
    name: `Winograd${mode === 3 ? ' F(4×4)' : ''}: conv 3×3 'same' 9 filters tanh → conv 3×3 ${secondPadding === 'same' ? "'same'" : 'valid'} 8 filters tanh → flatten → dense`,
    input: [8, 7, 8],
    loss: 'meanSquaredError',
    outputs: 2,
    kinks: false,
    winograd: mode,
    layers: () => [
      nn.layers.conv2d({
        filters: 9,
        kernelSize: 3,
        padding: 'same',
        activation: 'tanh',
        inputShape: [8, 7, 8],
        ...init(),
      }),
      nn.layers.conv2d({ filters: 8, kernelSize: 3, padding: secondPadding, activation: 'tanh', ...init() }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 2, ...init() }),
    ],
  };
}

function data(c: Case, seed: number) {
  const rng = new Random(seed);
  const size = c.input.reduce((a, b) => a * b, 1);
  const x = nn.tensor(
    Float32Array.from({ length: ROWS * size }, () => rng.uniform(-1, 1)),
    [ROWS, ...c.input],
  );
  const labels = Int32Array.from({ length: ROWS }, () => rng.int(c.outputs));
  if (c.loss === 'sparseCategoricalCrossentropy') return { x, y: Float32Array.from(labels) };
  if (c.loss === 'categoricalCrossentropy') return { x, y: nn.data.oneHot(labels, c.outputs).data };
  const y = Float32Array.from({ length: ROWS * c.outputs }, () =>
    c.loss === 'binaryCrossentropy' ? rng.int(2) : rng.uniform(-1, 1),
  );
  return { x, y };
}

function model(c: Case, optimizer = 'sgd') {
  const m = nn.sequential({ seed: 11, layers: c.layers() });
  m.compile({ optimizer, loss: c.loss });
  return m;
}

/** Runs body with Winograd forced on when the case asks for it (native only; restored after). */
async function withWinograd<T>(c: Case, body: () => T | Promise<T>): Promise<T> {
  const saved = addon?._convWinograd?.();
  if (c.winograd && saved !== undefined) addon!._convWinograd(c.winograd);
  try {
    return await body();
  } finally {
    if (saved !== undefined) addon!._convWinograd(saved);
  }
}

describe.each(allBackends.map((b) => [b.name] as const))('convolutional networks: gradients (%s)', (backend) => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => withWinograd(c, () => gradientCheck(backend, c)));
});

function gradientCheck(backend: string, c: Case): void {
  {
    nn.setBackend(backend);
    const m = model(c);
    const { x, y } = data(c, 5);
    const exec = m.executor();
    const params = m.layers.flatMap((l) => l.weights());
    const grads = params.map((p) => new Float32Array(p.length));
    const loss = exec.gradients(x.data, y, ROWS, 0, grads);
    // Dropout masks differ between a training step and evaluate; the dropout case compares
    // against a model whose dropout is off, below.
    const hasDropout = m.layers.some((l) => l.className === 'Dropout');
    if (!hasDropout) expect(loss).toBeCloseTo(exec.evaluate(x.data, y, ROWS)[0], 5);
    const h = c.kinks ? 1e-3 : 1e-2;
    // With dropout, differences of the training loss: gradients() at the same step draws the same
    // mask, so the loss it returns is the function being differentiated.
    const lossAt = () =>
      hasDropout
        ? exec.gradients(
            x.data,
            y,
            ROWS,
            0,
            params.map((p) => new Float32Array(p.length)),
          )
        : exec.evaluate(x.data, y, ROWS)[0];
    const { checked, off } = centralDifferences(params, grads, lossAt, h, 2e-3, 2e-2);
    expect(checked).toBeGreaterThan(20);
    expect(off).toBeLessThanOrEqual(Math.floor(checked * 0.03));
  }
}

describe.skipIf(!nativeBackend)('convolutional networks: the native and js executors train alike', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const run = async (backend: 'js' | 'native') => {
      nn.setBackend(backend);
      const m = model(c, 'adam');
      const { x, y } = data(c, 6);
      const ys = c.loss === 'sparseCategoricalCrossentropy' ? y : nn.tensor(y, [ROWS, c.outputs]);
      const h = await m.fit(x, ys, { epochs: 4, batchSize: 2, verbose: 0, seed: 2 });
      return { h, weights: m.getWeights(), predict: m.predict(x) };
    };
    const js = await run('js');
    const native = await withWinograd(c, () => run('native'));
    js.weights.forEach((w, i) => {
      expect(w.shape).toEqual(native.weights[i].shape);
      expect(maxRelErr(native.weights[i].data, w.data, 1e-4, 1e-3)).toBeLessThanOrEqual(1);
    });
    expect(native.predict.shape).toEqual(js.predict.shape);
    expect(maxRelErr(native.predict.data, js.predict.data, 1e-4, 1e-3)).toBeLessThanOrEqual(1);
    expect(maxRelErr(native.h.history.loss, js.h.history.loss, 1e-4, 1e-3)).toBeLessThanOrEqual(1);
  });
});
