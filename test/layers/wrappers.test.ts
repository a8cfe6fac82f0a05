/** Bidirectional (every merge mode, last step and sequences), TimeDistributed(dense) and
 *  RepeatVector against @tensorflow/tfjs with the same weights: predictions and two SGD steps on
 *  every backend. */
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { Random } from '../../src/util/random';
import { allBackends, maxRelErr } from '../support/backends';

const initial = nn.getBackend().name;
afterAll(() => nn.setBackend(initial));

const ROWS = 4;
const T = 3;
const F = 2;
const uniform = (n: number, seed: number) => {
  const rng = new Random(seed);
  return Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
};

interface Pair {
  label: string;
  inShape: number[];
  ours: () => nn.Sequential;
  theirs: () => tf.Sequential;
}
const PAIRS: Pair[] = [];
for (const mergeMode of ['concat', 'sum', 'mul', 'ave'] as const)
  for (const returnSequences of [false, true])
    PAIRS.push({
      label: `bidirectional lstm ${mergeMode}${returnSequences ? ' sequences' : ''}`,
      inShape: [T, F],
      ours: () =>
        nn.sequential({
          seed: 3,
          layers: [
            nn.layers.bidirectional({
              layer: nn.layers.lstm({ units: 3, returnSequences, recurrentActivation: 'sigmoid' }),
              mergeMode,
              inputShape: [T, F],
            }),
            ...(returnSequences ? [nn.layers.flatten()] : []),
            nn.layers.dense({ units: 2 }),
          ],
        }),
      theirs: () =>
        tf.sequential({
          layers: [
            tf.layers.bidirectional({
              layer: tf.layers.lstm({ units: 3, returnSequences, recurrentActivation: 'sigmoid' }) as tf.RNN,
              mergeMode,
              inputShape: [T, F],
            }),
            ...(returnSequences ? [tf.layers.flatten()] : []),
            tf.layers.dense({ units: 2 }),
          ],
        }),
    });
PAIRS.push({
  label: 'gru sequences → timeDistributed(dense)',
  inShape: [T, F],
  ours: () =>
    nn.sequential({
      seed: 5,
      layers: [
        nn.layers.gru({ units: 3, returnSequences: true, recurrentActivation: 'sigmoid', inputShape: [T, F] }),
        nn.layers.timeDistributed({ layer: nn.layers.dense({ units: 2, activation: 'tanh' }) }),
        nn.layers.flatten(),
        nn.layers.dense({ units: 2 }),
      ],
    }),
  theirs: () =>
    tf.sequential({
      layers: [
        tf.layers.gru({ units: 3, returnSequences: true, recurrentActivation: 'sigmoid', inputShape: [T, F] }),
        tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 2, activation: 'tanh' }) }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 2 }),
      ],
    }),
});
PAIRS.push({
  label: 'dense → repeatVector → simpleRNN',
  inShape: [F],
  ours: () =>
    nn.sequential({
      seed: 6,
      layers: [
        nn.layers.dense({ units: 3, inputShape: [F] }),
        nn.layers.repeatVector({ n: T }),
        nn.layers.simpleRNN({ units: 2 }),
      ],
    }),
  theirs: () =>
    tf.sequential({
      layers: [
        tf.layers.dense({ units: 3, inputShape: [F] }),
        tf.layers.repeatVector({ n: T }),
        tf.layers.simpleRNN({ units: 2 }),
      ],
    }),
});

describe.each(allBackends.map((b) => [b.name] as const))('sequence wrappers (%s)', (backend) => {
  it.each(PAIRS.map((p) => [p.label, p] as const))('%s: predictions and two SGD steps equal tfjs’s', async (_l, p) => {
    nn.setBackend(backend);
    const m = p.ours();
    m.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.3 }), loss: 'meanSquaredError' });
    const t = p.theirs();
    const ws = m.getWeights();
    expect(ws.map((w) => w.shape)).toEqual(t.getWeights().map((w) => w.shape));
    t.setWeights(ws.map((w) => tf.tensor(Array.from(w.data), w.shape)));
    t.compile({ optimizer: tf.train.sgd(0.3), loss: 'meanSquaredError' });
    const shape = [ROWS, ...p.inShape];
    const size = shape.reduce((a, b) => a * b, 1);
    const probe = uniform(size, 3);
    const p0 = m.predict(nn.tensor(probe, shape)).data;
    const q0 = (t.predict(tf.tensor(Array.from(probe), shape)) as tf.Tensor).dataSync() as Float32Array;
    expect(maxRelErr(p0, q0, 1e-5, 1e-4), 'predict').toBeLessThanOrEqual(1);
    const x = uniform(size, 1);
    const y = uniform(ROWS * 2, 2);
    await m.fit(nn.tensor(x, shape), nn.tensor2d(y, [ROWS, 2]), {
      epochs: 2,
      batchSize: ROWS,
      shuffle: false, // tfjs's row order, not a random one: the same sums
      verbose: 0,
    });
    await t.fit(tf.tensor(Array.from(x), shape), tf.tensor2d(Array.from(y), [ROWS, 2]), {
      epochs: 2,
      batchSize: ROWS,
      shuffle: false,
      verbose: 0,
    });
    const tw = t.getWeights();
    m.getWeights().forEach((w, i) => {
      expect(maxRelErr(w.data, tw[i].dataSync() as Float32Array, 1e-5, 1e-4), `weight ${i}`).toBeLessThanOrEqual(1);
    });
  });
});

describe('timeDistributed files', () => {
  it('a model saved before it ever ran names the wrapped layer, and loads back', async () => {
    const fs = await import('node:fs/promises');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nativenn-td-'));
    try {
      const m = nn.sequential({
        seed: 1,
        layers: [nn.layers.timeDistributed({ layer: nn.layers.dense({ units: 2 }), inputShape: [T, F] })],
      });
      await m.save(path.join(dir, 'm'));
      const back = await nn.loadModel(path.join(dir, 'm'));
      const x = nn.tensor(uniform(ROWS * T * F, 4), [ROWS, T, F]);
      expect(Array.from(back.predict(x).data)).toEqual(Array.from(m.predict(x).data));
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
