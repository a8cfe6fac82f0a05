/**
 * The tape builder: the one place that knows how a network runs. Layers emit their forward calls
 * and say how to go backward (src/layers/*: emit); this file chains them, fuses a final
 * softmax/sigmoid into its cross-entropy, adds the loss, regularization, metrics and the optimizer
 * update, derives the backward pass from the layers' declarations in reverse order, and fuses
 * bias + elementwise activation. The result is plain data (src/graph/tape.ts).
 */
import type { ActivationName } from '../backend';
import type { Arena } from './arena';
import {
  type AttrValue,
  type BufferRole,
  type DType,
  type Pass,
  TAPE_VERSION,
  type Tape,
  type TapeBuffer,
  type TapeCall,
} from './tape';

export type LayerActivation = ActivationName | 'softmax';
export type OptimizerKind = 'sgd' | 'momentum' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad';
export type MetricName = 'accuracy' | 'mse' | 'mae';
export type TapeLoss =
  | 'meanSquaredError'
  | 'binaryCrossentropy'
  | 'binaryCrossentropyFromLogits'
  | 'categoricalCrossentropy'
  | 'sparseCategoricalCrossentropy';

/** Optimizer state slots per parameter (momentum: velocity; adam: m, v; rmsprop: meanSquare, mom; adagrad: accumulator). */
export const SLOT_COUNT: Readonly<Record<OptimizerKind, number>> = {
  sgd: 0,
  momentum: 1,
  adam: 2,
  adamw: 2,
  rmsprop: 2,
  adagrad: 1,
};

export interface OptimizerSettings {
  kind: OptimizerKind;
  beta1: number;
  beta2: number;
  epsilon: number;
  momentum: number;
  nesterov: boolean;
  rho: number;
  weightDecay: number;
  /** Keras clipnorm: each parameter's gradient rescaled to at most this norm (0: off). */
  clipnorm: number;
  /** Keras clipvalue: each gradient value clipped to [−clipvalue, clipvalue] (0: off). */
  clipvalue: number;
}

/** What a layer's emit returns: its output buffer, how to go backward, and (for a final
 *  softmax/sigmoid) the activation a loss may fuse with. */
export interface Emitted {
  output: number;
  /** The layer's last call applies `fn` to `logits`; a fused loss computes it instead. */
  activation?: { fn: LayerActivation; logits: number; call: TapeCall };
  /** Emits the backward calls given the gradient of the output (or, when fromLogits, of the
   *  logits of `activation`); writes the gradient of the input only when needInput. */
  backward(b: TapeBuilder, grad: number, fromLogits: boolean, needInput: boolean): void;
}

/** A layer as the builder sees it. */
export interface TapeLayer {
  readonly name: string | null;
  emit(b: TapeBuilder, input: number, seed: number): Emitted;
}

export class TapeBuilder {
  readonly buffers: TapeBuffer[] = [];
  readonly forward: TapeCall[] = [];
  readonly loss: TapeCall[] = [];
  readonly metrics: TapeCall[] = [];
  readonly backward: TapeCall[] = [];
  readonly update: TapeCall[] = [];
  /** Param buffer ids in update order. */
  readonly params: number[] = [];
  private readonly grads = new Map<number, number>();
  /** view id → the buffer it views */
  private readonly views = new Map<number, number>();
  private readonly written = new Set<number>();
  private readonly paramAt = new Map<number, number>();
  private readonly stateAt = new Map<number, number>();
  private readonly regularized = new Set<number>();
  private readonly regularizedGrad = new Set<number>();
  private readonly constants = new Set<number>();
  /** Params of frozen layers (trainable false at compile): they get gradients but no update. */
  readonly frozenParams = new Set<number>();
  /** Set while a frozen layer emits. */
  frozen = false;

  constructor(readonly arena: Arena) {}

  private add(b: Omit<TapeBuffer, 'alias' | 'offset'> & { alias?: number; offset?: number }): number {
    this.buffers.push({ alias: -1, offset: -1, ...b });
    return this.buffers.length - 1;
  }

  width(id: number): number {
    return this.buffers[id].width;
  }
  shape(id: number): number[] {
    return this.buffers[id].shape;
  }

  /** A batched buffer: shape without the batch dimension. */
  batched(name: string, role: BufferRole, shape: number[], dtype: DType = 'float32'): number {
    return this.add({ name, role, dtype, shape: [-1, ...shape], width: shape.reduce((a, b) => a * b, 1) });
  }

  /** `of` under another shape, sharing its memory (flatten, reshape); its gradient is likewise a
   *  view of the gradient of `of`. x and y cannot be viewed (the executors swap their memory per
   *  batch): a layer over x copies instead. */
  view(name: string, of: number, shape: number[]): number {
    const src = this.buffers[of];
    if (src.role === 'x' || src.role === 'y') throw new Error(`tape builder: ${src.name} cannot be viewed`);
    const id = this.add({ name, role: src.role, dtype: src.dtype, shape: [-1, ...shape], width: src.width, alias: of });
    this.views.set(id, of);
    return id;
  }

