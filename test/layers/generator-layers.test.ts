/**
 * The generator layers (issue 12 item 3): upSampling2d, conv2dTranspose and gaussianNoise against
 * @tensorflow/tfjs (cpu) with the same weights — forward outputs over many shapes, one SGD step of a
 * small generator — on every backend, whole-network gradients against central differences, the
 * training-only noise, and argument errors.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { Random } from '../../src/util/random';
import { tfReady } from '../io/tfjs-files';
import { allBackends, maxRelErr } from '../support/backends';
import { centralDifferences } from '../support/central-differences';

const initial = nn.getBackend().name;
afterAll(() => nn.setBackend(initial));
beforeAll(async () => {
  await tfReady();
});

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const uniform = (n: number, seed: number, lo = -1, hi = 1) => {
  const rng = new Random(seed);
  return Float32Array.from({ length: n }, () => rng.uniform(lo, hi));
};

/** One nativenn layer and its tfjs twin with the same weights; predictions on the same rows. */
function forwardBoth(ours: nn.layers.Layer, theirs: tf.layers.Layer, input: number[], rows: number, seed: number) {
  const m = nn.sequential({ seed, layers: [ours] });
  const t = tf.sequential({ layers: [theirs] });
  t.build([null, ...input]);
  // Weights away from the initializers' ranges (bias too).
  const rng = new Random(seed + 1);
  const weights = m.getWeights().map((w) =>
    nn.tensor(
      Float32Array.from(w.data, () => rng.uniform(-1, 1)),
      w.shape,
    ),
  );
  m.setWeights(weights);
  expect(t.getWeights().map((w) => w.shape)).toEqual(weights.map((w) => w.shape));
  t.setWeights(weights.map((w) => tf.tensor(w.data, w.shape)));
  const x = uniform(rows * size(input), seed + 2);
  const p = m.predict(nn.tensor(x, [rows, ...input]));
  const q = t.predict(tf.tensor(x, [rows, ...input])) as tf.Tensor;
  expect(p.shape).toEqual(q.shape);
  expect(m.outputShape).toEqual(q.shape.slice(1));
  return { ours: p.data, theirs: q.dataSync() as Float32Array };
}

interface UpCase {
  input: number[];
  size: number | [number, number];
}
const UP_CASES: UpCase[] = [
  { input: [1, 1, 1], size: 2 },
  { input: [2, 3, 1], size: [2, 2] },
  { input: [3, 2, 4], size: [3, 1] },
  { input: [4, 5, 2], size: [1, 4] },
  { input: [5, 3, 3], size: 3 },
  { input: [7, 6, 1], size: [2, 5] },
  { input: [1, 7, 2], size: [4, 3] },
  { input: [6, 1, 5], size: [5, 2] },
  { input: [8, 8, 3], size: 2 },
];

interface TransposeCase {
  input: number[];
  filters: number;
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  padding?: 'valid' | 'same';
  activation?: 'linear' | 'relu' | 'tanh' | 'sigmoid';
  useBias?: boolean;
}
const TRANSPOSE_CASES: TransposeCase[] = [
  { input: [3, 3, 1], filters: 1, kernelSize: 2 },
  { input: [4, 5, 2], filters: 3, kernelSize: 3, strides: 2 },
  { input: [4, 5, 2], filters: 3, kernelSize: 3, strides: 2, padding: 'same' },
  { input: [5, 4, 3], filters: 2, kernelSize: [3, 2], strides: [2, 1], padding: 'same', activation: 'relu' },
  { input: [3, 4, 2], filters: 4, kernelSize: 2, strides: 3 },
  { input: [3, 4, 2], filters: 4, kernelSize: 2, strides: 3, padding: 'same' },
  { input: [2, 3, 4], filters: 2, kernelSize: [4, 5], strides: [2, 3], activation: 'tanh' },
  { input: [6, 6, 1], filters: 5, kernelSize: 5, padding: 'same', useBias: false },
  { input: [1, 1, 8], filters: 3, kernelSize: 4, strides: 2, activation: 'sigmoid' },
  { input: [4, 3, 3], filters: 2, kernelSize: 1, strides: 2, padding: 'same' },
  { input: [5, 5, 2], filters: 3, kernelSize: 3, strides: 1 },
];

