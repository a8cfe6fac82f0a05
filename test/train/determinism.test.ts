/** Same seed → bit-identical weights and History on the native backend with 2 threads, where
 *  the GEMMs are large enough to be split across the pool (over 2^22 FMAs; the test checks that
 *  the pool really ran split jobs): the split must not change a bit from run to run. */
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { addon } from '../../src/backend/native/addon';
import { Random } from '../../src/util/random';

const hasNative = nn.backends.native !== null;

async function train(threads: number) {
  nn.setBackend('native');
  nn.setNumThreads(threads);
  const rows = 1024;
  const inputs = 128;
  const rng = new Random(9);
  const x = new Float32Array(rows * inputs);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform(-1, 1);
  const y = Int32Array.from(
    { length: rows },
    (_, r) => (x[r * inputs] > 0 ? 1 : 0) + 2 * (x[r * inputs + 1] > 0 ? 1 : 0),
  );
  const model = nn.sequential({
    seed: 4,
    layers: [
      nn.layers.dense({ units: 256, activation: 'relu', inputShape: [inputs] }),
      nn.layers.dropout({ rate: 0.2 }),
      nn.layers.dense({ units: 128, activation: 'tanh' }),
      nn.layers.dense({ units: 4, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  // batchSize 256: the first layer's forward GEMM is 256·128·256 ≈ 8.4M FMAs, over the 2^22 threshold.
  const history = await model.fit(nn.tensor2d(x, [rows, inputs]), y, {
    epochs: 3,
    batchSize: 256,
    verbose: 0,
    seed: 3,
  });
  return { weights: model.getWeights().map((w) => Array.from(w.data)), history: history.history };
}

describe.skipIf(!hasNative)('determinism on the native backend', () => {
  const before = hasNative ? nn.getNumThreads() : 1;
  afterAll(() => {
    if (hasNative) nn.setNumThreads(before);
  });

  it('2 threads: the same seed gives bit-identical weights and History, run after run', async () => {
    const jobs = addon?.threadPoolJobs() as number;
    const a = await train(2);
    expect(addon?.threadPoolJobs() as number).toBeGreaterThan(jobs); // the pool split work
    const b = await train(2);
    const c = await train(2);
    expect(b.weights).toEqual(a.weights); // toEqual on numbers: exact, NaN-safe
    expect(c.weights).toEqual(a.weights);
    expect(b.history).toEqual(a.history);
    expect(a.history.loss[2]).toBeLessThan(a.history.loss[0]); // it trained
  }, 60_000);
});
