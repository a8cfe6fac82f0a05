/**
 * Layers around layers, and sequence plumbing (TensorFlow.js names and file forms):
 * - Bidirectional: a recurrent layer run forward and (a copy) backward over the same input, the two
 *   outputs merged ('concat' by default, 'sum', 'mul', 'ave'); with returnSequences the backward
 *   outputs are put back in input order first, as Keras does. Weights: the forward layer's, then
 *   the backward one's.
 * - TimeDistributed: a layer applied to every step of [batch, time, ...]; nativenn's Dense,
 *   Activation and Dropout already act on the last axis, so those are what it wraps.
 * - RepeatVector: [batch, features] → [batch, n, features].
 * The copies between them are `copyColumns` calls (src/graph/tape.ts).
 */

import { checkSetting } from '../config/ranges';
import type { Arena } from '../graph/arena';
import type { Emitted, TapeBuilder } from '../graph/builder';
import type { KerasObject } from '../io/format';
import { ModelFileError, type StrictObject } from '../io/strict';
import { decodeNestedLayer } from '../io/topology';
import { checkOptions, deriveSeed, positiveInt, str } from '../model/options';
import { Dense } from './dense';
import { BASE_ARGS, Layer, type LayerArgs } from './layer';
import { Recurrent } from './recurrent';
import { type FromFileBase, registerLayer, type ToFileContext } from './registry';
import { formatShape, type Shape, type WeightSpec } from './shape';
import { Activation, Dropout } from './simple';

/** out[r, outOffset + j] (+)= x[r, xOffset + j] for j < n over `rows` per batch row. */
function copyColumns(
  b: TapeBuilder,
  backward: boolean,
  out: number,
  x: number,
  a: {
    rows: number;
    n: number;
    xCols: number;
    xOffset: number;
    outCols: number;
    outOffset: number;
    accumulate: boolean;
  },
): void {
  const attrs = { ...a, rows: { rows: a.rows } };
  if (backward) b.bwd('copyColumns', [out, x], attrs);
  else b.fwd('copyColumns', [out, x], attrs);
}

/** Reverses the time axis of (rows, T, U) into out (forward) or accumulates it (backward). */
function reverseTime(b: TapeBuilder, backward: boolean, out: number, x: number, T: number, U: number): void {
  for (let t = 0; t < T; t++)
    copyColumns(b, backward, out, x, {
      rows: 1,
      n: U,
      xCols: T * U,
      xOffset: t * U,
      outCols: T * U,
      outOffset: (T - 1 - t) * U,
      accumulate: false,
    });
}

/** A layer whose weights are those of the layers inside it, in order. */
abstract class Wrapper extends Layer {
  protected abstract inner(): Layer[];
  override weights(): Float32Array[] {
    for (const l of this.inner()) l.weights();
    return this.values;
  }
  override get weightArena(): Arena | null {
    return this.inner()[0].weightArena;
  }
  override adoptArena(arena: Arena, at: { params: number; state: number }): void {
    for (const l of this.inner()) l.adoptArena(arena, at);
    this.values = this.inner().flatMap((l) => l.arenaViews());
  }
}

export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave';
const MERGE_MODES: readonly MergeMode[] = ['concat', 'sum', 'mul', 'ave'];

export interface BidirectionalArgs extends LayerArgs {
  layer: Recurrent;
  mergeMode?: MergeMode;
}

export class Bidirectional extends Wrapper {
  readonly className = 'Bidirectional';
  readonly namePrefix = 'bidirectional';
  readonly forwardLayer: Recurrent;
  readonly backwardLayer: Recurrent;
  readonly mergeMode: MergeMode;

  constructor(args: BidirectionalArgs) {
    const fn = 'bidirectional';
    const o = checkOptions(fn, args, [...BASE_ARGS, 'layer', 'mergeMode']);
    const layer = o.layer;
    if (!(layer instanceof Recurrent))
      throw new TypeError(`${fn}: layer must be a recurrent layer (simpleRNN, lstm, gru)`);
    const given = ['inputShape', 'inputDim', 'batchInputShape'].some((k) => o[k] !== undefined);
    super(fn, !given && layer.batchInputShape ? { ...o, batchInputShape: layer.batchInputShape } : o);
    if (o.mergeMode === null)
      throw new RangeError(`${fn}: mergeMode null (two outputs) needs multi-output models, not supported yet`);
    const mode = o.mergeMode === undefined ? 'concat' : str(fn, 'mergeMode', o.mergeMode);
    if (!(MERGE_MODES as readonly string[]).includes(mode))
      throw new RangeError(`${fn}: mergeMode must be one of ${MERGE_MODES.join(', ')}, got "${mode}"`);
    this.mergeMode = mode as MergeMode;
    const innerName = layer.name ?? layer.namePrefix;
    this.backwardLayer = layer.reversedCopy(`backward_${innerName}`);
    this.forwardLayer = layer;
    layer.name = `forward_${innerName}`;
  }

