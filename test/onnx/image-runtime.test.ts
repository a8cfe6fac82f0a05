/**
 * The image layers exported to ONNX and run by onnxruntime-web (wasm, in Node): the same
 * predictions as nativenn within |a − b| ≤ 1e-4·max(1, |b|) (issue 10 item 8), for convolutions
 * and pooling of many geometries ('same' and 'valid', strides, dilation, odd sizes, 1×1 and
 * windows larger than the input), global pooling, Flatten and Reshape, at batch 1 and many.
 * The graph input and output stay channels-last (NHWC), as the model takes and gives them.
 */
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { expectClose, ortRun, randomizeWeights, values } from './support';

const TOLERANCE = 1e-4;

/** A model of `layers` (the first declares its inputShape), with seeded weights (biases non-zero
 *  too). */
function model(layers: nn.layers.Layer[], seed = 1, randomize = true): nn.Sequential {
  const m = nn.sequential({ seed, layers });
  if (randomize) randomizeWeights(m, seed * 101);
  return m;
}

/** A batch normalization whose four vectors are all seeded (variances positive). */
function batchNorm(args: Record<string, unknown> = {}): nn.layers.Layer {
  const r = nn.initializers;
  return nn.layers.batchNormalization({
    gammaInitializer: r.randomUniform({ minval: 0.5, maxval: 1.5, seed: 1 }),
    betaInitializer: r.randomNormal({ stddev: 0.5, seed: 2 }),
    movingMeanInitializer: r.randomNormal({ stddev: 0.5, seed: 3 }),
    movingVarianceInitializer: r.randomUniform({ minval: 0.2, maxval: 2, seed: 4 }),
    ...args,
  } as never);
}

async function expectSamePredictions(m: nn.Sequential, opset = 17, rowsList = [1, 5]): Promise<void> {
  const bytes = m.toOnnx({ opset });
  for (const rows of rowsList) {
    const x = values(rows * m.inputSize, rows * 13 + opset, -2, 2);
    const ours = m.predict(new nn.Tensor(x, [rows, ...m.inputShape]));
    const theirs = await ortRun(bytes, x, [rows, ...m.inputShape]);
    expect(theirs.dims).toEqual([rows, ...m.outputShape]);
    expectClose(theirs.data, ours.data, TOLERANCE);
  }
}

describe('Conv2D', () => {
  const cases: [string, number[], Record<string, unknown>][] = [
    ['3×3 valid', [7, 6, 2], { filters: 4, kernelSize: 3 }],
    ['3×3 same', [7, 6, 2], { filters: 3, kernelSize: 3, padding: 'same' }],
    [
      'same, stride 2, even input (asymmetric padding)',
      [8, 8, 3],
      { filters: 2, kernelSize: 3, strides: 2, padding: 'same' },
    ],
    ['same, stride 2, odd input', [9, 7, 1], { filters: 2, kernelSize: 4, strides: 2, padding: 'same' }],
    [
      'same, strides [3, 2], kernel [2, 5]',
      [10, 11, 2],
      { filters: 3, kernelSize: [2, 5], strides: [3, 2], padding: 'same' },
    ],
    ['valid, strides [2, 3]', [9, 10, 2], { filters: 2, kernelSize: [3, 2], strides: [2, 3] }],
    ['dilation 2 valid', [9, 9, 2], { filters: 3, kernelSize: 3, dilationRate: 2 }],
    ['dilation [2, 3] same', [8, 10, 1], { filters: 2, kernelSize: 3, dilationRate: [2, 3], padding: 'same' }],
    ['1×1', [5, 4, 6], { filters: 3, kernelSize: 1 }],
    ['kernel larger than the input, same', [3, 2, 2], { filters: 2, kernelSize: 5, padding: 'same' }],
    ['1×1 image', [1, 1, 4], { filters: 3, kernelSize: 3, padding: 'same' }],
    ['no bias, leakyRelu', [6, 6, 2], { filters: 3, kernelSize: 3, useBias: false, activation: 'leakyRelu' }],
    ['softmax over the channels', [5, 5, 2], { filters: 4, kernelSize: 2, activation: 'softmax' }],
  ];
  it.each(cases)('%s', async (_name, inputShape, args) => {
    await expectSamePredictions(model([nn.layers.conv2d({ ...args, inputShape } as never)]));
  });

  it.each(['relu', 'tanh', 'sigmoid', 'elu', 'gelu', 'silu'])('activation %s', async (activation) => {
    await expectSamePredictions(
      model([
        nn.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation, inputShape: [6, 5, 2] } as never),
      ]),
    );
  });
});

