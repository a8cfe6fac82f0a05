/**
 * compile({ metrics }) with the whole-set metrics: Keras's keys in History and evaluate, and
 * values that are exactly nn.metrics' functions applied to the model's predictions (training keys
 * over the training rows with the end-of-epoch weights, val_ keys over the validation rows).
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as nn from '../../src';

const rows = 120;
const x = nn.tensor2d(
  Float32Array.from({ length: rows * 3 }, (_, i) => Math.sin(i * 0.77) + Math.cos(i * 0.31)),
  [rows, 3],
);
const xVal = nn.tensor2d(
  Float32Array.from({ length: 40 * 3 }, (_, i) => Math.sin(i * 1.3)),
  [40, 3],
);
const rowSum = (t: nn.Tensor, r: number) => t.data[3 * r] + t.data[3 * r + 1] - t.data[3 * r + 2];
const binary = (t: nn.Tensor) => Int32Array.from({ length: t.rows }, (_, r) => (rowSum(t, r) > 0.2 ? 1 : 0));
const classes = (t: nn.Tensor) =>
  Int32Array.from({ length: t.rows }, (_, r) => Math.min(2, Math.max(0, Math.floor(rowSum(t, r) + 1))));
const target = (t: nn.Tensor) =>
  nn.tensor2d(
    Float32Array.from({ length: t.rows }, (_, r) => 3 + rowSum(t, r)),
    [t.rows, 1],
  );

const initial = nn.getBackend().name;
afterEach(() => nn.setBackend(initial));

function model(units: number, activation: 'sigmoid' | 'softmax' | 'linear', loss: string, metrics: string[]) {
  const m = nn.sequential({
    seed: 11,
    layers: [
      nn.layers.dense({ units: 8, activation: 'tanh', inputShape: [3] }),
      nn.layers.dense({ units, activation }),
    ],
  });
  m.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.05 }), loss, metrics });
  return m;
}

for (const backend of ['js', 'native'] as const) {
  describe(`whole-set metrics in compile (${backend} backend)`, () => {
    it('binary: precision, recall, f1, auc and their val_ keys are the functions on predictions', async () => {
      nn.setBackend(backend);
      const m = model(1, 'sigmoid', 'binaryCrossentropy', ['accuracy', 'precision', 'recall', 'f1', 'auc']);
      const [y, yVal] = [binary(x), binary(xVal)];
      const h = await m.fit(x, y, { epochs: 4, seed: 2, verbose: 0, validationData: [xVal, yVal] });
      expect(Object.keys(h.history).sort()).toEqual(
        ['loss', 'accuracy', 'precision', 'recall', 'f1', 'auc'].flatMap((k) => [k, `val_${k}`]).sort(),
      );
      expect(h.history.auc).toHaveLength(4);
      expect(h.params.metrics).toEqual(['loss', 'accuracy', 'precision', 'recall', 'f1', 'auc']);
      const [p, pVal] = [m.predict(x), m.predict(xVal)];
      const names = ['precision', 'recall', 'f1', 'auc'] as const;
      for (const name of names) {
        expect(h.history[name][3]).toBe(nn.metrics[name](y, p));
        expect(h.history[`val_${name}`][3]).toBe(nn.metrics[name](yVal, pVal));
      }
      const logs = m.evaluate(xVal, yVal);
      expect(Object.keys(logs)).toEqual(['loss', 'accuracy', 'precision', 'recall', 'f1', 'auc']);
      for (const name of names) expect(logs[name]).toBe(h.history[`val_${name}`][3]);
      const chunked = await m.evaluateAsync(xVal, yVal, { batchSize: 7 });
      expect(Object.keys(chunked)).toEqual(Object.keys(logs));
      for (const name of names) expect(chunked[name]).toBe(logs[name]);
      expect(logs.auc).toBeGreaterThan(0.5);
    });

    it('compiling whole-set metrics changes no weight and no other value of the run', async () => {
      nn.setBackend(backend);
      const run = async (metrics: string[]) => {
        const m = model(1, 'sigmoid', 'binaryCrossentropy', metrics);
        const h = await m.fit(x, binary(x), { epochs: 3, seed: 9, verbose: 0, validationSplit: 0.2 });
        return { h, weights: m.getWeights().map((w) => Array.from(w.data)) };
      };
      const plain = await run(['accuracy']);
      const more = await run(['accuracy', 'auc', 'f1']);
      expect(more.weights).toEqual(plain.weights);
      for (const key of ['loss', 'accuracy', 'val_loss', 'val_accuracy'])
        expect(more.h.history[key]).toEqual(plain.h.history[key]);
      expect(more.h.history.val_auc).toHaveLength(3);
    });

    it('multi-class (sparse labels and one-hot): macro precision/recall/f1, one-vs-rest auc', async () => {
      nn.setBackend(backend);
      const y = classes(x);
      const sparse = model(3, 'softmax', 'sparseCategoricalCrossentropy', ['f1', 'auc', 'recall', 'precision']);
      const h = await sparse.fit(x, y, { epochs: 3, seed: 4, verbose: 0, validationSplit: 0.25 });
      expect(h.history.val_f1).toHaveLength(3);
      const oneHot = model(3, 'softmax', 'categoricalCrossentropy', ['f1', 'auc', 'recall', 'precision']);
      await oneHot.fit(x, nn.data.oneHot(y, 3), { epochs: 3, seed: 4, verbose: 0, validationSplit: 0.25 });
      for (const [m, yy] of [
        [sparse, y],
        [oneHot, nn.data.oneHot(y, 3)],
      ] as const) {
        const logs = m.evaluate(x, yy);
        const p = m.predict(x);
        expect(logs.f1).toBe(nn.metrics.f1(y, p));
        expect(logs.auc).toBe(nn.metrics.auc(y, p));
        expect(logs.recall).toBe(nn.metrics.recall(y, p, { average: 'macro' }));
        expect(logs.precision).toBe(nn.metrics.precision(y, p));
      }
    });

    it('regression: mape and r2 next to the executor mae', async () => {
      nn.setBackend(backend);
      const m = model(1, 'linear', 'meanSquaredError', ['mae', 'mape', 'r2']);
      const [y, yVal] = [target(x), target(xVal)];
      const h = await m.fit(x, y, { epochs: 5, seed: 1, verbose: 0, validationData: [xVal, yVal] });
      const p = m.predict(x);
      expect(h.history.r2[4]).toBe(nn.metrics.r2(y, p));
      expect(h.history.mape[4]).toBe(nn.metrics.mape(y, p));
      expect(h.history.val_r2[4]).toBe(nn.metrics.r2(yVal, m.predict(xVal)));
      const logs = m.evaluate(xVal, yVal);
      expect(Object.keys(logs)).toEqual(['loss', 'mae', 'mape', 'r2']);
      expect(logs.mae).toBeCloseTo(nn.metrics.mae(yVal, m.predict(xVal)), 5);
    });
  });
}

describe('compile metric names', () => {
  it('refuses classification metrics with a regression loss, and unknown names', () => {
    const m = nn.sequential([nn.layers.dense({ units: 1, inputShape: [2] })]);
    expect(() => m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['auc'] })).toThrow(
      'compile: metric "auc" needs a classification loss (binaryCrossentropy, categoricalCrossentropy or sparseCategoricalCrossentropy), got meanSquaredError',
    );
    expect(() => m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['rmse'] })).toThrow(
      /compile: unknown metric "rmse"; valid: accuracy, .*, precision, recall, f1, .*auc, mape, .*r2/,
    );
    expect(() => m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['r2', 'r2'] })).toThrow(
      'metric "r2" is listed twice',
    );
    m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['r2Score', 'meanAbsolutePercentageError'] });
    const logs = m.evaluate(
      nn.tensor2d([
        [1, 2],
        [3, 4],
      ]),
      [1, 2],
    );
    expect(Object.keys(logs)).toEqual(['loss', 'r2Score', 'meanAbsolutePercentageError']);
  });
});

describe('callbacks on whole-set metrics', () => {
  it("mode 'auto' maximizes precision, recall, f1, auc and r2 (and minimizes mape)", () => {
    for (const key of ['val_precision', 'recall', 'val_f1', 'val_auc', 'auc', 'val_r2', 'r2Score'])
      expect(nn.callbacks.earlyStopping({ monitor: key }).mode, key).toBe('max');
    for (const key of ['val_mape', 'val_loss', 'mae'])
      expect(nn.callbacks.earlyStopping({ monitor: key }).mode, key).toBe('min');
  });
});
