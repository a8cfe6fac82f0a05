/**
 * The generator layers (UpSampling2D, Conv2DTranspose, GaussianNoise) in TensorFlow.js Layers model
 * files: a tfjs-trained model loads in nativenn and predicts the same; a nativenn-trained model
 * loads in tfjs and predicts the same; nativenn reads its own files back to identical predictions
 * (and the noise seed, so training goes on with the same draws); Keras's extra keys are read.
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

const INPUT = [3, 3, 2];
const ROWS = 6;

describe('generator layers in model files', () => {
  it('TensorFlow.js → nativenn: a trained generator loads, names its classes and predicts the same', async () => {
    const t = tf.sequential();
    t.add(tf.layers.gaussianNoise({ stddev: 0.1, inputShape: INPUT }));
    t.add(tf.layers.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, activation: 'relu' }));
    t.add(tf.layers.upSampling2d({ size: [1, 2], interpolation: 'bilinear' }));
    t.add(
      tf.layers.conv2dTranspose({ filters: 2, kernelSize: [2, 3], strides: [2, 1], padding: 'same', useBias: false }),
    );
    t.add(tf.layers.upSampling2d({ size: [2, 2] }));
    t.add(tf.layers.flatten());
    t.add(tf.layers.dense({ units: 2 }));
    t.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
    const x = tf.tensor(seededValues(ROWS * 18, 1), [ROWS, ...INPUT]);
    // one row per batch: tfjs-backend-cpu's ResizeNearestNeighborGrad is wrong for larger batches
    await t.fit(x, tf.tensor2d(seededValues(ROWS * 2, 2), [ROWS, 2]), { epochs: 1, batchSize: 1, verbose: 0 });
    const dir = path.join(await tempDir(), 'tfjs-gen');
    await tfjsSaveToDir(t, dir, { includeOptimizer: true });

    const m = await nn.loadModel(dir);
    expect(m.layers.map((l) => l.className)).toEqual(t.layers.map((l) => l.getClassName()));
    expect(m.optimizer?.iterations).toBe(ROWS);
    const probe = seededValues(4 * 18, 3);
    const ours = m.predict(nn.tensor(probe, [4, ...INPUT]));
    const theirs = t.predict(tf.tensor(probe, [4, ...INPUT])) as TfTensor;
    expect(maxAbsDiff(ours.data, theirs.dataSync())).toBeLessThanOrEqual(1e-5);
    const noise = m.layers[0] as nn.layers.GaussianNoise;
    expect(noise.stddev).toBeCloseTo(0.1, 7);
  });

  it('nativenn → TensorFlow.js: tf.loadLayersModel reads a trained generator and predicts the same', async () => {
    const m = nn.sequential({
      seed: 8,
      layers: [
        nn.layers.dense({ units: 18, inputShape: [5] }),
        nn.layers.reshape({ targetShape: INPUT }),
        nn.layers.gaussianNoise({ stddev: 0.2 }),
        nn.layers.conv2dTranspose({ filters: 4, kernelSize: 4, strides: 2, padding: 'same', activation: 'leakyRelu' }),
        nn.layers.upSampling2d({ interpolation: 'bilinear' }),
        nn.layers.conv2dTranspose({ filters: 1, kernelSize: 3, activation: 'sigmoid' }),
      ],
    });
    m.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'meanSquaredError' });
    const outSize = m.outputShape.reduce((a, b) => (a as number) * (b as number), 1) as number;
    await m.fit(
      nn.tensor2d(seededValues(ROWS * 5, 4), [ROWS, 5]),
      nn.tensor(seededValues(ROWS * outSize, 5), [ROWS, ...(m.outputShape as number[])]),
      {
        epochs: 2,
        batchSize: 3,
        verbose: 0,
      },
    );
    const dir = path.join(await tempDir(), 'nn-gen');
    await m.save(dir, { includeOptimizer: true });
    const json = JSON.parse(await fsp.readFile(path.join(dir, 'model.json'), 'utf8'));
    const classes = json.modelTopology.config.layers.map((l: { class_name: string }) => l.class_name);
    expect(classes).toEqual([
      'Dense',
      'Reshape',
      'GaussianNoise',
      'Conv2DTranspose',
      'LeakyReLU',
      'UpSampling2D',
      'Conv2DTranspose',
    ]);

    const t = await tfjsLoadFromDir(dir);
    const probe = seededValues(4 * 5, 6);
    const ours = m.predict(nn.tensor2d(probe, [4, 5]));
    const theirs = t.predict(tf.tensor2d(probe, [4, 5])) as TfTensor;
    expect(theirs.shape).toEqual(ours.shape);
    expect(maxAbsDiff(ours.data, theirs.dataSync())).toBeLessThanOrEqual(1e-5);

    // nativenn reads it back: identical predictions, and the noise of the same seed at the same step
    const back = await nn.loadModel(dir);
    expect(Array.from(back.predict(nn.tensor2d(probe, [4, 5])).data)).toEqual(Array.from(ours.data));
    expect((back.layers[2] as nn.layers.GaussianNoise).seed).not.toBeNull();
    const y = seededValues(4 * outSize, 7);
    const grads = (model: nn.Sequential) =>
      model.layers.flatMap((l) => l.weights()).map((w) => new Float32Array(w.length));
    expect(back.executor().gradients(probe, y, 4, 9, grads(back))).toBe(
      m.executor().gradients(probe, y, 4, 9, grads(m)),
    );
  });

  it('reads the keys Keras writes (dilation_rate 1, output_padding null, seed) and refuses what it lacks', async () => {
    const m = nn.sequential({
      seed: 1,
      layers: [
        nn.layers.gaussianNoise({ stddev: 0.5, inputShape: [2, 2, 1] }),
        nn.layers.upSampling2d({ size: [1, 2] }),
        nn.layers.conv2dTranspose({ filters: 1, kernelSize: 2, strides: 2, useBias: false }),
      ],
    });
    m.setWeights([nn.tensor(new Float32Array([1, 2, 3, 4]), [2, 2, 1, 1])]);
    const dir = path.join(await tempDir(), 'keras-gen');
    await m.save(dir);
    const saved = JSON.parse(await fsp.readFile(path.join(dir, 'model.json'), 'utf8'));
    /** Loads the saved model with layer `i`'s config changed. */
    const load = async (i: number, change: Record<string, unknown>) => {
      const json = structuredClone(saved);
      Object.assign(json.modelTopology.config.layers[i].config, change);
      await fsp.writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
      return nn.loadModel(dir);
    };
    const keras = await load(2, { dilation_rate: [1, 1], output_padding: null, groups: 1 });
    expect(keras.outputShape).toEqual([4, 8, 1]);
    // one input cell spreads the 2×2 kernel over its 2×2 block of the output
    const out = keras.predict(nn.tensor(new Float32Array([1, 0, 0, 0]), [1, 2, 2, 1])).data;
    expect([out[0], out[1], out[8], out[9]]).toEqual([1, 2, 3, 4]);
    await expect(load(2, { output_padding: [1, 1] })).rejects.toThrow(/output_padding is not supported/);
    await expect(load(2, { dilation_rate: [2, 2] })).rejects.toThrow(/dilation_rate/);
    expect(((await load(0, { seed: 42 })).layers[0] as nn.layers.GaussianNoise).seed).toBe(42);
    await expect(load(0, { stddev: -1 })).rejects.toThrow(/stddev/);
    await expect(load(0, { seed: 1.5 })).rejects.toThrow(/seed/);
    await expect(load(1, { interpolation: 'area' })).rejects.toThrow(/interpolation/);
    await expect(load(1, { data_format: 'channels_first' })).rejects.toThrow(/channels_last/);
    await expect(load(1, { size: [0, 2] })).rejects.toThrow(/size/);
    await expect(load(1, { extra: 1 })).rejects.toThrow(/extra/);
  });
});
