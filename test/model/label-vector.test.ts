/**
 * A single-output model takes a 1-D label vector as y, as Keras does (issue 13 item 3): an
 * Int32Array, Float32Array, number[] or a Tensor [n] means the same as the Tensor [n, 1].
 */
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';

const rows = 40;
const x = nn.tensor2d(
  Float32Array.from({ length: rows * 2 }, (_, i) => Math.sin(i * 1.7)),
  [rows, 2],
);
const labels = Int32Array.from({ length: rows }, (_, r) => (x.data[2 * r] + x.data[2 * r + 1] > 0 ? 1 : 0));
const column = nn.tensor2d(Float32Array.from(labels), [rows, 1]);

function model(loss: string, activation: 'sigmoid' | 'linear') {
  const m = nn.sequential({ seed: 3, layers: [nn.layers.dense({ units: 1, activation, inputShape: [2] })] });
  m.compile({ optimizer: 'adam', loss, metrics: loss === 'binaryCrossentropy' ? ['accuracy'] : ['mae'] });
  return m;
}

describe('1-D labels for a single-output model', () => {
  for (const [loss, activation] of [
    ['binaryCrossentropy', 'sigmoid'],
    ['meanSquaredError', 'linear'],
  ] as const) {
    it(`${loss}: fit and evaluate take Int32Array, Float32Array, number[] and Tensor [n] like [n, 1]`, async () => {
      const reference = model(loss, activation);
      const expected = await reference.fit(x, column, { epochs: 3, seed: 5, verbose: 0, validationData: [x, column] });
      const ys = [
        labels,
        Float32Array.from(labels),
        Array.from(labels),
        new nn.Tensor(Float32Array.from(labels), [rows]),
      ];
      for (const y of ys) {
        const m = model(loss, activation);
        const history = await m.fit(x, y, { epochs: 3, seed: 5, verbose: 0, validationData: [x, y] });
        expect(history.history).toEqual(expected.history);
        expect(m.evaluate(x, y)).toEqual(reference.evaluate(x, column));
        expect(await m.evaluateAsync(x, y)).toEqual(reference.evaluate(x, column));
      }
    });
  }

  it('checks the vector: its length, its values, and 0/1 labels for binaryCrossentropy', async () => {
    const m = model('binaryCrossentropy', 'sigmoid');
    await expect(m.fit(x, labels.subarray(1), { verbose: 0 })).rejects.toThrow(
      'fit: x has 40 rows but y has 39; they must match',
    );
    const bad = Array.from(labels) as unknown[];
    bad[7] = '1';
    await expect(m.fit(x, bad as number[], { verbose: 0 })).rejects.toThrow(/fit: y\[7\] must be a number, got/);
    const three = Int32Array.from(labels);
    three[4] = 2;
    const error = await m.fit(x, three, { verbose: 0 }).catch((e: Error) => e);
    expect(String(error)).toContain('fit: y row 4 holds 2; binaryCrossentropy needs targets in [0, 1]');
    expect(String(error)).toContain('sparseCategoricalCrossentropy');
    expect(String(error)).not.toContain('oneHot(labels, 1)');
  });

  it('a multi-output model still refuses a vector, with advice that works', async () => {
    const m = nn.sequential([nn.layers.dense({ units: 3, activation: 'sigmoid', inputShape: [2] })]);
    m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
    const error = await m.fit(x, labels, { verbose: 0 }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(TypeError);
    const advice = /nn\.data\.oneHot\(labels, (\d+)\)/.exec(String(error));
    expect(advice?.[1]).toBe('3');
    // The advice runs: oneHot(labels, 3) is accepted.
    await m.fit(x, nn.data.oneHot(labels, 3), { verbose: 0 });
  });
});
