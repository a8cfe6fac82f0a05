/**
 * Image-layer model files beyond what tfjs writes (issue 10 item 5): what Keras (Python) 2 and 3
 * write for Conv2D, Conv1D, pooling, Flatten and Reshape (`groups`, `keepdims`, dtype policy
 * objects, Keras 3's InputLayer `batch_shape`) loads and predicts what tfjs predicts with the
 * same weights; bad configs of these layers give a ModelFileError naming the place in the file,
 * and no model.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { ModelFileError } from '../../src/io/strict';
import { maxAbsDiff, seededValues, tempDir, tfjsSaveToDir, tfReady } from './tfjs-files';

type TF = Awaited<ReturnType<typeof tfReady>>;
let tf: TF;
beforeAll(async () => {
  tf = await tfReady();
});

type Keras = 2 | 3;

/** One layer as Keras `version` serializes it (Keras 3: module, registered_name, dtype policy). */
function layer(version: Keras, className: string, name: string, config: object): object {
  const dtype =
    version === 3
      ? { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null }
      : 'float32';
  const out = { class_name: className, config: { name, trainable: true, dtype, ...config } };
  return version === 3 ? { module: 'keras.layers', registered_name: null, ...out } : out;
}

function initializer(version: Keras, className: string): object {
  const config = className === 'Zeros' ? {} : { seed: null };
  return version === 3
    ? { module: 'keras.initializers', class_name: className, config, registered_name: null }
    : { class_name: className, config };
}

function conv(version: Keras, className: 'Conv2D' | 'Conv1D', name: string, o: Record<string, unknown>): object {
  const rank = className === 'Conv2D' ? 2 : 1;
  const axes = (v: unknown) => (Array.isArray(v) ? v : new Array(rank).fill(v ?? 1));
  return layer(version, className, name, {
    filters: o.filters,
    kernel_size: axes(o.kernel_size),
    strides: axes(o.strides),
    padding: o.padding ?? 'valid',
    data_format: 'channels_last',
    dilation_rate: axes(o.dilation_rate),
    groups: 1,
    activation: o.activation ?? 'linear',
    use_bias: true,
    kernel_initializer: initializer(version, 'GlorotUniform'),
    bias_initializer: initializer(version, 'Zeros'),
    kernel_regularizer: null,
    bias_regularizer: null,
    activity_regularizer: null,
    kernel_constraint: null,
    bias_constraint: null,
  });
}

function dense(version: Keras, name: string, units: number, activation: string): object {
  return layer(version, 'Dense', name, {
    units,
    activation,
    use_bias: true,
    kernel_initializer: initializer(version, 'GlorotUniform'),
    bias_initializer: initializer(version, 'Zeros'),
    kernel_regularizer: null,
    bias_regularizer: null,
    activity_regularizer: null,
    kernel_constraint: null,
    bias_constraint: null,
  });
}

function inputLayer(version: Keras, dims: number[]): object {
  const shape = [null, ...dims];
  return version === 3
    ? {
        module: 'keras.layers',
        class_name: 'InputLayer',
        config: { batch_shape: shape, dtype: 'float32', sparse: false, optional: false, name: 'input_layer' },
        registered_name: null,
      }
    : {
        class_name: 'InputLayer',
        config: { batch_input_shape: shape, dtype: 'float32', sparse: false, ragged: false, name: 'input_1' },
      };
}

/** The same network in Keras's JSON and in tfjs, and its weights' shapes. */
interface KerasCase {
  name: string;
  inputShape: number[];
  layers: (v: Keras) => object[];
  tfjs: (t: TF) => ReturnType<TF['sequential']>;
  weights: [string, number[]][];
}

