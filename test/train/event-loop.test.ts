/** `await model.fit` on the native backend leaves the event loop free while it trains: a 1 ms
 *  interval keeps firing with no gap over 50 ms, from onTrainBegin to the end of fit, for
 *  digits-sized rows and for wide rows (where the glue's copy of each call's rows runs on the main
 *  thread). The checks of x and y before training are synchronous and not measured here. */
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { Random } from '../../src/util/random';

const hasNative = nn.backends.native !== null;

function data(rows: number, inputs: number, classes: number) {
  const rng = new Random(5);
  const x = new Float32Array(rows * inputs);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform(-1, 1);
  const labels = Int32Array.from({ length: rows }, (_, r) => (x[r * inputs] > 0 ? 1 : 0) + (r % (classes - 1)));
  return { x: nn.tensor2d(x, [rows, inputs]), y: labels };
}

async function maxGapDuringFit(inputs: number, rows: number, epochs: number): Promise<{ gap: number; ticks: number }> {
  const model = nn.sequential({
    seed: 1,
    layers: [
      nn.layers.dense({ units: 64, activation: 'relu', inputShape: [inputs] }),
      nn.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const { x, y } = data(rows, inputs, 10);
  let last = 0;
  let gap = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    if (last > 0) gap = Math.max(gap, now - last);
    last = now;
    ticks++;
  }, 1);
  const start = {
    onTrainBegin: () => {
      last = performance.now();
      ticks = 0;
    },
  };
  await model.fit(x, y, { epochs, batchSize: 32, verbose: 0, seed: 1, callbacks: [start] });
  const now = performance.now();
  gap = Math.max(gap, now - last);
  clearInterval(timer);
  return { gap, ticks };
}

describe.skipIf(!hasNative)('event loop during await model.fit (native backend)', () => {
  it('digits-sized rows: no gap over 50 ms', async () => {
    nn.setBackend('native');
    const { gap, ticks } = await maxGapDuringFit(64, 20000, 6);
    expect(ticks).toBeGreaterThan(20); // the fit ran long enough for the interval to matter
    expect(gap).toBeLessThan(50);
  });

  it('wide rows (784 inputs, 20,000 rows): no gap over 50 ms', async () => {
    nn.setBackend('native');
    const { gap, ticks } = await maxGapDuringFit(784, 20000, 2);
    expect(ticks).toBeGreaterThan(20);
    expect(gap).toBeLessThan(50);
  }, 60_000);
});