  /** A trainable parameter: `values` must be a view into the arena. Registered for the update.
   *  A layer applied twice (a shared layer) asks again: it gets the same buffer, so both uses
   *  accumulate into one gradient and the optimizer updates the weight once. */
  param(name: string, values: Float32Array, shape: number[]): number {
    const offset = this.offsetOf(values);
    const known = this.paramAt.get(offset);
    if (known !== undefined && this.buffers[known].width === values.length) return known;
    const id = this.add({ name, role: 'param', dtype: 'float32', shape, width: values.length, offset });
    this.params.push(id);
    this.paramAt.set(offset, id);
    if (this.frozen) this.frozenParams.add(id);
    return id;
  }

  /** Non-trainable state a kernel reads and writes (moving statistics): `values` must be a view of
   *  the arena's state part. No gradient, no optimizer. */
  state(name: string, values: Float32Array, shape: number[]): number {
    if (values.buffer !== this.arena.state.buffer)
      throw new Error('tape builder: a layer state is not a view of the model arena');
    const offset = (values.byteOffset - this.arena.state.byteOffset) / 4;
    const known = this.stateAt.get(offset);
    if (known !== undefined && this.buffers[known].width === values.length) return known;
    const id = this.add({ name, role: 'state', dtype: 'float32', shape, width: values.length, offset });
    this.stateAt.set(offset, id);
    return id;
  }

  /** A second name for `of`'s values (same memory) with a gradient of its own: each consumer of a
   *  tensor that feeds several reads a branch, and the branches' gradients are summed into the
   *  tensor's (sumBranches), so no layer has to accumulate into a gradient another layer writes. */
  branch(of: number): number {
    const src = this.buffers[of];
    return this.add({
      name: `${src.name}#${this.buffers.length}`,
      role: src.role,
      dtype: src.dtype,
      shape: src.shape,
      width: src.width,
      alias: of,
    });
  }

  /** Backward: d(of) = the sum of the branches' gradients. */
  sumBranches(of: number, branches: number[]): void {
    const g = this.gradOf(of);
    const n = { rows: this.width(of) };
    this.firstWrite(g);
    branches.forEach((br, i) => {
      this.bwd(i === 0 ? 'copy' : 'axpy', [g, this.gradOf(br)], i === 0 ? { n } : { n, alpha: 1 });
    });
  }

  /** Marks a buffer whose gradient nobody needs (a model input). */
  constant(id: number): void {
    this.constants.add(id);
  }
  /** Whether the layer reading `id` must write its gradient. */
  needsGrad(id: number): boolean {
    return !this.constants.has(id) && this.buffers[id].role !== 'x';
  }

  private offsetOf(values: Float32Array): number {
    if (values.buffer !== this.arena.data.buffer)
      throw new Error('tape builder: a layer weight is not a view of the model arena');
    return (values.byteOffset - this.arena.data.byteOffset) / 4;
  }

  /** The gradient buffer of a batched buffer or a param (made on first use). */
  gradOf(id: number): number {
    let g = this.grads.get(id);
    const viewed = this.views.get(id);
    if (g === undefined && viewed !== undefined) {
      const src = this.buffers[id];
      const of = this.gradOf(viewed);
      g = this.add({
        name: `d(${src.name})`,
        role: 'gradient',
        dtype: 'float32',
        shape: src.shape,
        width: src.width,
        alias: of,
      });
      this.grads.set(id, g);
    }
    if (g === undefined) {
      const src = this.buffers[id];
      g =
        src.role === 'param'
          ? this.add({
              name: `d(${src.name})`,
              role: 'grad',
              dtype: 'float32',
              shape: src.shape,
              width: src.width,
              offset: src.offset,
            })
          : this.add({
              name: `d(${src.name})`,
              role: 'gradient',
              dtype: 'float32',
              shape: src.shape,
              width: src.width,
            });
      this.grads.set(id, g);
    }
    return g;
  }

  /** Optimizer slot k of a param: at k·(arena length) + the param's offset in the slot arena. */
  slot(param: number, k: number): number {
    const src = this.buffers[param];
    const offset = k * this.arena.data.length + src.offset;
    return this.add({
      name: `${src.name}/slot${k}`,
      role: 'slot',
      dtype: 'float32',
      shape: src.shape,
      width: src.width,
      offset,
    });
  }

  /** True the first time a gradient buffer is written in the backward pass (later writers accumulate). */
  firstWrite(id: number): boolean {
    if (this.written.has(id)) return false;
    this.written.add(id);
    return true;
  }

  call(list: TapeCall[], kernel: string, args: number[], attrs: Record<string, AttrValue>, when?: Pass[]): TapeCall {
    const c: TapeCall = when ? { kernel, args, attrs, when } : { kernel, args, attrs };
    list.push(c);
    return c;
  }
  fwd(kernel: string, args: number[], attrs: Record<string, AttrValue>, when?: Pass[]): TapeCall {
    return this.call(this.forward, kernel, args, attrs, when);
  }
  bwd(kernel: string, args: number[], attrs: Record<string, AttrValue>): TapeCall {
    return this.call(this.backward, kernel, args, attrs);
  }