const CASES: KerasCase[] = [
  {
    name: 'zero padding → conv same stride 2 → maxPool → conv dilation → batch norm → globalAverage (keepdims false) → dense',
    inputShape: [9, 8, 2],
    layers: (v) => [
      inputLayer(v, [9, 8, 2]),
      layer(v, 'ZeroPadding2D', 'zero_padding2d', {
        padding: [
          [1, 0],
          [0, 2],
        ],
        data_format: 'channels_last',
      }),
      conv(v, 'Conv2D', 'conv2d', { filters: 4, kernel_size: 3, strides: 2, padding: 'same', activation: 'relu' }),
      layer(v, 'MaxPooling2D', 'max_pooling2d', {
        pool_size: [2, 2],
        padding: 'same',
        strides: [1, 1],
        data_format: 'channels_last',
      }),
      conv(v, 'Conv2D', 'conv2d_1', { filters: 3, kernel_size: [2, 2], dilation_rate: 2, activation: 'tanh' }),
      layer(v, 'BatchNormalization', 'batch_normalization', {
        // Keras 2 writes the axis as a list of one
        axis: v === 2 ? [3] : -1,
        momentum: 0.99,
        epsilon: 0.001,
        center: true,
        scale: true,
        beta_initializer: initializer(v, 'Zeros'),
        gamma_initializer: initializer(v, 'Ones'),
        moving_mean_initializer: initializer(v, 'Zeros'),
        moving_variance_initializer: initializer(v, 'Ones'),
        beta_regularizer: null,
        gamma_regularizer: null,
        beta_constraint: null,
        gamma_constraint: null,
        ...(v === 3 ? { synchronized: false } : {}),
      }),
      layer(v, 'GlobalAveragePooling2D', 'global_average_pooling2d', { data_format: 'channels_last', keepdims: false }),
      dense(v, 'dense', 3, 'softmax'),
    ],
    tfjs: (t) =>
      t.sequential({
        layers: [
          t.layers.zeroPadding2d({
            padding: [
              [1, 0],
              [0, 2],
            ],
            inputShape: [9, 8, 2],
          }),
          t.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
          t.layers.maxPooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
          t.layers.conv2d({ filters: 3, kernelSize: 2, dilationRate: 2, activation: 'tanh' }),
          t.layers.batchNormalization({}),
          t.layers.globalAveragePooling2d({}),
          t.layers.dense({ units: 3, activation: 'softmax' }),
        ],
      }),
    weights: [
      ['conv2d/kernel', [3, 3, 2, 4]],
      ['conv2d/bias', [4]],
      ['conv2d_1/kernel', [2, 2, 4, 3]],
      ['conv2d_1/bias', [3]],
      ['batch_normalization/gamma', [3]],
      ['batch_normalization/beta', [3]],
      ['batch_normalization/moving_mean', [3]],
      ['batch_normalization/moving_variance', [3]],
      ['dense/kernel', [3, 3]],
      ['dense/bias', [3]],
    ],
  },
  {
    name: 'conv1d same dilation 2 → flatten → reshape → avgPool → globalMax → dense',
    inputShape: [8, 3],
    layers: (v) => [
      inputLayer(v, [8, 3]),
      conv(v, 'Conv1D', 'conv1d', {
        filters: 4,
        kernel_size: [3],
        padding: 'same',
        dilation_rate: [2],
        activation: 'elu',
      }),
      layer(v, 'Flatten', 'flatten', { data_format: 'channels_last' }),
      layer(v, 'Reshape', 'reshape', { target_shape: [4, 4, 2] }),
      layer(v, 'AveragePooling2D', 'average_pooling2d', {
        pool_size: [2, 3],
        padding: 'valid',
        strides: [1, 1],
        data_format: 'channels_last',
      }),
      layer(v, 'GlobalMaxPooling2D', 'global_max_pooling2d', { data_format: 'channels_last', keepdims: false }),
      dense(v, 'dense', 2, 'linear'),
    ],
    tfjs: (t) =>
      t.sequential({
        layers: [
          t.layers.conv1d({
            filters: 4,
            kernelSize: 3,
            padding: 'same',
            dilationRate: 2,
            activation: 'elu',
            inputShape: [8, 3],
          }),
          t.layers.flatten(),
          t.layers.reshape({ targetShape: [4, 4, 2] }),
          t.layers.averagePooling2d({ poolSize: [2, 3], strides: 1 }),
          t.layers.globalMaxPooling2d({}),
          t.layers.dense({ units: 2 }),
        ],
      }),
    weights: [
      ['conv1d/kernel', [3, 3, 4]],
      ['conv1d/bias', [4]],
      ['dense/kernel', [2, 2]],
      ['dense/bias', [2]],
    ],
  },
];