describe('Conv1D', () => {
  const cases: [string, number[], Record<string, unknown>][] = [
    ['k 3 valid', [10, 3], { filters: 4, kernelSize: 3 }],
    ['k 4 same stride 2', [11, 2], { filters: 3, kernelSize: 4, strides: 2, padding: 'same' }],
    ['dilation 3 same', [9, 2], { filters: 2, kernelSize: 3, dilationRate: 3, padding: 'same' }],
    ['k 1, softmax', [6, 5], { filters: 3, kernelSize: 1, activation: 'softmax' }],
  ];
  it.each(cases)('%s', async (_name, inputShape, args) => {
    await expectSamePredictions(model([nn.layers.conv1d({ ...args, inputShape } as never)]));
  });

  it('conv1d → conv1d → flatten → dense', async () => {
    await expectSamePredictions(
      model([
        nn.layers.conv1d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [12, 2] }),
        nn.layers.conv1d({ filters: 3, kernelSize: 2, strides: 2, padding: 'same' }),
        nn.layers.flatten(),
        nn.layers.dense({ units: 4, activation: 'softmax' }),
      ]),
    );
  });
});

describe('pooling', () => {
  const cases: [string, number[], Record<string, unknown>][] = [
    ['2×2', [6, 6, 2], {}],
    ['2×2 odd input (valid drops the edge)', [7, 5, 3], {}],
    ['3×3 stride 2 same', [8, 7, 2], { poolSize: 3, strides: 2, padding: 'same' }],
    ['[3, 2] strides [1, 2] same', [5, 6, 1], { poolSize: [3, 2], strides: [1, 2], padding: 'same' }],
    ['2×2 stride 1 valid', [4, 4, 2], { poolSize: 2, strides: 1 }],
    ['window larger than the input, same', [2, 3, 2], { poolSize: 4, padding: 'same' }],
    ['stride larger than the window, same', [9, 9, 1], { poolSize: 2, strides: 3, padding: 'same' }],
  ];
  it.each(cases)('maxPooling2d %s', async (_name, inputShape, args) => {
    await expectSamePredictions(model([nn.layers.maxPooling2d({ ...args, inputShape } as never)]));
  });
  it.each(cases)('averagePooling2d %s (padding left out of the mean)', async (_name, inputShape, args) => {
    await expectSamePredictions(model([nn.layers.averagePooling2d({ ...args, inputShape } as never)]));
  });
  it.each([
    ['globalMaxPooling2d', [5, 7, 3]],
    ['globalAveragePooling2d', [6, 4, 2]],
    ['globalMaxPooling2d', [1, 1, 2]],
  ] as const)('%s on %j', async (kind, inputShape) => {
    await expectSamePredictions(model([nn.layers[kind]({ inputShape: [...inputShape] })]));
  });
});

