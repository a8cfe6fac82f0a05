/**
 * Recurrent layers over a whole sequence: the specification of native/kernels/recurrent.h.
 * Keras/TensorFlow.js cells and gate orders:
 * - simple:        h = act(xW + b + h₋·U)
 * - lstm (i f c o): i, f, o = ract(…), g = act(…); c = f·c₋ + i·g; h = o·act(c)
 * - gru (z r h), resetAfter false (tfjs): z, r = ract(x_zr + h₋·U_zr); hh = act(x_h + (r·h₋)·U_h)
 * - gruResetAfter (Keras' default, PyTorch's GRU): m = h₋·U + b_rec; z, r = ract(x_zr + m_zr);
 *   hh = act(x_h + r·m_h)
 * and for both GRUs h = z·h₋ + (1 − z)·hh. The state starts at zero.
 *
 * The input projection of every step (x·W + b, one GEMM over all rows and steps) comes in as xProj
 * (rows, time, gates·units), in input order; the kernel runs the recurrence. goBackwards reads the
 * steps last to first, and the outputs are in that processing order (as Keras). `sequences`: out is
 * (rows, time, units), every step's h; otherwise (rows, units), the last one.
 *
 * cache (rows, time, cacheWidth) keeps, per row and processing step, what backward needs (h first,
 * so h of all rows at one step is a matrix with row stride time·cacheWidth):
 * - simple: h (= post), pre           (2 units)
 * - lstm:   h, c, pre (4), post (4)    (10 units)
 * - gru*:   h, pre (3), post (3), m    (8 units; m = r·h₋ for gru, h₋·U_h + b_rec,h for gruResetAfter)
 * carry (rows, 6·units) is the backward pass's scratch (the gradients flowing to the previous step).
 */
import type { ActivationName } from '../backend';
import { activate, derivative } from './activations';
import { gemm } from './gemm';

export type RecurrentCell = 'simple' | 'lstm' | 'gru' | 'gruResetAfter';
export const RECURRENT_CELLS: readonly RecurrentCell[] = ['simple', 'lstm', 'gru', 'gruResetAfter'];

export interface RecurrentShape {
  rows: number;
  time: number;
  units: number;
  cell: RecurrentCell;
  activation: ActivationName;
  recurrentActivation: ActivationName;
  goBackwards: boolean;
  sequences: boolean;
}

/** Gates per cell: the width of xProj and of the recurrent kernel is gates·units. */
export function gateCount(cell: RecurrentCell): number {
  return cell === 'simple' ? 1 : cell === 'lstm' ? 4 : 3;
}
/** Floats of cache per row and step. */
export function cacheWidth(cell: RecurrentCell, units: number): number {
  return (cell === 'simple' ? 2 : cell === 'lstm' ? 10 : 8) * units;
}
/** Offsets in a cache record: the gates' pre-activations, their activations, and m (GRUs). */
export function cacheLayout(cell: RecurrentCell, units: number): { pre: number; post: number; m: number } {
  if (cell === 'simple') return { pre: units, post: 0, m: -1 };
  if (cell === 'lstm') return { pre: 2 * units, post: 6 * units, m: -1 };
  return { pre: units, post: 4 * units, m: 7 * units };
}
/** Floats of carry per row. */
export function carryWidth(units: number): number {
  return 6 * units;
}

/** Whether gate j (0-based, in the cell's order) uses the recurrent activation. */
function recurrentGate(cell: RecurrentCell, j: number): boolean {
  if (cell === 'simple') return false;
  if (cell === 'lstm') return j !== 2;
  return j !== 2;
}

/** out, cache from xProj (rows, time, gates·units), the recurrent kernel (units, gates·units) and,
 *  for gruResetAfter, the recurrent bias (gates·units; null otherwise). */