async function writeKeras(c: KerasCase, version: Keras): Promise<{ dir: string; values: Float32Array[] }> {
  const dir = await tempDir();
  const policy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
  const json = {
    format: 'layers-model',
    generatedBy: version === 3 ? 'keras v3.3.3' : 'keras v2.13.1',
    convertedBy: 'TensorFlow.js Converter v4.22.0',
    modelTopology: {
      keras_version: version === 3 ? '3.3.3' : '2.13.1',
      backend: 'tensorflow',
      class_name: 'Sequential',
      config:
        version === 3
          ? { name: 'sequential', trainable: true, dtype: policy, layers: c.layers(3) }
          : { name: 'sequential', layers: c.layers(2) },
    },
    weightsManifest: [
      {
        paths: ['group1-shard1of1.bin'],
        weights: c.weights.map(([name, shape]) => ({ name, shape, dtype: 'float32' })),
      },
    ],
  };
  const values = c.weights.map(([name, shape], i) => {
    const v = seededValues(
      shape.reduce((a, b) => a * b, 1),
      30 + i,
    );
    return name.endsWith('moving_variance') ? v.map((x) => 0.5 + Math.abs(x)) : v;
  });
  const bytes = new Uint8Array(values.reduce((n, v) => n + v.byteLength, 0));
  let at = 0;
  for (const v of values) {
    bytes.set(new Uint8Array(v.buffer), at);
    at += v.byteLength;
  }
  await fsp.writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
  await fsp.writeFile(path.join(dir, 'group1-shard1of1.bin'), bytes);
  return { dir, values };
}

describe('files from Keras (Python) with image layers', () => {
  for (const c of CASES) {
    for (const version of [2, 3] as const) {
      it(`Keras ${version}: ${c.name} predicts what tfjs predicts with the same weights`, async () => {
        const { dir, values } = await writeKeras(c, version);
        const model = await nn.loadModel(dir);
        expect(model.inputShape).toEqual(c.inputShape);
        const t = c.tfjs(tf);
        // tfjs's weight order: every trainable weight, then the moving statistics
        const byName = new Map(c.weights.map(([name, shape], i) => [name, tf.tensor(values[i], shape)]));
        const moving = (n: string) => n.includes('moving');
        const order = [...c.weights.filter(([n]) => !moving(n)), ...c.weights.filter(([n]) => moving(n))];
        t.setWeights(order.map(([n]) => byName.get(n) as ReturnType<TF['tensor']>));
        const rows = 5;
        const x = seededValues(rows * model.inputSize, 12);
        const ours = model.predict(new nn.Tensor(x, [rows, ...c.inputShape]));
        const theirs = t.predict(tf.tensor(x, [rows, ...c.inputShape])) as ReturnType<TF['tensor']>;
        expect(ours.shape).toEqual(theirs.shape);
        expect(maxAbsDiff(ours.data, theirs.dataSync())).toBeLessThanOrEqual(1e-4);
      });
    }
  }
});

// ---------------------------------------------------------------- bad files

