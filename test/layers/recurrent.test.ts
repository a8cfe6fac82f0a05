/** SimpleRNN, LSTM and GRU against @tensorflow/tfjs with the same weights: predictions and two
 *  SGD steps (weights after) on every backend, for last-step and sequence outputs, both
 *  directions; gradients against central differences; bad input refused with clear errors. */
import { readFile } from 'node:fs/promises';
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
    await m.fit(nn.tensor3d(x, [ROWS, T, F]), nn.tensor2d(y, [ROWS, 2]), {
      epochs: 2,
      batchSize: ROWS,
      shuffle: false, // tfjs's row order, not a random one: the same sums
      verbose: 0,
    });
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

describe.each(allBackends.map((b) => [b.name] as const))('GRU with resetAfter against torch.nn.GRU (%s)', (backend) => {
  it('outputs and gradients equal PyTorch 1.13’s (fixture from test/layers/fixtures/torch-gru.py)', async () => {
    nn.setBackend(backend);
    const fx = JSON.parse(await readFile(new URL('./fixtures/torch-gru.json', import.meta.url), 'utf8'));
    const [R, T, F, U] = fx.shape as number[];
    const m = nn.sequential({
      layers: [
        nn.layers.gru({
          units: U,
          resetAfter: true,
          returnSequences: true,
          recurrentActivation: 'sigmoid',
          inputShape: [T, F],
        }),
      ],
    });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    m.setWeights([
      nn.tensor(fx.kernel, [F, 3 * U]),
      nn.tensor(fx.recurrent_kernel, [U, 3 * U]),
      nn.tensor(fx.bias, [2, 3 * U]),
    ]);
    const out = m.predict(nn.tensor(fx.x, [R, T, F])).data;
    expect(maxRelErr(out, fx.out, 1e-6, 1e-5)).toBeLessThanOrEqual(1);
    // One gradient per tape param: the [2, 3U] bias is two params (input, recurrent).
    const grads = [F * 3 * U, U * 3 * U, 3 * U, 3 * U].map((n) => new Float32Array(n));
    const loss = m.executor().gradients(Float32Array.from(fx.x), Float32Array.from(fx.y), R, 0, grads);
    expect(loss).toBeCloseTo(fx.loss, 5);
    expect(maxRelErr(grads[0], fx.d_kernel, 1e-6, 1e-4), 'kernel').toBeLessThanOrEqual(1);
    expect(maxRelErr(grads[1], fx.d_recurrent_kernel, 1e-6, 1e-4), 'recurrent kernel').toBeLessThanOrEqual(1);
    expect(maxRelErr([...grads[2], ...grads[3]], fx.d_bias, 1e-6, 1e-4), 'bias').toBeLessThanOrEqual(1);
  });
});

describe('recurrent layers: bad arguments and inputs', () => {
  it.each([
    [() => nn.layers.lstm({ units: 0 }), RangeError, /lstm: units/],
    [() => nn.layers.gru({ units: 2.5 }), RangeError, /gru: units/],
    [() => nn.layers.simpleRNN({} as never), TypeError, /simpleRNN: units is required/],
    [
      () => nn.layers.lstm({ units: 2, activation: 'softmax' as never }),
      RangeError,
      /lstm: unknown activation "softmax"/,
    ],
    [() => nn.layers.lstm({ units: 2, returnState: true }), RangeError, /returnState needs multi-output models/],
    [() => nn.layers.lstm({ units: 2, recurrentDropout: 0.2 }), RangeError, /recurrentDropout is not supported/],
    [() => nn.layers.lstm({ units: 2, dropout: 1 }), RangeError, /lstm: dropout/],
    [() => nn.layers.gru({ units: 2, unitForgetBias: true } as never), TypeError, /unitForgetBias/],
    [() => nn.layers.bidirectional({ layer: nn.layers.dense({ units: 2 }) as never }), TypeError, /recurrent layer/],
    [
      () => nn.layers.bidirectional({ layer: nn.layers.lstm({ units: 2 }), mergeMode: 'max' as never }),
      RangeError,
      /mergeMode/,
    ],
    [() => nn.layers.repeatVector({ n: 0 }), RangeError, /repeatVector: n/],
  ])('case %#', (make, type, message) => {
    expect(make).toThrow(type);
    expect(make).toThrow(message);
  });

  it('a flat input is refused when the model is made, with the shape named', () => {
    expect(() => nn.sequential({ layers: [nn.layers.lstm({ units: 2, inputShape: [6] })] })).toThrow(
      /lstm: needs sequences \[batch, time, features\] of a known length, got \(None, 6\)/,
    );
  });

  it('sequences of the wrong length are refused before any weight changes', async () => {
    const m = ours({ kind: 'lstm', returnSequences: false, goBackwards: false });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const before = m.getWeights().map((w) => Array.from(w.data));
    const x = nn.tensor3d(new Float32Array(ROWS * (T + 1) * F), [ROWS, T + 1, F]);
    await expect(m.fit(x, nn.tensor2d(targets(1), [ROWS, 2]), { verbose: 0 })).rejects.toThrow(/x/);
    expect(m.getWeights().map((w) => Array.from(w.data))).toEqual(before);
  });
});
