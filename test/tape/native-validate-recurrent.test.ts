/** createTape's validation of the recurrent kernels (recurrent, recurrentGrad): every extent they
 *  touch, the cell names, time and units ≥ 1, and the recurrent bias only on gruResetAfter. A bad
 *  tape is refused with a TypeError/RangeError naming the path, never run. */
import { describe, expect, it } from 'vitest';
import { RECURRENT_CELLS } from '../../src/backend/js/recurrent';
import { addon } from '../../src/backend/native/addon';
import type { Tape } from '../../src/graph/tape';
import { recurrentTape } from './recurrent-tape';

const A = addon as NonNullable<typeof addon>;

const gru = recurrentTape({
  cell: 'gruResetAfter',
  time: 3,
  features: 2,
  units: 4,
  goBackwards: true,
  sequences: true,
  recurrentBias: true,
});
const lstm = recurrentTape({ cell: 'lstm', time: 5, features: 3, units: 2, goBackwards: false, sequences: false });
const fwd = (t: Tape) => t.forward.findIndex((c) => c.kernel === 'recurrent');
const bwd = (t: Tape) => t.backward.findIndex((c) => c.kernel === 'recurrentGrad');
const id = (t: Tape, name: string) => t.buffers.findIndex((b) => b.name === name);

function create(base: Tape, edit: (t: Tape) => void) {
  const t = structuredClone(base);
  edit(t);
  const arena = A.createArena(new Float32Array(base.arena.params), new Float32Array(0));
  return () => A.createTape(t, arena, new Float32Array(0));
}

/** The recurrent call's argument `arg` swapped for a copy of its buffer one value short (so no
 *  other call trips over it first). */
function short(section: 'forward' | 'backward', arg: number) {
  return (t: Tape) => {
    const call = section === 'forward' ? t.forward[fwd(t)] : t.backward[bwd(t)];
    const b = { ...t.buffers[call.args[arg]] };
    b.width -= 1;
    b.shape = b.offset === -1 ? [-1, b.width] : [b.width];
    call.args[arg] = t.buffers.push(b) - 1;
  };
}

type Case = [string, Tape, (t: Tape) => void, RegExp, typeof TypeError | typeof RangeError];