let good2d: string;
let good1d: string;
let goodGlobal: string;
let goodBn: string;
let goodPad: string;
beforeAll(async () => {
  const t = await tfReady();
  const m2 = t.sequential({
    layers: [
      t.layers.conv2d({ filters: 4, kernelSize: 3, inputShape: [10, 9, 2] }),
      t.layers.maxPooling2d({ poolSize: 2 }),
      t.layers.flatten(),
      t.layers.reshape({ targetShape: [2, 24] }),
      t.layers.dense({ units: 2 }),
    ],
  });
  const m1 = t.sequential({
    layers: [
      t.layers.conv1d({ filters: 2, kernelSize: 3, inputShape: [7, 3] }),
      t.layers.flatten(),
      t.layers.dense({ units: 1 }),
    ],
  });
  const mg = t.sequential({
    layers: [
      t.layers.conv2d({ filters: 2, kernelSize: 2, inputShape: [4, 4, 1] }),
      t.layers.globalAveragePooling2d({}),
      t.layers.dense({ units: 1 }),
    ],
  });
  const mb = t.sequential({
    layers: [
      t.layers.conv2d({ filters: 2, kernelSize: 2, inputShape: [4, 4, 1] }),
      t.layers.batchNormalization({}),
      t.layers.flatten(),
      t.layers.dense({ units: 1 }),
    ],
  });
  const mp = t.sequential({
    layers: [
      t.layers.zeroPadding2d({ padding: 1, inputShape: [3, 3, 1] }),
      t.layers.flatten(),
      t.layers.dense({ units: 1 }),
    ],
  });
  goodPad = await tempDir();
  await tfjsSaveToDir(mp, goodPad);
  goodBn = await tempDir();
  await tfjsSaveToDir(mb, goodBn);
  good2d = await tempDir();
  good1d = await tempDir();
  goodGlobal = await tempDir();
  await tfjsSaveToDir(m2, good2d);
  await tfjsSaveToDir(m1, good1d);
  await tfjsSaveToDir(mg, goodGlobal);
});

/** A copy of a good folder with one thing in its model.json changed by `edit`. */
async function broken(good: string, edit: (layers: { class_name: string; config: Record<string, unknown> }[]) => void) {
  const dir = await tempDir();
  await fsp.cp(good, dir, { recursive: true });
  const json = JSON.parse(await fsp.readFile(path.join(dir, 'model.json'), 'utf8'));
  edit(json.modelTopology.config.layers);
  await fsp.writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
  return dir;
}

async function expectModelFileError(dir: string, message: RegExp): Promise<void> {
  let model: unknown;
  let error: unknown;
  try {
    model = await nn.loadModel(dir);
  } catch (e) {
    error = e;
  }
  expect(model).toBeUndefined(); // no half-built model comes back
  expect(error).toBeInstanceOf(ModelFileError);
  expect((error as Error).message).toMatch(/model\.json\.modelTopology\.config\.layers\[\d\]/);
  expect((error as Error).message, (error as Error).message).toMatch(message);
}