  protected inner(): Layer[] {
    return [this.forwardLayer, this.backwardLayer];
  }

  override computeOutputShape(inputShape: Shape): Shape {
    const shape = this.forwardLayer.computeOutputShape(inputShape);
    if (this.mergeMode !== 'concat') return shape;
    return [...shape.slice(0, -1), 2 * (shape[shape.length - 1] as number)];
  }
  override weightSpecs(inputShape: Shape): WeightSpec[] {
    return [...this.forwardLayer.weightSpecs(inputShape), ...this.backwardLayer.weightSpecs(inputShape)];
  }
  override weightNames(): string[] {
    return this.inner().flatMap((l) => l.weightNames().map((n) => `${l.name}/${n}`));
  }
  override build(inputShape: Shape | number, seed?: number): void {
    this.forwardLayer.build(inputShape, seed === undefined ? undefined : deriveSeed(seed, 0));
    this.backwardLayer.build(inputShape, seed === undefined ? undefined : deriveSeed(seed, 1));
    this.values = this.inner().flatMap((l) => l.arenaViews());
  }

  emit(b: TapeBuilder, input: number, seed: number): Emitted {
    const name = this.name ?? this.namePrefix;
    this.build([null, ...b.shape(input).slice(1)], seed);
    const fwd = this.forwardLayer.emit(b, input, deriveSeed(seed, 0));
    const bwd = this.backwardLayer.emit(b, input, deriveSeed(seed, 1));
    const seqs = this.forwardLayer.returnSequences;
    const U = this.forwardLayer.units;
    const T = b.shape(input)[1];
    const steps = seqs ? T : 1;
    const perRow = seqs ? [T] : [];
    let back = bwd.output;
    if (seqs) {
      back = b.batched(`${name}/backward_in_order`, 'activation', [T, U]);
      reverseTime(b, false, back, bwd.output, T, U);
    }
    const mode = this.mergeMode;
    const out = b.batched(`${name}/out`, 'activation', [...perRow, mode === 'concat' ? 2 * U : U]);
    const n = { rows: steps * U };
    const half = (offset: number) => ({
      rows: steps,
      n: U,
      xCols: U,
      xOffset: 0,
      outCols: 2 * U,
      outOffset: offset,
      accumulate: false,
    });
    if (mode === 'concat') {
      copyColumns(b, false, out, fwd.output, half(0));
      copyColumns(b, false, out, back, half(U));
    } else if (mode === 'mul') {
      b.fwd('mul', [out, fwd.output, back], { n });
    } else {
      const w = mode === 'ave' ? 0.5 : 1;
      b.fwd('fill', [out], { n, value: 0 });
      b.fwd('axpy', [out, fwd.output], { n, alpha: w });
      b.fwd('axpy', [out, back], { n, alpha: w });
    }
    return {
      output: out,
      backward(b, grad, _fromLogits, needInput) {
        const dF = b.gradOf(fwd.output);
        const dBack = b.gradOf(back);
        b.firstWrite(dF);
        b.firstWrite(dBack);
        if (mode === 'concat') {
          const slice = (offset: number) => ({
            rows: steps,
            n: U,
            xCols: 2 * U,
            xOffset: offset,
            outCols: U,
            outOffset: 0,
            accumulate: false,
          });
          copyColumns(b, true, dF, grad, slice(0));
          copyColumns(b, true, dBack, grad, slice(U));
        } else if (mode === 'mul') {
          b.bwd('mul', [dF, grad, back], { n });
          b.bwd('mul', [dBack, grad, fwd.output], { n });
        } else {
          const w = mode === 'ave' ? 0.5 : 1;
          for (const d of [dF, dBack]) {
            b.bwd('fill', [d], { n, value: 0 });
            b.bwd('axpy', [d, grad], { n, alpha: w });
          }
        }
        let dB = dBack;
        if (seqs) {
          dB = b.gradOf(bwd.output);
          b.firstWrite(dB);
          reverseTime(b, true, dB, dBack, T, U);
        }
        fwd.backward(b, dF, false, needInput);
        bwd.backward(b, dB, false, needInput);
      },
    };
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), layer: this.forwardLayer.getConfig(), mergeMode: this.mergeMode };
  }

  static readonly kerasClassNames = ['Bidirectional'];
  static fromFileConfig(_className: string, c: StrictObject, base: FromFileBase): Bidirectional {
    const layer = decodeNestedLayer(c.raw('layer'), c.at('layer'));
    if (!(layer instanceof Recurrent))
      throw new ModelFileError(`${c.at('layer')}: Bidirectional wraps SimpleRNN, LSTM or GRU layers only`);
    const mode = c.raw('merge_mode') ?? null;
    if (mode === null) throw new ModelFileError(`${c.at('merge_mode')}: null (two outputs) is not supported`);
    if (typeof mode !== 'string' || !(MERGE_MODES as readonly string[]).includes(mode))
      throw new ModelFileError(`${c.at('merge_mode')} must be one of ${MERGE_MODES.join(', ')}`);
    // The inner layer's name in the file is the wrapped layer's own (tfjs and Keras 2 add forward_
    // and backward_). Keras 3 writes its forward copy (forward_<name>) and the backward one too.
    const backward = c.raw('backward_layer');
    if (backward !== undefined && backward !== null) {
      checkReversed(layer, decodeNestedLayer(backward, c.at('backward_layer')), c.at('backward_layer'));
      layer.name = (layer.name as string).replace(/^forward_/, '');
    }
    return new Bidirectional({ ...base, layer, mergeMode: mode as MergeMode });
  }
  override toFileConfigs(ctx: ToFileContext): KerasObject[] {
    const [inner] = this.forwardLayer.toFileConfigs(ctx);
    const innerName = (this.forwardLayer.name as string).replace(/^forward_/, '');
    // Only a seed given to the wrapped layer is written: both directions use it (the ones derived
    // from the model's seed per direction are not stored).
    const { seed: _derived, ...config } = inner.config as Record<string, unknown>;
    if (this.forwardLayer.seed !== null) config.seed = this.forwardLayer.seed & 0x7fffffff;
    const layer = { class_name: inner.class_name, config: { ...config, name: innerName } };
    return [{ class_name: 'Bidirectional', config: { layer, merge_mode: this.mergeMode, ...this.fileBase() } }];
  }
}