export function recurrentForward(
  out: Float32Array,
  cache: Float32Array,
  xProj: Float32Array,
  kernel: Float32Array,
  recurrentBias: Float32Array | null,
  s: RecurrentShape,
): void {
  const { rows, time: T, units: U, cell } = s;
  const G = gateCount(cell) * U;
  const cw = cacheWidth(cell, U);
  const ld = T * cw;
  const { pre, post } = cacheLayout(cell, U);
  const act = (j: number, x: number) => activate(recurrentGate(cell, j) ? s.recurrentActivation : s.activation, x, 0);
  for (let step = 0; step < T; step++) {
    const t = s.goBackwards ? T - 1 - step : step;
    const at = (b: number) => (b * T + step) * cw;
    const prev = (b: number) => (b * T + step - 1) * cw; // h₋ of row b (valid when step > 0)
    // The recurrent products into the pre slots: h₋·U (all gates; GRU: z and r only).
    const recCols = cell === 'gru' ? 2 * U : G;
    for (let b = 0; b < rows; b++) cache.fill(0, at(b) + pre, at(b) + pre + G);
    if (step > 0) {
      gemm(
        false,
        false,
        rows,
        recCols,
        U,
        1,
        cache.subarray(prev(0)),
        ld,
        kernel,
        G,
        0,
        cache.subarray(at(0) + pre),
        ld,
      );
    }
    for (let b = 0; b < rows; b++) {
      const c0 = at(b);
      const x0 = (b * T + t) * G;
      const hPrev = (i: number) => (step > 0 ? cache[prev(b) + i] : 0);
      if (cell === 'gruResetAfter' && recurrentBias)
        for (let i = 0; i < G; i++) cache[c0 + pre + i] += recurrentBias[i];
      if (cell === 'gruResetAfter') for (let i = 0; i < U; i++) cache[c0 + 7 * U + i] = cache[c0 + pre + 2 * U + i];
      // Every gate but a GRU's candidate: pre += x part, post = act(pre).
      const gates = cell === 'gru' || cell === 'gruResetAfter' ? 2 : gateCount(cell);
      for (let j = 0; j < gates; j++)
        for (let i = 0; i < U; i++) {
          cache[c0 + pre + j * U + i] += xProj[x0 + j * U + i];
          cache[c0 + post + j * U + i] = act(j, cache[c0 + pre + j * U + i]); // the stored (float32) value, as native
        }
      if (cell === 'gruResetAfter') {
        for (let i = 0; i < U; i++) {
          const r = cache[c0 + post + U + i];
          cache[c0 + pre + 2 * U + i] = xProj[x0 + 2 * U + i] + r * cache[c0 + 7 * U + i];
        }
      } else if (cell === 'gru') {
        for (let i = 0; i < U; i++) cache[c0 + 7 * U + i] = cache[c0 + post + U + i] * hPrev(i);
      }
    }
    if (cell === 'gru') {
      // hh's recurrent product uses r·h₋ (m), known only now.
      gemm(
        false,
        false,
        rows,
        U,
        U,
        1,
        cache.subarray(at(0) + 7 * U),
        ld,
        kernel.subarray(2 * U),
        G,
        0,
        cache.subarray(at(0) + pre + 2 * U),
        ld,
      );
      for (let b = 0; b < rows; b++)
        for (let i = 0; i < U; i++) cache[at(b) + pre + 2 * U + i] += xProj[(b * T + t) * G + 2 * U + i];
    }
    for (let b = 0; b < rows; b++) {
      const c0 = at(b);
      const hPrev = (i: number) => (step > 0 ? cache[prev(b) + i] : 0);
      for (let i = 0; i < U; i++) {
        let h: number;
        if (cell === 'simple') {
          h = cache[c0 + post + i];
        } else if (cell === 'lstm') {
          const [ig, fg, gg, og] = [0, 1, 2, 3].map((j) => cache[c0 + post + j * U + i]);
          const c = fg * (step > 0 ? cache[prev(b) + U + i] : 0) + ig * gg;
          cache[c0 + U + i] = c;
          h = og * activate(s.activation, cache[c0 + U + i], 0);
        } else {
          cache[c0 + post + 2 * U + i] = act(2, cache[c0 + pre + 2 * U + i]);
          const hh = cache[c0 + post + 2 * U + i];
          const z = cache[c0 + post + i];
          h = z * hPrev(i) + (1 - z) * hh;
        }
        cache[c0 + i] = h;
        if (s.sequences) out[(b * T + step) * U + i] = h;
        else if (step === T - 1) out[b * U + i] = h;
      }
    }
  }
}

/** dxProj (rows, time, gates·units; every value written), dkernel (+)= ∂/∂kernel, dRecurrentBias
 *  (+)= ∂/∂recurrentBias (gruResetAfter; null otherwise), given dy (shaped like out) and the cache
 *  of the forward call. accumulate false overwrites dkernel and dRecurrentBias. */
