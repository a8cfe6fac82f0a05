/**
 * BatchNormalization (issue 10): the training step and inference against @tensorflow/tfjs with
 * the same weights (moving statistics updated by tfjs's rule, biased batch variance), whole-network
 * gradients against central differences on every backend, and argument errors.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { Random } from '../../src/util/random';
import { allBackends, maxRelErr } from '../support/backends';
import { centralDifferences } from '../support/central-differences';

const initial = nn.getBackend().name;
afterAll(() => nn.setBackend(initial));

const ROWS = 6;
const INPUT = [5, 5, 2];

function data(seed: number) {
  const rng = new Random(seed);
  const x = Float32Array.from({ length: ROWS * 50 }, () => rng.uniform(-1, 2));
  const y = Float32Array.from({ length: ROWS * 2 }, () => rng.uniform(-1, 1));
  return { x, y };
}

function nativeModel(momentum: number, center = true, scale = true) {
  return nn.sequential({
    seed: 3,
    layers: [
      nn.layers.conv2d({ filters: 3, kernelSize: 3, useBias: false, inputShape: INPUT }),
      nn.layers.batchNormalization({ momentum, center, scale, epsilon: 1e-3 }),
      nn.layers.activation({ activation: 'tanh' }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 4 }),
      nn.layers.batchNormalization({ momentum }),
      nn.layers.dense({ units: 2 }),
    ],
  });
}

describe.each(allBackends.map((b) => [b.name] as const))('batchNormalization against tfjs (%s)', (backend) => {
  it('one SGD step and inference give tfjs’s weights, moving statistics and predictions', async () => {
    nn.setBackend(backend);
    const m = nativeModel(0.8);
    m.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.1 }), loss: 'meanSquaredError' });
    const rng = new Random(9);
    // Non-trivial gamma, beta and moving statistics, so every term of the rule shows.
    const start = m.getWeights().map((w) =>
      nn.tensor(
        Float32Array.from(w.data, () => rng.uniform(0.5, 1.5)),
        w.shape,
      ),
    );
    m.setWeights(start);
    const t = tf.sequential({
      layers: [
        tf.layers.conv2d({ filters: 3, kernelSize: 3, useBias: false, inputShape: INPUT }),
        tf.layers.batchNormalization({ momentum: 0.8, epsilon: 1e-3 }),
        tf.layers.activation({ activation: 'tanh' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 4 }),
        tf.layers.batchNormalization({ momentum: 0.8 }),
        tf.layers.dense({ units: 2 }),
      ],
    });
    t.setWeights(start.map((w) => tf.tensor(Array.from(w.data), w.shape)));
    t.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    const { x, y } = data(4);
    await m.fit(nn.tensor(x, [ROWS, ...INPUT]), nn.tensor2d(y, [ROWS, 2]), {
      epochs: 1,
      batchSize: ROWS,
      shuffle: false, // tfjs's row order, not a random one: the same sums and batch statistics
      verbose: 0,
    });
    await t.fit(tf.tensor(Array.from(x), [ROWS, ...INPUT]), tf.tensor(Array.from(y), [ROWS, 2]), {
      epochs: 1,
      batchSize: ROWS,
      shuffle: false,
      verbose: 0,
    });
    const ours = m.getWeights();
    const theirs = t.getWeights().map((w) => w.dataSync() as Float32Array);
    expect(ours.length).toBe(theirs.length);
    ours.forEach((w, i) => {
      expect(maxRelErr(w.data, theirs[i], 1e-5, 1e-4), `weight ${i}`).toBeLessThanOrEqual(1);
    });
    const probe = data(5).x;
    const p = m.predict(nn.tensor(probe, [ROWS, ...INPUT])).data;
    const q = (t.predict(tf.tensor(Array.from(probe), [ROWS, ...INPUT])) as tf.Tensor).dataSync() as Float32Array;
    expect(maxRelErr(p, q, 1e-5, 1e-4)).toBeLessThanOrEqual(1);
    // tfjs's order: the trainable weights of every layer, then the moving statistics
    expect(m.getWeights().map((w) => w.shape)).toEqual(t.getWeights().map((w) => w.shape));
  });

  it.each([
    ['center and scale', true, true],
    ['no center', false, true],
    ['no scale', true, false],
  ])('gradients match central differences of the training loss: %s', (_n, center, scale) => {
    nn.setBackend(backend);
    const m = nativeModel(0.9, center, scale);
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const { x, y } = data(7);
    const exec = m.executor();
    const params = m.layers.flatMap((l) =>
      l.weights().slice(0, l.weights().length - (l.className === 'BatchNormalization' ? 2 : 0)),
    );
    const grads = () => params.map((p) => new Float32Array(p.length));
    const g = grads();
    exec.gradients(x, y, ROWS, 0, g);
    // gradients() runs a training forward: batch statistics, so the loss it returns is the one
    // differentiated (the moving statistics it updates do not enter it).
    const lossAt = () => exec.gradients(x, y, ROWS, 0, grads());
    const { checked, off } = centralDifferences(params, g, lossAt, 1e-2, 2e-3, 2e-2);
    expect(checked).toBeGreaterThan(40);
    expect(off).toBeLessThanOrEqual(Math.floor(checked * 0.02));
  });
});

describe('batchNormalization arguments', () => {
  it('refuses an axis other than the last, bad momentum and epsilon', () => {
    expect(() => nn.sequential({ layers: [nn.layers.batchNormalization({ axis: 1, inputShape: [4, 4, 2] })] })).toThrow(
      /only the last axis/,
    );
    expect(() => nn.layers.batchNormalization({ momentum: 2 })).toThrow(RangeError);
    expect(() => nn.layers.batchNormalization({ epsilon: 0 })).toThrow(RangeError);
    expect(() =>
      nn.sequential({ layers: [nn.layers.batchNormalization({ axis: 3, inputShape: [4, 4, 2] })] }),
    ).not.toThrow();
  });

  it('counts its moving statistics as weights (Keras countParams) and saves and loads them', async () => {
    const m = nativeModel(0.9);
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    expect(m.countParams()).toBe(54 + 12 + (27 * 4 + 4) + 16 + 10);
    const { x, y } = data(3);
    await m.fit(nn.tensor(x, [ROWS, ...INPUT]), nn.tensor2d(y, [ROWS, 2]), { epochs: 2, verbose: 0 });
    const fs = await import('node:fs/promises');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nativenn-bn-'));
    try {
      await m.save(path.join(dir, 'm'), { includeOptimizer: true });
      const back = await nn.loadModel(path.join(dir, 'm'));
      const probe = nn.tensor(data(8).x, [ROWS, ...INPUT]);
      expect(Array.from(back.predict(probe).data)).toEqual(Array.from(m.predict(probe).data));
      back.getWeights().forEach((w, i) => expect(Array.from(w.data)).toEqual(Array.from(m.getWeights()[i].data)));
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
