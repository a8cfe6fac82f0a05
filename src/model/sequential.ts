/**
 * Sequential: a stack of layers, each reading the one before (see LayersModel for what every model
 * shares: compile, fit, evaluate, predict, weights, the compiled tape).
 */

import { describe } from '../backend/check';
import { RANGES } from '../config/ranges';
import type { Arena } from '../graph/arena';
import { buildTape } from '../graph/builder';
import type { Tape } from '../graph/tape';
import { type SaveOptions, type SaveResult, saveModel } from '../io/save';
import { Layer } from '../layers/layer';
import { formatShape, type Shape, sameShape } from '../layers/shape';
import { SymbolicTensor } from '../layers/symbolic';
import { type OnnxOptions, toOnnx } from '../onnx/export';
import { randomSeed } from '../util/random';
import type { Compiled } from './interfaces';
import { LayersModel, uniqueLayerName } from './layers-model';
import { checkOptions, deriveSeed, seedValue, str } from './options';
import { summaryText } from './summary';

export interface SequentialArgs {
  layers?: Layer[];
  name?: string;
  /** Seeds every initializer and dropout layer that has no seed of its own (random if omitted). */
  seed?: number;
}

export type { CompileArgs, Compiled } from './interfaces';

let modelCount = 0;

export class Sequential extends LayersModel {
  readonly name: string;
  readonly seed: number;
  /** The layers' names: naming stays linear in the number of layers (a search over the layers
   *  for every candidate was cubic). */
  private names = new Set<string>();
  /** Output shape of the last layer, kept by add so that adding a layer does not walk the stack. */
  private lastShape: Shape = [];

  constructor(args?: SequentialArgs | Layer[]) {
    super();
    const o = Array.isArray(args) ? { layers: args } : checkOptions('sequential', args, ['layers', 'name', 'seed']);
    this.name = o.name === undefined ? `sequential_${++modelCount}` : str('sequential', 'name', o.name);
    this.seed = o.seed === undefined ? randomSeed() : seedValue('sequential', 'seed', o.seed);
    if (o.layers !== undefined) {
      if (!Array.isArray(o.layers))
        throw new TypeError(`sequential: layers must be an array of layers, got ${describe(o.layers)}`);
      for (const layer of o.layers) this.add(layer);
    }
  }

  /** Appends a layer; the first must declare inputShape. Builds its weights right away. */
  add(layer: Layer): void {
    this.checkIdle('add');
    if (!(layer instanceof Layer))
      throw new TypeError(`add: expected a layer (nn.layers.dense(...), …), got ${describe(layer)}`);
    // A layer in this model has a name in `names`: only then is the (linear) search needed.
    if (layer.name !== null && this.names.has(layer.name) && this.layers.includes(layer))
      throw new RangeError(`add: layer "${layer.name}" is already in this model`);
    if (this.layers.length >= RANGES.layerCount.max)
      throw new RangeError(`add: a model holds at most ${RANGES.layerCount.max} layers (the model-file limit)`);
    const index = this.layers.length;
    let inputShape: Shape;
    if (index === 0) {
      if (layer.batchInputShape === null) {
        throw new RangeError(
          `add: the first layer needs an input shape, e.g. nn.layers.dense({ units: ${'units' in layer ? layer.units : 10}, inputShape: [features] })`,
        );
      }
      inputShape = layer.batchInputShape;
    } else {
      inputShape = this.lastShape;
      const declared = layer.batchInputShape?.slice(1);
      if (declared && !sameShape(declared, inputShape.slice(1))) {
        const dims = inputShape.slice(1);
        throw new RangeError(
          `add: layer ${index} declares inputShape [${declared.join(', ')}] but the previous layer outputs ${dims.length === 1 ? dims[0] : formatShape(inputShape)}`,
        );
      }
    }
    const outputShape = layer.computeOutputShape(inputShape);
    if (layer.name === null) layer.name = uniqueLayerName(layer.namePrefix, this.names);
    else if (this.names.has(layer.name))
      throw new RangeError(`add: the model already has a layer named "${layer.name}"`);
    layer.build(inputShape, deriveSeed(this.seed, index));
    this.layers.push(layer);
    this.names.add(layer.name);
    this.lastShape = outputShape;
    this.invalidate();
    this.compiled = null;
  }

