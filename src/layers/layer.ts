/**
 * Layers: configuration, validation and (for dense) the weights. A layer knows its output shape
 * from its input shape, any rank, batch dimension first ([null, ...dims], as tfjs); the Sequential
 * model chains them and compiles them into a kernel tape (emit). getConfig() is the TensorFlow.js Layers
 * form (camelCase here; the save helper maps it to model.json's snake_case), className as in tfjs
 * ('Dense', 'Dropout', 'Activation', …).
 */

import { inRange, RANGES, rangeText } from '../config/ranges';
import type { Arena } from '../graph/arena';
import type { Emitted, TapeBuilder } from '../graph/builder';
import type { KerasObject } from '../io/format';
import { bool, str } from '../model/options';
import { Random } from '../util/random';
import type { ToFileContext } from './registry';
import { checkLayerShape, type Shape, type WeightSpec } from './shape';
import { applyLayer, type SymbolicTensor } from './symbolic';

export type { Shape, WeightSpec } from './shape';

export interface LayerArgs {
  name?: string;
  trainable?: boolean;
  /** Shape of one sample for the first layer, without the batch dimension, any rank: [features],
   *  [time, features], [height, width, channels] (Keras inputShape). */
  inputShape?: (number | null)[];
  /** Same as inputShape: [inputDim] (tfjs inputDim). */
  inputDim?: number;
  /** inputShape with the batch dimension first: [null, ...inputShape] (tfjs batchInputShape). */
  batchInputShape?: (number | null)[];
}

export const BASE_ARGS = ['name', 'trainable', 'inputShape', 'inputDim', 'batchInputShape'];

export abstract class Layer {
  abstract readonly className: string;
  /** Name prefix for automatic names: dense → dense_1, dense_2 … */
  abstract readonly namePrefix: string;
  /** Set by the user or, when added to a model, to a unique `<prefix>_<k>`. */
  name: string | null;
  /** false freezes the weights: no optimizer updates them, in models compiled after the change
   *  (Keras: it takes effect at compile). They then count as non-trainable (getWeights order). */
  trainable = true;
  /** [batch, ...dims] when this layer was given an input shape (batch null: any size). */
  readonly batchInputShape: Shape | null;

  constructor(fn: string, args: Record<string, unknown>) {
    this.name = args.name === undefined ? null : str(fn, 'name', args.name);
    if (this.name !== null && !inRange(this.name.length, RANGES.nameLength)) {
      const { min, max } = RANGES.nameLength;
      throw new RangeError(`${fn}: name must have ${min} to ${max} characters, got ${this.name.length}`);
    }
    if (args.trainable !== undefined) this.trainable = bool(fn, 'trainable', args.trainable);
    this.batchInputShape = batchInputShapeOf(fn, args);
  }

  /** The input shapes of this layer's first apply() in a functional model (null before). */
  appliedInputShapes: Shape[] | null = null;

