/** layer.trainable = false (Keras semantics: frozen at compile) and the single-batch steps
 *  trainOnBatch / testOnBatch / predictOnBatch, against @tensorflow/tfjs on every backend. */
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { allBackends, maxRelErr, randomF32 } from '../support/backends';

const initial = nn.getBackend().name;
afterAll(() => nn.setBackend(initial));

const x = randomF32(8 * 4, 1);
const y = randomF32(8 * 2, 2);

function pair(freeze: 'first' | 'none') {
  const m = nn.sequential({
    seed: 4,
    layers: [
      nn.layers.dense({ units: 3, activation: 'tanh', inputShape: [4], name: 'body' }),
      nn.layers.dense({ units: 2, name: 'head' }),
    ],
  });
  const t = tf.sequential({
    layers: [
      tf.layers.dense({ units: 3, activation: 'tanh', inputShape: [4], name: 'body' }),
      tf.layers.dense({ units: 2, name: 'head' }),
    ],
  });
  t.setWeights(m.getWeights().map((w) => tf.tensor(Array.from(w.data), w.shape)));
  if (freeze === 'first') {
    m.layers[0].trainable = false;
    t.layers[0].trainable = false;
  }
  m.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.5 }), loss: 'meanSquaredError', metrics: ['mae'] });
  t.compile({ optimizer: tf.train.sgd(0.5), loss: 'meanSquaredError', metrics: ['mae'] });
  return { m, t };
}

const same = (ours: nn.Tensor[], theirs: tf.Tensor[]) => {
  expect(ours.map((w) => w.shape)).toEqual(theirs.map((w) => w.shape));
  ours.forEach((w, i) => {
    expect(maxRelErr(w.data, theirs[i].dataSync() as Float32Array, 1e-5, 1e-4), `weight ${i}`).toBeLessThanOrEqual(1);
  });
};

describe.each(allBackends.map((b) => [b.name] as const))('trainable and single-batch steps (%s)', (backend) => {
  it('a frozen layer keeps its weights bit for bit through fit; the rest trains as tfjs', async () => {
    nn.setBackend(backend);
    const { m, t } = pair('first');
    const frozen = m.layers[0].weights().map((w) => Array.from(w));
    await m.fit(nn.tensor2d(x, [8, 4]), nn.tensor2d(y, [8, 2]), {
      epochs: 3,
      batchSize: 4,
      shuffle: false,
      verbose: 0,
    });
    await t.fit(tf.tensor2d(Array.from(x), [8, 4]), tf.tensor2d(Array.from(y), [8, 2]), {
      epochs: 3,
      batchSize: 4,
      shuffle: false,
      verbose: 0,
    });
    expect(m.layers[0].weights().map((w) => Array.from(w))).toEqual(frozen);
    // tfjs's order: trainable weights first (head), then the frozen ones (body).
    same(m.getWeights(), t.getWeights());
    expect(m.summary({ print: false })).toContain('Trainable params: 8');
    expect(m.summary({ print: false })).toContain('Non-trainable params: 15');
  });

  it('trainable takes effect at compile, as in Keras', async () => {
    nn.setBackend(backend);
    const { m } = pair('none');
    m.layers[0].trainable = false; // not compiled since: still trains
    const before = Array.from(m.layers[0].weights()[0]);
    await m.fit(nn.tensor2d(x, [8, 4]), nn.tensor2d(y, [8, 2]), { epochs: 1, batchSize: 8, verbose: 0 });
    expect(Array.from(m.layers[0].weights()[0])).not.toEqual(before);
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const after = Array.from(m.layers[0].weights()[0]);
    await m.fit(nn.tensor2d(x, [8, 4]), nn.tensor2d(y, [8, 2]), { epochs: 1, batchSize: 8, verbose: 0 });
    expect(Array.from(m.layers[0].weights()[0])).toEqual(after);
    m.trainable = true;
    expect(m.layers.every((l) => l.trainable)).toBe(true);
  });

  it('trainOnBatch, testOnBatch and predictOnBatch equal tfjs’s (trainOnBatch, evaluate, predictOnBatch)', async () => {
    nn.setBackend(backend);
    const { m, t } = pair('none');
    const ox = nn.tensor2d(x, [8, 4]);
    const oy = nn.tensor2d(y, [8, 2]);
    const tx = tf.tensor2d(Array.from(x), [8, 4]);
    const ty = tf.tensor2d(Array.from(y), [8, 2]);
    for (let step = 0; step < 3; step++) {
      const ours = (await m.trainOnBatch(ox, oy)) as number[];
      const theirs = (await t.trainOnBatch(tx, ty)) as number[];
      expect(ours).toHaveLength(2);
      ours.forEach((v, i) => {
        expect(Math.abs(v - theirs[i]), `step ${step} value ${i}`).toBeLessThan(1e-5);
      });
    }
    same(m.getWeights(), t.getWeights());
    expect(m.optimizer?.iterations).toBe(3);
    const ev = m.testOnBatch(ox, oy) as number[];
    const tev = (t.evaluate(tx, ty, { batchSize: 8 }) as tf.Scalar[]).map((s) => s.dataSync()[0]); // tfjs has no testOnBatch
    ev.forEach((v, i) => {
      expect(Math.abs(v - tev[i])).toBeLessThan(1e-5);
    });
    const p = m.predictOnBatch(ox);
    expect(maxRelErr(p.data, (t.predictOnBatch(tx) as tf.Tensor).dataSync(), 1e-5, 1e-4)).toBeLessThanOrEqual(1);
  });

  it('bad calls are refused before anything changes', async () => {
    nn.setBackend(backend);
    const { m } = pair('none');
    const before = m.getWeights().map((w) => Array.from(w.data));
    await expect(m.trainOnBatch(nn.tensor2d(x, [8, 4]), nn.tensor2d(y.subarray(0, 14), [7, 2]))).rejects.toThrow(
      RangeError,
    );
    await expect(m.trainOnBatch('x' as never, nn.tensor2d(y, [8, 2]))).rejects.toThrow(TypeError);
    expect(() => {
      m.trainable = 'no' as never;
    }).toThrow(TypeError);
    expect(m.getWeights().map((w) => Array.from(w.data))).toEqual(before);
    expect(() => nn.layers.dense({ units: 1, trainable: 'yes' as never })).toThrow(TypeError);
  });
});
