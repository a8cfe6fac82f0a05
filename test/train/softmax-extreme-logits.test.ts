/** The training step's fused softmax cross-entropy (native: a loop per CPU path, rows in groups of
 *  8) where a logit off the target overflows to −Infinity: its term is skipped, not 0·∞ = NaN, and
 *  every backend, on every CPU path the native one runs, gives the js twin's loss and weights. The
 *  kernel tests cannot reach this loop: it runs only inside the tape. */
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { addon } from '../../src/backend/native/addon';
import { allBackends, maxRelErr } from '../support/backends';

const initial = nn.getBackend().name;
const paths: string[] = typeof addon?.cpuPaths === 'function' ? addon.cpuPaths() : [];
afterAll(() => {
  nn.setBackend(initial);
  if (paths.length > 0) addon!.setCpuPath(paths[0]);
});

/** Each backend to compare with js, the native one once per CPU path. */
const contenders = allBackends.flatMap((b) =>
  b.name === 'native' && paths.length > 0
    ? paths.map((p) => ({ name: b.name, label: `native (${p})`, use: () => addon!.setCpuPath(p) }))
    : [{ name: b.name, label: b.name, use: () => true }],
);

/** rows of x = 1e9 through a dense 1 → 3 softmax whose middle kernel weight is −1e30: logits
 *  [1, −Infinity, 2] by float32 overflow; targets one-hot on the first or the last class. */
async function step(backend: string, rows: number) {
  nn.setBackend(backend);
  const model = nn.sequential({
    seed: 1,
    layers: [nn.layers.dense({ units: 3, activation: 'softmax', inputShape: [1] })],
  });
  model.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.1 }), loss: 'categoricalCrossentropy' });
  model.setWeights([nn.tensor2d([[1e-9, -1e30, 2e-9]]), nn.tensor1d([0, 0, 0])]);
  const x = nn.tensor2d(new Float32Array(rows).fill(1e9), [rows, 1]);
  const y = new Float32Array(rows * 3);
  for (let r = 0; r < rows; r++) y[r * 3 + (r % 3 === 1 ? 2 : 0)] = 1;
  const loss = (await model.trainOnBatch(x, nn.tensor2d(y, [rows, 3]))) as number;
  return { loss, weights: model.getWeights().map((w) => Float32Array.from(w.data as Float32Array)) };
}

describe('softmax cross-entropy with a −Infinity logit off the target', () => {
  it.each([1, 3, 8, 20, 33])('%i rows: a finite loss, the same on every backend and CPU path', async (rows) => {
    const ref = await step('js', rows);
    // −log softmax: log(e + e²) − 1 for target 0, log(e + e²) − 2 for target 2.
    const lse = Math.log(Math.E + Math.E ** 2);
    let expected = 0;
    for (let r = 0; r < rows; r++) expected += lse - (r % 3 === 1 ? 2 : 1);
    expect(ref.loss).toBeCloseTo(expected / rows, 5);
    for (const b of contenders) {
      expect(b.use(), b.label).toBe(true);
      const got = await step(b.name, rows);
      expect(Number.isFinite(got.loss), b.label).toBe(true);
      expect(Math.abs(got.loss - ref.loss), b.label).toBeLessThan(1e-6);
      got.weights.forEach((w, i) => {
        expect(w.every(Number.isFinite), `${b.label} weight ${i}`).toBe(true);
        expect(maxRelErr(w, ref.weights[i], 1e-6, 1e-5), `${b.label} weight ${i}`).toBeLessThanOrEqual(1);
      });
    }
  });
});