/** nativenn makes the backward layer from the forward one: a file's backward_layer (Keras 3
 *  writes one) must be that copy, reading the other way. */
function checkReversed(forward: Recurrent, backward: Layer, where: string): void {
  if (!(backward instanceof Recurrent) || backward.className !== forward.className)
    throw new ModelFileError(`${where}: must be a ${forward.className} like the forward layer`);
  const skip = (k: string) => k === 'name' || k === 'goBackwards' || k.endsWith('Initializer');
  const f = forward.getConfig();
  const b = backward.getConfig();
  if (b.goBackwards === f.goBackwards)
    throw new ModelFileError(`${where}: go_backwards must be the opposite of the forward layer's`);
  for (const k of Object.keys(f)) {
    if (!skip(k) && JSON.stringify(b[k]) !== JSON.stringify(f[k]))
      throw new ModelFileError(
        `${where}: ${k} ${JSON.stringify(b[k])} differs from the forward layer's ${JSON.stringify(f[k])} (nativenn runs the forward layer reversed)`,
      );
  }
}

export interface TimeDistributedArgs extends LayerArgs {
  layer: Layer;
}

export class TimeDistributed extends Wrapper {
  readonly className = 'TimeDistributed';
  readonly namePrefix = 'time_distributed';
  readonly layer: Layer;