  /** Regularization of a kernel: the loss term (once per pass) and, in backward, its gradient. */
  regularize(param: number, l1: number, l2: number): void {
    if ((l1 === 0 && l2 === 0) || this.regularized.has(param)) return;
    this.regularized.add(param);
    const n = this.width(param);
    const c = this.call(this.loss, 'regularization', [param], { n, l1, l2 }, ['train', 'eval']);
    c.result = { index: 0, reduce: 'once' };
  }
  regularizeGrad(param: number, l1: number, l2: number): void {
    if (this.regularizedGrad.has(param)) return;
    this.regularizedGrad.add(param);
    const g = this.gradOf(param);
    const n = this.width(param);
    if (l2 !== 0) this.bwd('axpy', [g, param], { n, alpha: 2 * l2 });
    if (l1 !== 0) this.bwd('l1Grad', [g, param], { n, l1 });
  }
}

export interface BuildSettings {
  inputShape: number[];
  loss: TapeLoss;
  metrics: MetricName[];
  optimizer: OptimizerSettings;
  /** Layers whose weights the update leaves alone (trainable false when the model compiled). */
  frozen?: ReadonlySet<TapeLayer>;
  /** The tape for sample weights (see buildGraphTape). */
  sampleWeights?: boolean;
}

/** A layer that reads several tensors (the merge layers). */
export interface TapeMergeLayer {
  readonly name: string | null;
  emitMerge(b: TapeBuilder, inputs: number[], seed: number): Emitted;
}

/**
 * A network as a graph: tensor t < inputs.length is model input t (packed side by side into the
 * tape's x, in order); node i reads tensors `inputs` and makes tensor inputs.length + i. Nodes come
 * in an order where every tensor is made before it is read. Outputs are tensor indices.
 */
export interface TapeGraph {
  inputs: { name: string; shape: number[] }[];
  nodes: { layer: TapeLayer | TapeMergeLayer; inputs: number[]; seed: number; frozen?: boolean }[];
  outputs: number[];
}

/** What one output is trained on: its loss, that loss's weight in the total, its metrics. Name
 *  prefixes its result keys (`dense_2_loss`) when the model has several outputs. */
export interface OutputSettings {
  name: string;
  loss: TapeLoss;
  weight: number;
  metrics: MetricName[];
}

const ROWS = { rows: 1 };

/** Which fused loss a final activation allows. */
function fusable(fn: LayerActivation, loss: TapeLoss): 'softmaxXent' | 'sigmoidXent' | null {
  if (fn === 'softmax' && (loss === 'categoricalCrossentropy' || loss === 'sparseCategoricalCrossentropy'))
    return 'softmaxXent';
  if (fn === 'sigmoid' && loss === 'binaryCrossentropy') return 'sigmoidXent';
  return null;
}

/** Builds the tape of a stack of layers (their weights already views of `arena`). */
export function buildTape(
  layers: readonly TapeLayer[],
  seeds: readonly number[],
  arena: Arena,
  s: BuildSettings,
): Tape {
  const graph: TapeGraph = {
    inputs: [{ name: 'x', shape: s.inputShape }],
    nodes: layers.map((layer, i) => ({ layer, inputs: [i], seed: seeds[i], frozen: s.frozen?.has(layer) })),
    outputs: [layers.length],
  };
  return buildGraphTape(graph, arena, [{ name: '', loss: s.loss, weight: 1, metrics: s.metrics }], s.optimizer, {
    sampleWeights: s.sampleWeights === true,
  });
}

const isMerge = (l: TapeLayer | TapeMergeLayer): l is TapeMergeLayer => 'emitMerge' in l;

/** The tape of any graph of layers; outputs[k] is trained on settings[k]. With sampleWeights, y
 *  holds one more column, each row's weight, and every output's loss weighs its rows by it (the
 *  weighted* kernels, Keras SUM_OVER_BATCH_SIZE); metrics stay unweighted, as Keras `metrics`.
 *  Only fit with sampleWeight or classWeight compiles it: the plain tape never changes. */
