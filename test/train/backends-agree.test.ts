/** Issue 3 §6: the native and js backends train the same model to the same result (float32
 *  tolerance), through fit, evaluate and predict. Skipped when the native backend is absent. */
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { Random } from '../../src/util/random';
import { maxRelErr, nativeBackend } from '../support/backends';

const initial = nn.getBackend().name;
afterAll(() => nn.setBackend(initial));

async function train(backend: 'js' | 'native', optimizer: string, loss: string) {
  nn.setBackend(backend);
  const rng = new Random(3);
  const rows = 200;
  const x = nn.tensor2d(
    Float32Array.from({ length: rows * 8 }, () => rng.uniform(-1, 1)),
    [rows, 8],
  );
  const labels = Int32Array.from(
    { length: rows },
    (_, r) => (x.data[r * 8] + x.data[r * 8 + 1] > 0 ? 1 : 0) + (x.data[r * 8 + 2] > 0.5 ? 1 : 0),
  );
  const y = loss === 'sparseCategoricalCrossentropy' ? labels : nn.data.oneHot(labels, 3);
  const m = nn.sequential({
    seed: 8,
    layers: [
      nn.layers.dense({ units: 16, activation: 'relu', inputShape: [8], kernelRegularizer: 'l2' }),
      nn.layers.dropout({ rate: 0.2 }),
      nn.layers.dense({ units: 12, activation: 'tanh' }),
      nn.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer, loss, metrics: ['accuracy'] });
  const h = await m.fit(x, y, { epochs: 3, batchSize: 16, validationSplit: 0.2, verbose: 0, seed: 5 });
  return { h, weights: m.getWeights(), predict: m.predict(x), evaluate: m.evaluate(x, y) };
}

describe.skipIf(!nativeBackend)('native and js backends agree', () => {
  it.each([
    ['adam', 'categoricalCrossentropy'],
    ['sgd', 'sparseCategoricalCrossentropy'],
    ['rmsprop', 'categoricalCrossentropy'],
  ])('%s + %s', async (optimizer, loss) => {
    const js = await train('js', optimizer, loss);
    const native = await train('native', optimizer, loss);
    // 39 updates; GEMM summation order differs (blocked, FMA), so each step differs by a few ulps
    // and the differences grow slowly: 1e-4 absolute + 1e-3 relative is far below a real bug.
    js.weights.forEach((w, i) => {
      expect(maxRelErr(native.weights[i].data, w.data, 1e-4, 1e-3)).toBeLessThanOrEqual(1);
    });
    expect(maxRelErr(native.predict.data, js.predict.data, 1e-4, 1e-3)).toBeLessThanOrEqual(1);
    for (const k of Object.keys(js.h.history)) {
      expect(maxRelErr(native.h.history[k], js.h.history[k], 1e-4, 1e-3)).toBeLessThanOrEqual(1);
    }
    expect(native.evaluate.loss).toBeCloseTo(js.evaluate.loss, 3);
  });
});