describe.each(allBackends.map((b) => [b.name] as const))('generator layers against tfjs (%s)', (backend) => {
  it.each(
    UP_CASES.flatMap((c) => (['nearest', 'bilinear'] as const).map((interpolation) => ({ ...c, interpolation }))),
  )('upSampling2d $interpolation size $size over $input', ({ input, size: s, interpolation }) => {
    nn.setBackend(backend);
    const tfSize = typeof s === 'number' ? [s, s] : s;
    const { ours, theirs } = forwardBoth(
      nn.layers.upSampling2d({ size: s, interpolation, inputShape: input }),
      tf.layers.upSampling2d({ size: tfSize, interpolation, inputShape: input }),
      input,
      3,
      7,
    );
    expect(maxRelErr(ours, theirs, 1e-6, 1e-5)).toBeLessThanOrEqual(1);
  });

  it.each(TRANSPOSE_CASES)(
    'conv2dTranspose $filters filters, kernel $kernelSize, strides $strides, $padding over $input',
    ({ input, ...args }) => {
      nn.setBackend(backend);
      const { ours, theirs } = forwardBoth(
        nn.layers.conv2dTranspose({ ...args, inputShape: input }),
        tf.layers.conv2dTranspose({ ...args, inputShape: input }),
        input,
        4,
        11,
      );
      expect(maxRelErr(ours, theirs, 1e-5, 1e-5)).toBeLessThanOrEqual(1);
    },
  );

  it('SGD steps of a small generator give tfjs’s weights, and the same predictions after them', async () => {
    nn.setBackend(backend);
    // Two bugs of tfjs-backend-cpu 4.22 shape this test: ResizeBilinearGrad returns its gradient
    // shaped [batch, width, height, depth] (tfjs refuses it unless the image is square: the bilinear
    // layer's input is 7×7), and ResizeNearestNeighborGrad offsets dy's images by the input's image
    // size (wrong for batches of more than one image: the steps take one row each).
    const input = [3, 3, 2];
    const rows = 4;
    const ours = nn.sequential({
      seed: 5,
      layers: [
        nn.layers.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, activation: 'tanh', inputShape: input }),
        nn.layers.upSampling2d({ size: [1, 2], interpolation: 'bilinear' }),
        nn.layers.gaussianNoise({ stddev: 0 }),
        nn.layers.conv2dTranspose({ filters: 2, kernelSize: 2, strides: [1, 2], padding: 'same' }),
        nn.layers.upSampling2d({ size: 2 }),
        nn.layers.conv2d({ filters: 2, kernelSize: 3, strides: 2 }),
        nn.layers.flatten(),
        nn.layers.dense({ units: 3 }),
      ],
    });
    const theirs = tf.sequential({
      layers: [
        tf.layers.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, activation: 'tanh', inputShape: input }),
        tf.layers.upSampling2d({ size: [1, 2], interpolation: 'bilinear' }),
        tf.layers.gaussianNoise({ stddev: 0 }),
        tf.layers.conv2dTranspose({ filters: 2, kernelSize: 2, strides: [1, 2], padding: 'same' }),
        tf.layers.upSampling2d({ size: [2, 2] }),
        tf.layers.conv2d({ filters: 2, kernelSize: 3, strides: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 3 }),
      ],
    });
    expect(theirs.outputShape).toEqual([null, ...ours.outputShape]);
    const rng = new Random(3);
    const start = ours.getWeights().map((w) =>
      nn.tensor(
        Float32Array.from(w.data, () => rng.uniform(-0.5, 0.5)),
        w.shape,
      ),
    );
    ours.setWeights(start);
    theirs.setWeights(start.map((w) => tf.tensor(w.data, w.shape)));
    ours.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.01 }), loss: 'meanSquaredError' });
    theirs.compile({ optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError' });
    const x = uniform(rows * size(input), 8);
    const y = uniform(rows * 3, 9);
    await ours.fit(nn.tensor(x, [rows, ...input]), nn.tensor2d(y, [rows, 3]), {
      epochs: 1,
      batchSize: 1,
      shuffle: false,
      verbose: 0,
    });
    await theirs.fit(tf.tensor(x, [rows, ...input]), tf.tensor(y, [rows, 3]), {
      epochs: 1,
      batchSize: 1,
      shuffle: false,
      verbose: 0,
    });
    const after = theirs.getWeights().map((w) => w.dataSync() as Float32Array);
    ours.getWeights().forEach((w, i) => {
      // the steps moved every weight tensor (and kept it finite): the comparison is about the gradients
      expect(w.data.every(Number.isFinite)).toBe(true);
      expect(maxRelErr(w.data, start[i].data, 1e-7, 0), `weight ${i} moved`).toBeGreaterThan(1);
      expect(maxRelErr(w.data, after[i], 1e-5, 1e-4), `weight ${i}`).toBeLessThanOrEqual(1);
    });
    const probe = uniform(rows * size(input), 10);
    const p = ours.predict(nn.tensor(probe, [rows, ...input])).data;
    const q = (theirs.predict(tf.tensor(probe, [rows, ...input])) as tf.Tensor).dataSync();
    expect(maxRelErr(p, q, 1e-5, 1e-4)).toBeLessThanOrEqual(1);
  });
});

