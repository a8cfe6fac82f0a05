/** `await model.fit` on the native backend leaves the event loop free while it trains: a 1 ms
 *  interval keeps firing (test/support/event-loop.ts says how that is judged), from onTrainBegin
 *  to the end of fit, for digits-sized rows and for wide rows (where the glue's copy of each call's rows runs on the main
 *  thread). The checks of x and y before training are synchronous and not measured here. */
import { describe, it } from 'vitest';
import * as nn from '../../src';
import { Random } from '../../src/util/random';
import { expectResponsive, type LoopWatch, watchEventLoop } from '../support/event-loop';

const hasNative = nn.backends.native !== null;

function data(rows: number, inputs: number, classes: number) {
  const rng = new Random(5);
  const x = new Float32Array(rows * inputs);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform(-1, 1);
  const labels = Int32Array.from({ length: rows }, (_, r) => (x[r * inputs] > 0 ? 1 : 0) + (r % (classes - 1)));
  return { x: nn.tensor2d(x, [rows, inputs]), y: labels };
}

async function watchFit(inputs: number, rows: number, epochs: number): Promise<LoopWatch> {
  const model = nn.sequential({
    seed: 1,
    layers: [
      nn.layers.dense({ units: 64, activation: 'relu', inputShape: [inputs] }),
      nn.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const { x, y } = data(rows, inputs, 10);
  const watch = watchEventLoop();
  await model.fit(x, y, {
    epochs,
    batchSize: 32,
    verbose: 0,
    seed: 1,
    callbacks: [{ onTrainBegin: () => watch.start() }],
  });
  return watch.stop();
}

describe.skipIf(!hasNative)('event loop during await model.fit (native backend)', () => {
  it('digits-sized rows: the interval keeps firing', async () => {
    nn.setBackend('native');
    await expectResponsive(await watchFit(64, 20000, 30));
  }, 60_000);

  it('wide rows (784 inputs, 20,000 rows): the interval keeps firing', async () => {
    nn.setBackend('native');
    await expectResponsive(await watchFit(784, 20000, 5));
  }, 60_000);
});