describe('whole networks', () => {
  it('the Fashion-MNIST recipe on small images: conv → pool → conv → pool → flatten → dense', async () => {
    const m = model([
      nn.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [12, 12, 1] }),
      nn.layers.maxPooling2d({ poolSize: 2 }),
      nn.layers.conv2d({ filters: 6, kernelSize: 3, activation: 'relu' }),
      nn.layers.maxPooling2d({ poolSize: 2 }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 8, activation: 'relu' }),
      nn.layers.dense({ units: 10, activation: 'softmax' }),
    ]);
    await expectSamePredictions(m, 17, [1, 9]);
    await expectSamePredictions(m, 13, [3]);
  });

  it('trained on the digits as images (conv same → pool → dropout → flatten → dense), opsets 13 to 17', async () => {
    const { x, y } = nn.datasets.digits();
    const rows = 200;
    const images = new nn.Tensor(
      x.data.slice(0, rows * 64).map((v) => v / 16),
      [rows, 8, 8, 1],
    );
    const m = nn.sequential({
      seed: 3,
      layers: [
        nn.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [8, 8, 1] }),
        nn.layers.maxPooling2d({ poolSize: 2 }),
        nn.layers.dropout({ rate: 0.2 }),
        nn.layers.flatten(),
        nn.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    await m.fit(images, Int32Array.from(y.subarray(0, rows)), { epochs: 2, batchSize: 32, seed: 1, verbose: 0 });
    for (const opset of [13, 14, 15, 16, 17]) {
      const out = await ortRun(m.toOnnx({ opset }), images.data as Float32Array, [rows, 8, 8, 1]);
      expectClose(out.data, m.predict(images).data, TOLERANCE);
    }
  });

  it('global average pooling → dense, and average pooling with same padding in the middle', async () => {
    await expectSamePredictions(
      model([
        nn.layers.conv2d({
          filters: 5,
          kernelSize: 3,
          padding: 'same',
          strides: 2,
          activation: 'elu',
          inputShape: [9, 7, 2],
        }),
        nn.layers.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same' }),
        nn.layers.globalAveragePooling2d(),
        nn.layers.dense({ units: 3 }),
      ]),
    );
  });

  it('a dense layer on the 4-D conv output (over the channels: MatMul on NHWC), then flatten', async () => {
    await expectSamePredictions(
      model([
        nn.layers.conv2d({ filters: 4, kernelSize: 2, inputShape: [5, 4, 3] }),
        nn.layers.dense({ units: 3, activation: 'tanh' }),
        nn.layers.flatten(),
      ]),
    );
  });

  it('an Activation softmax layer and a LeakyReLU layer between convolutions (channels-first in the graph)', async () => {
    await expectSamePredictions(
      model([
        nn.layers.conv2d({ filters: 3, kernelSize: 3, inputShape: [6, 6, 2] }),
        nn.layers.leakyRelu({ alpha: 0.1 }),
        nn.layers.conv2d({ filters: 4, kernelSize: 2 }),
        nn.layers.activation({ activation: 'softmax' }),
      ]),
    );
  });

  it('reshape from flat features to an image and back: dense → reshape → conv → reshape → dense', async () => {
    await expectSamePredictions(
      model([
        nn.layers.dense({ units: 48, inputShape: [10] }),
        nn.layers.reshape({ targetShape: [4, 4, 3] }),
        nn.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same' }),
        nn.layers.reshape({ targetShape: [-1, 4] }),
        nn.layers.dense({ units: 2 }),
      ]),
    );
  });

  it('a reshape of the model input itself, and a flatten of a flat tensor', async () => {
    await expectSamePredictions(
      model([
        nn.layers.reshape({ targetShape: [3, 4, 2], inputShape: [6, 4] }),
        nn.layers.maxPooling2d({ poolSize: [1, 2] }),
        nn.layers.flatten(),
        nn.layers.flatten(),
      ]),
    );
  });

  it('an input scaler fitted on flattened images folds in with the image shape', async () => {
    const rows = 20;
    const raw = values(rows * 5 * 5 * 2, 8, 0, 255);
    const scaler = nn.data.standardScaler().fit(new nn.Tensor(raw, [rows, 50]));
    const m = model([
      nn.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [5, 5, 2] }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 2 }),
    ]);
    const out = await ortRun(m.toOnnx({ scaler }), raw, [rows, 5, 5, 2]);
    const scaled = scaler.transform(new nn.Tensor(raw, [rows, 50]));
    expectClose(out.data, m.predict(new nn.Tensor(scaled.data, [rows, 5, 5, 2])).data, TOLERANCE);
  });
});

describe('BatchNormalization (inference: the moving statistics)', () => {
  it('after a convolution (channels-first in the graph), center and scale each off', async () => {
    for (const args of [{}, { center: false }, { scale: false, epsilon: 0.01 }]) {
      await expectSamePredictions(
        model(
          [
            nn.layers.conv2d({ filters: 3, kernelSize: 3, useBias: false, inputShape: [6, 5, 2] }),
            batchNorm(args),
            nn.layers.activation({ activation: 'relu' }),
            nn.layers.maxPooling2d({}),
          ],
          1,
          false,
        ),
      );
    }
  });

  it('on flat features, on the model input image, and after a dense layer over the channels', async () => {
    await expectSamePredictions(
      model([nn.layers.dense({ units: 5, inputShape: [4] }), batchNorm(), nn.layers.dense({ units: 2 })], 2, false),
    );
    await expectSamePredictions(
      model([batchNorm({ inputShape: [4, 3, 2] }), nn.layers.conv2d({ filters: 2, kernelSize: 2 })], 3, false),
    );
    await expectSamePredictions(
      model(
        [
          nn.layers.dense({ units: 3, inputShape: [4, 4, 2] }),
          batchNorm(),
          nn.layers.flatten(),
          nn.layers.dense({ units: 2 }),
        ],
        4,
        false,
      ),
    );
  });

  it('a conv1d → batch norm network trained with real moving statistics, opsets 13 and 17', async () => {
    const m = nn.sequential({
      seed: 5,
      layers: [
        nn.layers.conv1d({ filters: 4, kernelSize: 3, padding: 'same', inputShape: [10, 2] }),
        nn.layers.batchNormalization({ momentum: 0.5 }),
        nn.layers.activation({ activation: 'tanh' }),
        nn.layers.flatten(),
        nn.layers.batchNormalization(),
        nn.layers.dense({ units: 2 }),
      ],
    });
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    await m.fit(new nn.Tensor(values(32 * 20, 6, 0, 3), [32, 10, 2]), nn.tensor2d(values(64, 7), [32, 2]), {
      epochs: 3,
      batchSize: 8,
      seed: 1,
      verbose: 0,
    });
    await expectSamePredictions(m, 17);
    await expectSamePredictions(m, 13);
  });
});