describe.skipIf(typeof addon?.createTape !== 'function')('createTape validation of recurrent kernels', () => {
  it('the addon exports the cell names of the TS side', () => {
    expect(A.tapeNames().cells).toEqual(RECURRENT_CELLS);
  });

  it('accepts the hand-written tapes (all four cells, with and without sequences)', () => {
    expect(create(gru, () => {})).not.toThrow();
    expect(create(lstm, () => {})).not.toThrow();
    for (const cell of RECURRENT_CELLS) {
      const t = recurrentTape({ cell, time: 2, features: 1, units: 3, goBackwards: false, sequences: cell === 'gru' });
      expect(create(t, () => {})).not.toThrow();
    }
  });

  it.each<Case>([
    ['time 0', gru, (t) => (t.forward[fwd(t)].attrs.time = 0), /forward\[2\]\.attrs\.time must be ≥ 1/, RangeError],
    [
      'units 0',
      lstm,
      (t) => (t.backward[bwd(t)].attrs.units = 0),
      /backward\[\d+\]\.attrs\.units must be ≥ 1/,
      RangeError,
    ],
    [
      'time per row',
      gru,
      (t) => (t.forward[fwd(t)].attrs.time = { rows: 3 }),
      /forward\[2\]\.attrs\.time must be a number/,
      TypeError,
    ],
    [
      'an unknown cell',
      lstm,
      (t) => (t.forward[fwd(t)].attrs.cell = 'peephole'),
      /forward\[2\]\.attrs\.cell: unknown name "peephole"/,
      RangeError,
    ],
    [
      'a cell code',
      lstm,
      (t) => (t.forward[fwd(t)].attrs.cell = 1),
      /forward\[2\]\.attrs\.cell must be a string/,
      TypeError,
    ],
    [
      'an unknown recurrent activation',
      lstm,
      (t) => (t.backward[bwd(t)].attrs.recurrentActivation = 'hard_sigmoid'),
      /attrs\.recurrentActivation: unknown name "hard_sigmoid"/,
      RangeError,
    ],
    [
      'goBackwards not a boolean',
      gru,
      (t) => (t.forward[fwd(t)].attrs.goBackwards = 1),
      /attrs\.goBackwards must be a boolean/,
      TypeError,
    ],
    [
      'a missing accumulate flag',
      gru,
      (t) => delete t.backward[bwd(t)].attrs.accumulate,
      /attrs\.accumulate must be a boolean/,
      TypeError,
    ],
    [
      'a recurrent bias on an lstm',
      lstm,
      (t) => (t.forward[fwd(t)].args[4] = id(t, 'rnn/bias')),
      /forward\[2\]\.args\[4\] \(recurrentBias\) must be -1: only the gruResetAfter cell/,
      RangeError,
    ],
    [
      'a recurrent bias gradient on a gru without reset after',
      gru,
      (t) => {
        t.forward[fwd(t)].attrs.cell = 'gru';
        t.forward[fwd(t)].args[4] = -1;
        t.backward[bwd(t)].attrs.cell = 'gru';
      },
      /backward\[\d+\]\.args\[2\] \(dRecurrentBias\) must be -1/,
      RangeError,
    ],
    [
      'the carry in an activation buffer',
      gru,
      (t) => (t.backward[bwd(t)].args[6] = id(t, 'rnn/out')),
      /args\[6\] \(carry\): a buffer of role 'activation' is not accepted/,
      RangeError,
    ],
    [
      'writing the kernel param',
      lstm,
      (t) => (t.backward[bwd(t)].args[1] = id(t, 'rnn/recurrentKernel')),
      /args\[1\] \(dkernel\): a buffer of role 'param' is not accepted/,
      RangeError,
    ],
    // Every extent: one value short in each buffer the kernels touch.
    [
      'out (last step)',
      lstm,
      short('forward', 0),
      /\(recurrent\): argument out touches 2 elements .* holds 1/,
      RangeError,
    ],
    [
      'out (sequences)',
      gru,
      short('forward', 0),
      /\(recurrent\): argument out touches 12 elements .* holds 11/,
      RangeError,
    ],
    ['cache', gru, short('forward', 1), /\(recurrent\): argument cache touches 96 elements .* holds 95/, RangeError],
    ['lstm cache', lstm, short('forward', 1), /\(recurrent\): argument cache touches 100 elements/, RangeError],
    ['xProj', lstm, short('forward', 2), /argument xProj touches 40 elements/, RangeError],
    ['kernel', gru, short('forward', 3), /\(recurrent\): argument kernel touches 48 elements/, RangeError],
    ['recurrentBias', gru, short('forward', 4), /argument recurrentBias touches 12 elements/, RangeError],
    ['dxProj', gru, short('backward', 0), /\(recurrentGrad\): argument dxProj touches 36 elements/, RangeError],
    ['dkernel', lstm, short('backward', 1), /argument dkernel touches 16 elements/, RangeError],
    ['dRecurrentBias', gru, short('backward', 2), /argument dRecurrentBias touches 12 elements/, RangeError],
    ['dy', gru, short('backward', 3), /\(recurrentGrad\): argument dy touches 12 elements/, RangeError],
    ['backward cache', gru, short('backward', 4), /\(recurrentGrad\): argument cache touches 96 elements/, RangeError],
    [
      'backward kernel',
      lstm,
      short('backward', 5),
      /\(recurrentGrad\): argument kernel touches 16 elements/,
      RangeError,
    ],
    ['carry', lstm, short('backward', 6), /argument carry touches 12 elements .* holds 11/, RangeError],
    [
      'sequences on a last-step output',
      lstm,
      (t) => (t.forward[fwd(t)].attrs.sequences = true),
      /\(recurrent\): argument out touches 10 elements for 1 rows, but rnn\/out holds 2/,
      RangeError,
    ],
    [
      'a cell with more gates than the buffers hold',
      gru,
      (t) => (t.forward[fwd(t)].attrs.cell = 'lstm'),
      /args\[4\] \(recurrentBias\) must be -1/,
      RangeError,
    ],
    [
      'simple → lstm: four gates in buffers sized for one',
      recurrentTape({ cell: 'simple', time: 2, features: 1, units: 3, goBackwards: false, sequences: false }),
      (t) => (t.forward[fwd(t)].attrs.cell = 'lstm'),
      /\(recurrent\): argument cache touches 60 elements/,
      RangeError,
    ],
    [
      'rows per call larger than a row',
      lstm,
      (t) => (t.backward[bwd(t)].attrs.rows = { rows: 2 }),
      /\(recurrentGrad\): argument dxProj touches 80 elements for 1 rows/,
      RangeError,
    ],
    [
      'a huge time (saturating products)',
      gru,
      (t) => (t.forward[fwd(t)].attrs.time = 2 ** 31 - 1),
      /\(recurrent\): argument out touches \d+ elements/,
      RangeError,
    ],
    [
      'huge units',
      lstm,
      (t) => (t.backward[bwd(t)].attrs.units = 2 ** 31 - 1),
      /\(recurrentGrad\): argument dxProj touches \d+ elements/,
      RangeError,
    ],
  ])('%s', (_name, base, edit, message, type) => {
    const make = create(base, edit);
    expect(make).toThrow(type);
    expect(make).toThrow(message);
  });

  it('a valid tape with rows 0 runs (no steps touch memory)', () => {
    const arena = A.createArena(new Float32Array(gru.arena.params), new Float32Array(0));
    const h = A.createTape(gru, arena, new Float32Array(0));
    const out = new Float32Array(0);
    expect(() => A.tapePredict(h, new Float32Array(0), 0, out)).not.toThrow();
  });
});

describe.skipIf(typeof addon?.createTape !== 'function')('createTape validation of copyColumns', () => {
  /** The lstm tape with a copyColumns call from its x (rows × 15) into its xProj (rows × 40). */
  const withCopy = (attrs: Record<string, number | boolean>) => (t: Tape) => {
    t.forward.push({
      kernel: 'copyColumns',
      args: [id(t, 'rnn/xProj'), t.x],
      attrs: {
        rows: { rows: 1 } as never,
        n: 3,
        xCols: 15,
        xOffset: 0,
        outCols: 40,
        outOffset: 0,
        accumulate: false,
        ...attrs,
      },
    });
  };
  it.each([
    [{}, null],
    [{ xOffset: 12 }, null],
    [{ xOffset: 13 }, /xOffset \+ n must be ≤ xCols/],
    [{ outOffset: 38 }, /outOffset \+ n must be ≤ outCols/],
    [{ xCols: 16 }, /x/],
    [{ outCols: 41 }, /out/],
  ] as const)('%o', (attrs, message) => {
    const make = create(lstm, withCopy(attrs));
    if (message === null) expect(make).not.toThrow();
    else expect(make).toThrow(message);
  });
});
