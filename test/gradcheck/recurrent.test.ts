/** Finite-difference checks of the recurrent twin (src/backend/js/recurrent.ts), the specification
 *  the native kernel is tested against. Run in float64 (the twin only indexes its arrays), so
 *  central differences are exact to ~1e-7 and a wrong term in backpropagation through time (a
 *  missed carry, a gate off by one step, a wrong direction) is off by O(1e-2) or more. */
import { describe, expect, it } from 'vitest';
import type { ActivationName } from '../../src/backend';
import {
  cacheWidth,
  carryWidth,
  gateCount,
  RECURRENT_CELLS,
  type RecurrentShape,
  recurrentBackward,
  recurrentForward,
} from '../../src/backend/js/recurrent';
import { rng } from '../support/backends';

const H = 1e-5;

function random(n: number, next: () => number, scale = 1): Float64Array {
  return Float64Array.from({ length: n }, () => (next() * 2 - 1) * scale);
}
const f32 = (v: Float64Array) => v as unknown as Float32Array;

const CASES: [string, Partial<RecurrentShape>][] = [];
for (const cell of RECURRENT_CELLS)
  for (const goBackwards of [false, true])
    for (const sequences of [false, true])
      CASES.push([`${cell} back=${goBackwards} seq=${sequences}`, { cell, goBackwards, sequences }]);
CASES.push(['lstm relu/sigmoid', { cell: 'lstm', activation: 'relu' as ActivationName, sequences: true }]);
CASES.push(['simple relu', { cell: 'simple', activation: 'relu' as ActivationName, sequences: true }]);

describe('recurrent twin: backward = finite differences of forward', () => {
  it.each(CASES)('%s', (_label, partial) => {
    const s: RecurrentShape = {
      rows: 3,
      time: 4,
      units: 3,
      cell: 'lstm',
      activation: 'tanh',
      recurrentActivation: 'sigmoid',
      goBackwards: false,
      sequences: false,
      ...partial,
    };
    const next = rng(7);
    const G = gateCount(s.cell) * s.units;
    const xProj = random(s.rows * s.time * G, next);
    const kernel = random(s.units * G, next, 0.8);
    const rbias = s.cell === 'gruResetAfter' ? random(G, next) : null;
    const outLen = s.rows * (s.sequences ? s.time : 1) * s.units;
    const dy = random(outLen, next);
    const out = new Float64Array(outLen);
    const cache = new Float64Array(s.rows * s.time * cacheWidth(s.cell, s.units));
    const loss = () => {
      recurrentForward(f32(out), f32(cache), f32(xProj), f32(kernel), rbias && f32(rbias), s);
      let l = 0;
      for (let i = 0; i < outLen; i++) l += out[i] * dy[i];
      return l;
    };
    loss();
    const dxProj = new Float64Array(xProj.length);
    const dkernel = new Float64Array(kernel.length).fill(0.5); // overwritten: accumulate false
    const drbias = rbias ? new Float64Array(G) : null;
    const carry = new Float64Array(s.rows * carryWidth(s.units));
    recurrentBackward(
      f32(dxProj),
      f32(dkernel),
      drbias && f32(drbias),
      f32(dy),
      f32(cache),
      f32(kernel),
      f32(carry),
      s,
      false,
    );
    for (const [v, g] of [[xProj, dxProj], [kernel, dkernel], ...(rbias && drbias ? [[rbias, drbias]] : [])] as [
      Float64Array,
      Float64Array,
    ][]) {
      let worst = 0;
      for (let i = 0; i < v.length; i++) {
        const keep = v[i];
        v[i] = keep + H;
        const up = loss();
        v[i] = keep - H;
        const down = loss();
        v[i] = keep;
        worst = Math.max(worst, Math.abs((up - down) / (2 * H) - g[i]) / (1e-6 + Math.abs(g[i])));
      }
      expect(worst).toBeLessThan(1e-4);
    }
  });

  it('accumulate adds to dkernel', () => {
    const s: RecurrentShape = {
      rows: 2,
      time: 3,
      units: 2,
      cell: 'gruResetAfter',
      activation: 'tanh',
      recurrentActivation: 'sigmoid',
      goBackwards: false,
      sequences: true,
    };
    const next = rng(3);
    const G = 3 * s.units;
    const xProj = random(s.rows * s.time * G, next);
    const kernel = random(s.units * G, next);
    const rbias = random(G, next);
    const cache = new Float64Array(s.rows * s.time * cacheWidth(s.cell, s.units));
    const out = new Float64Array(s.rows * s.time * s.units);
    recurrentForward(f32(out), f32(cache), f32(xProj), f32(kernel), f32(rbias), s);
    const dy = random(out.length, next);
    const run = (acc: boolean, start: number) => {
      const dk = new Float64Array(kernel.length).fill(start);
      const db = new Float64Array(G).fill(start);
      recurrentBackward(
        f32(new Float64Array(xProj.length)),
        f32(dk),
        f32(db),
        f32(dy),
        f32(cache),
        f32(kernel),
        f32(new Float64Array(s.rows * carryWidth(s.units))),
        s,
        acc,
      );
      return [dk, db];
    };
    const [k0, b0] = run(false, 7);
    const [k1, b1] = run(true, 1);
    for (let i = 0; i < k0.length; i++) expect(k1[i]).toBeCloseTo(k0[i] + 1, 12);
    for (let i = 0; i < b0.length; i++) expect(b1[i]).toBeCloseTo(b0[i] + 1, 12);
  });
});
