/** What fit/predict say when the caller interferes with a fit on the native backend: predict while
 *  the worker trains, x transferred away or overwritten with NaN between batches (as another thread
 *  could through a SharedArrayBuffer), and a batchSize far above the rows (full batch). */
import { afterEach, describe, expect, it } from 'vitest';
import * as nn from '../../src';

const native = nn.backends.native !== null;

function model() {
  const m = nn.sequential({
    seed: 5,
    layers: [
      nn.layers.dense({ units: 32, activation: 'relu', inputShape: [4] }),
      nn.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  return m;
}

/** rows × 4 values on a SharedArrayBuffer (what another thread could write), labels 0..2. */
function data(rows: number) {
  const values = new Float32Array(new SharedArrayBuffer(rows * 4 * 4));
  for (let i = 0; i < values.length; i++) values[i] = Math.sin(i * 0.7);
  return { x: new nn.Tensor(values, [rows, 4]), y: Int32Array.from({ length: rows }, (_, i) => i % 3) };
}

const finiteWeights = (m: nn.Sequential) => m.getWeights().every((w) => w.data.every(Number.isFinite));

describe.skipIf(!native)('fit under interference (native backend)', () => {
  afterEach(() => nn.setBackend('native'));

  it('predict while the worker trains says the model is busy training, in the user’s terms', async () => {
    nn.setBackend('native');
    const m = model();
    const { x, y } = data(20000);
    // Five epochs of 5,000 batches (a call each): long enough for the predicts below to land
    // during training on a loaded machine too (with one epoch, the fit once ended before any did).
    const fit = m.fit(x, y, { epochs: 5, batchSize: 4, verbose: 0, seed: 1 });
    const messages: string[] = [];
    let done = false;
    fit.finally(() => {
      done = true;
    });
    while (!done) {
      await new Promise((resolve) => setImmediate(resolve));
      try {
        m.predict(x);
      } catch (e) {
        messages.push((e as Error).message);
      }
    }
    await fit;
    expect(messages.length).toBeGreaterThan(0);
    for (const message of messages) {
      expect(message).toMatch(/^predict: the model is busy training/);
      expect(message).not.toMatch(/trainBatches/);
    }
  });

  it('x transferred away during fit: the error says so', async () => {
    const m = model();
    const { y } = data(64);
    // A plain buffer: a SharedArrayBuffer cannot be transferred.
    const plain = new nn.Tensor(
      Float32Array.from({ length: 64 * 4 }, (_, i) => Math.sin(i)),
      [64, 4],
    );
    const transferPlain = {
      onBatchEnd(batch: number) {
        if (batch === 2) structuredClone(plain.data.buffer, { transfer: [plain.data.buffer as ArrayBuffer] });
      },
    };
    await expect(m.fit(plain, y, { batchSize: 8, verbose: 0, callbacks: [transferPlain] })).rejects.toThrow(
      /^fit: x has no data any more: its buffer was transferred/,
    );
    expect(finiteWeights(m)).toBe(true);
  });

  it('NaN written into x during fit is refused with its row and column; no NaN is trained', async () => {
    const m = model();
    const { x, y } = data(64);
    const poison = {
      onBatchEnd(batch: number) {
        if (batch === 2) x.data[5 * 4 + 2] = Number.NaN; // row 5, column 2
      },
    };
    await expect(m.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0, seed: 1, callbacks: [poison] })).rejects.toThrow(
      'fit: x row 5 holds NaN (column 2); data must be finite',
    );
    expect(finiteWeights(m)).toBe(true);
  });
});

describe('batchSize ≥ rows is one full batch, however large', () => {
  afterEach(() => nn.setBackend(native ? 'native' : 'js'));

  for (const backend of native ? ['native', 'js'] : ['js']) {
    it(`fit({ batchSize: 2 ** 31 }) trains as batchSize = rows (${backend})`, async () => {
      nn.setBackend(backend as 'native' | 'js');
      const { x, y } = data(50);
      const a = model();
      const b = model();
      const huge = await a.fit(x, y, { epochs: 3, batchSize: 2 ** 31, verbose: 0, seed: 2 });
      const full = await b.fit(x, y, { epochs: 3, batchSize: 50, verbose: 0, seed: 2 });
      expect(huge.history.loss).toEqual(full.history.loss);
      expect(a.getWeights().map((w) => Array.from(w.data))).toEqual(b.getWeights().map((w) => Array.from(w.data)));
    });
  }
});