describe('bad image-layer configs: a ModelFileError naming the place, never a crash or a model', () => {
  it('the good folders load (so each failure below is the broken part)', async () => {
    for (const dir of [good2d, good1d, goodGlobal, goodBn, goodPad]) expect(await nn.loadModel(dir)).toBeTruthy();
  });

  const cases: [
    string,
    () => string,
    (l: { class_name: string; config: Record<string, unknown> }[]) => void,
    RegExp,
  ][] = [
    [
      'kernel_size of the wrong arity',
      () => good2d,
      (l) => {
        l[0].config.kernel_size = [3];
      },
      /layers\[0\] \(Conv2D\)\.config\.kernel_size: kernel_size must be a number or an array of 2 numbers, got \[3\]/,
    ],
    [
      'kernel_size of three axes on a Conv1D',
      () => good1d,
      (l) => {
        l[0].config.kernel_size = [3, 3, 3];
      },
      /layers\[0\] \(Conv1D\)\.config\.kernel_size: kernel_size must be a number or an array of 1 numbers/,
    ],
    [
      'strides 0',
      () => good2d,
      (l) => {
        l[0].config.strides = [0, 1];
      },
      /layers\[0\] \(Conv2D\)\.config\.strides: strides\[0\] must be .*got 0/,
    ],
    [
      "padding 'causal' on a Conv1D",
      () => good1d,
      (l) => {
        l[0].config.padding = 'causal';
      },
      /layers\[0\] \(Conv1D\)\.config\.padding must be 'valid' or 'same', got 'causal'/,
    ],
    [
      'data_format channels_first on a Conv2D',
      () => good2d,
      (l) => {
        l[0].config.data_format = 'channels_first';
      },
      /layers\[0\] \(Conv2D\)\.config\.data_format: only 'channels_last' is supported, got 'channels_first'/,
    ],
    [
      'data_format channels_first on a MaxPooling2D',
      () => good2d,
      (l) => {
        l[1].config.data_format = 'channels_first';
      },
      /layers\[1\] \(MaxPooling2D\)\.config\.data_format: only 'channels_last'/,
    ],
    [
      'data_format channels_first on a Flatten',
      () => good2d,
      (l) => {
        l[2].config.data_format = 'channels_first';
      },
      /layers\[2\] \(Flatten\)\.config\.data_format: only 'channels_last'/,
    ],
    [
      'data_format channels_first on a GlobalAveragePooling2D',
      () => goodGlobal,
      (l) => {
        l[1].config.data_format = 'channels_first';
      },
      /layers\[1\] \(GlobalAveragePooling2D\)\.config\.data_format: only 'channels_last'/,
    ],
    [
      'a kernel larger than the input',
      () => good2d,
      (l) => {
        l[0].config.kernel_size = [11, 3];
      },
      /layers\[0\] \(Conv2D\): conv2d_\w+: the window \(11\) is larger than the input height \(10\) with padding 'valid'/,
    ],
    [
      'a pool larger than its input',
      () => good2d,
      (l) => {
        l[1].config.pool_size = [2, 8];
      },
      /layers\[1\] \(MaxPooling2D\): max_pooling2d_\w+: .*larger than the input width \(7\)/,
    ],
    [
      'filters 0',
      () => good2d,
      (l) => {
        l[0].config.filters = 0;
      },
      /layers\[0\] \(Conv2D\)\.config\.filters must be an integer from 1/,
    ],
    [
      'pool_size 0',
      () => good2d,
      (l) => {
        l[1].config.pool_size = 0;
      },
      /layers\[1\] \(MaxPooling2D\)\.config\.pool_size: poolSize\[0\] must be|pool_size.*must be/,
    ],
    [
      'strides and dilation both above 1',
      () => good2d,
      (l) => {
        l[0].config.strides = [2, 2];
        l[0].config.dilation_rate = [2, 2];
      },
      /layers\[0\] \(Conv2D\)\.config: .*strides > 1 together with dilationRate > 1 is not supported/,
    ],
    [
      'groups 2',
      () => good2d,
      (l) => {
        l[0].config.groups = 2;
      },
      /layers\[0\] \(Conv2D\)\.config\.groups: grouped convolutions are not supported/,
    ],
    [
      'keepdims true',
      () => goodGlobal,
      (l) => {
        l[1].config.keepdims = true;
      },
      /layers\[1\] \(GlobalAveragePooling2D\)\.config\.keepdims: keepdims is not supported/,
    ],
    [
      'a reshape to another size',
      () => good2d,
      (l) => {
        l[3].config.target_shape = [5, 24];
      },
      /layers\[3\] \(Reshape\): reshape_\w+: cannot reshape an input of 48 values per sample/,
    ],
    [
      'a conv on an input of the wrong rank',
      () => good2d,
      (l) => {
        l[0].config.batch_input_shape = [null, 10, 18];
      },
      /layers\[0\] \(Conv2D\): conv2d_\w+: expects an input of shape \(batch, height, width, channels\)/,
    ],
    [
      'a batch normalization over an axis other than the channels',
      () => goodBn,
      (l) => {
        l[1].config.axis = 1;
      },
      /layers\[1\] \(BatchNormalization\): batch_normalization_\w+: only the last axis \(-1 or 3\) can be normalized/,
    ],
    [
      'a batch normalization with renorm',
      () => goodBn,
      (l) => {
        l[1].config.renorm = true;
      },
      /layers\[1\] \(BatchNormalization\)\.config\.renorm: renorm is not supported/,
    ],
    [
      'a negative zero padding',
      () => goodPad,
      (l) => {
        l[0].config.padding = [
          [1, -1],
          [0, 0],
        ];
      },
      /layers\[0\] \(ZeroPadding2D\)\.config\.padding: zeroPadding2d: padding must be an integer from 0/,
    ],
    [
      'a kernel_size that is not a number',
      () => good2d,
      (l) => {
        l[0].config.kernel_size = ['3', 3];
      },
      /layers\[0\] \(Conv2D\)\.config\.kernel_size: kernel_size\[0\] must be/,
    ],
  ];
  it.each(cases)('%s', async (_name, good, edit, message) => {
    await expectModelFileError(await broken(good(), edit), message);
  });
});
