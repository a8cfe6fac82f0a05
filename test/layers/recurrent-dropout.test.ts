/** Input dropout in a Bidirectional's recurrent layer: both directions send a gradient to the same
 *  input through their own masks, and the second adds to the first (found by the recurrent
 *  round-trip property test: the backward copy refused to build its tape). */
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { allBackends, maxRelErr, randomF32 } from '../support/backends';

const initial = nn.getBackend().name;
afterAll(() => nn.setBackend(initial));

const ROWS = 4;
const T = 3;
const F = 2;

/** dense → bidirectional(lstm with input dropout `rate`) → dense. */
function model(rate: number, layer: 'lstm' | 'gru' | 'simpleRNN') {
  return nn.sequential({
    seed: 11,
    layers: [
      nn.layers.timeDistributed({ layer: nn.layers.dense({ units: F, activation: 'tanh' }), inputShape: [T, F] }),
      nn.layers.bidirectional({ layer: nn.layers[layer]({ units: 3, dropout: rate, seed: 5 }), mergeMode: 'sum' }),
      nn.layers.dense({ units: 2 }),
    ],
  });
}

describe.each(allBackends.map((b) => [b.name] as const))('recurrent input dropout (%s)', (backend) => {
  it.each(['lstm', 'gru', 'simpleRNN'] as const)(
    'a bidirectional %s with dropout that keeps every input trains like one without dropout',
    async (layer) => {
      nn.setBackend(backend);
      const x = nn.tensor(randomF32(ROWS * T * F, 1), [ROWS, T, F]);
      const y = nn.tensor2d(randomF32(ROWS * 2, 2), [ROWS, 2]);
      const [kept, plain] = [model(1e-12, layer), model(0, layer)];
      for (const m of [kept, plain]) {
        m.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.5 }), loss: 'meanSquaredError' });
        // One fit seed for both: the same row order, so that float32 sums add up alike.
        await m.fit(x, y, { epochs: 2, batchSize: ROWS, seed: 3, verbose: 0 });
      }
      const want = plain.getWeights();
      // weight 0 (the first dense) moved by the gradient both directions sent back
      kept.getWeights().forEach((w, i) => {
        expect(maxRelErr(w.data, want[i].data, 1e-7, 1e-6), `weight ${i}`).toBeLessThanOrEqual(1);
      });
    },
  );
});
