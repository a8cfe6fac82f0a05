/**
 * The recurrent layers exported to ONNX (RNN / LSTM / GRU operators) and run by onnxruntime-web
 * (wasm, in Node): the same predictions as nativenn within |a − b| ≤ 1e-4·max(1, |b|) (issue 11),
 * at batch 1 and many, for every cell × returnSequences × goBackwards, both GRU variants,
 * Bidirectional in every merge mode, embedding → LSTM → dense, stacked LSTMs, TimeDistributed and
 * RepeatVector, and the unrolled form of layers whose gelu / silu the ops cannot apply. nativenn's
 * side runs on the js executor (the spec).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { expectClose, ortRun, randomizeWeights, values } from './support';

const TOLERANCE = 1e-4;
const T = 5;
const F = 3;

const initial = nn.getBackend().name;
beforeAll(() => nn.setBackend('js'));
afterAll(() => nn.setBackend(initial));

function model(layers: nn.layers.Layer[], seed = 1): nn.Sequential {
  const m = nn.sequential({ seed, layers });
  randomizeWeights(m, seed * 101);
  return m;
}

async function expectSamePredictions(m: nn.Sequential, opset = 17, x = (n: number, s: number) => values(n, s)) {
  const bytes = m.toOnnx({ opset });
  for (const rows of [1, 6]) {
    const input = x(rows * m.inputSize, rows * 7 + opset);
    const ours = m.predict(new nn.Tensor(input, [rows, ...m.inputShape]));
    const theirs = await ortRun(bytes, input, [rows, ...m.inputShape]);
    expect(theirs.dims).toEqual([rows, ...m.outputShape]);
    expectClose(theirs.data, ours.data, TOLERANCE);
  }
}

type Cell = 'simpleRNN' | 'lstm' | 'gru' | 'gruResetAfter';
function cell(kind: Cell, args: Record<string, unknown>): nn.layers.Layer {
  if (kind === 'simpleRNN') return nn.layers.simpleRNN(args as never);
  if (kind === 'lstm') return nn.layers.lstm(args as never);
  return nn.layers.gru({ ...args, resetAfter: kind === 'gruResetAfter' } as never);
}

const CELLS: Cell[] = ['simpleRNN', 'lstm', 'gru', 'gruResetAfter'];

describe('SimpleRNN, LSTM and GRU', () => {
  const cases = CELLS.flatMap((kind) =>
    [false, true].flatMap((returnSequences) =>
      [false, true].map((goBackwards) => [kind, returnSequences, goBackwards] as const),
    ),
  );
  it.each(cases)('%s returnSequences %s goBackwards %s', async (kind, returnSequences, goBackwards) => {
    await expectSamePredictions(model([cell(kind, { units: 4, returnSequences, goBackwards, inputShape: [T, F] })]));
  });

  it.each(CELLS)('%s without bias', async (kind) => {
    await expectSamePredictions(model([cell(kind, { units: 3, useBias: false, inputShape: [T, F] })]));
  });

  const activations: [Cell, string, string][] = [
    ['simpleRNN', 'relu', 'sigmoid'],
    ['simpleRNN', 'linear', 'sigmoid'],
    ['simpleRNN', 'sigmoid', 'sigmoid'],
    ['lstm', 'relu', 'tanh'],
    ['lstm', 'linear', 'sigmoid'],
    ['gru', 'sigmoid', 'relu'],
    ['gruResetAfter', 'relu', 'linear'],
  ];
  it.each(activations)('%s activation %s, recurrentActivation %s', async (kind, activation, recurrentActivation) => {
    const args = { units: 3, activation, returnSequences: true, inputShape: [T, F] };
    const withGates = kind === 'simpleRNN' ? args : { ...args, recurrentActivation };
    await expectSamePredictions(model([cell(kind, withGates)]));
  });

  it.each([13, 14, 15, 16, 17])('opset %i', async (opset) => {
    await expectSamePredictions(
      model([nn.layers.lstm({ units: 4, returnSequences: true, inputShape: [T, F] }), nn.layers.gru({ units: 2 })]),
      opset,
    );
  });

  it('a sequence of one step', async () => {
    await expectSamePredictions(model([nn.layers.lstm({ units: 4, goBackwards: true, inputShape: [1, F] })]));
  });
});

describe('Bidirectional', () => {
  const cases = (['concat', 'sum', 'mul', 'ave'] as const).flatMap((mergeMode) =>
    [false, true].flatMap((returnSequences) =>
      (['lstm', 'gruResetAfter', 'simpleRNN'] as const).map((kind) => [mergeMode, returnSequences, kind] as const),
    ),
  );
  it.each(cases)('merge %s returnSequences %s over %s', async (mergeMode, returnSequences, kind) => {
    const layer = cell(kind, { units: 3, returnSequences });
    await expectSamePredictions(model([nn.layers.bidirectional({ layer, mergeMode, inputShape: [T, F] } as never)]));
  });

  it.each([false, true])('around a layer that itself goes backwards (returnSequences %s)', async (returnSequences) => {
    const layer = nn.layers.gru({ units: 3, returnSequences, goBackwards: true });
    await expectSamePredictions(model([nn.layers.bidirectional({ layer, inputShape: [T, F] } as never)]));
  });

  it('stacked: bidirectional sequences → bidirectional last step → dense', async () => {
    await expectSamePredictions(
      model([
        nn.layers.bidirectional({
          layer: nn.layers.lstm({ units: 4, returnSequences: true }),
          mergeMode: 'sum',
          inputShape: [T, F],
        } as never),
        nn.layers.bidirectional({ layer: nn.layers.lstm({ units: 3 }) } as never),
        nn.layers.dense({ units: 2, activation: 'softmax' }),
      ]),
    );
  });
});

describe('recurrent networks', () => {
  it('embedding → LSTM → dense softmax (integer token ids in a float tensor)', async () => {
    const m = model([
      nn.layers.embedding({ inputDim: 11, outputDim: 4, inputShape: [7] } as never),
      nn.layers.lstm({ units: 6 }),
      nn.layers.dense({ units: 11, activation: 'softmax' }),
    ]);
    const ids = (n: number, s: number) => Float32Array.from(values(n, s, 0, 11), Math.floor);
    await expectSamePredictions(m, 17, ids);
  });

  it('stacked LSTMs → dense', async () => {
    await expectSamePredictions(
      model([
        nn.layers.lstm({ units: 5, returnSequences: true, inputShape: [T, F] }),
        nn.layers.lstm({ units: 4, returnSequences: true, goBackwards: true }),
        nn.layers.lstm({ units: 3 }),
        nn.layers.dense({ units: 2 }),
      ]),
    );
  });

  it('GRU sequences → timeDistributed(dense relu) → timeDistributed(dropout) → timeDistributed(softmax)', async () => {
    await expectSamePredictions(
      model([
        nn.layers.gru({ units: 4, returnSequences: true, inputShape: [T, F] }),
        nn.layers.timeDistributed({ layer: nn.layers.dense({ units: 3, activation: 'relu' }) }),
        nn.layers.timeDistributed({ layer: nn.layers.dropout({ rate: 0.5 }) }),
        nn.layers.timeDistributed({ layer: nn.layers.activation({ activation: 'softmax' }) }),
      ]),
    );
  });

  it('timeDistributed(dense) on the input sequence, then simpleRNN', async () => {
    await expectSamePredictions(
      model([
        nn.layers.timeDistributed({ layer: nn.layers.dense({ units: 4, useBias: false }), inputShape: [T, F] }),
        nn.layers.simpleRNN({ units: 3 }),
      ]),
    );
  });

  it('an encoder-decoder: LSTM → repeatVector → LSTM sequences → timeDistributed(dense)', async () => {
    await expectSamePredictions(
      model([
        nn.layers.lstm({ units: 4, inputShape: [T, F] }),
        nn.layers.repeatVector({ n: 3 }),
        nn.layers.lstm({ units: 4, returnSequences: true }),
        nn.layers.timeDistributed({ layer: nn.layers.dense({ units: 2 }) }),
      ]),
    );
  });

  it('repeatVector on dense features', async () => {
    await expectSamePredictions(
      model([nn.layers.dense({ units: 3, inputShape: [4] }), nn.layers.repeatVector({ n: 4 }), nn.layers.flatten()]),
    );
  });

  it('conv1d (held channels-first) → GRU', async () => {
    await expectSamePredictions(
      model([
        nn.layers.conv1d({ filters: 4, kernelSize: 2, activation: 'relu', inputShape: [T + 2, F] }),
        nn.layers.gru({ units: 3, returnSequences: true }),
        nn.layers.flatten(),
      ]),
    );
  });
});

/** Whether the js executor computes the hard sigmoid (the kernels' branch adds it; before that
 *  merge a layer accepts 'hardSigmoid' but predicts NaN). */
