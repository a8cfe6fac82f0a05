/**
 * The recurrent layers as ONNX's RNN / LSTM / GRU operators, and the sequence plumbing around them.
 *
 * - Layout: ONNX's recurrent ops take [time, batch, features] (onnxruntime refuses `layout = 1`,
 *   and opset 13 has no `layout`), so a Transpose goes in front and the outputs are transposed back.
 * - Weights: Keras keeps kernel [F, G·U] and recurrent_kernel [U, G·U] with gates LSTM i f c o,
 *   GRU z r h; ONNX wants W [dirs, G·U, F] and R [dirs, G·U, U] (transposed) with gates LSTM
 *   i o f c, GRU z r h, and B [dirs, 2·G·U]: the input bias Wb, then the recurrent bias Rb (zero,
 *   except the second bias of a GRU with resetAfter, which is `linear_before_reset = 1`).
 * - Order: Keras gives a goBackwards layer's outputs in processing order (last input step
 *   first); ONNX's `reverse` direction gives Y in input order, so those sequences are reversed
 *   (a Gather along time). The last output is Y_h either way.
 * - Bidirectional is one op with direction `bidirectional` (direction 0 is the layer that reads
 *   forward, 1 the one that reads backward); Keras puts the backward layer's sequence back in
 *   input order, which is ONNX's order already. The merge is Concat / Add / Mul / Mean.
 * - gelu and silu have no name in the ops' `activations`: such a layer is unrolled into per-step
 *   nodes (recurrent-unrolled.ts).
 */
import type { ActivationName } from '../backend';
import type { Layer } from '../layers/layer';
import { Recurrent } from '../layers/recurrent';
import { Bidirectional, RepeatVector } from '../layers/wrappers';
import { type Flow, toChannelsLast } from './flow';
import type { OnnxGraphBuilder } from './graph';
import type { AttributeValue } from './messages';
import { unrolledRecurrent } from './recurrent-unrolled';

type Exporter = (layer: Layer, g: OnnxGraphBuilder, x: Flow) => Flow;

const OPS = { SimpleRNN: 'RNN', LSTM: 'LSTM', GRU: 'GRU' } as const;

/** For ONNX gate k, the Keras gate it takes: LSTM i o f c from i f c o; GRU z r h as it is. */
const KERAS_GATE = { SimpleRNN: [0], LSTM: [0, 3, 1, 2], GRU: [0, 1, 2] } as const;

/** An activation as the recurrent ops name it, with the alpha and beta it takes. */
interface OnnxActivation {
  name: string;
  alpha?: number;
  beta?: number;
}

/** The op's name for an activation, or null when the ops have none (gelu, silu). */
function onnxActivation(fn: ActivationName | 'hardSigmoid'): OnnxActivation | null {
  switch (fn) {
    case 'sigmoid':
      return { name: 'Sigmoid' };
    case 'tanh':
      return { name: 'Tanh' };
    case 'relu':
      return { name: 'Relu' };
    case 'linear':
      return { name: 'Affine', alpha: 1, beta: 0 };
    case 'hardSigmoid':
      // Keras / tfjs: max(0, min(1, 0.2·x + 0.5))
      return { name: 'HardSigmoid', alpha: 0.2, beta: 0.5 };
    default:
      return null;
  }
}

/** The activations attribute of one direction: RNN [f], LSTM [f, g, h], GRU [f, g]; null when one
 *  of them has no ONNX name (the layer is then unrolled). */
function activationsOf(layer: Recurrent): OnnxActivation[] | null {
  const act = onnxActivation(layer.activation);
  if (layer.className === 'SimpleRNN') return act && [act];
  const gates = onnxActivation(layer.recurrentActivation);
  if (!act || !gates) return null;
  return layer.className === 'LSTM' ? [gates, act, act] : [gates, act];
}

