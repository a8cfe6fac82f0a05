/** The native tape executor against the js twins called in the tape's order (ReferenceTape):
 *  train runs, predict, evaluate and gradients on several small MLP tapes and batch sizes agree
 *  within float32 tolerance (Adam and softmaxXent are float32 natively, double in the twins), on
 *  every CPU path this machine runs (each has its own builds of the fused loops and of Adam). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addon } from '../../src/backend/native/addon';
import type { Tape } from '../../src/graph/tape';
import { maxRelErr } from '../support/backends';
import { dataFor, type MlpSpec, mlpTape, ReferenceTape, randomParams } from './native-support';

const adam = { kind: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0 } as const;
const CASES: Record<string, MlpSpec> = {
  'dense 3→4 relu → 2 softmax, sparse CE, adam': {
    inputs: 3,
    layers: [
      { kind: 'dense', units: 4, activation: 'relu' },
      { kind: 'dense', units: 2, activation: 'softmax' },
    ],
    loss: 'sparseCategoricalCrossentropy',
    optimizer: adam,
    metrics: ['accuracy'],
  },
  // Wider than the fused column sums' 64-column block and than a 16-float Adam vector, 10 classes
  // (softmax cross-entropy rows in blocks of 8 and a remainder).
  'dense 6→130 relu → 10 softmax, categorical CE, adam': {
    inputs: 6,
    layers: [
      { kind: 'dense', units: 130, activation: 'relu' },
      { kind: 'dense', units: 10, activation: 'softmax' },
    ],
    loss: 'categoricalCrossentropy',
    optimizer: adam,
  },
  // Ragged softmax cross-entropies: 17 classes (past the 16 of the rows-in-lanes loop of the AVX2
  // and AVX-512 paths: the row blocks of fused_loops.inc), 9 (a whole and a partial group of 8
  // classes), 16 and 3 sparse.
  'dense 5→17 softmax, categorical CE, adam': {
    inputs: 5,
    layers: [{ kind: 'dense', units: 17, activation: 'softmax' }],
    loss: 'categoricalCrossentropy',
    optimizer: adam,
  },
  'dense 4→9 softmax, categorical CE, adam': {
    inputs: 4,
    layers: [{ kind: 'dense', units: 9, activation: 'softmax' }],
    loss: 'categoricalCrossentropy',
    optimizer: adam,
  },
  'dense 3→5 relu → 16 softmax, sparse CE, adam': {
    inputs: 3,
    layers: [
      { kind: 'dense', units: 5, activation: 'relu' },
      { kind: 'dense', units: 16, activation: 'softmax' },
    ],
    loss: 'sparseCategoricalCrossentropy',
    optimizer: adam,
    metrics: ['accuracy'],
  },
  'dense 2→3 softmax, sparse CE, sgd': {
    inputs: 2,
    layers: [{ kind: 'dense', units: 3, activation: 'softmax' }],
    loss: 'sparseCategoricalCrossentropy',
    optimizer: { kind: 'sgd' },
  },
  'dropout net, categorical CE, momentum (nesterov)': {
    inputs: 5,
    layers: [
      { kind: 'dense', units: 6, activation: 'tanh' },
      { kind: 'dropout', rate: 0.3, seed: 1234 },
      { kind: 'dense', units: 3, activation: 'softmax' },
    ],
    loss: 'categoricalCrossentropy',
    optimizer: { kind: 'momentum', momentum: 0.9, nesterov: true },
    metrics: ['accuracy', 'mse'],
  },
  'linear alias net, mse, sgd, l1/l2': {
    inputs: 4,
    layers: [
      { kind: 'dense', units: 5, activation: 'linear', l1: 0.01, l2: 0.02 },
      { kind: 'dense', units: 3, activation: 'elu' },
      { kind: 'dense', units: 2, activation: 'linear' },
    ],
    loss: 'meanSquaredError',
    optimizer: { kind: 'sgd' },
    metrics: ['mae'],
  },
  'mse through softmax (softmaxGrad), rmsprop, no bias': {
    inputs: 3,
    layers: [
      { kind: 'dense', units: 4, activation: 'leakyRelu', bias: false },
      { kind: 'dense', units: 3, activation: 'softmax' },
    ],
    loss: 'meanSquaredError',
    optimizer: { kind: 'rmsprop', rho: 0.9, momentum: 0.1, epsilon: 1e-7 },
    metrics: ['mse'],
  },
  'bce with sigmoid, adagrad': {
    inputs: 4,
    layers: [
      { kind: 'dense', units: 8, activation: 'gelu' },
      { kind: 'dense', units: 3, activation: 'sigmoid' },
    ],
    loss: 'binaryCrossentropy',
    optimizer: { kind: 'adagrad', epsilon: 1e-7 },
    metrics: ['accuracy'],
  },
  'bce on sigmoid after dropout (unfused), adamw': {
    inputs: 3,
    layers: [
      { kind: 'dense', units: 4, activation: 'silu' },
      { kind: 'dropout', rate: 0.5, seed: 7 },
      { kind: 'dense', units: 1, activation: 'sigmoid' },
      { kind: 'dropout', rate: 0.2, seed: 9 },
    ],
    loss: 'binaryCrossentropy',
    optimizer: { ...adam, weightDecay: 0.01 },
  },
};

function classesOf(spec: MlpSpec): number | undefined {
  const last = spec.layers.filter((l) => l.kind === 'dense').pop();
  return spec.loss === 'sparseCategoricalCrossentropy' ? (last as { units: number }).units : undefined;
}

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

const paths: string[] = typeof addon?.cpuPaths === 'function' ? addon.cpuPaths() : [];

describe.skipIf(typeof addon?.createTape !== 'function').each(paths)(
  'native tape executor on the %s path agrees with the js twins',
  (path) => {
    beforeAll(() => {
      expect(addon!.setCpuPath(path)).toBe(true);
    });
    afterAll(() => {
      addon!.setCpuPath(paths[0]);
    });

    for (const [name, spec] of Object.entries(CASES)) {
      const tape = mlpTape(spec);
      const classes = classesOf(spec);

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
  },
);
