/** Files written by TensorFlow.js itself decode into the right spec, weights and optimizer state. */
import { beforeAll, describe, expect, it } from 'vitest';
import { readModelFiles } from '../../src/io/validate-files';
import { matchWeights } from '../../src/io/weight-names';
import { packWeights, unpackWeights } from '../../src/io/weights';
import { seededValues, tempDir, tfjsSaveToDir, tfReady } from './tfjs-files';

type TF = Awaited<ReturnType<typeof tfReady>>;
let tf: TF;
beforeAll(async () => {
  tf = await tfReady();
});

function buildTfjsModel(optimizer: ReturnType<TF['train']['adam']>) {
  const m = tf.sequential();
  m.add(
    tf.layers.dense({
      units: 6,
      activation: 'relu',
      inputShape: [4],
      kernelRegularizer: tf.regularizers.l1l2({ l1: 0.001, l2: 0.002 }),
    }),
  );
  m.add(tf.layers.dropout({ rate: 0.25 }));
  m.add(tf.layers.dense({ units: 5, useBias: false }));
  m.add(tf.layers.leakyReLU({ alpha: 0.15 }));
  m.add(tf.layers.dense({ units: 4, activation: 'tanh' }));
  m.add(tf.layers.elu());
  m.add(tf.layers.dense({ units: 3, activation: 'softmax' }));
  m.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

async function trainTfjs(m: ReturnType<typeof buildTfjsModel>) {
  const x = tf.tensor2d(seededValues(32 * 4, 1), [32, 4]);
  const y = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: 32 }, (_, i) => i % 3),
      'int32',
    ),
    3,
  );
  await m.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
}

describe('weights.bin packing', () => {
  it('round-trips float32 and int32 little-endian in manifest order with no header', () => {
    const a = Float32Array.of(1.5, -2, 3.25, Number.MIN_VALUE);
    const it32 = Int32Array.of(123456);
    const { specs, bytes } = packWeights([
      { name: 'a', shape: [2, 2], data: a },
      { name: 'iter', shape: [], data: it32, group: 'optimizer' },
    ]);
    expect(bytes.byteLength).toBe(20);
    expect(new DataView(bytes.buffer).getFloat32(4, true)).toBe(-2);
    expect(new DataView(bytes.buffer).getInt32(16, true)).toBe(123456);
    expect(specs[1]).toEqual({ name: 'iter', shape: [], dtype: 'int32', group: 'optimizer' });
    const back = unpackWeights(specs, bytes);
    expect(Array.from(back[0].data)).toEqual(Array.from(a));
    expect(back[1].data).toBeInstanceOf(Int32Array);
    expect(back[1].data[0]).toBe(123456);
    expect(() => unpackWeights(specs, bytes.subarray(0, 16))).toThrow(/describes 20 bytes/);
  });
});