export function buildGraphTape(
  graph: TapeGraph,
  arena: Arena,
  outputs: readonly OutputSettings[],
  optimizer: OptimizerSettings,
  options: { sampleWeights?: boolean } = {},
): Tape {
  const b = new TapeBuilder(arena);
  const tensors = modelInputs(b, graph);
  const x = tensors.length === 1 ? tensors[0] : b.buffers.findIndex((buf) => buf.role === 'x');

  // Every use of a tensor: by a node, or by an output's loss. A tensor used more than once is read
  // through branches (see TapeBuilder.branch).
  const uses = new Map<number, number>();
  const use = (t: number) => uses.set(t, (uses.get(t) ?? 0) + 1);
  for (const node of graph.nodes) node.inputs.forEach(use);
  graph.outputs.forEach(use);
  const branches = new Map<number, number[]>();
  const read = (t: number): number => {
    const id = tensors[t];
    if ((uses.get(t) ?? 0) < 2 || !b.needsGrad(id)) return id;
    const br = b.branch(id);
    branches.set(t, [...(branches.get(t) ?? []), br]);
    return br;
  };

  const emitted: Emitted[] = [];
  graph.nodes.forEach((node) => {
    const ids = node.inputs.map(read);
    b.frozen = node.frozen === true;
    const e = isMerge(node.layer) ? node.layer.emitMerge(b, ids, node.seed) : node.layer.emit(b, ids[0], node.seed);
    emitted.push(e);
    tensors.push(e.output);
  });
  b.frozen = false;

  graph.outputs.forEach((t, k) => {
    if (t < graph.inputs.length)
      throw new RangeError(`model: output ${k} is a model input; outputs must come from layers`);
  });
  const preds = graph.outputs.map(read);
  const { ys, weights } = targetBuffers(b, preds, outputs, options.sampleWeights === true);
  const outs = graph.outputs.map((t, k) => emitLoss(b, graph, emitted, t, preds[k], ys[k], weights, outputs[k]));
  const single = outs.length === 1;
  const y = b.buffers.findIndex((buf) => buf.role === 'y');
  // The regularization terms the layers registered while emitting come after the data loss.
  const regs = b.loss.filter((c) => c.kernel === 'regularization');
  const data = b.loss.filter((c) => c.kernel !== 'regularization');
  b.loss.splice(0, b.loss.length, ...data, ...regs);

  // Results: the total loss, then (several outputs) each output's loss, then the metrics.
  const results = ['loss'];
  if (!single) outputs.forEach((o) => results.push(`${o.name}_loss`));
  outs.forEach((o, k) => {
    if (!single) o.valueCall.result = { index: 1 + k, reduce: 'mean' };
    outputs[k].metrics.forEach((metric) => {
      emitMetric(b, metric, o.pred, o.y, outputs[k].loss, results.length);
      results.push(single ? metric : `${outputs[k].name}_${metric}`);
    });
  });

  // Backward: each node's declared calls, last node first; a tensor read through branches gets
  // their sum just before the node that made it goes backward.
  const fused = new Map(outs.filter((o) => o.fusedNode >= 0).map((o) => [o.fusedNode, o]));
  const inputCount = graph.inputs.length;
  for (let i = emitted.length - 1; i >= 0; i--) {
    const e = emitted[i];
    const t = inputCount + i;
    if (branches.has(t)) b.sumBranches(e.output, branches.get(t)!);
    const fromLogits = fused.has(i);
    const grad = fromLogits && e.activation ? b.gradOf(e.activation.logits) : b.gradOf(e.output);
    const node = graph.nodes[i];
    const needInput = node.inputs.some((input) => b.needsGrad(tensors[input]));
    e.backward(b, grad, fromLogits, needInput);
  }

  emitUpdate(b, optimizer);
  fuseBiasActivation(b.forward);
  const output = single
    ? outs[0].pred
    : packOutputs(
        b,
        outs.map((o) => o.pred),
      );
  poolBeforeRelu(b, output);
  fuseConvReluPool(b, output);
  return {
    version: TAPE_VERSION,
    buffers: b.buffers,
    arena: { params: arena.data.length, slotCount: SLOT_COUNT[optimizer.kind], state: arena.state.length },
    x,
    y,
    output,
    results,
    forward: b.forward,
    loss: b.loss,
    metrics: b.metrics,
    backward: b.backward,
    update: b.update,
  };
}

/** The model inputs' buffers: x itself for one input; for several, x holds them side by side
 *  (each row: input 0's values, input 1's, …) and each is copied out of it. */
function modelInputs(b: TapeBuilder, graph: TapeGraph): number[] {
  if (graph.inputs.length === 1) return [b.batched(graph.inputs[0].name, 'x', graph.inputs[0].shape)];
  const widths = graph.inputs.map((i) => i.shape.reduce((a, c) => a * c, 1));
  const xCols = widths.reduce((a, c) => a + c, 0);
  const x = b.batched('x', 'x', [xCols]);
  let xOffset = 0;
  return graph.inputs.map((input, i) => {
    const id = b.batched(input.name, 'activation', input.shape);
    b.constant(id);
    b.fwd('copyColumns', [id, x], {
      rows: ROWS,
      n: widths[i],
      xCols,
      xOffset,
      outCols: widths[i],
      outOffset: 0,
      accumulate: false,
    });
    xOffset += widths[i];
    return id;
  });
}

interface OutputLoss {
  /** The buffer the loss reads (the output, or its branch). */
  pred: number;
  y: number;
  /** The node whose final activation the loss fused (-1: none). */
  fusedNode: number;
  /** The call whose value is this output's (unweighted) loss. */
  valueCall: TapeCall;
}

/** The loss of output k (tensor t, read as `pred`): fused with the final activation when they
 *  match and nothing else reads the output (the stable p − y gradient). With several outputs, y
 *  holds their targets side by side and each is copied out of it; the total loss weighs each.
 *  `w` ≥ 0: the sample weights buffer, read by the weighted kernels (-1: none). */
