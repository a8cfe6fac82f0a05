/** test/build/native-check.js (load, every kernel against its js twin, a training run,
 *  worker_threads) on Node 22 and 24, when `npm run test:node-versions` has fetched them into
 *  ~/.cache/nativenn/node (they are not devDependencies: see the README's "Install" section).
 *  (The suite's own Node runs the same checks through the vitest kernel tests.) */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const check = path.join(__dirname, 'native-check.js');
const target = `${process.platform}-${process.arch}`;
const cached = (major: number) =>
  path.join(os.homedir(), '.cache', 'nativenn', 'node', `${target}-${major}`, 'package', 'bin', 'node');
const nodes: [string, string][] = [];
for (const major of [20, 22, 24]) {
  if (process.versions.node.split('.')[0] !== String(major) && fs.existsSync(cached(major))) {
    nodes.push([`Node ${major}`, cached(major)]);
  }
}

describe.skipIf(nodes.length === 0)('the native addon on each Node at hand', () => {
  it.each(nodes)(
    '%s: load, kernels, convolutions, training, worker_threads',
    async (_name, node) => {
      // Asynchronously: this worker must keep answering vitest meanwhile.
      const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(node, [check], { timeout: 300_000 }, (err, stdout, stderr) =>
          resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
        ),
      );
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout.trim().split('\n').at(-1)).toBe('10 passed, 0 failed');
    },
    300_000,
  );
});