/** One direction's W [G·U, F], R [G·U, U] and B [2·G·U] in ONNX's gate order. */
function onnxWeights(layer: Recurrent): { W: Float32Array; R: Float32Array; B: Float32Array } {
  const [kernel, recurrent, bias] = layer.weights();
  if (!kernel) throw new RangeError(`exportOnnx: layer "${layer.name}" has no weights (it was never built)`);
  const U = layer.units;
  const order = KERAS_GATE[layer.className];
  const GU = order.length * U;
  const F = kernel.length / GU;
  const W = new Float32Array(GU * F);
  const R = new Float32Array(GU * U);
  const B = new Float32Array(2 * GU);
  order.forEach((kg, k) => {
    for (let u = 0; u < U; u++) {
      const row = k * U + u;
      const col = kg * U + u;
      for (let f = 0; f < F; f++) W[row * F + f] = kernel[f * GU + col];
      for (let j = 0; j < U; j++) R[row * U + j] = recurrent[j * GU + col];
      if (bias) {
        B[row] = bias[col];
        // a GRU with resetAfter holds [2, G·U]: the input bias, then the recurrent one
        if (layer.resetAfter) B[GU + row] = bias[GU + col];
      }
    }
  });
  return { W, R, B };
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The op over `x` [time, batch, F] for one layer or, given two (forward reader first, backward
 *  reader second), both directions; returns Y [time, dirs, batch, U] and Y_h [dirs, batch, U]. */
function recurrentOp(g: OnnxGraphBuilder, name: string, dirs: Recurrent[], x: string, F: number) {
  const first = dirs[0];
  const U = first.units;
  const GU = KERAS_GATE[first.className].length * U;
  const weights = dirs.map(onnxWeights);
  const D = dirs.length;
  const W = g.weight(`${name}/W`, [D, GU, F], concat(weights.map((w) => w.W)));
  const R = g.weight(`${name}/R`, [D, GU, U], concat(weights.map((w) => w.R)));
  const inputs = [x, W, R];
  if (first.useBias) inputs.push(g.weight(`${name}/B`, [D, 2 * GU], concat(weights.map((w) => w.B))));
  const acts = dirs.flatMap((l) => activationsOf(l) ?? []);
  const attributes: Record<string, AttributeValue> = {
    hidden_size: { int: U },
    direction: { string: D === 2 ? 'bidirectional' : first.goBackwards ? 'reverse' : 'forward' },
    activations: { strings: acts.map((a) => a.name) },
  };
  // consumed in order by the activations that take them (Affine, HardSigmoid)
  const alphas = acts.filter((a) => a.alpha !== undefined);
  if (alphas.length > 0) {
    attributes.activation_alpha = { floats: alphas.map((a) => a.alpha as number) };
    attributes.activation_beta = { floats: alphas.map((a) => a.beta as number) };
  }
  if (first.className === 'GRU') attributes.linear_before_reset = { int: first.resetAfter ? 1 : 0 };
  const op = OPS[first.className];
  const [Y, Yh] = g.nodeOutputs(op, `${name}/${op}`, inputs, ['Y', 'Y_h'], attributes);
  return { Y, Yh };
}

/** The flow as [batch, time, F] (a Conv1D's output may be held channels-first). */
function batchMajor(g: OnnxGraphBuilder, flow: Flow, name: string): { x: string; T: number; F: number } {
  const shape = flow.shape;
  if (shape.length !== 2)
    throw new RangeError(
      `exportOnnx: layer "${name}" needs sequences [batch, time, features], got [batch, ${shape.join(', ')}]`,
    );
  return { x: toChannelsLast(g, flow, name).tensor, T: shape[0], F: shape[1] };
}

/** [batch, time, F] → [time, batch, F]. */
function timeMajor(g: OnnxGraphBuilder, flow: Flow, name: string): { x: string; T: number; F: number } {
  const { x, T, F } = batchMajor(g, flow, name);
  return { x: g.node('Transpose', `${name}/Transpose_to_time_major`, [x], { perm: { ints: [1, 0, 2] } }), T, F };
}

/** Direction d of the op's outputs as the Keras layer gives it: [batch, time, U] with the steps
 *  reversed when `reversed`, or the last output [batch, U]. */
function direction(
  g: OnnxGraphBuilder,
  name: string,
  op: { Y: string; Yh: string },
  d: number,
  sequences: boolean,
  reversed: boolean,
  T: number,
): string {
  const index = g.int64(`${name}/direction_${d}`, [d], []);
  if (!sequences) return g.node('Gather', `${name}/Y_h_${d}`, [op.Yh, index], { axis: { int: 0 } });
  let y = g.node('Gather', `${name}/Y_${d}`, [op.Y, index], { axis: { int: 1 } }); // [time, batch, U]
  if (reversed) {
    const steps = g.int64(
      `${name}/steps_reversed`,
      Array.from({ length: T }, (_, t) => T - 1 - t),
    );
    y = g.node('Gather', `${name}/Reverse_time_${d}`, [y, steps], { axis: { int: 0 } });
  }
  return g.node('Transpose', `${name}/Transpose_to_batch_major_${d}`, [y], { perm: { ints: [1, 0, 2] } });
}

const exportRecurrent: Exporter = (layer, g, flow) => {
  if (!(layer instanceof Recurrent)) throw new TypeError(`exportOnnx: layer "${layer.name}" is not a recurrent layer`);
  const name = layer.name ?? layer.namePrefix;
  const shape = layer.returnSequences ? [flow.shape[0], layer.units] : [layer.units];
  if (!activationsOf(layer)) {
    const { x, T, F } = batchMajor(g, flow, name);
    return { tensor: unrolledRecurrent(g, name, layer, x, T, F, false), shape, channelsFirst: false };
  }
  const { x, T, F } = timeMajor(g, flow, name);
  const op = recurrentOp(g, name, [layer], x, F);
  const tensor = direction(g, name, op, 0, layer.returnSequences, layer.goBackwards, T);
  return { tensor, shape, channelsFirst: false };
};

const exportBidirectional: Exporter = (layer, g, flow) => {
  if (!(layer instanceof Bidirectional))
    throw new TypeError(`exportOnnx: layer "${layer.name}" is not a Bidirectional layer`);
  const name = layer.name ?? layer.namePrefix;
  const fwd = layer.forwardLayer;
  const bwd = layer.backwardLayer;
  const seqs = fwd.returnSequences;
  let a: string;
  let b: string;
  let T: number;
  if (activationsOf(fwd) && activationsOf(bwd)) {
    const tm = timeMajor(g, flow, name);
    T = tm.T;
    // ONNX's direction 0 reads forward; a forward layer with goBackwards reads backward
    const flipped = fwd.goBackwards;
    const op = recurrentOp(g, name, flipped ? [bwd, fwd] : [fwd, bwd], tm.x, tm.F);
    // Keras: the forward layer's outputs as they come, the backward layer's put back in input
    // order; both are ONNX's input order unless the forward layer itself goes backwards.
    a = direction(g, name, op, flipped ? 1 : 0, seqs, flipped, T);
    b = direction(g, name, op, flipped ? 0 : 1, seqs, flipped, T);
  } else {
    const bm = batchMajor(g, flow, name);
    T = bm.T;
    a = unrolledRecurrent(g, fwd.name ?? `${name}/forward`, fwd, bm.x, T, bm.F, false);
    b = unrolledRecurrent(g, bwd.name ?? `${name}/backward`, bwd, bm.x, T, bm.F, true);
  }
  const U = fwd.units;
  const mode = layer.mergeMode;
  let tensor: string;
  if (mode === 'concat') tensor = g.node('Concat', `${name}/Concat`, [a, b], { axis: { int: -1 } });
  else if (mode === 'sum') tensor = g.node('Add', `${name}/Add`, [a, b]);
  else if (mode === 'mul') tensor = g.node('Mul', `${name}/Mul`, [a, b]);
  else tensor = g.node('Mean', `${name}/Mean`, [a, b]);
  const width = mode === 'concat' ? 2 * U : U;
  return { tensor, shape: seqs ? [T, width] : [width], channelsFirst: false };
};

/** RepeatVector: [batch, F] → Unsqueeze → [batch, 1, F] → Tile → [batch, n, F]. */
const exportRepeatVector: Exporter = (layer, g, flow) => {
  if (!(layer instanceof RepeatVector))
    throw new TypeError(`exportOnnx: layer "${layer.name}" is not a RepeatVector layer`);
  const name = layer.name ?? layer.namePrefix;
  const x = toChannelsLast(g, flow, name);
  if (x.shape.length !== 1)
    throw new RangeError(
      `exportOnnx: layer "${name}" needs [batch, features] inputs, got [batch, ${x.shape.join(', ')}]`,
    );
  const one = g.node('Unsqueeze', `${name}/Unsqueeze`, [x.tensor, g.int64(`${name}/axes`, [1])]);
  const tensor = g.node('Tile', `${name}/Tile`, [one, g.int64(`${name}/repeats`, [1, layer.n, 1])]);
  return { tensor, shape: [layer.n, x.shape[0]], channelsFirst: false };
};

export const RECURRENT_EXPORTERS: Readonly<Record<string, Exporter>> = {
  SimpleRNN: exportRecurrent,
  LSTM: exportRecurrent,
  GRU: exportRecurrent,
  Bidirectional: exportBidirectional,
  RepeatVector: exportRepeatVector,
};
