/** tapeTrainBatches over several epochs in one call (epochRows): each epoch is cut into batches
 *  from its own start (BatchCut, src/graph/executor.ts; tape::BatchCut natively), and a call that
 *  reads more rows than x holds copies each used row once and gathers batches on the worker. Both
 *  must train exactly as one call per epoch does: the same bits, on every CPU path, for batch
 *  sizes that do and do not divide the epoch, a partial last epoch, and calls that start and stop
 *  inside an epoch. The js executor is held to the same cut. */
import { describe, expect, it } from 'vitest';
import { addon } from '../../src/backend/native/addon';
import { BatchCut } from '../../src/graph/executor';
import type { Tape } from '../../src/graph/tape';
import { dataFor, describeOnCpuPaths, MLP_CASES, mlpTape, randomParams, sparseClasses } from './native-support';

// Sparse and one-hot labels, Adam and momentum, and dropout (whose masks follow the step).
const CASES = Object.fromEntries(
  [
    'dense 3→4 relu → 2 softmax, sparse CE, adam',
    'dense 6→130 relu → 10 softmax, categorical CE, adam',
    'dropout net, categorical CE, momentum (nesterov)',
  ].map((name) => [name, MLP_CASES[name]]),
);

const ROWS = 23; // rows of x; an epoch is a permutation of them

/** `epochs` permutations of ROWS rows (the last cut to `lastRows`), one after another. */
function epochIndices(epochs: number, lastRows = ROWS): Int32Array {
  const out: number[] = [];
  for (let e = 0; e < epochs; e++) {
    const rows = e === epochs - 1 ? lastRows : ROWS;
    for (let i = 0; i < rows; i++) out.push((i * 7 + e * 5) % ROWS);
  }
  return Int32Array.from(out);
}

function fresh(tape: Tape) {
  const params = randomParams(tape, 3);
  const slots = new Float32Array(tape.arena.slotCount * tape.arena.params);
  const arena = addon!.createArena(params, new Float32Array(tape.arena.state));
  return { arena, handle: addon!.createTape(tape, arena, slots) };
}

function trained(tape: Tape, arena: unknown, handle: unknown) {
  const params = new Float32Array(tape.arena.params);
  addon!.arenaRead(arena, params, new Float32Array(tape.arena.state));
  const slots = new Float32Array(tape.arena.slotCount * tape.arena.params);
  addon!.tapeReadSlots(handle, slots);
  return { params, slots };
}

describe('BatchCut', () => {
  it('cuts each epoch from its own start; one epoch is plain batches', () => {
    const cut = new BatchCut(23 * 2 + 5, 7, 23);
    // 23 rows: 7, 7, 7, 2 per epoch; then 5.
    expect(cut.count()).toBe(9);
    const bounds = Array.from({ length: 9 }, (_, b) => [cut.start(b), cut.end(b)]);
    expect(bounds).toEqual([
      [0, 7],
      [7, 14],
      [14, 21],
      [21, 23],
      [23, 30],
      [30, 37],
      [37, 44],
      [44, 46],
      [46, 51],
    ]);
    const plain = new BatchCut(10, 4, 10);
    expect(plain.count()).toBe(3);
    expect([plain.start(2), plain.end(2)]).toEqual([8, 10]);
    expect(new BatchCut(0, 4, 1).count()).toBe(0);
    expect(new BatchCut(6, 10, 3).count()).toBe(2); // a batch larger than the epoch: one per epoch
  });
});

