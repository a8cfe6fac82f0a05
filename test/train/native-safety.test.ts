/** Hostile use of the native tape executor's glue, each scenario in its own child process
 *  (test/train/native-safety/child.js): JS changing, detaching or disposing what a pending
 *  tapeTrainBatches uses or what createTape reads, allocation failures, a worker_thread
 *  terminated mid-run. A crash shows as a
 *  signal or a non-zero exit; the child checks the outcome (resolved, or the expected error). */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addon } from '../../src/backend/native/addon';
import { spawnNode } from '../support/spawn-node';

const child = path.join(__dirname, 'native-safety', 'child.js');

function run(scenario: string) {
  return spawnNode(['--expose-gc', child, scenario], { timeout: 120_000 });
}

describe.skipIf(typeof addon?.createTape !== 'function')('native executor: hostile JS never crashes', () => {
  it.each([
    'indices-changed-while-running',
    'labels-changed-while-running',
    'x-detached-while-running',
    'weights-detached-while-running',
    'weights-detached-between-calls',
    'tape-getter-disposes',
    'allocation-failure',
    'empty-run-at-the-end',
    'dispose-while-running',
    'worker-terminated-while-running',
  ])(
    '%s',
    async (scenario) => {
      const r = await run(scenario);
      expect(r.signal, r.out).toBeNull();
      expect(r.status, r.out).toBe(0);
    },
    120_000,
  );
});
