/** fit on a small in-memory dataset, with nothing to do between epochs (no callbacks, validation,
 *  whole-set metrics or progress lines), trains several epochs per executor call. It must train
 *  exactly as one call per epoch does: the same weights, optimizer state and History, bit for bit,
 *  on both backends, whatever the batch size, shuffle, initialEpoch or sample weights. A callback
 *  without hooks turns grouping off (the loop then has a callback to call), which gives the
 *  reference run. */
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { Random } from '../../src/util/random';

const ROWS = 37;
const INPUTS = 5;

function data() {
  const rng = new Random(21);
  const x = new Float32Array(ROWS * INPUTS);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform(-1, 1);
  const y = Int32Array.from(
    { length: ROWS },
    (_, r) => (x[r * INPUTS] + x[r * INPUTS + 1] > 0 ? 1 : 0) + (x[r * INPUTS + 2] > 0.5 ? 1 : 0),
  );
  return { x: nn.tensor2d(x, [ROWS, INPUTS]), y };
}

interface Options {
  batchSize: number;
  epochs: number;
  shuffle?: boolean;
  initialEpoch?: number;
  sampleWeight?: Float32Array;
  batchLoss?: boolean;
}

async function train(backend: 'js' | 'native', o: Options, grouped: boolean) {
  nn.setBackend(backend);
  const model = nn.sequential({
    seed: 4,
    layers: [
      nn.layers.dense({ units: 8, activation: 'relu', inputShape: [INPUTS] }),
      nn.layers.dropout({ rate: 0.25 }),
      nn.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const { x, y } = data();
  // Count the executor calls, to see that grouping happened (or not).
  let calls = 0;
  const executor = model.executor(o.sampleWeight !== undefined);
  const trainBatches = executor.trainBatches.bind(executor);
  executor.trainBatches = (...args) => {
    calls++;
    return trainBatches(...args);
  };
  const history = await model.fit(x, y, {
    ...o,
    verbose: 0,
    seed: 3,
    ...(grouped ? {} : { callbacks: [{}] }),
  });
  const optimizer = model.optimizer as unknown as { iterations: number };
  return {
    weights: model.getWeights().map((w) => Array.from(w.data)),
    history: history.history,
    epochs: history.epoch,
    iterations: optimizer.iterations,
    calls,
  };
}

const backends = (['js', 'native'] as const).filter((b) => nn.backends[b] !== null);
const weights = Float32Array.from({ length: ROWS }, (_, r) => 0.5 + (r % 3));

describe.each(backends)('fit: several epochs per call on the %s backend', (backend) => {
  const before = nn.getBackend().name;
  afterAll(() => nn.setBackend(before));

  it.each([
    { batchSize: 8, epochs: 7 },
    { batchSize: 1, epochs: 3 },
    { batchSize: 37, epochs: 5 },
    { batchSize: 64, epochs: 4 },
    { batchSize: 10, epochs: 6, shuffle: false },
    { batchSize: 8, epochs: 9, initialEpoch: 4 },
    { batchSize: 8, epochs: 5, sampleWeight: weights },
    { batchSize: 16, epochs: 4, batchLoss: true },
  ] as Options[])('%o: the same bits as one call per epoch', async (o) => {
    const a = await train(backend, o, false);
    const b = await train(backend, o, true);
    expect(b.weights).toEqual(a.weights);
    expect(b.history).toEqual(a.history);
    expect(b.epochs).toEqual(a.epochs);
    expect(b.iterations).toBe(a.iterations);
    const epochs = o.epochs - (o.initialEpoch ?? 0);
    expect(a.epochs.length).toBe(epochs);
    // One call per epoch (or more) against two: the first epoch alone, then the rest together.
    expect(a.calls).toBeGreaterThanOrEqual(epochs);
    expect(b.calls).toBe(2);
  });
});

describe.each(backends)('fit: stopTraining from outside a callback on the %s backend', (backend) => {
  const before = nn.getBackend().name;
  afterAll(() => nn.setBackend(before));

  it('stops after the running call, and History holds every epoch that trained', async () => {
    nn.setBackend(backend);
    const model = nn.sequential({
      seed: 4,
      layers: [nn.layers.dense({ units: 3, activation: 'softmax', inputShape: [INPUTS] })],
    });
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const { x, y } = data();
    const batches = Math.ceil(ROWS / 8);
    // Set while the second run trains (the first holds one epoch, the next up to 2^15 rows' worth:
    // 885 epochs of 37 rows).
    let calls = 0;
    const executor = model.executor();
    const trainBatches = executor.trainBatches.bind(executor);
    executor.trainBatches = (...args) => {
      if (++calls === 2) model.stopTraining = true;
      return trainBatches(...args);
    };
    const history = await model.fit(x, y, { epochs: 3000, batchSize: 8, verbose: 0, seed: 3 });
    const iterations = (model.optimizer as unknown as { iterations: number }).iterations;
    expect(calls).toBe(2);
    expect(history.epoch.length).toBe(1 + Math.floor(2 ** 15 / ROWS));
    expect(iterations).toBe(history.epoch.length * batches);
    expect(history.history.loss.every(Number.isFinite)).toBe(true);
  });
});