function emitLoss(
  b: TapeBuilder,
  graph: TapeGraph,
  emitted: Emitted[],
  t: number,
  pred: number,
  y: number,
  w: number,
  o: OutputSettings,
): OutputLoss {
  const node = t - graph.inputs.length;
  const width = b.width(pred);
  const sparse = o.loss === 'sparseCategoricalCrossentropy';
  const e = emitted[node];
  const alone = pred === e.output;
  const fused = alone && e.activation ? fusable(e.activation.fn, o.loss) : null;
  const attrs = { rows: ROWS, cols: width };
  const total = { index: 0, reduce: 'mean' as const, ...(o.weight === 1 ? {} : { scale: o.weight }) };
  const several = graph.outputs.length > 1;
  // Sample weights: the weighted twin of each loss kernel, the weights as its last argument.
  const weighted = w >= 0;
  const kernel = (name: string) => (weighted ? `weighted${name[0].toUpperCase()}${name.slice(1)}` : name);
  const withW = (args: number[]) => (weighted ? [...args, w] : args);
  if (fused && e.activation) {
    e.activation.call.when = ['predict'];
    const logits = e.activation.logits;
    const fusedAttrs = fused === 'softmaxXent' ? { ...attrs, sparse } : attrs;
    const train = b.call(b.loss, kernel(fused), withW([pred, b.gradOf(logits), logits, y]), fusedAttrs, ['train']);
    train.result = total;
    b.call(b.loss, kernel(fused), withW([pred, -1, logits, y]), fusedAttrs, ['eval']).result = total;
    if (o.weight !== 1) scaleGrad(b, b.gradOf(logits), width, o.weight);
    // Several outputs: the output's own loss, from the probabilities the fused call wrote.
    const valueCall = several
      ? b.call(b.loss, kernel('loss'), withW([pred, y]), { ...attrs, loss: o.loss }, ['train', 'eval'])
      : train;
    return { pred, y, fusedNode: node, valueCall };
  }
  const valueCall = b.call(b.loss, kernel('loss'), withW([pred, y]), { ...attrs, loss: o.loss }, ['train', 'eval']);
  valueCall.result = total;
  const grad = () =>
    b.call(b.loss, kernel('lossGrad'), withW([b.gradOf(pred), pred, y]), { ...attrs, loss: o.loss }, ['train']);
  if (several) {
    // The weighted term goes into the total; a second call reports the output's own loss.
    const own = b.call(b.loss, kernel('loss'), withW([pred, y]), { ...attrs, loss: o.loss }, ['train', 'eval']);
    grad();
    if (o.weight !== 1) scaleGrad(b, b.gradOf(pred), width, o.weight);
    return { pred, y, fusedNode: -1, valueCall: own };
  }
  grad();
  return { pred, y, fusedNode: -1, valueCall };
}

/** g *= weight, as g += (weight − 1)·g (axpy reads and writes each element once). */
function scaleGrad(b: TapeBuilder, g: number, width: number, weight: number): void {
  b.call(b.loss, 'axpy', [g, g], { n: { rows: width }, alpha: weight - 1 }, ['train']);
}

/** The targets of each output: y itself for one output; for several, y holds them side by side
 *  (each row: output 0's targets, output 1's, …) and each is copied out of it for the loss. With
 *  sampleWeights, each row of y ends with the row's weight, copied out too (weights; else -1). */
function targetBuffers(
  b: TapeBuilder,
  preds: number[],
  outputs: readonly OutputSettings[],
  sampleWeights: boolean,
): { ys: number[]; weights: number } {
  const shapes = preds.map((p, k) => (outputs[k].loss === 'sparseCategoricalCrossentropy' ? [] : b.shape(p).slice(1)));
  if (preds.length === 1 && !sampleWeights) return { ys: [b.batched('y', 'y', shapes[0])], weights: -1 };
  const widths = shapes.map((shape) => shape.reduce((a, c) => a * c, 1));
  const targets = widths.reduce((a, c) => a + c, 0);
  const xCols = targets + (sampleWeights ? 1 : 0);
  const y = b.batched('y', 'y', [xCols]);
  const copy = (id: number, n: number, xOffset: number) => {
    const attrs = { rows: ROWS, n, xCols, xOffset, outCols: n, outOffset: 0, accumulate: false };
    b.call(b.loss, 'copyColumns', [id, y], attrs, ['train', 'eval']);
  };
  let xOffset = 0;
  const ys = shapes.map((shape, k) => {
    const id = b.batched(`${outputs[k].name || 'output'}/target`, 'activation', shape);
    copy(id, widths[k], xOffset);
    xOffset += widths[k];
    return id;
  });
  if (!sampleWeights) return { ys, weights: -1 };
  const weights = b.batched('sampleWeight', 'activation', []);
  copy(weights, 1, targets);
  return { ys, weights };
}

/** One metric of one output (result slot `index`). */
function emitMetric(
  b: TapeBuilder,
  metric: MetricName,
  output: number,
  y: number,
  loss: TapeLoss,
  index: number,
): void {
  const sparse = loss === 'sparseCategoricalCrossentropy';
  const attrs = { rows: ROWS, cols: b.width(output) };
  const result = { index, reduce: 'sum' as const };
  if (metric === 'accuracy' && (sparse || loss === 'categoricalCrossentropy')) {
    const argPred = b.batched('argmax(pred)', 'scratch', [], 'int32');
    const argTrue = b.batched('argmax(target)', 'scratch', [], 'int32');
    b.call(b.metrics, 'argmaxAccuracy', [output, y, argPred, argTrue], { ...attrs, sparse }).result = result;
  } else {
    // accuracy: 0.5 on probabilities and 0 on logits for binary losses, exact match otherwise.
    const binary = loss === 'binaryCrossentropy' || loss === 'binaryCrossentropyFromLogits';
    const kind = metric === 'accuracy' ? (binary ? 'threshold' : 'exact') : metric;
    const threshold = loss === 'binaryCrossentropyFromLogits' ? 0 : 0.5;
    b.call(b.metrics, 'rowMeanMetric', [output, y], { ...attrs, metric: kind, threshold, sparse }).result = result;
  }
}

/** Several outputs: predict writes them side by side into one buffer (each row: output 0's
 *  values, output 1's, …). */
