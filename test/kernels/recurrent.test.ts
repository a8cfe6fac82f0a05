/** The native recurrent kernels (native/kernels/recurrent.cc) against their twin
 *  (src/backend/js/recurrent.ts) through the same hand-written tape on the native and js executors:
 *  every cell × goBackwards × sequences on several shapes, with and without a recurrent bias and
 *  accumulate; predict (the forward) and gradients (the backward: dxProj reaches dW and db,
 *  dkernel and dRecurrentBias directly), then a few sgd steps. Native works in float32 where the
 *  twin rounds double results once, so they agree to float32 rounding, compounded over the steps. */
import { afterAll, describe, expect, it } from 'vitest';
import { backends, getNumThreads, setNumThreads } from '../../src';
import { RECURRENT_CELLS } from '../../src/backend/js/recurrent';
import { addon } from '../../src/backend/native/addon';
import { createJsExecutor } from '../../src/graph/executor-js';
import { createNativeExecutor } from '../../src/graph/executor-native';
import { maxRelErr } from '../support/backends';
import { gradArrays, type RecurrentSpec, recurrentData, recurrentNet, recurrentTape } from '../tape/recurrent-tape';

// [units, time, rows]: every value of units 1, 3, 17, 64; time 1, 2, 9; rows 1, 5, 33.
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [3, 2, 5],
  [17, 9, 33],
  [64, 9, 5],
  [3, 9, 1],
  [64, 2, 33],
  [17, 1, 5],
  [1, 9, 33],
];
const ATOL = 2e-5;
const RTOL = 2e-4;

interface Case {
  name: string;
  spec: RecurrentSpec;
  rows: number;
}

function cases(): Case[] {
  const out: Case[] = [];
  let i = 0;
  for (const cell of RECURRENT_CELLS)
    for (const goBackwards of [false, true])
      for (const sequences of [false, true])
        for (const pick of [0, 1]) {
          const [units, time, rows] = SHAPES[(2 * i + pick + (cell === 'lstm' ? 3 : 0)) % SHAPES.length];
          const accumulate = (i + pick) % 2 === 1;
          const recurrentBias = cell === 'gruResetAfter' && pick === 0;
          out.push({
            name: `${cell} back=${goBackwards} seq=${sequences} units=${units} time=${time} rows=${rows} acc=${accumulate}${recurrentBias ? ' rbias' : ''}`,
            spec: { cell, time, features: 4, units, goBackwards, sequences, accumulate, recurrentBias },
            rows,
          });
          if (pick === 1) i++;
        }
  out.push({
    name: 'lstm relu/hardSigmoid units=17 time=9 rows=5',
    spec: {
      cell: 'lstm',
      time: 9,
      features: 3,
      units: 17,
      goBackwards: false,
      sequences: true,
      activation: 'relu',
      recurrentActivation: 'hardSigmoid',
    },
    rows: 5,
  });
  out.push({
    name: 'gru hardSigmoid units=3 time=9 rows=33',
    spec: {
      cell: 'gru',
      time: 9,
      features: 2,
      units: 3,
      goBackwards: true,
      sequences: false,
      recurrentActivation: 'hardSigmoid',
    },
    rows: 33,
  });
  out.push({
    name: 'simple relu units=64 time=2 rows=1',
    spec: { cell: 'simple', time: 2, features: 5, units: 64, goBackwards: false, sequences: true, activation: 'relu' },
    rows: 1,
  });
  return out;
}

const hasTape = typeof addon?.createTape === 'function';

describe.skipIf(!hasTape)('recurrent kernels: native equals the js twin', () => {
  it.each(cases())('$name', async ({ spec, rows }) => {
    const tape = recurrentTape(spec);
    const jsNet = recurrentNet(tape, 11);
    const nativeNet = recurrentNet(tape, 11);
    const js = createJsExecutor(jsNet, backends.js);
    const native = createNativeExecutor(nativeNet);
    const { x, y } = recurrentData(tape, rows, 5);
    const outW = tape.buffers[tape.output].width;

    const outJs = new Float32Array(rows * outW);
    const outNative = new Float32Array(rows * outW);
    js.predict(x, rows, outJs);
    native.predict(x, rows, outNative);
    expect(maxRelErr(outNative, outJs, ATOL, RTOL), 'predict').toBeLessThan(1);
    expect(outJs.some((v) => v !== 0)).toBe(true);

    const gJs = gradArrays(tape);
    const gNative = gradArrays(tape);
    const lossJs = js.gradients(x, y, rows, 0, gJs);
    const lossNative = native.gradients(x, y, rows, 0, gNative);
    expect(maxRelErr([lossNative], [lossJs], ATOL, RTOL), 'loss').toBeLessThan(1);
    const names = tape.buffers.filter((b) => b.role === 'param').map((b) => b.name);
    gJs.forEach((g, i) => {
      expect(maxRelErr(gNative[i], g, ATOL, RTOL), `d(${names[i]})`).toBeLessThan(1);
      // With one step there is no h₋: the recurrent kernel gets no gradient.
      const none = spec.time === 1 && !spec.accumulate && names[i].endsWith('recurrentKernel');
      expect(
        g.some((v) => v !== 0),
        `d(${names[i]}) is not all zero`,
      ).toBe(!none);
    });

    // Training: a few sgd steps in batches of 3 rows (a smaller last batch).
    const indices = Int32Array.from({ length: rows }, (_, i) => (i * 7) % rows);
    const batches = Math.ceil(rows / 3);
    const steps = Math.min(batches, 4);
    const rJs = await js.trainBatches(x, y, indices, 3, 0, steps, 0);
    const rNative = await native.trainBatches(x, y, indices, 3, 0, steps, 0);
    expect(maxRelErr(rNative, rJs, ATOL, RTOL), 'training losses').toBeLessThan(1);
    native.dispose();
    expect(maxRelErr(nativeNet.weights.read(), jsNet.weights.read(), ATOL, RTOL), 'trained weights').toBeLessThan(1);
  });
});

describe.skipIf(!hasTape)('recurrent kernels: bit-identical for 1 and 2 threads', () => {
  const threads = getNumThreads();
  afterAll(() => setNumThreads(threads));

  // units 128, 64 rows: the LSTM's recurrent GEMM (64 × 512 × 128) is past sgemm's threading
  // threshold, so 2 threads really split it.
  it.each(RECURRENT_CELLS.map((cell) => [cell]))('%s, units 128, rows 64, time 4', (cell) => {
    const spec: RecurrentSpec = {
      cell,
      time: 4,
      features: 8,
      units: 128,
      goBackwards: cell === 'gru',
      sequences: cell !== 'simple',
      recurrentBias: cell === 'gruResetAfter',
    };
    const tape = recurrentTape(spec);
    const rows = 64;
    const { x, y } = recurrentData(tape, rows, 9);
    const run = (n: number) => {
      setNumThreads(n);
      const native = createNativeExecutor(recurrentNet(tape, 3));
      const out = new Float32Array(rows * tape.buffers[tape.output].width);
      native.predict(x, rows, out);
      const grads = gradArrays(tape);
      native.gradients(x, y, rows, 0, grads);
      native.dispose();
      return [out, ...grads];
    };
    const one = run(1);
    const two = run(2);
    one.forEach((a, i) => expect(Buffer.from(two[i].buffer).equals(Buffer.from(a.buffer)), `array ${i}`).toBe(true));
  });
});
