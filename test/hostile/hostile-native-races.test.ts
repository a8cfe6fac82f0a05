/** Labels and row indices on SharedArrayBuffers, changed by another thread while the glue checks
 *  and uses them (test/hostile/hostile-native-child.js, in a child process). The glue used to
 *  check the JS array and let the kernel read it again: a label changed in between indexed far out
 *  of bounds (a segfault here, a heap overflow under ASan). */
import { describe, expect, it } from 'vitest';
import { addon } from '../../src/backend/native/addon';
import { runScenario } from './hostile-native-run';

describe.skipIf(typeof addon?.createTape !== 'function')('SharedArrayBuffer races on checked values', () => {
  it('1500 rounds of every label/index-checking call (csvDataset row copies too) against a racing writer: returns or RangeError', async () => {
    const r = await runScenario('sab-labels-raced', '1500');
    const { out } = r;
    expect(r.signal, out).toBeNull();
    expect(r.status, out).toBe(0);
    // Both outcomes happened: the race was really run (each call saw valid and invalid labels).
    const counts: Record<string, { returned: number; refused: number }> = JSON.parse(
      r.stdout.trim().split('\n').pop() as string,
    ).counts;
    expect(Object.keys(counts).length).toBe(8);
    const total = (k: 'returned' | 'refused') => Object.values(counts).reduce((sum, c) => sum + c[k], 0);
    expect(total('returned')).toBeGreaterThan(0);
    expect(total('refused')).toBeGreaterThan(0);
  }, 300_000);
});