function packOutputs(b: TapeBuilder, outputs: number[]): number {
  const widths = outputs.map((o) => b.width(o));
  const outCols = widths.reduce((a, c) => a + c, 0);
  const packed = b.batched('outputs', 'activation', [outCols]);
  let outOffset = 0;
  outputs.forEach((o, k) => {
    const attrs = { rows: ROWS, n: widths[k], xCols: widths[k], xOffset: 0, outCols, outOffset, accumulate: false };
    b.fwd('copyColumns', [packed, o], attrs, ['predict']);
    outOffset += widths[k];
  });
  return packed;
}

/** Update: one optimizer call per parameter. */
function emitUpdate(b: TapeBuilder, o: OptimizerSettings): void {
  const slotCount = SLOT_COUNT[o.kind];
  for (const p of b.params) {
    if (b.frozenParams.has(p)) continue;
    const n = b.width(p);
    // Clipping acts on the whole gradient (regularization included), before the update, as Keras.
    if (o.clipnorm > 0) b.call(b.update, 'clipNorm', [b.gradOf(p)], { n, maxNorm: o.clipnorm });
    if (o.clipvalue > 0) b.call(b.update, 'clipValue', [b.gradOf(p)], { n, value: o.clipvalue });
    const slots = Array.from({ length: slotCount }, (_, k) => b.slot(p, k));
    const args = [p, b.gradOf(p), ...slots];
    switch (o.kind) {
      case 'sgd':
        b.call(b.update, 'sgd', args, { n });
        break;
      case 'momentum':
        b.call(b.update, 'momentum', args, { n, momentum: o.momentum, nesterov: o.nesterov });
        break;
      case 'adam':
      case 'adamw':
        b.call(b.update, 'adam', args, {
          n,
          beta1: o.beta1,
          beta2: o.beta2,
          epsilon: o.epsilon,
          weightDecay: o.kind === 'adamw' ? o.weightDecay : 0,
        });
        break;
      case 'rmsprop':
        b.call(b.update, 'rmsprop', args, { n, rho: o.rho, momentum: o.momentum, epsilon: o.epsilon });
        break;
      case 'adagrad':
        b.call(b.update, 'adagrad', args, { n, epsilon: o.epsilon });
        break;
    }
  }
}

/** addBias(z, bias) then an unconditional elementwise activation(out, z) → biasActivation(out, z, bias). */
function fuseBiasActivation(calls: TapeCall[]): void {
  for (let i = 0; i + 1 < calls.length; i++) {
    const a = calls[i];
    const next = calls[i + 1];
    if (a.kernel !== 'addBias' || next.kernel !== 'activation' || a.when || next.when) continue;
    if (next.args[1] !== a.args[0]) continue;
    calls.splice(i, 2, {
      kernel: 'biasActivation',
      args: [next.args[0], a.args[0], a.args[1]],
      attrs: { rows: a.attrs.rows, cols: a.attrs.cols, fn: next.attrs.fn, alpha: next.attrs.alpha },
    });
  }
}

/**
 * Relu then max pooling → max pooling then relu. Max commutes with adding a per-channel bias and
 * with relu (both non-decreasing), so pooling the pre-activation z and applying bias + relu to the
 * pooled values gives the same outputs, while the bias and relu passes, the relu gradient and the
 * bias gradient's column sums run over the pooled values (a quarter of them for a 2×2 pool)
 * instead of the whole convolution output. Rewrites
 *   forward   biasActivation(out, z, bias?, relu); maxPool2d(p, argmax, out)
 *   backward  maxPool2dGrad(dOut, dp, argmax) … activationGrad(dz, dOut, z, out, relu) … columnSums(dB, dz)
 * (activation(out, z, relu) without a bias) into
 *   forward   maxPool2d(q, argmax, z); biasActivation(p, q, bias?, relu)
 *   backward  activationGrad(dq, dp, q, p, relu) … maxPool2dGrad(dz, dq, argmax) … columnSums(dB, dq)
 * where q and dq are out and dOut (read by nothing else) at the pooled shape. Only when the
 * biggest biased values of a window tie by rounding (z₁ < z₂ but z₁ + b = z₂ + b) can the
 * gradient go to another cell of the tie than in the unfused order.
 */
