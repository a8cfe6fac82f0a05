/** Issue 3 §7: every bad input gives a clear error before any weight changes. */
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';

function compiled(
  loss = 'categoricalCrossentropy',
  units = 3,
  activation: 'softmax' | 'sigmoid' | 'linear' = 'softmax',
) {
  const m = nn.sequential({
    seed: 4,
    layers: [
      nn.layers.dense({ units: 5, activation: 'relu', inputShape: [4] }),
      nn.layers.dense({ units, activation }),
    ],
  });
  m.compile({ optimizer: 'adam', loss, metrics: ['accuracy'] });
  return m;
}
const x = nn.tensor2d(Array.from({ length: 6 }, (_, r) => [r, r / 2, -r, 1]));
const y = nn.data.oneHot(new Int32Array([0, 1, 2, 0, 1, 2]), 3);

/** Runs fit, expects the error, and checks that no weight and no optimizer step changed. */
async function rejects(m: nn.Sequential, run: () => Promise<unknown>, message: string | RegExp) {
  const before = m.getWeights();
  const steps = m.optimizer?.iterations ?? 0;
  await expect(run()).rejects.toThrow(message);
  expect(m.getWeights()).toEqual(before);
  expect(m.optimizer?.iterations ?? 0).toBe(steps);
}

describe('fit rejects bad input before touching the weights', () => {
  it('x and y row counts differ', async () => {
    const m = compiled();
    await rejects(
      m,
      () => m.fit(x, nn.data.take(y, [0, 1, 2]), { verbose: 0 }),
      'fit: x has 6 rows but y has 3; they must match',
    );
  });

  it('wrong feature count', async () => {
    const m = compiled();
    await rejects(
      m,
      () => m.fit(nn.tensor2d([[1, 2, 3]]), nn.tensor2d([[1, 0, 0]]), { verbose: 0 }),
      'fit: x has 3 features per row but the model expects 4 (inputShape [4])',
    );
  });

  it('y with the wrong number of columns, or labels where one-hot rows are needed', async () => {
    const m = compiled();
    await rejects(
      m,
      () => m.fit(x, nn.data.oneHot(new Int32Array(6), 2), { verbose: 0 }),
      'y must be a Tensor [rows, 3] for categoricalCrossentropy',
    );
    await rejects(
      m,
      () => m.fit(x, new Int32Array(6), { verbose: 0 }),
      /use nn\.data\.oneHot\(labels, 3\) or loss sparseCategoricalCrossentropy/,
    );
  });

  it('labels out of range for the loss', async () => {
    const sparse = compiled('sparseCategoricalCrossentropy');
    await rejects(
      sparse,
      () => sparse.fit(x, new Int32Array([0, 1, 2, 3, 0, 1]), { verbose: 0 }),
      'fit: y row 3 holds 3; sparseCategoricalCrossentropy needs class labels from 0 to 2 (the model has 3 outputs)',
    );
    await rejects(sparse, () => sparse.fit(x, [0, 1, 2, 0, 1.5, 1], { verbose: 0 }), 'y row 4 holds 1.5');
    await rejects(sparse, () => sparse.fit(x, new Int32Array([0, 1, -1, 0, 1, 1]), { verbose: 0 }), 'y row 2 holds -1');
    const bce = compiled('binaryCrossentropy', 1, 'sigmoid');
    await rejects(
      bce,
      () => bce.fit(x, nn.tensor2d([[0], [1], [2], [0], [1], [0]]), { verbose: 0 }),
      'fit: y row 2 holds 2; binaryCrossentropy needs targets in [0, 1]',
    );
  });

  it('NaN or Infinity in x or y, reported with the row', async () => {
    const m = compiled();
    const xNaN = x.clone();
    xNaN.data[4 * 4 + 2] = Number.NaN;
    await rejects(m, () => m.fit(xNaN, y, { verbose: 0 }), 'fit: x row 4 holds NaN (column 2); data must be finite');
    const mse = compiled('mse', 1, 'linear');
    const yInf = nn.tensor2d([[0], [1], [2], [Number.POSITIVE_INFINITY], [1], [0]]);
    await rejects(mse, () => mse.fit(x, yInf, { verbose: 0 }), 'fit: y row 3 holds Infinity');
    const vx = x.clone();
    vx.data[0] = Number.NEGATIVE_INFINITY;
    await rejects(
      m,
      () => m.fit(x, y, { verbose: 0, validationData: [vx, y] }),
      'fit: validationData[0] row 0 holds -Infinity',
    );
  });

  it('empty data', async () => {
    const m = compiled();
    await rejects(
      m,
      () =>
        m.fit(new nn.Tensor(new Float32Array(0), [0, 4]), new nn.Tensor(new Float32Array(0), [0, 3]), { verbose: 0 }),
      'fit: x is empty (0 rows)',
    );
  });

  it('batchSize ≤ 0 and other bad options', async () => {
    const m = compiled();
    await rejects(
      m,
      () => m.fit(x, y, { batchSize: 0, verbose: 0 }),
      'fit: batchSize must be a positive integer, got 0',
    );
    await rejects(
      m,
      () => m.fit(x, y, { batchSize: -4, verbose: 0 }),
      'fit: batchSize must be a positive integer, got -4',
    );
    await rejects(m, () => m.fit(x, y, { epochs: 1.5, verbose: 0 }), 'fit: epochs must be a positive integer, got 1.5');
    await rejects(
      m,
      () => m.fit(x, y, { validationSplit: 1, verbose: 0 }),
      'fit: validationSplit must be a finite number in [0, 1), got 1',
    );
    await rejects(
      m,
      () => m.fit(x, y, { validationSplit: 0.9, verbose: 0 }),
      'validationSplit 0.9 of 6 rows leaves 0 for training and 6 for validation',
    );
    await rejects(m, () => m.fit(x, y, { epoch: 3 } as never), 'fit: unknown option "epoch"; valid: epochs, batchSize');
    await rejects(
      m,
      () => m.fit(x, y, { verbose: 0, callbacks: [{ onEpochEnd: 3 }] as never }),
      'fit: callbacks[0].onEpochEnd must be a function',
    );
    await rejects(
      m,
      () => m.fit(x, y, { verbose: 0, validationData: [x] as never }),
      'fit: validationData must be [x, y]',
    );
    await rejects(
      m,
      () => m.fit(x, y, { verbose: 0, validationData: [x, y], validationSplit: 0.5 }),
      'give validationSplit or validationData, not both',
    );
  });

  it('fit before compile', async () => {
    const m = nn.sequential({ layers: [nn.layers.dense({ units: 3, inputShape: [4] })] });
    await rejects(
      m,
      () => m.fit(x, y, { verbose: 0 }),
      'fit: the model must be compiled first: model.compile({ optimizer, loss })',
    );
    expect(() => m.evaluate(x, y)).toThrow('evaluate: the model must be compiled first');
  });

  it('a model with no layers', async () => {
    const m = nn.sequential();
    expect(() => m.compile({ optimizer: 'sgd', loss: 'mse' })).toThrow(
      'compile: the model has no layers; add some with model.add(layer)',
    );
    await expect(m.fit(x, y)).rejects.toThrow('fit: the model has no layers');
    expect(() => m.predict(x)).toThrow('predict: the model has no layers');
  });

  it('predict and evaluate check their input too', () => {
    const m = compiled();
    expect(() => m.predict(nn.tensor2d([[1, 2]]))).toThrow('predict: x has 2 features per row but the model expects 4');
    expect(() => m.predict([[1, 2, 3, 4]] as never)).toThrow('predict: x must be a Tensor (nn.tensor2d), got Array(1)');
    expect(() => m.evaluate(x, nn.data.take(y, [0]))).toThrow('evaluate: x has 6 rows but y has 1');
  });
});