describe('ZeroPadding2D', () => {
  it('on the input image (NHWC in the graph) and asymmetric between convolutions (NCHW)', async () => {
    await expectSamePredictions(
      model([
        nn.layers.zeroPadding2d({ padding: 1, inputShape: [4, 3, 2] }),
        nn.layers.conv2d({ filters: 2, kernelSize: 3 }),
      ]),
    );
    await expectSamePredictions(
      model([
        nn.layers.conv2d({ filters: 3, kernelSize: 2, inputShape: [5, 4, 2] }),
        nn.layers.zeroPadding2d({
          padding: [
            [0, 2],
            [3, 1],
          ],
        }),
        nn.layers.conv2d({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' }),
      ]),
    );
  });

  // onnxruntime folds a zero Pad into the MaxPool after it, whose own padding is -∞: the padded
  // zeros must win over negative values (the convolution before is linear, so there are some).
  it.each([1, 2, 3])('then a max pool (pad %i), with negative values under the padding', async (padding) => {
    await expectSamePredictions(
      model([
        nn.layers.conv2d({ filters: 3, kernelSize: 2, inputShape: [5, 4, 2] }),
        nn.layers.zeroPadding2d({ padding }),
        nn.layers.maxPooling2d({ poolSize: 3 }),
      ]),
    );
  });

  it.each([
    [1, 'valid'],
    [2, 'valid'],
    [3, 'same'],
  ] as const)('then an average pool (pad %i, %s): the zeros count in the mean', async (padding, poolPadding) => {
    await expectSamePredictions(
      model([
        nn.layers.conv2d({ filters: 3, kernelSize: 2, inputShape: [5, 4, 2] }),
        nn.layers.zeroPadding2d({ padding }),
        nn.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: poolPadding }),
      ]),
    );
  });

  it('a padding as large as the average pool after it (onnxruntime fuses and refuses it: run unoptimized)', async () => {
    const m = model([
      nn.layers.conv2d({ filters: 3, kernelSize: 2, inputShape: [5, 4, 2] }),
      nn.layers.zeroPadding2d({ padding: 3 }),
      nn.layers.averagePooling2d({ poolSize: 3 }),
    ]);
    const x = values(2 * m.inputSize, 3);
    const out = await ortRun(m.toOnnx(), x, [2, ...m.inputShape], { graphOptimizationLevel: 'disabled' });
    expectClose(out.data, m.predict(new nn.Tensor(x, [2, ...m.inputShape])).data, TOLERANCE);
  });
});

describe('many random geometries', () => {
  /** A small deterministic generator for the configurations. */
  function pick(seed: number) {
    let s = seed >>> 0;
    return (n: number) => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return Math.floor((s / 2 ** 32) * n);
    };
  }
  const seeds = Array.from({ length: 24 }, (_, i) => i + 1);
  it.each(seeds)('random conv → pool stack %i', async (seed) => {
    const r = pick(seed * 7919);
    const h = 3 + r(8);
    const w = 3 + r(8);
    const c = 1 + r(3);
    const padding = r(2) === 0 ? 'same' : 'valid';
    const k = [1 + r(Math.min(3, padding === 'valid' ? h : 5)), 1 + r(Math.min(3, padding === 'valid' ? w : 5))];
    const dilate = r(3) === 0;
    const dilationRate = dilate ? [1 + r(2), 1 + r(2)] : [1, 1];
    const strides = dilate ? [1, 1] : [1 + r(3), 1 + r(3)];
    const eff = (i: number) => dilationRate[i] * (k[i] - 1) + 1;
    if (padding === 'valid' && (eff(0) > h || eff(1) > w)) dilationRate.fill(1);
    const filters = 1 + r(4);
    const conv = () =>
      nn.layers.conv2d({ filters, kernelSize: k, strides, dilationRate, padding, inputShape: [h, w, c] } as never);
    const [oh, ow] = nn.sequential({ layers: [conv()] }).outputShape;
    const poolPadding = r(2) === 0 ? 'same' : 'valid';
    const poolSize = [
      1 + r(Math.min(3, poolPadding === 'valid' ? oh : 4)),
      1 + r(Math.min(3, poolPadding === 'valid' ? ow : 4)),
    ];
    const pool = (r(2) === 0 ? nn.layers.maxPooling2d : nn.layers.averagePooling2d)({
      poolSize,
      strides: [1 + r(3), 1 + r(3)],
      padding: poolPadding,
    } as never);
    const layers = [conv(), pool];
    if (r(2) === 0) layers.push(nn.layers.flatten());
    await expectSamePredictions(model(layers, seed), 17, [3]);
  });
});
