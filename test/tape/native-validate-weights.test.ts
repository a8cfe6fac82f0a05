/** The native validator on tapes for sample weights (the weighted* loss kernels): it accepts the
 *  builder's, and refuses weights that do not hold a value per row, a weight argument missing or
 *  of the wrong dtype, and sparse labels read from the weights or written over. */
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { addon } from '../../src/backend/native/addon';
import type { Tape } from '../../src/graph/tape';

const A = addon as NonNullable<typeof addon>;

function weightedTape(loss: string, activation: 'softmax' | 'sigmoid'): Tape {
  const m = nn.sequential({
    seed: 2,
    layers: [
      nn.layers.dense({ units: 4, activation: 'relu', inputShape: [3] }),
      nn.layers.dense({ units: 3, activation }),
    ],
  });
  m.compile({ optimizer: 'sgd', loss, metrics: ['accuracy'] });
  return structuredClone(m.compiledNetwork(true).tape);
}

function create(base: Tape, edit: (t: Tape) => void) {
  const t = structuredClone(base);
  edit(t);
  const arena = A.createArena(new Float32Array(t.arena.params), new Float32Array(0));
  return () => A.createTape(t, arena, new Float32Array(t.arena.params * t.arena.slotCount));
}

const TAPES: [string, Tape][] = [
  ['fused sparse softmax', weightedTape('sparseCategoricalCrossentropy', 'softmax')],
  ['fused sigmoid', weightedTape('binaryCrossentropy', 'sigmoid')],
  ['plain loss and gradient', weightedTape('sparseCategoricalCrossentropy', 'sigmoid')],
];

const weighted = (t: Tape) => t.loss.filter((c) => c.kernel.startsWith('weighted'));
const weightsArg = (t: Tape) => {
  const c = weighted(t)[0];
  return c.args[c.args.length - 1];
};

describe.skipIf(typeof addon?.createTape !== 'function')('createTape: sample weights', () => {
  it.each(TAPES)('accepts the builder’s weighted tape (%s) and runs it', (_label, base) => {
    expect(weighted(base).length).toBeGreaterThan(0);
    const h = create(base, () => {})();
    const rows = 4;
    const yw = base.buffers[base.y].width;
    const y = Float32Array.from({ length: rows * yw }, (_, i) => (i % yw === yw - 1 ? 0.5 : i % 2));
    const out = A.tapeEvaluate(h, new Float32Array(rows * 3).fill(0.1), y, rows) as Float64Array;
    expect(Number.isFinite(out[0])).toBe(true);
    A.disposeTape(h);
  });

  it.each(TAPES)('refuses weights narrower than a value per row (%s)', (_label, base) => {
    expect(
      create(base, (t) => {
        t.buffers.push({
          name: 'narrow',
          role: 'activation',
          dtype: 'float32',
          shape: [-1, 0],
          width: 0,
          offset: -1,
          alias: -1,
        });
        for (const c of weighted(t)) c.args[c.args.length - 1] = t.buffers.length - 1;
      }),
    ).toThrow(/argument weights touches 1 elements for 1 rows, but narrow holds 0/);
  });

  it.each(TAPES)('refuses a missing or int32 weights argument (%s)', (_label, base) => {
    expect(
      create(base, (t) => {
        const c = weighted(t)[0];
        c.args[c.args.length - 1] = -1;
      }),
    ).toThrow(/weights\) must be a buffer id/);
    expect(
      create(base, (t) => {
        t.buffers[weightsArg(t)].dtype = 'int32';
      }),
    ).toThrow(RangeError);
  });

  it('refuses the weights (read as numbers) as the labels of a sparse call, or labels written over', () => {
    const [, base] = TAPES[0];
    const call = (t: Tape) => weighted(t).find((c) => c.kernel === 'weightedSoftmaxXent') as Tape['loss'][number];
    expect(
      create(base, (t) => {
        call(t).args[3] = weightsArg(t);
      }),
    ).toThrow(/targets of a sparse call must be the y buffer, or one column of y/);
    expect(
      create(base, (t) => {
        t.forward.push({ kernel: 'fill', args: [call(t).args[3]], attrs: { n: { rows: 1 }, value: 7 } });
      }),
    ).toThrow(/targets of a sparse call must be the y buffer, or one column of y/);
  });
});