  /** The input shape and each layer's output shape, batch dimension first ([] without layers). */
  private layerShapes(): Shape[] {
    if (this.layers.length === 0) return [];
    const shapes: Shape[] = [this.layers[0].batchInputShape as Shape];
    for (const layer of this.layers) shapes.push(layer.computeOutputShape(shapes[shapes.length - 1]));
    return shapes;
  }

  /** This model as a layer of a functional model: its layers applied in turn (they keep their
   *  weights, shared with this model). */
  apply(input: SymbolicTensor): SymbolicTensor {
    if (this.layers.length === 0) throw new RangeError(`${this.name}.apply: the model has no layers`);
    if (!(input instanceof SymbolicTensor))
      throw new TypeError(
        `${this.name}.apply: input must be one symbolic tensor (nn.input or layer.apply), got ${describe(input)}`,
      );
    let t = input;
    for (const layer of this.layers) t = layer.apply(t);
    return t;
  }

  protected layerInputShapes(): Shape[] {
    return this.layerShapes().slice(0, this.layers.length);
  }

  /** One sample's input shape, without the batch dimension: [features], [height, width, channels], … */
  get inputShape(): number[] {
    if (this.layers.length === 0)
      throw new RangeError(`${this.name}: the model has no layers; add some with model.add(layer)`);
    const shape = this.layers[0].batchInputShape as Shape;
    if (shape.slice(1).some((d) => d === null)) {
      throw new RangeError(
        `${this.name}: the model's input shape ${formatShape(shape)} has an unknown size; nativenn needs every size after the batch`,
      );
    }
    return shape.slice(1) as number[];
  }

  /** One sample's output shape, without the batch dimension. */
  get outputShape(): number[] {
    const shapes = this.layerShapes();
    if (shapes.length === 0) return this.inputShape;
    return shapes[shapes.length - 1].slice(1) as number[];
  }

  /** Prints (unless print: false) and returns the Keras-style summary table. */
  summary(options?: { print?: boolean }): string {
    const o = checkOptions('summary', options, ['print']);
    const text = summaryText(this.name, this.layers, this.layers[0]?.batchInputShape ?? null);
    if (o.print !== false) console.log(text);
    return text;
  }

  protected buildNetworkTape(arena: Arena, compiled: Compiled, sampleWeights = false): Tape {
    const seeds = this.layers.map((_, index) => deriveSeed(this.seed, index));
    return buildTape(this.layers, seeds, arena, {
      inputShape: this.inputShape,
      loss: compiled.loss,
      metrics: compiled.metrics.names,
      optimizer: compiled.optimizer.plan,
      frozen: this.frozen,
      sampleWeights,
    });
  }

  /** Writes the TensorFlow.js Layers format (model.json + weights.bin) into the folder dir,
   *  atomically; includeOptimizer also stores the optimizer state (a checkpoint). See src/io. */
  save(dir: string, options?: SaveOptions): Promise<SaveResult> {
    return saveModel(this, dir, options);
  }

  /** The model as ONNX ModelProto bytes (inference: dropout removed). See docs/onnx.md. */
  toOnnx(options?: OnnxOptions): Uint8Array {
    return toOnnx(this, options);
  }

  /** TensorFlow.js Layers style: { name, layers: [{ className, config }] }. */
  getConfig(): { name: string; layers: { className: string; config: Record<string, unknown> }[] } {
    return { name: this.name, layers: this.layers.map((l) => ({ className: l.className, config: l.getConfig() })) };
  }
}

/** nn.sequential([...layers]) or nn.sequential({ layers, name, seed }). */
export function sequential(args?: SequentialArgs | Layer[]): Sequential {
  return new Sequential(args);
}
