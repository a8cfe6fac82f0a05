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

  /** A trainable parameter: `values` must be a view into the arena. Registered for the update. */
  param(name: string, values: Float32Array, shape: number[]): number {
    const id = this.add({
      name,
      role: 'param',
      dtype: 'float32',
      shape,
      width: values.length,
      offset: this.offsetOf(values),
    });
    this.params.push(id);
    return id;
  }

  /** Non-trainable state a kernel reads and writes (moving statistics): `values` must be a view of
   *  the arena's state part. No gradient, no optimizer. */
  state(name: string, values: Float32Array, shape: number[]): number {
    if (values.buffer !== this.arena.state.buffer)
      throw new Error('tape builder: a layer state is not a view of the model arena');
    const offset = (values.byteOffset - this.arena.state.byteOffset) / 4;
    return this.add({ name, role: 'state', dtype: 'float32', shape, width: values.length, offset });
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
    if (l1 === 0 && l2 === 0) return;
    const n = this.width(param);
    const c = this.call(this.loss, 'regularization', [param], { n, l1, l2 }, ['train', 'eval']);
    c.result = { index: 0, reduce: 'once' };
  }
  regularizeGrad(param: number, l1: number, l2: number): void {
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
  const b = new TapeBuilder(arena);
  const x = b.batched('x', 'x', s.inputShape);
  let cur = x;
  const emitted: Emitted[] = [];
  layers.forEach((layer, i) => {
    const e = layer.emit(b, cur, seeds[i]);
    emitted.push(e);
    cur = e.output;
  });
  const output = cur;
  const outWidth = b.width(output);
  const sparse = s.loss === 'sparseCategoricalCrossentropy';
  const y = b.batched('y', 'y', sparse ? [] : b.shape(output).slice(1));

  // Loss: fused with the final activation when they match (the stable p − y gradient).
  const last = emitted[emitted.length - 1];
  const fused = last.activation ? fusable(last.activation.fn, s.loss) : null;
  const lossAttrs = { rows: ROWS, cols: outWidth };
  if (fused && last.activation) {
    last.activation.call.when = ['predict'];
    const logits = last.activation.logits;
    const attrs = fused === 'softmaxXent' ? { ...lossAttrs, sparse } : lossAttrs;
    b.call(b.loss, fused, [output, b.gradOf(logits), logits, y], attrs, ['train']).result = {
      index: 0,
      reduce: 'mean',
    };
    b.call(b.loss, fused, [output, -1, logits, y], attrs, ['eval']).result = { index: 0, reduce: 'mean' };
  } else {
    b.call(b.loss, 'loss', [output, y], { ...lossAttrs, loss: s.loss }, ['train', 'eval']).result = {
      index: 0,
      reduce: 'mean',
    };
    b.call(b.loss, 'lossGrad', [b.gradOf(output), output, y], { ...lossAttrs, loss: s.loss }, ['train']);
  }
  // The regularization terms the layers registered while emitting come after the data loss.
  const regs = b.loss.filter((c) => c.kernel === 'regularization');
  const data = b.loss.filter((c) => c.kernel !== 'regularization');
  b.loss.splice(0, b.loss.length, ...data, ...regs);

  s.metrics.forEach((metric, m) => {
    const result = { index: 1 + m, reduce: 'sum' as const };
    if (metric === 'accuracy' && (sparse || s.loss === 'categoricalCrossentropy')) {
      const argPred = b.batched('argmax(pred)', 'scratch', [], 'int32');
      const argTrue = b.batched('argmax(target)', 'scratch', [], 'int32');
      b.call(b.metrics, 'argmaxAccuracy', [output, y, argPred, argTrue], { ...lossAttrs, sparse }).result = result;
    } else {
      // accuracy: 0.5 on probabilities and 0 on logits for binary losses, exact match otherwise.
      const binary = s.loss === 'binaryCrossentropy' || s.loss === 'binaryCrossentropyFromLogits';
      const kind = metric === 'accuracy' ? (binary ? 'threshold' : 'exact') : metric;
      const threshold = s.loss === 'binaryCrossentropyFromLogits' ? 0 : 0.5;
      b.call(b.metrics, 'rowMeanMetric', [output, y], { ...lossAttrs, metric: kind, threshold, sparse }).result =
        result;
    }
  });

  // Backward: each layer's declared calls, last layer first.
  for (let i = emitted.length - 1; i >= 0; i--) {
    const e = emitted[i];
    const fromLogits = i === emitted.length - 1 && fused !== null;
    const grad = fromLogits && e.activation ? b.gradOf(e.activation.logits) : b.gradOf(e.output);
    e.backward(b, grad, fromLogits, i > 0);
  }

  // Update: one optimizer call per parameter.
  const o = s.optimizer;
  const slotCount = SLOT_COUNT[o.kind];
  for (const p of b.params) {
    const n = b.width(p);
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

  fuseBiasActivation(b.forward);
  return {
    version: TAPE_VERSION,
    buffers: b.buffers,
    arena: { params: arena.data.length, slotCount, state: arena.state.length },
    x,
    y,
    output,
    results: ['loss', ...s.metrics],
    forward: b.forward,
    loss: b.loss,
    metrics: b.metrics,
    backward: b.backward,
    update: b.update,
  };
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