/** Central differences of the training loss against executor.gradients, every weight. */
function gradcheck(m: nn.Sequential, input: number[], outputs: number, seed: number) {
  const rows = 3;
  const x = uniform(rows * size(input), seed);
  const y = uniform(rows * outputs, seed + 1);
  const exec = m.executor();
  const params = m.layers.flatMap((l) => l.weights());
  const grads = () => params.map((p) => new Float32Array(p.length));
  const g = grads();
  exec.gradients(x, y, rows, 0, g);
  const lossAt = () => exec.gradients(x, y, rows, 0, grads());
  return centralDifferences(params, g, lossAt, 1e-2, 1e-3, 1e-2);
}

describe.each(allBackends.map((b) => [b.name] as const))('generator layers: gradients (%s)', (backend) => {
  const init = () => ({
    kernelInitializer: nn.initializers.randomNormal({ stddev: 0.5, seed: 3 }),
    biasInitializer: nn.initializers.randomUniform({ minval: -0.2, maxval: 0.2, seed: 4 }),
  });
  it.each([
    {
      name: 'conv → upSampling bilinear [2, 3] → conv2dTranspose same stride 2 tanh → flatten → dense',
      input: [3, 2, 2],
      layers: () => [
        nn.layers.conv2d({
          filters: 2,
          kernelSize: 2,
          padding: 'same',
          activation: 'tanh',
          inputShape: [3, 2, 2],
          ...init(),
        }),
        nn.layers.upSampling2d({ size: [2, 3], interpolation: 'bilinear' }),
        nn.layers.conv2dTranspose({
          filters: 2,
          kernelSize: 3,
          strides: 2,
          padding: 'same',
          activation: 'tanh',
          ...init(),
        }),
        nn.layers.flatten(),
        nn.layers.dense({ units: 2, ...init() }),
      ],
    },
    {
      name: 'conv2dTranspose valid kernel 2 stride 3, L2 → upSampling nearest 2 → conv2dTranspose no bias → flatten → dense',
      input: [2, 3, 3],
      layers: () => [
        nn.layers.conv2dTranspose({
          filters: 3,
          kernelSize: 2,
          strides: 3,
          activation: 'sigmoid',
          kernelRegularizer: nn.regularizers.l2({ l2: 0.01 }),
          inputShape: [2, 3, 3],
          ...init(),
        }),
        nn.layers.upSampling2d(),
        nn.layers.conv2dTranspose({ filters: 1, kernelSize: [2, 3], useBias: false, ...init() }),
        nn.layers.flatten(),
        nn.layers.dense({ units: 2, ...init() }),
      ],
    },
  ])('$name', ({ input, layers }) => {
    nn.setBackend(backend);
    const m = nn.sequential({ seed: 2, layers: layers() });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const { checked, off } = gradcheck(m, input, 2, 6);
    expect(checked).toBeGreaterThan(60);
    expect(off).toBe(0);
  });
});

