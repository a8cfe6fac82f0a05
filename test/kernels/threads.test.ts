import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { backends, getNumThreads, setNumThreads } from '../../src';
import { addon } from '../../src/backend/native/addon';
import { nativeBackend, randomF32 } from '../support/backends';

describe.skipIf(!nativeBackend)('thread pool', () => {
  it('defaults to the hardware threads, and set/get round-trip', () => {
    const before = getNumThreads();
    expect(before).toBeGreaterThanOrEqual(1);
    expect(before).toBeLessThanOrEqual(Math.max(1, os.availableParallelism()));
    try {
      for (const n of [1, 3, 256, 2]) {
        setNumThreads(n);
        expect(getNumThreads()).toBe(n);
        expect(addon!.getNumThreads()).toBe(n);
      }
    } finally {
      setNumThreads(before);
    }
  });

  it('rejects sizes outside 1..256 (TS layer and addon alike), keeping the old value', () => {
    const before = getNumThreads();
    for (const bad of [0, -1, 257, 1.5, NaN, Infinity]) {
      expect(() => setNumThreads(bad)).toThrow(RangeError);
      expect(() => addon!.setNumThreads(bad)).toThrow(RangeError);
    }
    expect(() => addon!.setNumThreads('2')).toThrow(TypeError);
    expect(() => addon!.setNumThreads()).toThrow(TypeError);
    expect(getNumThreads()).toBe(before);
  });

  it('stays correct when several worker_threads run gemm at once with the main thread', async () => {
    const m = 150,
      n = 170,
      k = 190; // large enough to use the pool
    const a = randomF32(m * k, 1);
    const b = randomF32(k * n, 2);
    const expected = new Float32Array(m * n);
    backends.js.gemm(false, false, m, n, k, 1, a, k, b, n, 0, expected, n);
    const addonPath = path.resolve(__dirname, '../../build/Release/nativenn.node');
    const source = `
      const { parentPort, workerData } = require('node:worker_threads');
      const addon = require(workerData.addonPath);
      const { m, n, k, a, b, expected } = workerData;
      let worst = 0;
      for (let r = 0; r < 30; r++) {
        const c = new Float32Array(m * n).fill(NaN);
        addon.gemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n);
        for (let i = 0; i < c.length; i++) worst = Math.max(worst, Math.abs(c[i] - expected[i]));
        if (Number.isNaN(c[0])) worst = Infinity;
      }
      parentPort.postMessage(worst);`;
    const data = { addonPath, m, n, k, a, b, expected };
    const workers = [0, 1, 2].map(() => new Worker(source, { eval: true, workerData: data }));
    const results = workers.map(
      (w) =>
        new Promise<number>((resolve, reject) => {
          w.once('message', resolve);
          w.once('error', reject);
        }),
    );
    let mainWorst = 0;
    for (let r = 0; r < 30; r++) {
      const c = new Float32Array(m * n);
      nativeBackend!.gemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n);
      for (let i = 0; i < c.length; i++) mainWorst = Math.max(mainWorst, Math.abs(c[i] - expected[i]));
    }
    // |a|,|b| ≤ 1 and k = 190: float32 accumulation errs by ≤ k·2^-24·k ≈ 2e-3, far below 1e-2.
    expect(mainWorst).toBeLessThan(1e-2);
    for (const worst of await Promise.all(results)) expect(worst).toBeLessThan(1e-2);
    await Promise.all(workers.map((w) => w.terminate()));
  });
});
