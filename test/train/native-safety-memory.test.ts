/** The workspace limit: a training or inference call whose workspace is above nn.setMemoryLimit is
 *  refused with a RangeError naming the layer and the bytes, before anything is allocated (the
 *  issue's 1 → 2^24 → 1 model at batch 64 asks for 16 GiB: it used to end as a std::bad_alloc or
 *  the OOM killer). Raising the limit lets the same call run. */
import * as os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import * as nn from '../../src';

const native = nn.backends.native !== null;

function wide(units: number) {
  const m = nn.sequential({
    seed: 1,
    layers: [
      nn.layers.dense({ units, activation: 'relu', inputShape: [1], kernelInitializer: 'zeros' }),
      nn.layers.dense({ units: 1, kernelInitializer: 'zeros' }),
    ],
  });
  m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  return m;
}

describe.skipIf(!native)('the native workspace limit', () => {
  const initial = native ? nn.getMemoryLimit() : null;
  afterEach(() => {
    nn.setBackend('native');
    if (initial !== null) nn.setMemoryLimit(initial);
  });

  it('defaults to half the physical memory', () => {
    expect(Math.abs((nn.getMemoryLimit() as number) - os.totalmem() / 2)).toBeLessThan(65536);
  });

  it.skipIf(os.totalmem() / 2 >= 16 * 2 ** 30)(
    '1 → 2^24 → 1 at batch 64: a RangeError naming the layer and the bytes, weights untouched',
    async () => {
      const m = wide(2 ** 24);
      const x = nn.tensor2d(new Float32Array(64).fill(1), [64, 1]);
      const y = nn.tensor2d(new Float32Array(64).fill(1), [64, 1]);
      const before = m.getWeights().map((w) => w.data.slice());
      const fit = m.fit(x, y, { batchSize: 64, verbose: 0 });
      await expect(fit).rejects.toThrow(RangeError);
      await expect(fit).rejects.toThrow(
        /^fit: a batch of 64 rows needs \d+ bytes \(16\.\d GiB\) of workspace, above the memory limit of \d+ bytes .*most of it for dense_\d+\/(z|out) \(4294967296 bytes\)/,
      );
      const same = m.getWeights().every((w, i) => w.data.every((v, j) => v === before[i][j]));
      expect(same).toBe(true);
    },
  );

  it('a lower limit refuses fit, evaluate and predict chunks; raising it lets them run', async () => {
    const m = wide(4096); // 4 buffers × 4096 floats = 64 KiB of workspace per row
    const x = nn.tensor2d(new Float32Array(256).fill(0.5), [256, 1]);
    const y = nn.tensor2d(new Float32Array(256).fill(1), [256, 1]);
    nn.setMemoryLimit(1 << 20); // 1 MiB: 16 rows
    expect(nn.getMemoryLimit()).toBe(1 << 20);
    await expect(m.fit(x, y, { batchSize: 64, verbose: 0 })).rejects.toThrow(
      /^fit: a batch of 64 rows needs .* most of it for dense_\d+\/(z|out) \(1048576 bytes\).*nn\.setMemoryLimit/,
    );
    expect(() => m.evaluate(x, y)).toThrow(/^evaluate: an evaluate chunk of \d+ rows needs/);
    expect(() => m.predict(x)).toThrow(/^predict: a predict chunk of \d+ rows needs/);
    await m.fit(x, y, { batchSize: 8, verbose: 0 }); // 8 rows fit in the limit
    nn.setMemoryLimit(64 << 20);
    await m.fit(x, y, { batchSize: 64, verbose: 0 });
    expect(m.predict(x).shape).toEqual([256, 1]);
  });

  it('setMemoryLimit checks its argument', () => {
    expect(() => nn.setMemoryLimit(0)).toThrow(/setMemoryLimit: bytes must be a positive integer/);
    expect(() => nn.setMemoryLimit(1.5)).toThrow(RangeError);
    expect(() => nn.setMemoryLimit('1' as never)).toThrow(RangeError);
  });
});