function poolBeforeRelu(b: TapeBuilder, output: number): void {
  const sections = [b.forward, b.loss, b.metrics, b.backward, b.update];
  const uses = (id: number) => sections.flatMap((calls) => calls.filter((c) => c.args.includes(id)));
  const aliased = (id: number) => b.buffers[id].alias >= 0 || b.buffers.some((buf) => buf.alias === id);
  const rowsOf = (size: AttrValue | undefined) =>
    typeof size === 'object' && size !== null && 'rows' in size ? size.rows : -1;
  const f = b.forward;
  for (let i = 0; i + 1 < f.length; i++) {
    const act = f[i];
    const pool = f[i + 1];
    if (act.when || pool.when || pool.kernel !== 'maxPool2d' || act.attrs.fn !== 'relu') continue;
    if (act.kernel !== 'biasActivation' && act.kernel !== 'activation') continue;
    const [out, z] = act.args;
    const bias = act.kernel === 'biasActivation' ? act.args[2] : -1;
    const [p, argmax] = pool.args;
    if (pool.args[2] !== out || out === z || out === output || aliased(out) || aliased(z)) continue;
    const grad = b.backward.find((c) => c.kernel === 'activationGrad' && c.args[3] === out);
    const poolGrad = grad && b.backward.find((c) => c.kernel === 'maxPool2dGrad' && c.args[0] === grad.args[1]);
    if (!grad || !poolGrad || grad.when || poolGrad.when || grad.attrs.fn !== 'relu') continue;
    const [dz, dOut, gradX] = grad.args;
    const dp = poolGrad.args[1];
    const j = b.backward.indexOf(poolGrad);
    const k = b.backward.indexOf(grad);
    if (gradX !== z || poolGrad.args[2] !== argmax || poolGrad.attrs.accumulate !== false || j > k) continue;
    if (aliased(dOut) || aliased(dz) || b.width(dp) !== b.width(p)) continue;
    // out and dOut are read by these calls alone; dz is written by the relu gradient alone; z is
    // only written before (its convolution), so nothing sees it without the bias the fused call added.
    const only = (id: number, calls: TapeCall[]) => uses(id).every((c) => calls.includes(c));
    if (!only(out, [act, pool, grad]) || !only(dOut, [poolGrad, grad])) continue;
    if (uses(dz).some((c) => c !== grad && c.args[0] === dz)) continue;
    if (uses(z).some((c) => c !== act && c !== grad && !(c.args[0] === z && f.indexOf(c) >= 0 && f.indexOf(c) < i)))
      continue;
    const channels = Number(pool.attrs.channels);
    const sums = b.backward.filter((c) => c.kernel === 'columnSums' && c.args[1] === dz);
    if (!sums.every((c) => c.attrs.cols === channels && rowsOf(c.attrs.rows) * channels === b.width(z))) continue;
    if (act.kernel === 'biasActivation' && rowsOf(act.attrs.rows) * Number(act.attrs.cols) !== b.width(z)) continue;

    const pooledRows = { rows: b.width(p) / channels };
    for (const [id, like] of [
      [out, p],
      [dOut, dp],
    ]) {
      const buf = b.buffers[id];
      buf.name = `${buf.name} (pooled)`;
      buf.shape = [...b.shape(like)];
      buf.width = b.width(like);
    }
    f[i] = { kernel: 'maxPool2d', args: [out, argmax, z], attrs: pool.attrs };
    f[i + 1] =
      act.kernel === 'biasActivation'
        ? { kernel: 'biasActivation', args: [p, out, bias], attrs: { ...act.attrs, rows: pooledRows } }
        : { kernel: 'activation', args: [p, out], attrs: { ...act.attrs, n: { rows: b.width(p) } } };
    b.backward[j] = {
      kernel: 'activationGrad',
      args: [dOut, dp, out, p],
      attrs: { ...grad.attrs, n: { rows: b.width(p) } },
    };
    b.backward[k] = { kernel: 'maxPool2dGrad', args: [dz, dOut, argmax], attrs: poolGrad.attrs };
    for (const c of sums) {
      c.args[1] = dOut;
      c.attrs.rows = pooledRows;
    }
  }
}

/**
 * A first convolution layer (no input gradient) with a small patch, its bias and relu, and a max
 * pooling whose windows tile it (stride = window, 'valid') → one conv2dReluPool call forward and
 * one conv2dReluPoolGrad backward (src/backend/js/conv-relu-pool.ts). Rewrites poolBeforeRelu's
 *   forward   conv2d(z, x, W, col); maxPool2d(q, argmax, z); biasActivation(p, q, B?, relu)
 *   backward  activationGrad(dq, dp, q, p, relu) … maxPool2dGrad(dz, dq, argmax) … conv2dGradFilter(dW, x, dz, col)
 *             [fill(dB)] columnSums(dB, dq)
 * into
 *   forward   conv2dReluPool(p, argmax, x, W, B?, rows)
 *   backward  conv2dReluPoolGrad(dW, dB?, x, dp, p, argmax)
 * so the convolution's output (and its gradient) is never written: the native kernel computes a
 * window's rows of z in a cache-sized scratch and keeps only the pooled values and each max's
 * place (native/kernels/conv_pool.h). z, dz, q and dq are then read by nothing and shrink to
 * width 0; col becomes that scratch (`rows`: poolH rows of z per image). The same values as the
 * rewritten calls (the relu's gradient from p > 0, which is q + b > 0). Patches of at most 32
 * values (kH·kW·inC: a first layer over 1–3 channels), where the native convolution takes its
 * direct loops anyway. A layer applied twice with a bias keeps the unfused calls (its bias
 * gradient has several writers). NATIVENN_FUSE_CONV_POOL=0 in the environment turns the fusion
 * off (tests compare the two tapes).
 */
