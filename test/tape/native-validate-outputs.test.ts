/** The native validator on tapes of models with several outputs: a sparse call may read class
 *  indices only from y or from one column of y copied, before it, by a copyColumns that nothing
 *  else writes over; a loss weight (result.scale) must be finite. */
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { addon } from '../../src/backend/native/addon';
import { checkTape } from '../../src/graph/check-tape';
import type { Tape } from '../../src/graph/tape';

const A = addon as NonNullable<typeof addon>;

function twoOutputTape(): Tape {
  const x = nn.input({ shape: [3] });
  const h = nn.layers.dense({ units: 4, activation: 'relu' }).apply(x);
  const p = nn.layers.dense({ units: 3, activation: 'softmax' }).apply(h);
  const q = nn.layers.dense({ units: 2 }).apply(h);
  const m = nn.model({ inputs: x, outputs: [p, q], seed: 1 });
  m.compile({
    optimizer: 'sgd',
    loss: ['sparseCategoricalCrossentropy', 'meanSquaredError'],
    lossWeights: [1, 0.5],
    metrics: ['accuracy'],
  });
  return structuredClone(m.compiledNetwork().tape);
}

const base = twoOutputTape();
const labelCopy = base.loss.findIndex((c) => c.kernel === 'copyColumns' && c.attrs.n === 1);
const labels = base.loss[labelCopy].args[0];

function create(edit: (t: Tape) => void) {
  const t = structuredClone(base);
  edit(t);
  const arena = A.createArena(new Float32Array(t.arena.params), new Float32Array(0));
  return () => A.createTape(t, arena, new Float32Array(t.arena.params * t.arena.slotCount));
}

describe.skipIf(typeof addon?.createTape !== 'function')('createTape: several outputs', () => {
  it('accepts the builder’s tape: labels copied out of y, then read by the fused loss and accuracy', () => {
    expect(labelCopy).toBeGreaterThanOrEqual(0);
    expect(base.loss.some((c) => c.result?.scale === 0.5)).toBe(true);
    expect(create(() => {})).not.toThrow();
  });

  it.each<[string, (t: Tape) => void, RegExp]>([
    [
      'another call writes over the copied labels',
      (t) => t.forward.push({ kernel: 'fill', args: [labels], attrs: { n: { rows: 1 }, value: 7 } }),
      /targets of a sparse call must be the y buffer, or one column of y/,
    ],
    [
      'the copy comes after the loss that reads it',
      (t) => {
        const [copy] = t.loss.splice(labelCopy, 1);
        t.loss.push(copy);
      },
      /targets of a sparse call must be the y buffer, or one column of y/,
    ],
    [
      'the copy skips the eval pass',
      (t) => {
        t.loss[labelCopy].when = ['train'];
      },
      /targets of a sparse call must be the y buffer, or one column of y/,
    ],
    [
      'the copy accumulates',
      (t) => {
        t.loss[labelCopy].attrs.accumulate = true;
      },
      /targets of a sparse call must be the y buffer, or one column of y/,
    ],
    [
      'a non-finite loss weight',
      (t) => {
        const c = t.loss.find((call) => call.result?.scale !== undefined);
        if (c?.result) c.result.scale = Number.NaN;
      },
      /result\.scale must be a finite number/,
    ],
  ])('refuses a tape where %s', (_label, edit, message) => {
    expect(create(edit)).toThrow(message);
  });

  it('the js validator refuses a non-finite loss weight too', () => {
    const t = structuredClone(base);
    const c = t.loss.find((call) => call.result?.scale !== undefined);
    if (c?.result) c.result.scale = Number.POSITIVE_INFINITY;
    expect(() => checkTape('test', t)).toThrow(/result\.scale must be a finite number/);
  });
});
