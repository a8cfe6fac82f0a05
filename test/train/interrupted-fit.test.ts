/** A fit interrupted by a throwing callback leaves the model usable on both backends (no busy
 *  flag stuck, a later fit runs), and dispose() from a callback is refused the same way on both
 *  (it used to end the native fit with "this executor was disposed" and let the js fit go on). */
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { Random } from '../../src/util/random';

const BACKENDS = nn.backends.native ? (['js', 'native'] as const) : (['js'] as const);
const HOOKS = ['onTrainBegin', 'onEpochBegin', 'onBatchBegin', 'onBatchEnd', 'onEpochEnd', 'onTrainEnd'] as const;

function blobs(rows: number) {
  const rng = new Random(7);
  const x = new Float32Array(rows * 4);
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < 4; c++) x[r * 4 + c] = rng.uniform(-1, 1);
    labels[r] = x[r * 4] > x[r * 4 + 1] ? 1 : 0;
  }
  return { x: nn.tensor2d(x, [rows, 4]), y: labels };
}

function model() {
  const m = nn.sequential({
    seed: 3,
    layers: [
      nn.layers.dense({ units: 8, activation: 'relu', inputShape: [4] }),
      nn.layers.dense({ units: 2, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

describe.each(BACKENDS)('interrupted fit (%s backend)', (backend) => {
  const { x, y } = blobs(64);

  it.each(HOOKS)('a callback throwing in %s: fit rejects with its error, then the model works', async (hook) => {
    nn.setBackend(backend);
    const m = model();
    const boom = {
      [hook]: () => {
        throw new Error(`boom in ${hook}`);
      },
    };
    await expect(m.fit(x, y, { epochs: 2, verbose: 0, seed: 1, callbacks: [boom] })).rejects.toThrow(`boom in ${hook}`);
    const h = await m.fit(x, y, { epochs: 2, verbose: 0, seed: 1 });
    expect(h.epoch).toEqual([0, 1]);
    expect(Number.isFinite(h.history.loss[1])).toBe(true);
    m.setWeights(m.getWeights());
    expect(m.predict(x).shape).toEqual([64, 2]);
  });

  it('dispose() from a callback is refused; the fit stops with that error and the model works after', async () => {
    nn.setBackend(backend);
    const m = model();
    const disposer = { onEpochEnd: () => m.dispose() };
    await expect(m.fit(x, y, { epochs: 3, verbose: 0, seed: 1, callbacks: [disposer] })).rejects.toThrow(
      /dispose: .* is training/,
    );
    const h = await m.fit(x, y, { epochs: 1, verbose: 0, seed: 1 });
    expect(h.epoch).toEqual([0]);
    m.dispose();
    expect(m.predict(x).shape).toEqual([64, 2]);
  });
});
