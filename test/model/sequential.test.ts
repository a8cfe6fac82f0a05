/** Sequential: building, summary, weights, predict/evaluate, compile by name. */
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';

function small(seed = 1) {
  return nn.sequential({
    seed,
    layers: [
      nn.layers.dense({ units: 4, activation: 'tanh', inputShape: [3] }),
      nn.layers.dense({ units: 2, activation: 'softmax' }),
    ],
  });
}
const x = nn.tensor2d([
  [0.1, 0.2, 0.3],
  [-1, 0.5, 2],
  [0, 0, 0],
]);

describe('Sequential', () => {
  it('summary is the Keras table with output shapes and parameter counts', () => {
    const m = nn.sequential({
      name: 'digits',
      layers: [
        nn.layers.dense({ units: 64, activation: 'relu', inputShape: [64] }),
        nn.layers.dropout({ rate: 0.2 }),
        nn.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    const text = m.summary({ print: false });
    expect(text).toContain('Model: "digits"');
    expect(text).toMatch(/Layer \(type\)\s+Output Shape\s+Param #/);
    expect(text).toMatch(/dense_1 \(Dense\)\s+\(None, 64\)\s+4160/);
    expect(text).toMatch(/dropout_1 \(Dropout\)\s+\(None, 64\)\s+0/);
    expect(text).toMatch(/dense_2 \(Dense\)\s+\(None, 10\)\s+650/);
    expect(text).toContain('Total params: 4,810');
    expect(text).toContain('Trainable params: 4,810');
  });

  it('model.add builds layer by layer; the first needs an input shape', () => {
    const m = nn.sequential();
    expect(() => m.add(nn.layers.dense({ units: 3 }))).toThrow('the first layer needs an input shape');
    m.add(nn.layers.dense({ units: 3, inputShape: [2] }));
    m.add(nn.layers.dense({ units: 1 }));
    expect(m.getWeights().map((w) => w.shape)).toEqual([[2, 3], [3], [3, 1], [1]]);
    expect(() => m.add(nn.layers.dense({ units: 1, inputShape: [5] }))).toThrow(
      'declares inputShape [5] but the previous layer outputs 1',
    );
    expect(() => m.add({} as never)).toThrow('add: expected a layer');
  });

  it('getWeights copies; setWeights checks shapes and values before writing any', () => {
    const m = small();
    const w = m.getWeights();
    w[0].data[0] = 123;
    expect(m.getWeights()[0].data[0]).not.toBe(123);
    const before = m.getWeights();
    const bad = before.map((t) => t.clone());
    bad[0].data[0] = 7;
    bad[3] = nn.tensor2d([[1, 2]]);
    expect(() => m.setWeights(bad)).toThrow('setWeights: weights[3] must have shape [2], got [1, 2]');
    expect(m.getWeights()).toEqual(before);
    const nan = before.map((t) => t.clone());
    nan[2].data[1] = Number.NaN;
    expect(() => m.setWeights(nan)).toThrow('weights[2] holds NaN at index 1');
    expect(() => m.setWeights(before.slice(1))).toThrow('the model has 4 weight tensors, got 3');
    expect(m.getWeights()).toEqual(before);
    const next = before.map(
      (t) =>
        new nn.Tensor(
          t.data.map((v) => v * 2),
          t.shape,
        ),
    );
    m.setWeights(next);
    expect(m.getWeights()).toEqual(next);
  });

  it('predict computes softmax(tanh(x·W1 + b1)·W2 + b2) with tfjs kernel layout [inputs, units]', () => {
    const m = small();
    const [w1, b1, w2, b2] = m.getWeights();
    const out = m.predict(x);
    expect(out.shape).toEqual([3, 2]);
    for (let r = 0; r < 3; r++) {
      const h = Array.from({ length: 4 }, (_, j) =>
        Math.tanh(b1.data[j] + [0, 1, 2].reduce((s, i) => s + x.data[r * 3 + i] * w1.data[i * 4 + j], 0)),
      );
      const z = [0, 1].map((k) => b2.data[k] + h.reduce((s, hj, j) => s + hj * w2.data[j * 2 + k], 0));
      const e = z.map((v) => Math.exp(v - Math.max(...z)));
      const p = e.map((v) => v / (e[0] + e[1]));
      // float32 storage: a few ulps of the [0, 1] outputs.
      expect(out.data[r * 2]).toBeCloseTo(p[0], 5);
      expect(out.data[r * 2 + 1]).toBeCloseTo(p[1], 5);
    }
  });

  it('predictAsync and evaluateAsync match the sync versions', async () => {
    const m = small();
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy', 'mae'] });
    const y = new Int32Array([0, 1, 1]);
    expect((await m.predictAsync(x, { batchSize: 2 })).data).toEqual(m.predict(x).data);
    const sync = m.evaluate(x, y);
    expect(Object.keys(sync)).toEqual(['loss', 'accuracy', 'mae']);
    const chunked = await m.evaluateAsync(x, y, { batchSize: 2 });
    // Chunk means recombined by row count: equal up to double rounding.
    for (const k of Object.keys(sync)) expect(chunked[k]).toBeCloseTo(sync[k], 6);
  });

  it('compile resolves names and objects and keeps the config', () => {
    const m = small();
    m.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'mse', metrics: ['acc'] });
    expect(m.compileConfig?.loss).toBe('meanSquaredError');
    expect(m.compileConfig?.metrics).toEqual({ keys: ['acc'], names: ['accuracy'], wholeSet: [] });
    expect(m.optimizer?.getConfig()).toMatchObject({ className: 'Adam', config: { learningRate: 0.01 } });
    expect(m.getConfig().layers.map((l) => l.className)).toEqual(['Dense', 'Dense']);
  });

  it('unknown names list the valid ones', () => {
    const m = small();
    expect(() => m.compile({ optimizer: 'adamax', loss: 'mse' })).toThrow(
      'compile: unknown optimizer "adamax"; valid: sgd, momentum, adam, adamw, rmsprop, adagrad',
    );
    expect(() => m.compile({ optimizer: 'sgd', loss: 'hinge' })).toThrow(
      'compile: unknown loss "hinge"; valid: meanSquaredError, mse, binaryCrossentropy, categoricalCrossentropy, sparseCategoricalCrossentropy',
    );
    expect(() => m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['f2'] })).toThrow(
      'compile: unknown metric "f2"; valid: accuracy, acc, mse',
    );
    expect(() => m.compile({ loss: 'mse' } as never)).toThrow('compile: optimizer is required');
  });
});