  constructor(args: TimeDistributedArgs) {
    const fn = 'timeDistributed';
    const o = checkOptions(fn, args, [...BASE_ARGS, 'layer']);
    const layer = o.layer;
    if (!(layer instanceof Dense || layer instanceof Activation || layer instanceof Dropout))
      throw new TypeError(
        `${fn}: layer must be a dense, activation or dropout layer (the ones nativenn applies per step)`,
      );
    super(fn, o);
    this.layer = layer;
  }
  protected inner(): Layer[] {
    return [this.layer];
  }
  override computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length < 3)
      throw new RangeError(`${this.label}: needs [batch, time, ...] inputs, got ${formatShape(inputShape)}`);
    return this.layer.computeOutputShape(inputShape);
  }
  override weightSpecs(inputShape: Shape): WeightSpec[] {
    this.computeOutputShape(inputShape);
    return this.layer.weightSpecs(inputShape);
  }
  override weightNames(): string[] {
    return this.layer.weightNames();
  }
  override build(inputShape: Shape | number, seed?: number): void {
    if (typeof inputShape !== 'number') this.computeOutputShape(inputShape);
    this.layer.build(inputShape, seed);
    this.values = this.layer.arenaViews();
  }
  emit(b: TapeBuilder, input: number, seed: number): Emitted {
    this.computeOutputShape([null, ...b.shape(input).slice(1)]);
    this.layer.name ??= `${this.name ?? this.namePrefix}_inner`;
    const e = this.layer.emit(b, input, seed);
    this.values = this.layer.arenaViews();
    return e;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), layer: this.layer.getConfig() };
  }
  static readonly kerasClassNames = ['TimeDistributed'];
  static fromFileConfig(_className: string, c: StrictObject, base: FromFileBase): TimeDistributed {
    const layer = decodeNestedLayer(c.raw('layer'), c.at('layer'));
    if (!(layer instanceof Dense || layer instanceof Activation || layer instanceof Dropout))
      throw new ModelFileError(`${c.at('layer')}: TimeDistributed wraps Dense, Activation or Dropout layers only`);
    return new TimeDistributed({ ...base, layer });
  }
  override toFileConfigs(ctx: ToFileContext): KerasObject[] {
    // the name emit gives the wrapped layer (a model saved before its first fit has none yet)
    this.layer.name ??= `${this.name ?? this.namePrefix}_inner`;
    const [inner, ...after] = this.layer.toFileConfigs(ctx);
    // A Dense with an activation tfjs has no string for comes as Dense + its LeakyReLU / ELU
    // layer: that layer acts on each value, so it follows the TimeDistributed as it is.
    return [{ class_name: 'TimeDistributed', config: { layer: inner, ...this.fileBase() } }, ...after];
  }
}

export interface RepeatVectorArgs extends LayerArgs {
  n: number;
}

export class RepeatVector extends Layer {
  readonly className = 'RepeatVector';
  readonly namePrefix = 'repeat_vector';
  readonly n: number;
  constructor(args: RepeatVectorArgs) {
    const fn = 'repeatVector';
    const o = checkOptions(fn, args, [...BASE_ARGS, 'n']);
    super(fn, o);
    if (o.n === undefined) throw new TypeError(`${fn}: n is required (the number of repetitions)`);
    this.n = checkSetting(fn, 'n', positiveInt(fn, 'n', o.n), 'units');
  }
  override computeOutputShape(inputShape: Shape): Shape {
    const shape = super.computeOutputShape(inputShape);
    if (shape.length !== 2 || shape[1] === null)
      throw new RangeError(`${this.label}: needs [batch, features] inputs, got ${formatShape(shape)}`);
    return [shape[0], this.n, shape[1]];
  }
  emit(b: TapeBuilder, input: number): Emitted {
    const F = b.width(input);
    const n = this.n;
    const out = b.batched(`${this.name ?? this.namePrefix}/out`, 'activation', [n, F]);
    for (let i = 0; i < n; i++)
      copyColumns(b, false, out, input, {
        rows: 1,
        n: F,
        xCols: F,
        xOffset: 0,
        outCols: n * F,
        outOffset: i * F,
        accumulate: false,
      });
    return {
      output: out,
      backward(b, grad, _fromLogits, needInput) {
        if (!needInput) return;
        const dx = b.gradOf(input);
        const first = b.firstWrite(dx);
        for (let i = 0; i < n; i++)
          copyColumns(b, true, dx, grad, {
            rows: 1,
            n: F,
            xCols: n * F,
            xOffset: i * F,
            outCols: F,
            outOffset: 0,
            accumulate: i > 0 || !first,
          });
      },
    };
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), n: this.n };
  }
  static readonly kerasClassNames = ['RepeatVector'];
  static fromFileConfig(_className: string, c: StrictObject, base: FromFileBase): RepeatVector {
    return new RepeatVector({ ...base, n: c.setting('n', 'units') });
  }
  override toFileConfigs(): KerasObject[] {
    return [{ class_name: 'RepeatVector', config: { n: this.n, ...this.fileBase() } }];
  }
}

registerLayer(Bidirectional);
registerLayer(TimeDistributed);
registerLayer(RepeatVector);
