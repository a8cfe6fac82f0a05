/** The addon is context-aware: it loads and runs kernels in 3 worker_threads at once and on the
 *  main thread, each getting the same results as the js twin; and it still works after the
 *  workers exit (their environments are torn down while the main one lives on). */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { adamUpdate } from '../src/backend/js/optim';
import { addon } from '../src/backend/native/addon';

const root = path.join(__dirname, '..');

// Runs in each thread (plain JS, so a Worker can eval it): many rounds of fill / scale / adam on
// buffers private to the thread, seeded by the thread id; returns the final param buffer.
const body = `
function work(addon, id) {
  const n = 1000 + id;
  const p = new Float32Array(n), g = new Float32Array(n), m = new Float32Array(n), v = new Float32Array(n);
  addon.fill(p, 1 + id, n);
  for (let step = 1; step <= 200; step++) {
    for (let i = 0; i < n; i++) g[i] = Math.sin(i * 0.37 + step + id);
    addon.scale(g, 0.5, n);
    addon.adamUpdate(p, g, m, v, n, 1e-3, 0.9, 0.999, 1e-7, step, 0);
  }
  let threw = '';
  try { addon.fill(p, 0, n + 1); } catch (e) { threw = e.constructor.name; }
  return { p, threw };
}`;

/** The same computation with the js twins, for comparison. */
function expected(id: number): Float32Array {
  const n = 1000 + id;
  const p = new Float32Array(n).fill(1 + id);
  const g = new Float32Array(n);
  const m = new Float32Array(n);
  const v = new Float32Array(n);
  for (let step = 1; step <= 200; step++) {
    for (let i = 0; i < n; i++) g[i] = Math.fround(Math.sin(i * 0.37 + step + id)) * 0.5;
    adamUpdate(p, g, m, v, n, 1e-3, 0.9, 0.999, 1e-7, step, 0);
  }
  return p;
}

function startWorker(id: number): Promise<{ p: Float32Array; threw: string }> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    ${body}
    const addon = require('node-gyp-build')(workerData.root);
    parentPort.postMessage(work(addon, workerData.id));`;
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: { root, id } });
    w.once('message', resolve);
    w.once('error', reject);
    w.once('exit', (c) => c !== 0 && reject(new Error(`worker ${id} exited with ${c}`)));
  });
}

const work = new Function('addon', 'id', `${body}; return work(addon, id);`) as (
  a: unknown,
  id: number,
) => { p: Float32Array; threw: string };

describe.skipIf(!addon || typeof addon.adamUpdate !== 'function')('the addon in worker_threads', () => {
  it('3 workers and the main thread run kernels at once, each correctly', async () => {
    const workers = [1, 2, 3].map(startWorker);
    const main = work(addon, 0); // runs while the workers do
    const results = [main, ...(await Promise.all(workers))];
    results.forEach((r, id) => {
      const want = expected(id);
      expect(r.p.length).toBe(want.length);
      // Native Adam works in float32, the twin in double: each step can differ by an ulp of p
      // (~1e-7 relative), so 200 steps stay well within rtol 1e-5; a wrong kernel or mixed-up
      // buffers between threads miss it by far (each step moves p by ~lr = 1e-3).
      let worst = 0;
      for (let i = 0; i < want.length; i++)
        worst = Math.max(worst, Math.abs(r.p[i] - want[i]) / (1e-6 + 1e-5 * Math.abs(want[i])));
      expect(worst, `thread ${id}`).toBeLessThanOrEqual(1);
      expect(r.threw, `thread ${id}`).toBe('RangeError');
    });
  });

  it('loads again in new workers after the first ones exited, and the main thread still works', async () => {
    const again = await Promise.all([4, 5, 6].map(startWorker));
    for (const r of again) expect(r.threw).toBe('RangeError');
    const x = new Float32Array(3);
    addon!.fill(x, 7, 3);
    expect(Array.from(x)).toEqual([7, 7, 7]);
  });
});