describe.each(allBackends.map((b) => [b.name] as const))('gaussianNoise (%s)', (backend) => {
  const input = [50, 40];

  it('is the identity in predict and evaluate, and adds N(0, stddev²) noise in training', () => {
    nn.setBackend(backend);
    const m = nn.sequential({
      seed: 4,
      layers: [nn.layers.gaussianNoise({ stddev: 0.5, seed: 9, inputShape: input })],
    });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const rows = 50;
    const x = uniform(rows * size(input), 1);
    expect(Array.from(m.predict(nn.tensor(x, [rows, ...input])).data)).toEqual(Array.from(x));
    expect(m.evaluate(nn.tensor(x, [rows, ...input]), nn.tensor(x, [rows, ...input])).loss).toBe(0);
    // The training loss of target x is the mean squared noise: stddev² = 0.25 over 100 000 draws.
    const exec = m.executor();
    const loss0 = exec.gradients(x, x, rows, 0, []);
    const loss1 = exec.gradients(x, x, rows, 1, []);
    expect(loss0).toBeGreaterThan(0.25 * 0.98);
    expect(loss0).toBeLessThan(0.25 * 1.02);
    expect(loss1).not.toBe(loss0); // a fresh draw each step
    expect(exec.gradients(x, x, rows, 0, [])).toBe(loss0); // the same draw for the same step
  });

  it('passes the gradient through unchanged and trains to the same weights with the same seed', async () => {
    nn.setBackend(backend);
    const run = async (seed?: number) => {
      const m = nn.sequential({
        seed: 4,
        layers: [
          nn.layers.dense({ units: 6, inputShape: [5] }),
          nn.layers.gaussianNoise({ stddev: 0.3, seed }),
          nn.layers.dense({ units: 2 }),
        ],
      });
      m.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.05 }), loss: 'meanSquaredError' });
      await m.fit(nn.tensor2d(uniform(40, 1), [8, 5]), nn.tensor2d(uniform(16, 2), [8, 2]), {
        epochs: 3,
        batchSize: 4,
        verbose: 0,
        seed: 1,
      });
      return m.getWeights().flatMap((w) => Array.from(w.data));
    };
    expect(await run(7)).toEqual(await run(7));
    expect(await run(7)).not.toEqual(await run(8));
    // stddev 0: exactly the model without the layer
    const m = nn.sequential({
      seed: 4,
      layers: [nn.layers.dense({ units: 3, inputShape: [4] }), nn.layers.gaussianNoise({ stddev: 0 })],
    });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const plain = nn.sequential({ seed: 4, layers: [nn.layers.dense({ units: 3, inputShape: [4] })] });
    plain.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    plain.setWeights(m.getWeights());
    const x = uniform(12, 3);
    const y = uniform(9, 4);
    const g = m.layers[0].weights().map((w) => new Float32Array(w.length));
    const gPlain = plain.layers[0].weights().map((w) => new Float32Array(w.length));
    expect(m.executor().gradients(x, y, 3, 0, g)).toBe(plain.executor().gradients(x, y, 3, 0, gPlain));
    expect(g.map((a) => Array.from(a))).toEqual(gPlain.map((a) => Array.from(a)));
  });
});

