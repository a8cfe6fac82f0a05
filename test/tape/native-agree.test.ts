/** The native tape executor against the js twins called in the tape's order (ReferenceTape):
 *  train runs, predict, evaluate and gradients on several small MLP tapes and batch sizes agree
 *  within float32 tolerance (Adam and softmaxXent are float32 natively, double in the twins), on
 *  every CPU path this machine runs (each has its own builds of the fused loops and of Adam). */
import { expect, it } from 'vitest';
import { addon } from '../../src/backend/native/addon';
import type { Tape } from '../../src/graph/tape';
import { maxRelErr } from '../support/backends';
import {
  MLP_CASES as CASES,
  dataFor,
  describeOnCpuPaths,
  mlpTape,
  ReferenceTape,
  randomParams,
  sparseClasses,
} from './native-support';

function setup(tape: Tape, seed: number) {
  const params = randomParams(tape, seed);
  const slots = new Float32Array(tape.arena.slotCount * tape.arena.params);
  const state = new Float32Array(tape.arena.state);
  const arena = addon!.createArena(params, state);
  const handle = addon!.createTape(tape, arena, slots);
  const ref = new ReferenceTape(tape, params.slice(), state.slice(), slots.slice());
  return { arena, handle, ref };
}

function readParams(tape: Tape, arena: unknown): Float32Array {
  const params = new Float32Array(tape.arena.params);
  addon!.arenaRead(arena, params, new Float32Array(tape.arena.state));
  return params;
}

describeOnCpuPaths('native tape executor on the %s path agrees with the js twins', () => {
  for (const [name, spec] of Object.entries(CASES)) {
    const tape = mlpTape(spec);
    const classes = sparseClasses(spec);

    it.each([1, 3, 7, 32])(`${name}: tapeTrainBatches, batch size %i`, async (batchSize) => {
      const rows = 23;
      const { x, y } = dataFor(tape, rows, 11, classes);
      const { arena, handle, ref } = setup(tape, 5);
      const indices = Int32Array.from({ length: rows }, (_, i) => (i * 7) % rows);
      const batches = Math.ceil(rows / batchSize);
      // Two calls: steps continue where the first stopped.
      const mid = Math.floor(batches / 2);
      const a = await addon!.tapeTrainBatches(handle, x, y, indices, batchSize, 0, mid, 0, 0.05);
      const b = await addon!.tapeTrainBatches(handle, x, y, indices, batchSize, mid, batches, mid, 0.05);
      const expected = ref.trainBatches(x, y, indices, batchSize, 0, batches, 0, 0.05);
      expect(a.length + b.length).toBe(batches * tape.results.length);
      expect(maxRelErr([...a, ...b], expected, 1e-5, 1e-4)).toBeLessThan(1);
      expect(maxRelErr(readParams(tape, arena), ref.params, 1e-5, 1e-4)).toBeLessThan(1);
      const slots = new Float32Array(tape.arena.slotCount * tape.arena.params);
      addon!.tapeReadSlots(handle, slots);
      expect(maxRelErr(slots, ref.slots, 1e-5, 1e-4)).toBeLessThan(1);
      // The weights moved: the comparison above compared something.
      expect(maxRelErr(readParams(tape, arena), randomParams(tape, 5), 1e-7, 0)).toBeGreaterThan(1);
    });

    it.each([0, 1, 5, 1500])(`${name}: tapePredict and tapeEvaluate, %i rows`, (rows) => {
      const { x, y } = dataFor(tape, rows, 12, classes);
      const { handle, ref } = setup(tape, 6);
      const out = new Float32Array(rows * tape.buffers[tape.output].width);
      addon!.tapePredict(handle, x, rows, out);
      expect(maxRelErr(out, ref.predict(x, rows), 1e-6, 1e-5)).toBeLessThan(1);
      const results = addon!.tapeEvaluate(handle, x, y, rows);
      expect(results).toBeInstanceOf(Float64Array);
      expect(maxRelErr(results, ref.evaluate(x, y, rows), 1e-6, 1e-5)).toBeLessThan(1);
    });

    it(`${name}: tapeGradients`, () => {
      const rows = 9;
      const { x, y } = dataFor(tape, rows, 13, classes);
      const { arena, handle, ref } = setup(tape, 7);
      const grads = new Float32Array(tape.arena.params);
      const loss = addon!.tapeGradients(handle, x, y, rows, 4, grads);
      expect(loss).toBeCloseTo(ref.gradients(x, y, rows, 4), 5);
      expect(maxRelErr(grads, ref.grads, 1e-6, 1e-4)).toBeLessThan(1);
      expect(grads.some((g) => g !== 0)).toBe(true);
      expect(readParams(tape, arena)).toEqual(randomParams(tape, 7)); // no update
    });
  }
});