describeOnCpuPaths('several epochs per call on the %s path', () => {
  for (const [name, spec] of Object.entries(CASES)) {
    const tape = mlpTape(spec);
    it.each([1, 3, 7, 32])(`${name}: batch size %i, same bits as one call per epoch`, async (batchSize) => {
      const { x, y } = dataFor(tape, ROWS, 11, sparseClasses(spec));
      const indices = epochIndices(4, 9); // 3 whole epochs and 9 rows of a fourth
      const cut = new BatchCut(indices.length, batchSize, ROWS);
      // One call per epoch (each gathers its rows in batch order on the main thread).
      const a = fresh(tape);
      const perEpoch: number[] = [];
      let step = 0;
      for (let e = 0; e < 4; e++) {
        const part = indices.subarray(e * ROWS, Math.min(indices.length, (e + 1) * ROWS));
        const batches = Math.ceil(part.length / batchSize);
        perEpoch.push(...(await addon!.tapeTrainBatches(a.handle, x, y, part, batchSize, 0, batches, step, 0.05)));
        step += batches;
      }
      expect(step).toBe(cut.count());
      // Two calls over all of it, split inside the second epoch (each reads more rows than x has
      // only when it spans enough: the first gathers in order, the second copies the table).
      const b = fresh(tape);
      const mid = cut.perEpoch + 1;
      const first = await addon!.tapeTrainBatches(b.handle, x, y, indices, batchSize, 0, mid, 0, 0.05, ROWS);
      const rest = await addon!.tapeTrainBatches(b.handle, x, y, indices, batchSize, mid, step, mid, 0.05, ROWS);
      expect([...first, ...rest]).toEqual(perEpoch);
      const wa = trained(tape, a.arena, a.handle);
      const wb = trained(tape, b.arena, b.handle);
      expect(wb.params).toEqual(wa.params);
      expect(wb.slots).toEqual(wa.slots);
    });
  }
});

describe.skipIf(typeof addon?.createTape !== 'function')('several epochs per call: bad input', () => {
  const spec = CASES['dense 3→4 relu → 2 softmax, sparse CE, adam'];
  const tape = mlpTape(spec);
  const { x, y } = dataFor(tape, ROWS, 12, 2);
  const indices = epochIndices(3);

  it('refuses epochRows that is not a positive size, and lastBatch past the cut', () => {
    const { handle } = fresh(tape);
    const A = addon!;
    expect(() => A.tapeTrainBatches(handle, x, y, indices, 4, 0, 1, 0, 0.1, 0)).toThrow(/epochRows/);
    expect(() => A.tapeTrainBatches(handle, x, y, indices, 4, 0, 1, 0, 0.1, -1)).toThrow(RangeError);
    expect(() => A.tapeTrainBatches(handle, x, y, indices, 4, 0, 1, 0, 0.1, '23')).toThrow(TypeError);
    // 3 epochs of 23 rows in batches of 5: 5 batches each (5, 5, 5, 5, 3), 15 in all, not ceil(69 / 5) = 14.
    expect(() => A.tapeTrainBatches(handle, x, y, indices, 5, 0, 16, 0, 0.1, ROWS)).toThrow(/lastBatch <= 15/);
    expect(() => A.tapeTrainBatches(handle, x, y, indices, 4, 0, 1, 0, 0.1, ROWS, 0)).toThrow(
      /expected 9 or 10 arguments, got 11/,
    );
    expect(() => A.tapeTrainBatches(handle, x, y, indices, 4, 0, 1, 0)).toThrow(/expected 9 or 10 arguments, got 8/);
  });

  it('checks the copied table: a bad index, NaN in a used row, a bad label; an unused bad row is never read', async () => {
    const A = addon!;
    const { handle, arena } = fresh(tape);
    const before = trained(tape, arena, handle);
    const bad = indices.slice();
    bad[40] = ROWS;
    expect(() => A.tapeTrainBatches(handle, x, y, bad, 4, 0, 18, 0, 0.1, ROWS)).toThrow(/indices\[40\] = 23/);
    const nanX = x.slice();
    nanX[5 * 3 + 1] = Number.NaN;
    expect(() => A.tapeTrainBatches(handle, nanX, y, indices, 4, 0, 18, 0, 0.1, ROWS)).toThrow(
      /x row 5 holds NaN \(column 1\)/,
    );
    const badY = y.slice();
    badY[6] = 2;
    expect(() => A.tapeTrainBatches(handle, x, badY, indices, 4, 0, 18, 0, 0.1, ROWS)).toThrow(
      /y\[6\] must be a class/,
    );
    // Nothing trained.
    expect(trained(tape, arena, handle)).toEqual(before);
    // Row 22 is not used by these indices: its NaN is never read.
    const skip = Int32Array.from({ length: 60 }, (_, i) => i % 20);
    const unused = x.slice();
    unused[22 * 3] = Number.NaN;
    const out = await A.tapeTrainBatches(handle, unused, y, skip, 4, 0, 15, 0, 0.1, 20);
    expect(out.every(Number.isFinite)).toBe(true);
  });
});