describe('generator layers: arguments', () => {
  it.each([
    [
      'upSampling2d size 0',
      () => nn.layers.upSampling2d({ size: 0 }),
      RangeError,
      /upSampling2d: size\[0\] must be an integer from 1/,
    ],
    ['upSampling2d size of 3 axes', () => nn.layers.upSampling2d({ size: [2, 2, 2] as never }), TypeError, /size/],
    [
      'upSampling2d fractional size',
      () => nn.layers.upSampling2d({ size: [1.5, 2] as never }),
      RangeError,
      /size\[0\]/,
    ],
    [
      'upSampling2d interpolation',
      () => nn.layers.upSampling2d({ interpolation: 'bicubic' as 'nearest' }),
      RangeError,
      /interpolation must be 'nearest' or 'bilinear'/,
    ],
    [
      'upSampling2d channelsFirst',
      () => nn.layers.upSampling2d({ dataFormat: 'channelsFirst' as 'channelsLast' }),
      RangeError,
      /upSampling2d: dataFormat 'channelsFirst' is not supported/,
    ],
    ['upSampling2d unknown option', () => nn.layers.upSampling2d({ factor: 2 } as never), TypeError, /factor/],
    [
      'conv2dTranspose without filters',
      () => nn.layers.conv2dTranspose({ kernelSize: 3 } as never),
      TypeError,
      /conv2dTranspose: filters is required/,
    ],
    [
      'conv2dTranspose strides 0',
      () => nn.layers.conv2dTranspose({ filters: 1, kernelSize: 3, strides: 0 }),
      RangeError,
      /conv2dTranspose: strides\[0\]/,
    ],
    [
      'conv2dTranspose dilation',
      () => nn.layers.conv2dTranspose({ filters: 1, kernelSize: 3, dilationRate: 2 } as never),
      RangeError,
      /conv2dTranspose: dilationRate must be 1/,
    ],
    [
      'conv2dTranspose causal',
      () => nn.layers.conv2dTranspose({ filters: 1, kernelSize: 3, padding: 'causal' as 'same' }),
      RangeError,
      /conv2dTranspose: padding/,
    ],
    [
      'gaussianNoise without stddev',
      () => nn.layers.gaussianNoise({} as never),
      TypeError,
      /gaussianNoise: stddev is required/,
    ],
    [
      'gaussianNoise negative stddev',
      () => nn.layers.gaussianNoise({ stddev: -1 }),
      RangeError,
      /gaussianNoise: stddev must be/,
    ],
    ['gaussianNoise NaN stddev', () => nn.layers.gaussianNoise({ stddev: Number.NaN }), RangeError, /stddev/],
    ['gaussianNoise seed', () => nn.layers.gaussianNoise({ stddev: 1, seed: 1.5 }), TypeError, /gaussianNoise: seed/],
  ] as const)('%s', (_n, make, type, message) => {
    expect(make).toThrow(type);
    expect(make).toThrow(message);
  });

  it('refuses inputs that are not images, and images too large once up-sampled', () => {
    expect(() => nn.sequential({ layers: [nn.layers.upSampling2d({ inputShape: [8] })] })).toThrow(
      /\(batch, height, width, channels\)/,
    );
    expect(() =>
      nn.sequential({ layers: [nn.layers.conv2dTranspose({ filters: 2, kernelSize: 2, inputShape: [4, 4] })] }),
    ).toThrow(RangeError);
    expect(() => nn.sequential({ layers: [nn.layers.upSampling2d({ size: 4096, inputShape: [64, 64, 1] })] })).toThrow(
      /more than 16777216 values/,
    );
    expect(() =>
      nn.sequential({
        layers: [nn.layers.conv2dTranspose({ filters: 2, kernelSize: 1, strides: 4096, inputShape: [64, 64, 1] })],
      }),
    ).toThrow(/the output image has more than 16777216 values/);
  });

  it('shows the layers in the summary with tfjs’s shapes and parameter counts', () => {
    const m = nn.sequential({
      layers: [
        nn.layers.dense({ units: 7 * 7 * 8, inputShape: [16] }),
        nn.layers.reshape({ targetShape: [7, 7, 8] }),
        nn.layers.gaussianNoise({ stddev: 0.1 }),
        nn.layers.conv2dTranspose({ filters: 4, kernelSize: 4, strides: 2, padding: 'same', activation: 'relu' }),
        nn.layers.upSampling2d({ size: [2, 1] }),
        nn.layers.conv2dTranspose({ filters: 1, kernelSize: 3, activation: 'sigmoid' }),
      ],
    });
    const t = tf.sequential({
      layers: [
        tf.layers.dense({ units: 7 * 7 * 8, inputShape: [16] }),
        tf.layers.reshape({ targetShape: [7, 7, 8] }),
        tf.layers.gaussianNoise({ stddev: 0.1 }),
        tf.layers.conv2dTranspose({ filters: 4, kernelSize: 4, strides: 2, padding: 'same', activation: 'relu' }),
        tf.layers.upSampling2d({ size: [2, 1] }),
        tf.layers.conv2dTranspose({ filters: 1, kernelSize: 3, activation: 'sigmoid' }),
      ],
    });
    expect(m.countParams()).toBe(t.countParams());
    expect([null, ...m.outputShape]).toEqual(t.outputShape);
    const text = m.summary({ print: false });
    expect(text).toContain('(None, 14, 14, 4)');
    expect(text).toContain('(None, 28, 14, 4)');
    expect(text).toContain('(None, 30, 16, 1)');
    for (const cls of ['GaussianNoise', 'Conv2DTranspose', 'UpSampling2D']) expect(text).toContain(cls);
    expect(m.getWeights().map((w) => w.shape)).toEqual(t.getWeights().map((w) => w.shape));
  });
});