const MAX_FUSED_PATCH = 32;
function fuseConvReluPool(b: TapeBuilder, output: number): void {
  if (typeof process !== 'undefined' && process.env?.NATIVENN_FUSE_CONV_POOL === '0') return;
  const sections = [b.forward, b.loss, b.metrics, b.backward, b.update];
  const uses = (id: number) => sections.flatMap((calls) => calls.filter((c) => c.args.includes(id)));
  const aliased = (id: number) => b.buffers[id].alias >= 0 || b.buffers.some((buf) => buf.alias === id);
  const onlyIn = (id: number, calls: (TapeCall | undefined)[]) => uses(id).every((c) => calls.includes(c));
  const f = b.forward;
  for (let i = 0; i + 2 < f.length; i++) {
    const [conv, pool, act] = [f[i], f[i + 1], f[i + 2]];
    if (conv.kernel !== 'conv2d' || pool.kernel !== 'maxPool2d' || conv.when || pool.when || act.when) continue;
    if ((act.kernel !== 'biasActivation' && act.kernel !== 'activation') || act.attrs.fn !== 'relu') continue;
    const [z, x, W, col] = conv.args;
    const [q, argmax] = pool.args;
    const [p] = act.args;
    const B = act.kernel === 'biasActivation' ? act.args[2] : -1;
    if (pool.args[2] !== z || act.args[1] !== q || p === q || q === output) continue;
    const c = conv.attrs;
    const num = (v: AttrValue) => Number(v);
    const [kH, kW, poolH, poolW] = [num(c.kH), num(c.kW), num(pool.attrs.kH), num(pool.attrs.kW)];
    if (kH * kW * num(c.inC) > MAX_FUSED_PATCH) continue;
    const convH = num(pool.attrs.inH);
    const convW = num(pool.attrs.inW);
    const tiles =
      pool.attrs.strideH === poolH &&
      pool.attrs.strideW === poolW &&
      ['padTop', 'padBottom', 'padLeft', 'padRight'].every((k) => pool.attrs[k] === 0) &&
      pool.attrs.channels === c.outC &&
      b.width(z) === convH * convW * num(c.outC) &&
      b.width(q) === Math.floor(convH / poolH) * Math.floor(convW / poolW) * num(c.outC);
    if (!tiles) continue;
    const bw = b.backward;
    const ag = bw.find((k) => k.kernel === 'activationGrad' && k.args[2] === q && k.args[3] === p);
    const pg = ag && bw.find((k) => k.kernel === 'maxPool2dGrad' && k.args[1] === ag.args[0]);
    const cg = pg && bw.find((k) => k.kernel === 'conv2dGradFilter' && k.args[2] === pg.args[0]);
    if (!ag || !pg || !cg || ag.when || pg.when || cg.when || ag.attrs.fn !== 'relu') continue;
    const [dq, dp] = ag.args;
    const dz = pg.args[0];
    const dW = cg.args[0];
    if (pg.args[2] !== argmax || pg.attrs.accumulate !== false || cg.args[1] !== x || cg.args[3] !== col) continue;
    const order = [ag, pg, cg].map((k) => bw.indexOf(k));
    if (!(order[0] < order[1] && order[1] < order[2])) continue;
    if ([z, dz, q, dq, col, argmax].some(aliased)) continue;
    // The bias gradient: columnSums(dB, dq), after a fill of dB when dW is overwritten (its first
    // write), without one when both accumulate (a layer applied twice).
    const accumulate = cg.attrs.accumulate === true;
    const sums = bw.filter((k) => k.kernel === 'columnSums' && k.args[1] === dq);
    let dB = -1;
    let fill: TapeCall | undefined;
    if (B >= 0) {
      if (sums.length !== 1 || sums[0].when) continue;
      dB = sums[0].args[0];
      const writes = bw.filter((k) => k.args[0] === dB);
      fill = writes.find((k) => k.kernel === 'fill' && k.attrs.value === 0 && !k.when);
      const fillsFirst = fill !== undefined && bw.indexOf(fill) < bw.indexOf(sums[0]);
      if (writes.length !== (accumulate ? 1 : 2) || (!accumulate && !fillsFirst)) continue;
      if (bw.indexOf(sums[0]) < order[0]) continue;
    } else if (sums.length > 0) continue;
    // z, dz, q, dq, col and argmax are read by these calls alone.
    if (!onlyIn(z, [conv, pool]) || !onlyIn(dz, [pg, cg]) || !onlyIn(col, [conv, cg])) continue;
    if (!onlyIn(q, [pool, act, ag]) || !onlyIn(dq, [ag, pg, ...sums]) || !onlyIn(argmax, [pool, pg])) continue;

    const { rows, ...dims } = c;
    const attrs = { rows, ...dims, poolH, poolW };
    f.splice(i, 3, { kernel: 'conv2dReluPool', args: [p, argmax, x, W, B, col], attrs });
    bw[order[2]] = { kernel: 'conv2dReluPoolGrad', args: [dW, dB, x, dp, p, argmax], attrs: { ...attrs, accumulate } };
    const dropped = new Set([ag, pg, fill, ...sums]);
    bw.splice(0, bw.length, ...bw.filter((k) => !dropped.has(k)));
    for (const id of [z, dz, q, dq]) {
      const buf = b.buffers[id];
      buf.name = `${buf.name} (fused away)`;
      buf.shape = [-1, 0];
      buf.width = 0;
    }
    // The columns become the kernel's scratch: poolH rows of the convolution per image.
    const scratch = b.buffers[col];
    scratch.name = scratch.name.replace(/columns$/, 'rows');
    scratch.shape = [-1, poolH, Math.floor(convW / poolW) * poolW, num(c.outC)];
    scratch.width = poolH * Math.floor(convW / poolW) * poolW * num(c.outC);
  }
}
