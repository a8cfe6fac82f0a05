/** The image layers' shapes, parameter counts and argument errors (issue 10), against the shapes
 *  Keras / TensorFlow.js give for the same layers. */
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';

const shapeOf = (layers: nn.layers.Layer[]) => {
  const m = nn.sequential({ layers });
  return m.outputShape;
};

describe('image layer shapes (as tfjs computes them)', () => {
  it.each([
    ['valid 3×3', { filters: 8, kernelSize: 3 }, [28, 28, 1], [26, 26, 8]],
    ['same 3×3', { filters: 8, kernelSize: 3, padding: 'same' }, [28, 28, 1], [28, 28, 8]],
    ['same stride 2, odd input', { filters: 4, kernelSize: 3, strides: 2, padding: 'same' }, [7, 9, 2], [4, 5, 4]],
    ['valid stride 2', { filters: 4, kernelSize: [3, 2], strides: [2, 1] }, [7, 9, 2], [3, 8, 4]],
    ['dilation 2', { filters: 1, kernelSize: 3, dilationRate: 2 }, [10, 10, 3], [6, 6, 1]],
    ['kernel larger than the input, same', { filters: 2, kernelSize: 5, padding: 'same' }, [3, 3, 1], [3, 3, 2]],
  ] as const)('conv2d %s', (_n, args, input, out) => {
    expect(shapeOf([nn.layers.conv2d({ ...(args as nn.layers.ConvArgs), inputShape: [...input] })])).toEqual(out);
  });

  it('conv1d, pooling, global pooling, flatten and reshape', () => {
    expect(shapeOf([nn.layers.conv1d({ filters: 5, kernelSize: 3, inputShape: [10, 2] })])).toEqual([8, 5]);
    expect(
      shapeOf([nn.layers.conv1d({ filters: 5, kernelSize: 3, strides: 2, padding: 'same', inputShape: [10, 2] })]),
    ).toEqual([5, 5]);
    expect(shapeOf([nn.layers.maxPooling2d({ inputShape: [27, 27, 3] })])).toEqual([13, 13, 3]);
    expect(shapeOf([nn.layers.averagePooling2d({ padding: 'same', inputShape: [27, 27, 3] })])).toEqual([14, 14, 3]);
    expect(shapeOf([nn.layers.maxPooling2d({ poolSize: 3, strides: 1, inputShape: [5, 5, 1] })])).toEqual([3, 3, 1]);
    expect(shapeOf([nn.layers.globalAveragePooling2d({ inputShape: [5, 4, 7] })])).toEqual([7]);
    expect(shapeOf([nn.layers.globalMaxPooling2d({ inputShape: [5, 4, 7] })])).toEqual([7]);
    expect(shapeOf([nn.layers.flatten({ inputShape: [5, 4, 7] })])).toEqual([140]);
    expect(shapeOf([nn.layers.reshape({ targetShape: [2, -1], inputShape: [5, 4] })])).toEqual([2, 10]);
    expect(shapeOf([nn.layers.zeroPadding2d({ inputShape: [5, 4, 3] })])).toEqual([7, 6, 3]);
    expect(shapeOf([nn.layers.zeroPadding2d({ padding: [2, 0], inputShape: [5, 4, 3] })])).toEqual([9, 4, 3]);
    expect(
      shapeOf([
        nn.layers.zeroPadding2d({
          padding: [
            [0, 1],
            [2, 3],
          ],
          inputShape: [5, 4, 3],
        }),
      ]),
    ).toEqual([6, 9, 3]);
  });

  it('parameter counts and the summary match Keras', () => {
    const m = nn.sequential({
      layers: [
        nn.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
        nn.layers.maxPooling2d({ poolSize: 2 }),
        nn.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
        nn.layers.maxPooling2d({ poolSize: 2 }),
        nn.layers.flatten(),
        nn.layers.dense({ units: 128, activation: 'relu' }),
        nn.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    // Keras: 320 + 18,496 + 204,928 + 1,290
    expect(m.countParams()).toBe(225034);
    const text = m.summary({ print: false });
    expect(text).toContain('(None, 26, 26, 32)');
    expect(text).toContain('(None, 5, 5, 64)');
    expect(text).toContain('(None, 1600)');
    expect(m.getWeights().map((w) => w.shape)).toEqual([
      [3, 3, 1, 32],
      [32],
      [3, 3, 32, 64],
      [64],
      [1600, 128],
      [128],
      [128, 10],
      [10],
    ]);
  });
});

describe('image layer errors: a clear TypeError / RangeError, never a crash', () => {
  it.each([
    ['zero filters', () => nn.layers.conv2d({ filters: 0, kernelSize: 3 }), RangeError, /filters/],
    [
      'no kernelSize',
      () => nn.layers.conv2d({ filters: 2 } as nn.layers.ConvArgs),
      TypeError,
      /kernelSize is required/,
    ],
    ['strides 0', () => nn.layers.conv2d({ filters: 2, kernelSize: 3, strides: 0 }), RangeError, /strides\[0\]/],
    ['kernelSize of 3 axes', () => nn.layers.conv2d({ filters: 2, kernelSize: [3, 3, 3] }), TypeError, /kernelSize/],
    [
      'strides with dilation',
      () => nn.layers.conv2d({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 }),
      RangeError,
      /dilationRate/,
    ],
    [
      'unknown padding',
      () => nn.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'full' as 'same' }),
      RangeError,
      /padding/,
    ],
    [
      'causal conv1d',
      () => nn.layers.conv1d({ filters: 2, kernelSize: 3, padding: 'causal' as 'same' }),
      RangeError,
      /causal/,
    ],
    [
      'channelsFirst',
      () => nn.layers.conv2d({ filters: 2, kernelSize: 3, dataFormat: 'channelsFirst' as 'channelsLast' }),
      RangeError,
      /channelsFirst/,
    ],
    ['pool strides 0', () => nn.layers.maxPooling2d({ strides: 0 }), RangeError, /strides/],
    ['reshape two -1', () => nn.layers.reshape({ targetShape: [-1, -1] }), RangeError, /-1/],
    ['negative zero padding', () => nn.layers.zeroPadding2d({ padding: -1 }), RangeError, /padding/],
    ['zero padding of 3 axes', () => nn.layers.zeroPadding2d({ padding: [1, 1, 1] as never }), RangeError, /padding/],
  ] as const)('%s', (_n, make, type, message) => {
    expect(make).toThrow(type);
    expect(make).toThrow(message);
  });

  it('a kernel larger than the input with valid padding names the layer', () => {
    expect(() =>
      nn.sequential({ layers: [nn.layers.conv2d({ name: 'c1', filters: 2, kernelSize: 5, inputShape: [3, 3, 1] })] }),
    ).toThrow(/c1: the window \(5\) is larger than the input height \(3\)/);
    expect(() =>
      nn.sequential({ layers: [nn.layers.maxPooling2d({ name: 'p', poolSize: 4, inputShape: [3, 8, 1] })] }),
    ).toThrow(RangeError);
  });

  it('image layers refuse inputs of the wrong rank', () => {
    expect(() => nn.sequential({ layers: [nn.layers.conv2d({ filters: 2, kernelSize: 1, inputShape: [8] })] })).toThrow(
      /\(batch, height, width, channels\)/,
    );
    expect(() => nn.sequential({ layers: [nn.layers.globalMaxPooling2d({ inputShape: [4, 4] })] })).toThrow(RangeError);
    expect(() => nn.sequential({ layers: [nn.layers.reshape({ targetShape: [3, 3], inputShape: [8] })] })).toThrow(
      /cannot reshape/,
    );
  });

  it('predict and fit check x against the image input shape, with a reshape hint', async () => {
    const m = nn.sequential({
      layers: [nn.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [4, 4, 1] }), nn.layers.flatten()],
    });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    expect(() => m.predict(nn.tensor2d(new Float32Array(32), [2, 16]))).toThrow(
      /x must have shape \[rows, 4, 4, 1\].*x\.reshape\(\[2, 4, 4, 1\]\)/,
    );
    expect(() => m.predict(nn.tensor(new Float32Array(32), [2, 4, 4, 1]))).not.toThrow();
    expect(m.predict(nn.tensor(new Float32Array(32), [2, 4, 4, 1])).shape).toEqual([2, 8]);
    const bad = new Float32Array(32);
    bad[20] = Number.NaN;
    await expect(m.fit(nn.tensor(bad, [2, 4, 4, 1]), nn.tensor2d(new Float32Array(16), [2, 8]))).rejects.toThrow(
      /row 1/,
    );
  });
});