export function recurrentBackward(
  dxProj: Float32Array,
  dkernel: Float32Array,
  dRecurrentBias: Float32Array | null,
  dy: Float32Array,
  cache: Float32Array,
  kernel: Float32Array,
  carry: Float32Array,
  s: RecurrentShape,
  accumulate: boolean,
): void {
  const { rows, time: T, units: U, cell } = s;
  const G = gateCount(cell) * U;
  const cw = cacheWidth(cell, U);
  const ld = T * cw;
  const cr = carryWidth(U);
  const { pre, post } = cacheLayout(cell, U);
  if (!accumulate) {
    dkernel.fill(0, 0, U * G);
    dRecurrentBias?.fill(0, 0, G);
  }
  carry.fill(0, 0, rows * cr);
  const grad = (j: number, i: number, c0: number, dpost: number) => {
    const fn = recurrentGate(cell, j) ? s.recurrentActivation : s.activation;
    return dpost * derivative(fn, cache[c0 + pre + j * U + i], cache[c0 + post + j * U + i], 0);
  };
  // drec (rows, G) at carry + 2U: the gradient of the recurrent products (GRUs; the others use dxProj).
  const drec = 2 * U;
  for (let step = T - 1; step >= 0; step--) {
    const t = s.goBackwards ? T - 1 - step : step;
    const at = (b: number) => (b * T + step) * cw;
    const prev = (b: number) => (b * T + step - 1) * cw;
    const dx0 = (b: number) => (b * T + t) * G;
    for (let b = 0; b < rows; b++) {
      const c0 = at(b);
      const k0 = b * cr;
      const hPrev = (i: number) => (step > 0 ? cache[prev(b) + i] : 0);
      for (let i = 0; i < U; i++) {
        const fromOut = s.sequences ? dy[(b * T + step) * U + i] : step === T - 1 ? dy[b * U + i] : 0;
        const dh = carry[k0 + i] + fromOut;
        if (cell === 'simple') {
          dxProj[dx0(b) + i] = grad(0, i, c0, dh);
        } else if (cell === 'lstm') {
          const [ig, fg, gg, og] = [0, 1, 2, 3].map((j) => cache[c0 + post + j * U + i]);
          const c = cache[c0 + U + i];
          const tc = activate(s.activation, c, 0);
          const dc = carry[k0 + U + i] + dh * og * derivative(s.activation, c, tc, 0);
          const cPrev = step > 0 ? cache[prev(b) + U + i] : 0;
          dxProj[dx0(b) + i] = grad(0, i, c0, dc * gg);
          dxProj[dx0(b) + U + i] = grad(1, i, c0, dc * cPrev);
          dxProj[dx0(b) + 2 * U + i] = grad(2, i, c0, dc * ig);
          dxProj[dx0(b) + 3 * U + i] = grad(3, i, c0, dh * tc);
          carry[k0 + U + i] = dc * fg;
        } else {
          const z = cache[c0 + post + i];
          const hh = cache[c0 + post + 2 * U + i];
          const dz = grad(0, i, c0, dh * (hPrev(i) - hh));
          const dhh = grad(2, i, c0, dh * (1 - z));
          dxProj[dx0(b) + i] = dz;
          dxProj[dx0(b) + 2 * U + i] = dhh;
          carry[k0 + drec + i] = dz;
          carry[k0 + i] = dh * z; // the direct path to h₋; the products are added below
          if (cell === 'gruResetAfter') {
            const m = cache[c0 + 7 * U + i];
            const r = cache[c0 + post + U + i];
            const dr = grad(1, i, c0, dhh * m);
            dxProj[dx0(b) + U + i] = dr;
            carry[k0 + drec + U + i] = dr;
            carry[k0 + drec + 2 * U + i] = dhh * r;
          } else {
            carry[k0 + drec + 2 * U + i] = dhh; // dm = dhh·U_hᵀ, below
          }
        }
      }
    }
    if (cell === 'gru') {
      // dm (rows, U) at carry + 5U = dhh·U_hᵀ; dr = dm·h₋; h₋ gets dm·r.
      gemm(
        false,
        true,
        rows,
        U,
        U,
        1,
        carry.subarray(drec + 2 * U),
        cr,
        kernel.subarray(2 * U),
        G,
        0,
        carry.subarray(5 * U),
        cr,
      );
      for (let b = 0; b < rows; b++) {
        const c0 = at(b);
        const k0 = b * cr;
        for (let i = 0; i < U; i++) {
          const hp = step > 0 ? cache[prev(b) + i] : 0;
          const dm = carry[k0 + 5 * U + i];
          const dr = grad(1, i, c0, dm * hp);
          dxProj[dx0(b) + U + i] = dr;
          carry[k0 + drec + U + i] = dr;
          carry[k0 + i] += dm * cache[c0 + post + U + i];
        }
      }
    }
    // Gradients of the recurrent products: dkernel += h₋ᵀ·drec, dh₋ (+)= drec·kernelᵀ.
    const gru = cell === 'gru' || cell === 'gruResetAfter';
    const dsrc = gru ? carry.subarray(drec) : dxProj.subarray(t * G);
    const ldd = gru ? cr : T * G;
    if (cell === 'gruResetAfter' && dRecurrentBias)
      for (let b = 0; b < rows; b++) for (let i = 0; i < G; i++) dRecurrentBias[i] += carry[b * cr + drec + i];
    if (step > 0) {
      if (cell === 'gru') {
        gemm(true, false, U, 2 * U, rows, 1, cache.subarray(prev(0)), ld, dsrc, ldd, 1, dkernel, G);
        gemm(
          true,
          false,
          U,
          U,
          rows,
          1,
          cache.subarray(at(0) + 7 * U),
          ld,
          dsrc.subarray(2 * U),
          ldd,
          1,
          dkernel.subarray(2 * U),
          G,
        );
      } else {
        gemm(true, false, U, G, rows, 1, cache.subarray(prev(0)), ld, dsrc, ldd, 1, dkernel, G);
      }
    }
    const recCols = cell === 'gru' ? 2 * U : G;
    gemm(false, true, rows, U, recCols, 1, dsrc, ldd, kernel, G, gru ? 1 : 0, carry, cr);
  }
}