function hardSigmoidRuns(): boolean {
  const m = nn.sequential({
    layers: [nn.layers.simpleRNN({ units: 1, activation: 'hardSigmoid', inputShape: [1, 1] } as never)],
  });
  const before = nn.getBackend().name;
  nn.setBackend('js');
  try {
    return Number.isFinite(m.predict(new nn.Tensor(Float32Array.of(1), [1, 1, 1])).data[0]);
  } catch {
    return false;
  } finally {
    nn.setBackend(before);
  }
}

// ONNX's HardSigmoid with alpha 0.2 and beta 0.5 is Keras' and tfjs' hard sigmoid. Skipped until
// the executor computes it (the recurrent kernels' branch); the export itself is written.
describe.skipIf(!hardSigmoidRuns())('hardSigmoid (tfjs’ default gate activation)', () => {
  it.each([
    ['lstm', { recurrentActivation: 'hardSigmoid' }],
    ['gru', { recurrentActivation: 'hardSigmoid', returnSequences: true, goBackwards: true }],
    ['gruResetAfter', { recurrentActivation: 'hardSigmoid' }],
    ['simpleRNN', { activation: 'hardSigmoid', returnSequences: true }],
    // unrolled (gelu): the hard sigmoid as a HardSigmoid node
    ['lstm', { activation: 'gelu', recurrentActivation: 'hardSigmoid', returnSequences: true }],
  ] as const)('%s with %o', async (kind, args) => {
    await expectSamePredictions(model([cell(kind, { units: 3, inputShape: [T, F], ...args })]));
  });
});

