/**
 * A recurrent layer written out step by step, for the activations ONNX's RNN / LSTM / GRU ops
 * cannot apply (gelu, silu): the sequence length is fixed at export, so the loop is unrolled.
 * Each gate's input projection is one MatMul (+ bias) over [batch, time, F]; each step Gathers its
 * slice, adds h₋·R (per gate, Keras' gate columns as they are) and applies the activations with
 * the Dense layer's nodes (activations.ts). The state starts at zero, so the first step has no
 * recurrent term (and an LSTM's first cell state is i·g). About 5 nodes per gate and step.
 */
import { gateCount } from '../backend/js/recurrent';
import type { LayerActivation } from '../graph/builder';
import type { Recurrent } from '../layers/recurrent';
import { activationNodes } from './activations';
import type { OnnxGraphBuilder } from './graph';

const GATE_NAMES = { simple: ['h'], lstm: ['i', 'f', 'c', 'o'], gru: ['z', 'r', 'h'], gruResetAfter: ['z', 'r', 'h'] };

/** Columns [k·U, (k+1)·U) of a [rows, G·U] matrix. */
function gateColumns(m: Float32Array, rows: number, GU: number, k: number, U: number): Float32Array {
  const out = new Float32Array(rows * U);
  for (let r = 0; r < rows; r++) out.set(m.subarray(r * GU + k * U, r * GU + (k + 1) * U), r * U);
  return out;
}

/** The layer over x [batch, time, F] (batch-major, as the model holds it): the outputs in
 *  processing order [batch, time, U] (in reverse when `reverseOutputs`), or the last [batch, U]. */
export function unrolledRecurrent(
  g: OnnxGraphBuilder,
  name: string,
  layer: Recurrent,
  x: string,
  T: number,
  F: number,
  reverseOutputs: boolean,
): string {
  const [kernel, recurrent, bias] = layer.weights();
  if (!kernel) throw new RangeError(`exportOnnx: layer "${layer.name}" has no weights (it was never built)`);
  const cell = layer.cell;
  const U = layer.units;
  const G = gateCount(cell);
  const GU = G * U;
  const names = GATE_NAMES[cell];
  const proj: string[] = [];
  const R: string[] = [];
  const rb: (string | null)[] = [];
  for (let k = 0; k < G; k++) {
    const w = g.weight(`${name}/kernel_${names[k]}`, [F, U], gateColumns(kernel, F, GU, k, U));
    let p = g.node('MatMul', `${name}/MatMul_${names[k]}`, [x, w]);
    if (bias)
      p = g.node('Add', `${name}/Add_bias_${names[k]}`, [
        p,
        g.weight(`${name}/bias_${names[k]}`, [U], bias.subarray(k * U, (k + 1) * U)),
      ]);
    proj.push(p);
    R.push(g.weight(`${name}/recurrent_kernel_${names[k]}`, [U, U], gateColumns(recurrent, U, GU, k, U)));
    const recurrentBias = bias && layer.resetAfter ? bias.subarray(GU + k * U, GU + (k + 1) * U) : null;
    rb.push(recurrentBias ? g.weight(`${name}/recurrent_bias_${names[k]}`, [U], recurrentBias) : null);
  }
  const act = (fn: LayerActivation, z: string, prefix: string) => activationNodes(g, fn, 0, z, prefix);
  const one = g.scalar(1);
  let h: string | null = null;
  let c: string | null = null;
  const outputs: string[] = [];
  for (let s = 0; s < T; s++) {
    const t = layer.goBackwards ? T - 1 - s : s;
    const p = `${name}/step_${s}`;
    const index = g.int64(`${name}/time_${t}`, [t], []);
    const xs = proj.map((pk, k) => g.node('Gather', `${p}/x_${names[k]}`, [pk, index], { axis: { int: 1 } }));
    /** h₋·R_k (+ the recurrent bias), or null when there is none (the first step of a bias-free layer). */
    const recurrentTerm = (k: number, state: string | null): string | null => {
      if (!state) return rb[k];
      const m = g.node('MatMul', `${p}/MatMul_h_${names[k]}`, [state, R[k]]);
      return rb[k] ? g.node('Add', `${p}/Add_recurrent_bias_${names[k]}`, [m, rb[k] as string]) : m;
    };
    const gate = (k: number, fn: LayerActivation, term: string | null = recurrentTerm(k, h)) =>
      act(fn, term ? g.node('Add', `${p}/Add_${names[k]}`, [xs[k], term]) : xs[k], `${p}/${names[k]}`);
    if (cell === 'simple') {
      h = gate(0, layer.activation);
    } else if (cell === 'lstm') {
      const [i, f, cc, o] = [0, 1, 2, 3].map((k) => gate(k, k === 2 ? layer.activation : layer.recurrentActivation));
      const ig = g.node('Mul', `${p}/Mul_i_c`, [i, cc]);
      c = c ? g.node('Add', `${p}/c`, [g.node('Mul', `${p}/Mul_f_c`, [f, c]), ig]) : ig;
      h = g.node('Mul', `${p}/h`, [o, act(layer.activation, c, `${p}/c_activation`)]);
    } else {
      const z = gate(0, layer.recurrentActivation);
      const r = gate(1, layer.recurrentActivation);
      let candidate: string | null;
      if (cell === 'gruResetAfter') {
        // hh = act(x_h + r·(h₋·U_h + b_rec,h))
        const m = recurrentTerm(2, h);
        candidate = m ? g.node('Mul', `${p}/Mul_r_m`, [r, m]) : null;
      } else {
        // hh = act(x_h + (r·h₋)·U_h)
        candidate = h ? recurrentTerm(2, g.node('Mul', `${p}/Mul_r_h`, [r, h])) : null;
      }
      const hh = gate(2, layer.activation, candidate);
      // h = z·h₋ + (1 − z)·hh
      const keep = g.node('Mul', `${p}/Mul_1_z_hh`, [g.node('Sub', `${p}/Sub_1_z`, [one, z]), hh]);
      h = h ? g.node('Add', `${p}/h`, [g.node('Mul', `${p}/Mul_z_h`, [z, h]), keep]) : keep;
    }
    outputs.push(h);
  }
  if (!layer.returnSequences) return h as string;
  const axis = g.int64(`${name}/axes_time`, [1]);
  const steps = outputs.map((o, s) => g.node('Unsqueeze', `${name}/step_${s}/Unsqueeze`, [o, axis]));
  if (reverseOutputs) steps.reverse();
  return g.node('Concat', `${name}/Concat_steps`, steps, { axis: { int: 1 } });
}
