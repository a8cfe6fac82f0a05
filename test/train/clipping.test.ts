/** Gradient clipping (Keras clipnorm / clipvalue, every optimizer): one full-batch step equals the
 *  update computed by hand from the unclipped gradients, on every backend; saved and loaded with
 *  the optimizer; bad values refused. */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { Random } from '../../src/util/random';
import { allBackends, maxRelErr } from '../support/backends';

const initial = nn.getBackend().name;
afterAll(() => nn.setBackend(initial));

const ROWS = 8;
function setup(optimizer: nn.optimizers.Optimizer) {
  const rng = new Random(4);
  const x = Float32Array.from({ length: ROWS * 3 }, () => rng.uniform(-2, 2));
  const y = Float32Array.from({ length: ROWS * 2 }, () => rng.uniform(-3, 3));
  const m = nn.sequential({
    seed: 5,
    layers: [
      nn.layers.dense({
        units: 4,
        activation: 'tanh',
        inputShape: [3],
        kernelRegularizer: nn.regularizers.l2({ l2: 0.1 }),
      }),
      nn.layers.dense({ units: 2 }),
    ],
  });
  m.compile({ optimizer, loss: 'meanSquaredError' });
  return { m, x, y };
}

describe.each(allBackends.map((b) => [b.name] as const))('gradient clipping (%s)', (backend) => {
  it.each([
    ['clipvalue 0.05', { clipvalue: 0.05 }],
    ['clipnorm 0.1', { clipnorm: 0.1 }],
    ['clipnorm 100 (no effect)', { clipnorm: 100 }],
  ] as const)('one SGD step with %s equals the clipped update by hand', async (_n, clip) => {
    nn.setBackend(backend);
    const lr = 0.5;
    const { m, x, y } = setup(nn.optimizers.sgd({ learningRate: lr, ...clip }));
    const before = m.getWeights().map((w) => Float32Array.from(w.data));
    const grads = before.map((w) => new Float32Array(w.length));
    m.executor().gradients(x, y, ROWS, 0, grads);
    const expected = before.map((w, i) => {
      let g = Array.from(grads[i]);
      if ('clipvalue' in clip) g = g.map((v) => Math.min(clip.clipvalue, Math.max(-clip.clipvalue, v)));
      if ('clipnorm' in clip) {
        const norm = Math.sqrt(g.reduce((a, v) => a + v * v, 0));
        if (norm > clip.clipnorm) g = g.map((v) => (v * clip.clipnorm) / norm);
      }
      return Float32Array.from(w, (v, k) => v - lr * g[k]);
    });
    if (!('clipnorm' in clip && clip.clipnorm === 100)) {
      // the clipping bites: without it the step differs
      const unclipped = before.map((w, i) => Float32Array.from(w, (v, k) => v - lr * grads[i][k]));
      expect(unclipped.some((u, i) => maxRelErr(u, expected[i], 1e-6, 1e-5) > 1)).toBe(true);
    }
    // shuffle: false: the rows in the order the gradients above were summed in, not a random one
    await m.fit(nn.tensor2d(x, [ROWS, 3]), nn.tensor2d(y, [ROWS, 2]), {
      epochs: 1,
      batchSize: ROWS,
      shuffle: false,
      verbose: 0,
    });
    m.getWeights().forEach((w, i) => {
      expect(maxRelErr(w.data, expected[i], 1e-6, 1e-5), `weight ${i}`).toBeLessThanOrEqual(1);
    });
  });
});

describe('gradient clipping settings', () => {
  it('every optimizer takes clipnorm and clipvalue, and refuses bad values', () => {
    for (const make of [nn.optimizers.sgd, nn.optimizers.adam, nn.optimizers.rmsprop, nn.optimizers.adagrad]) {
      expect(make({ clipnorm: 1 }).getConfig().config.clipnorm).toBe(1);
      expect(make({ clipvalue: 0.5 }).getConfig().config.clipvalue).toBe(0.5);
      expect(() => make({ clipnorm: -1 })).toThrow(RangeError);
      expect(() => make({ clipvalue: Number.NaN })).toThrow(RangeError);
    }
    expect(nn.optimizers.adam().getConfig().config).not.toHaveProperty('clipnorm');
  });

  it('is saved with the optimizer and loaded back', async () => {
    const { m, x, y } = setup(nn.optimizers.adam({ learningRate: 0.01, clipnorm: 0.3, clipvalue: 0.2 }));
    await m.fit(nn.tensor2d(x, [ROWS, 3]), nn.tensor2d(y, [ROWS, 2]), { epochs: 1, verbose: 0 });
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nativenn-clip-'));
    try {
      await m.save(path.join(dir, 'm'), { includeOptimizer: true });
      const json = JSON.parse(await fs.readFile(path.join(dir, 'm', 'model.json'), 'utf8'));
      expect(json.trainingConfig.optimizer_config.config).toMatchObject({ clipnorm: 0.3, clipvalue: 0.2 });
      const back = await nn.loadModel(path.join(dir, 'm'));
      expect(back.optimizer?.getConfig().config).toMatchObject({ clipnorm: 0.3, clipvalue: 0.2 });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