  /** Functional API (tfjs): this layer on a symbolic tensor (an array of them for a merge
   *  layer) → its output tensor. Applying a layer twice shares its weights. */
  apply(inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor {
    return applyLayer(this, inputs);
  }

  /** The output shape for an input shape [batch, ...dims]; throws a RangeError when the input does
   *  not fit this layer. The default keeps the shape (activations, dropout). */
  computeOutputShape(inputShape: Shape): Shape {
    return checkLayerShape(this.label, 'inputShape', inputShape);
  }
  /** The weights this layer makes for an input shape, in getWeights order (none by default). */
  weightSpecs(inputShape: Shape): WeightSpec[] {
    this.computeOutputShape(inputShape);
    return [];
  }
  /** Number of values in this layer's weights for an input shape, trainable or not (Keras count_params). */
  countParams(inputShape: Shape): number {
    return this.weightSpecs(inputShape).reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
  }
  /** Creates the weights for this input shape (no-op for layers without weights). The seed is the
   *  one the model derives for this layer; the layer's own initializer seeds win over it. A number
   *  is the 2-D input [null, inputSize]. */
  build(_inputShape: Shape | number, _seed?: number): void {}
  /** The weights (views into the model's arena once the model compiled its tape). */
  protected values: Float32Array[] = [];
  private arena: Arena | null = null;

  /** The weights, in the TensorFlow.js order (kernel then bias); empty when none. Newest values
   *  (pulled from an executor that trained them); the caller may write into them. */
  weights(): Float32Array[] {
    this.arena?.read();
    return this.values;
  }
  /** The arena this layer's weights live in (null before a model compiled it). */
  get weightArena(): Arena | null {
    return this.arena;
  }
  /** The weights as they are, for the tape builder (no pull, no write mark). */
  arenaViews(): Float32Array[] {
    return this.values;
  }
  /** How many of the last weights are non-trainable state (moving statistics): they live in the
   *  arena's state part, no optimizer touches them, and only kernels (not gradients) change them. */
  protected stateCount = 0;
  /** Lengths of the trainable weights, in order (the optimizer's slots follow them). */
  trainableLengths(): number[] {
    const w = this.arenaViews();
    return w.slice(0, w.length - this.stateCount).map((v) => v.length);
  }
  /** Floats this layer keeps in the arena's state part. */
  stateLength(): number {
    const w = this.arenaViews();
    return w.slice(w.length - this.stateCount).reduce((n, v) => n + v.length, 0);
  }
  /** Moves the weights into `arena` at `at.params` (trainable) and `at.state` (state); they become
   *  views of it. Advances both offsets. */
  adoptArena(arena: Arena, at: { params: number; state: number }): void {
    const current = this.weights();
    const trainable = current.length - this.stateCount;
    this.values = current.map((w, i) => {
      if (i < trainable) {
        arena.data.set(w, at.params);
        const view = arena.view(at.params, w.length);
        at.params += w.length;
        return view;
      }
      arena.state.set(w, at.state);
      const view = arena.stateView(at.state, w.length);
      at.state += w.length;
      return view;
    });
    this.arena = arena;
  }

  /** The layer's name in messages (its prefix before it has one). */
  protected get label(): string {
    return this.name ?? this.namePrefix;
  }

  // The 2-D forms the executors' plans use (inputSize = features per row), on top of the above.
  /** Features per row of the declared input shape (the product of its dimensions after the batch). */
  get inputSize(): number | null {
    return this.batchInputShape === null
      ? null
      : this.batchInputShape.slice(1).reduce<number>((a, b) => a * (b ?? 0), 1);
  }
  /** The output width for an input width (throws when the input does not fit this layer). */
  outputSize(inputSize: number): number {
    return this.computeOutputShape([null, inputSize])[1] as number;
  }
  /** Number of weight values for an input width. */
  paramCount(inputSize: number): number {
    return this.countParams([null, inputSize]);
  }
  /** Weight shapes for an input width, in the same order as weights(). */
  weightShapes(inputSize: number): number[][] {
    return this.weightSpecs([null, inputSize]).map((w) => w.shape);
  }
  /** Checks the model's input data when this is the first layer (an embedding's ids); throws a
   *  RangeError naming the row. `width`: values per row. */
  checkModelInput(_fn: string, _name: string, _data: Float32Array, _width: number): void {}
  /** Emits this layer's forward calls on the tape and declares its backward (src/graph/builder.ts). */
  abstract emit(b: TapeBuilder, input: number, seed: number): Emitted;
  /** Names of the weights in weights() order, as tfjs names them after the layer (`kernel`, `bias`). */
  weightNames(): string[] {
    return [];
  }
  /** This layer as model-file layers (usually one; see registry.ts). A class that is not
   *  registered has no file form. */
  toFileConfigs(_ctx: ToFileContext): KerasObject[] {
    throw new TypeError(`save: layer "${this.name}" (${this.constructor.name}) has no TensorFlow.js Layers form`);
  }
  /** The keys every file layer config starts with. */
  protected fileBase(): { name: string; trainable: boolean } {
    return { name: this.name as string, trainable: this.trainable };
  }
  /** Configuration in TensorFlow.js Layers terms. */
  getConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = { name: this.name, trainable: this.trainable };
    if (this.batchInputShape !== null) config.batchInputShape = [...this.batchInputShape];
    return config;
  }
}

/** [batch, ...dims] from inputShape, inputDim or batchInputShape (at most one of them). */
function batchInputShapeOf(fn: string, args: Record<string, unknown>): Shape | null {
  const given = ['inputShape', 'inputDim', 'batchInputShape'].filter((k) => args[k] !== undefined);
  if (given.length > 1) throw new TypeError(`${fn}: give only one of ${given.join(', ')}`);
  const dims = (name: string, s: unknown, batch: boolean): Shape => {
    const what = batch
      ? `batchInputShape must be [batch, ...dims], each dim ${rangeText(RANGES.inputWidth)} or null (any size)`
      : `inputShape must be a non-empty array, each dim ${rangeText(RANGES.inputWidth)} or null (any size): one sample, without the batch dimension`;
    if (!Array.isArray(s) || s.length < (batch ? 2 : 1))
      throw new RangeError(`${fn}: ${what}, got ${JSON.stringify(s)}`);
    const copy = checkLayerShape(fn, name, s);
    if (copy.slice(batch ? 1 : 0).some((d) => d !== null && !inRange(d, RANGES.inputWidth)))
      throw new RangeError(`${fn}: ${what}, got ${JSON.stringify(s)}`);
    return batch ? copy : [null, ...copy];
  };
  if (args.inputDim !== undefined) {
    const v = args.inputDim;
    if (typeof v !== 'number' || !inRange(v, RANGES.inputWidth)) {
      throw new RangeError(
        `${fn}: inputDim must hold a number of features (${rangeText(RANGES.inputWidth)}), got ${JSON.stringify(v)}`,
      );
    }
    return [null, v];
  }
  if (args.inputShape !== undefined) return dims('inputShape', args.inputShape, false);
  if (args.batchInputShape !== undefined) return dims('batchInputShape', args.batchInputShape, true);
  return null;
}

/** The per-layer generator: the initializer's own seed if it has one, else the model's. */
export function initRandom(own: number | null, fallback: number): Random {
  return new Random(own ?? fallback);
}