describe('gelu and silu: no name in the ops, so the layer is unrolled step by step', () => {
  const cases = CELLS.flatMap((kind) =>
    [false, true].flatMap((returnSequences) =>
      [false, true].map((goBackwards) => [kind, returnSequences, goBackwards] as const),
    ),
  );
  it.each(cases)('%s returnSequences %s goBackwards %s', async (kind, returnSequences, goBackwards) => {
    const args = { units: 4, activation: 'gelu', returnSequences, goBackwards, inputShape: [T, F] };
    await expectSamePredictions(
      model([cell(kind, kind === 'simpleRNN' ? args : { ...args, recurrentActivation: 'silu' })]),
    );
  });

  it('unrolled, not an RNN op', () => {
    const m = model([nn.layers.lstm({ units: 2, activation: 'silu', inputShape: [T, F] })]);
    const ops = new TextDecoder('latin1').decode(m.toOnnx());
    expect(ops).not.toContain('LSTM');
    expect(ops).toContain('Sigmoid');
  });

  it.each(CELLS)('%s with only the gates in silu, without bias', async (kind) => {
    const args = { units: 3, useBias: false, returnSequences: true, inputShape: [T, F] };
    const layer =
      kind === 'simpleRNN'
        ? cell(kind, { ...args, activation: 'silu' })
        : cell(kind, { ...args, recurrentActivation: 'silu' });
    await expectSamePredictions(model([layer]));
  });

  it.each([
    ['concat', false],
    ['ave', true],
    ['mul', true],
  ] as const)('bidirectional gelu LSTM, merge %s, returnSequences %s', async (mergeMode, returnSequences) => {
    const layer = nn.layers.lstm({ units: 3, activation: 'gelu', returnSequences });
    await expectSamePredictions(model([nn.layers.bidirectional({ layer, mergeMode, inputShape: [T, F] } as never)]));
  });

  it('bidirectional around a silu GRU that goes backwards, sequences', async () => {
    const layer = nn.layers.gru({ units: 3, recurrentActivation: 'silu', returnSequences: true, goBackwards: true });
    await expectSamePredictions(
      model([nn.layers.bidirectional({ layer, mergeMode: 'sum', inputShape: [T, F] } as never)]),
    );
  });
});

describe('models as they are used', () => {
  it('a fixed batch', async () => {
    const m = model([
      nn.layers.bidirectional({
        layer: nn.layers.gru({ units: 3, returnSequences: true }),
        inputShape: [T, F],
      } as never),
      nn.layers.lstm({ units: 2, goBackwards: true }),
    ]);
    const x = values(3 * m.inputSize, 5);
    const theirs = await ortRun(m.toOnnx({ dynamicBatch: false, batchSize: 3 }), x, [3, T, F]);
    expectClose(theirs.data, m.predict(new nn.Tensor(x, [3, T, F])).data, TOLERANCE);
  });

  it('trained: the weights the optimizer moved are the ones exported', async () => {
    const m = model([
      nn.layers.bidirectional({ layer: nn.layers.gru({ units: 3, resetAfter: true }), inputShape: [T, F] } as never),
      nn.layers.dense({ units: 2, activation: 'softmax' }),
    ]);
    const before = m.toOnnx();
    m.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.05 }), loss: 'categoricalCrossentropy' });
    const rows = 16;
    const labels = Int32Array.from({ length: rows }, (_, i) => i % 2);
    await m.fit(new nn.Tensor(values(rows * T * F, 3), [rows, T, F]), nn.data.oneHot(labels, 2), {
      epochs: 3,
      batchSize: 4,
      verbose: 0,
    });
    const after = m.toOnnx();
    expect(Buffer.from(after).equals(Buffer.from(before))).toBe(false);
    await expectSamePredictions(m);
  });

  it('saved, loaded and exported: the loaded model predicts what onnxruntime runs', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nativenn-onnx-rnn-'));
    try {
      const m = model([
        nn.layers.embedding({ inputDim: 9, outputDim: 3, inputShape: [T] } as never),
        nn.layers.bidirectional({
          layer: nn.layers.lstm({ units: 3, returnSequences: true }),
          mergeMode: 'ave',
        } as never),
        nn.layers.gru({ units: 4, resetAfter: true, returnSequences: true }),
        // named: a TimeDistributed's unnamed inner layer is saved with name null before the model first runs
        nn.layers.timeDistributed({ layer: nn.layers.dense({ units: 2, name: 'per_step' }) }),
      ]);
      await m.save(dir);
      const loaded = (await nn.loadModel(dir)) as nn.Sequential;
      const ids = Float32Array.from(values(4 * T, 9, 0, 9), Math.floor);
      const theirs = await ortRun(loaded.toOnnx(), ids, [4, T]);
      expectClose(theirs.data, m.predict(new nn.Tensor(ids, [4, T])).data, TOLERANCE);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
