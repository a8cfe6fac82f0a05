/** Runs test/fuzz/child.js: ≥ 10,000 seeded malformed calls per addon function in a child process
 *  (raw addon, then the checked nn.backends.native layer). A crash would kill the child with a
 *  signal; a wrong error type, an invalid call that returns, or a buffer changed by a rejected
 *  call makes it exit 1 with the reason on stderr. */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addon } from '../src/backend/native/addon';

const child = path.join(__dirname, 'fuzz', 'child.js');

describe.skipIf(!addon)('fuzzing the native addon with malformed calls', () => {
  it('every call returns or throws TypeError/RangeError naming the function; nothing crashes', async () => {
    // Asynchronously: a spawnSync would block this vitest worker for the whole run (a minute under
    // ASan, npm run test:sanitize), long enough for its RPC with vitest to time out.
    const r = await new Promise<{
      signal: NodeJS.Signals | null;
      status: number | null;
      stdout: string;
      stderr: string;
    }>((resolve, reject) => {
      const args = [child, '--seed', '20240611', '--calls', '10000', '--checked-calls', '2000'];
      const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d) => {
        stdout += d;
      });
      p.stderr.on('data', (d) => {
        stderr += d;
      });
      p.on('error', reject);
      p.on('close', (status, signal) => resolve({ signal, status, stdout, stderr }));
    });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(out.rawCalls).toBeGreaterThanOrEqual(10_000);
    for (const [fn, count] of Object.entries(out.raw)) expect(count, fn).toBeGreaterThanOrEqual(10_000);
    // Most calls are malformed and must throw, but valid ones run the kernels too.
    expect(out.rawThrew).toBeGreaterThan(out.rawCalls * 0.5);
    expect(out.rawThrew).toBeLessThan(out.rawCalls);
    if (out.checked) expect(out.checkedCalls).toBeGreaterThan(0);
  }, 300_000);
});