describe('reading files written by tfjs', () => {
  for (const shardBytes of [undefined, 40]) {
    it(`decodes topology, weights and Adam state (${shardBytes ? 'split into 40-byte shards' : 'one weights.bin'})`, async () => {
      const m = buildTfjsModel(tf.train.adam(0.01));
      await trainTfjs(m);
      const dir = await tempDir();
      await tfjsSaveToDir(m, dir, { shardBytes, includeOptimizer: true });
      const files = await readModelFiles(dir);
      const { spec } = files;
      expect(spec.inputShape).toEqual([4]);
      expect(spec.layers.map((l) => `${l.className}:${'activation' in l ? l.activation : ''}`)).toEqual([
        'Dense:relu',
        'Dropout:',
        'Dense:linear',
        'LeakyReLU:leakyRelu',
        'Dense:tanh',
        'ELU:elu',
        'Dense:softmax',
      ]);
      expect(spec.layers[0]).toMatchObject({ units: 6, useBias: true, kernelRegularizer: { l1: 0.001, l2: 0.002 } });
      expect(spec.layers[2]).toMatchObject({ units: 5, useBias: false });
      expect(spec.layers[3]).toMatchObject({ alpha: 0.15 });
      expect(spec.layers[1]).toMatchObject({ rate: 0.25 });
      expect(spec.training).toMatchObject({ loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      expect(spec.training?.optimizer).toMatchObject({ kind: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999 });

      const { params, optimizer } = matchWeights(spec, files.weights, dir);
      const tfWeights = m.getWeights();
      expect(params.length).toBe(tfWeights.length);
      params.forEach((p, i) => {
        expect(Array.from(p)).toEqual(Array.from(tfWeights[i].dataSync()));
      });
      // 2 epochs × 4 batches
      expect(optimizer?.iterations).toBe(8);
      const tfOpt = await m.optimizer.getWeights();
      // tfjs order: iter, every m, every v
      expect(Array.from(optimizer!.slots[0][0])).toEqual(Array.from(tfOpt[1].tensor.dataSync()));
      expect(Array.from(optimizer!.slots[0][1])).toEqual(Array.from(tfOpt[1 + params.length].tensor.dataSync()));
      expect(Array.from(optimizer!.slots[params.length - 1][1])).toEqual(
        Array.from(tfOpt[tfOpt.length - 1].tensor.dataSync()),
      );
    });
  }

  for (const [name, make, kind, slots] of [
    ['SGD', () => tf.train.sgd(0.1), 'sgd', 0],
    ['Momentum', () => tf.train.momentum(0.1, 0.8, true), 'momentum', 1],
    ['RMSProp', () => tf.train.rmsprop(0.01, 0.95, 0.5), 'rmsprop', 2],
    ['Adagrad', () => tf.train.adagrad(0.05), 'adagrad', 1],
  ] as const) {
    it(`decodes the ${name} optimizer config and its slots`, async () => {
      const m = buildTfjsModel(make() as never);
      await trainTfjs(m);
      const dir = await tempDir();
      await tfjsSaveToDir(m, dir, { includeOptimizer: true });
      const files = await readModelFiles(dir);
      expect(files.spec.training?.optimizer.kind).toBe(kind);
      const { optimizer } = matchWeights(files.spec, files.weights, dir);
      expect(optimizer?.iterations).toBe(8);
      expect(optimizer?.slots[0].length).toBe(slots);
      if (kind === 'rmsprop') expect(files.spec.training?.optimizer).toMatchObject({ rho: 0.95, momentum: 0.5 });
      if (kind === 'momentum') expect(files.spec.training?.optimizer).toMatchObject({ momentum: 0.8, nesterov: true });
    });
  }
});

describe('files converted from Keras (Python)', () => {
  it('reads a Keras 2 topology, snake_case optimizer config and converter shard names', async () => {
    const { promises: fsp } = await import('node:fs');
    const path = await import('node:path');
    const dir = await tempDir();
    const dense = (name: string, units: number, activation: string, extra: object = {}) => ({
      class_name: 'Dense',
      config: {
        name,
        trainable: true,
        dtype: 'float32',
        units,
        activation,
        use_bias: true,
        kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
        bias_initializer: { class_name: 'Zeros', config: {} },
        kernel_regularizer: null,
        bias_regularizer: null,
        activity_regularizer: null,
        kernel_constraint: null,
        bias_constraint: null,
        ...extra,
      },
    });
    const json = {
      format: 'layers-model',
      generatedBy: 'keras v2.13.1',
      convertedBy: 'TensorFlow.js Converter v4.22.0',
      modelTopology: {
        keras_version: '2.13.1',
        backend: 'tensorflow',
        class_name: 'Sequential',
        config: {
          name: 'sequential',
          layers: [
            {
              class_name: 'InputLayer',
              config: {
                batch_input_shape: [null, 3],
                dtype: 'float32',
                sparse: false,
                ragged: false,
                name: 'dense_input',
              },
            },
            dense('dense', 4, 'relu'),
            {
              class_name: 'Dropout',
              config: { name: 'dropout', trainable: true, dtype: 'float32', rate: 0.5, noise_shape: null, seed: null },
            },
            dense('dense_1', 2, 'softmax'),
          ],
        },
      },
      trainingConfig: {
        loss: 'categorical_crossentropy',
        metrics: ['accuracy'],
        weighted_metrics: null,
        loss_weights: null,
        optimizer_config: {
          class_name: 'Adam',
          config: {
            name: 'Adam',
            weight_decay: null,
            clipnorm: null,
            global_clipnorm: null,
            clipvalue: null,
            use_ema: false,
            ema_momentum: 0.99,
            ema_overwrite_frequency: null,
            jit_compile: false,
            is_legacy_optimizer: false,
            learning_rate: 0.0005,
            beta_1: 0.85,
            beta_2: 0.99,
            epsilon: 1e-7,
            amsgrad: false,
          },
        },
      },
      weightsManifest: [
        {
          paths: ['group1-shard1of1.bin'],
          weights: [
            { name: 'dense/kernel', shape: [3, 4], dtype: 'float32' },
            { name: 'dense/bias', shape: [4], dtype: 'float32' },
            { name: 'dense_1/kernel', shape: [4, 2], dtype: 'float32' },
            { name: 'dense_1/bias', shape: [2], dtype: 'float32' },
          ],
        },
      ],
    };
    await fsp.writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
    const values = seededValues(12 + 4 + 8 + 2, 3);
    await fsp.writeFile(path.join(dir, 'group1-shard1of1.bin'), new Uint8Array(values.buffer));
    const files = await readModelFiles(path.join(dir, 'model.json'));
    expect(files.spec.layers.map((l) => l.className)).toEqual(['Dense', 'Dropout', 'Dense']);
    expect(files.spec.training?.optimizer).toMatchObject({
      kind: 'adam',
      learningRate: 0.0005,
      beta1: 0.85,
      beta2: 0.99,
    });
    const { params } = matchWeights(files.spec, files.weights, dir);
    expect(Array.from(params[3])).toEqual(Array.from(values.subarray(24)));

    // Keras clipping is read; a Keras feature nativenn lacks is named, not ignored
    json.trainingConfig.optimizer_config.config.clipnorm = 1 as never;
    await fsp.writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
    expect((await readModelFiles(dir)).spec.training?.optimizer.clipnorm).toBe(1);
    json.trainingConfig.optimizer_config.config.global_clipnorm = 1 as never;
    await fsp.writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
    await expect(readModelFiles(dir)).rejects.toThrow(/globalClipnorm is not supported \(got 1\)/);
  });
});
