/**
 * The generator layers exported to ONNX and run by onnxruntime-web (wasm, in Node): UpSampling2D
 * (Resize, nearest and linear), Conv2DTranspose (ConvTranspose, 'valid' and 'same', kernels larger
 * and smaller than the stride) and GaussianNoise (no node) predict as nativenn within
 * |a − b| ≤ 1e-4·max(1, |b|), at batch 1 and 5.
 */
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { expectClose, ortRun, randomizeWeights, values } from './support';

async function expectSamePredictions(layers: nn.layers.Layer[], opset = 17): Promise<void> {
  const m = nn.sequential({ seed: 2, layers });
  randomizeWeights(m, 303);
  const bytes = m.toOnnx({ opset });
  for (const rows of [1, 5]) {
    const x = values(rows * m.inputSize, rows * 13 + opset, -2, 2);
    const ours = m.predict(new nn.Tensor(x, [rows, ...m.inputShape]));
    const theirs = await ortRun(bytes, x, [rows, ...m.inputShape]);
    expect(theirs.dims).toEqual([rows, ...m.outputShape]);
    expectClose(theirs.data, ours.data, 1e-4);
  }
}

describe('UpSampling2D', () => {
  it.each([
    ['nearest 2', [3, 4, 2], { size: 2 }],
    ['nearest [3, 1]', [2, 5, 1], { size: [3, 1] }],
    ['bilinear 2', [3, 4, 2], { size: 2, interpolation: 'bilinear' }],
    ['bilinear [2, 3]', [4, 3, 3], { size: [2, 3], interpolation: 'bilinear' }],
    ['bilinear over a 1×1 image', [1, 1, 2], { size: [4, 2], interpolation: 'bilinear' }],
  ])('%s', async (_name, inputShape, args) => {
    await expectSamePredictions([nn.layers.upSampling2d({ ...args, inputShape } as never)]);
  });

  it('between convolutions, the tensor staying channels-first, then flattened in nativenn’s order', async () => {
    await expectSamePredictions([
      nn.layers.conv2d({ filters: 3, kernelSize: 2, inputShape: [5, 4, 2] }),
      nn.layers.upSampling2d({ size: [2, 3], interpolation: 'bilinear' }),
      nn.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'tanh' }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 3 }),
    ]);
  });
});

describe('Conv2DTranspose', () => {
  it.each([
    ['3×3 stride 1 valid', [4, 5, 2], { filters: 3, kernelSize: 3 }],
    ['3×3 stride 2 valid', [4, 5, 2], { filters: 3, kernelSize: 3, strides: 2 }],
    ['3×3 stride 2 same', [4, 5, 2], { filters: 3, kernelSize: 3, strides: 2, padding: 'same' }],
    [
      '4×4 stride 2 same, relu',
      [3, 3, 4],
      { filters: 2, kernelSize: 4, strides: 2, padding: 'same', activation: 'relu' },
    ],
    ['kernel 2 < stride 3, valid', [3, 4, 2], { filters: 2, kernelSize: 2, strides: 3 }],
    ['kernel 2 < stride 3, same', [3, 4, 2], { filters: 2, kernelSize: 2, strides: 3, padding: 'same' }],
    [
      'kernel [2, 5] strides [3, 2], no bias',
      [2, 3, 3],
      { filters: 2, kernelSize: [2, 5], strides: [3, 2], useBias: false },
    ],
    ['1×1 stride 2 same', [4, 3, 3], { filters: 2, kernelSize: 1, strides: 2, padding: 'same' }],
  ])('%s', async (_name, inputShape, args) => {
    await expectSamePredictions([nn.layers.conv2dTranspose({ ...args, inputShape } as never)]);
  });

  it('a small generator: dense → reshape → noise → transposed convolutions → up-sampling, at opset 13', async () => {
    const layers = () => [
      nn.layers.dense({ units: 18, inputShape: [4] }),
      nn.layers.reshape({ targetShape: [3, 3, 2] }),
      nn.layers.gaussianNoise({ stddev: 0.5 }),
      nn.layers.conv2dTranspose({ filters: 3, kernelSize: 4, strides: 2, padding: 'same', activation: 'leakyRelu' }),
      nn.layers.upSampling2d(),
      nn.layers.conv2dTranspose({ filters: 1, kernelSize: 3, activation: 'sigmoid' }),
    ];
    await expectSamePredictions(layers(), 17);
    await expectSamePredictions(layers(), 13);
  });
});
