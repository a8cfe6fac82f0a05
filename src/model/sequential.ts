/**
 * Sequential: a stack of layers, compiled into a kernel tape (src/graph) and run by an Executor. fit is a thin
 * wrapper over the Trainer (the one training loop); evaluate and predict call the executor.
 */

import { type Backend, getBackend } from '../backend';
import { describe } from '../backend/check';
import { RANGES } from '../config/ranges';
import { Arena } from '../graph/arena';
import { buildTape } from '../graph/builder';
import type { CompiledNetwork, Executor } from '../graph/executor';
import { type SaveOptions, type SaveResult, saveModel } from '../io/save';
import { Layer } from '../layers/layer';
import { formatShape, type Shape, sameShape } from '../layers/shape';
import { type CompiledLoss, getLoss } from '../losses';
import { getMetrics, wholeSetLogs } from '../metrics';
import { type OnnxOptions, toOnnx } from '../onnx/export';
import { getOptimizer, type Optimizer, sgd } from '../optimizers';
import { Tensor } from '../tensor';
import { inputsOf, type Targets, targetsOf } from '../train/data';
import type { History } from '../train/history';
import { createExecutor } from '../train/select-executor';
import { type FitOptions, Trainer } from '../train/trainer';
import { randomSeed } from '../util/random';
import { yieldToEventLoop } from '../util/yield';
import type { CompileArgs, Compiled, TrainableModel } from './interfaces';
import { checkOptions, deriveSeed, positiveInt, seedValue, str } from './options';
import { summaryText } from './summary';

export interface SequentialArgs {
  layers?: Layer[];
  name?: string;
  /** Seeds every initializer and dropout layer that has no seed of its own (random if omitted). */
  seed?: number;
}

export type { CompileArgs, Compiled } from './interfaces';

let modelCount = 0;
/** The last automatic number given per layer-name prefix, across all models. */
const layerNumbers = new Map<string, number>();

export class Sequential implements TrainableModel {
  readonly layers: Layer[] = [];
  readonly name: string;
  readonly seed: number;
  /** Set by a callback to end fit after the current epoch (Keras / tfjs). */
  stopTraining = false;
  private compiled: Compiled | null = null;
  private network: CompiledNetwork | null = null;
  private executors = new Map<Backend, Executor>();
  /** The layers' names: naming stays linear in the number of layers (a search over the layers
   *  for every candidate was cubic). */
  private names = new Set<string>();
  /** Output shape of the last layer, kept by add so that adding a layer does not walk the stack. */
  private lastShape: Shape = [];
  /** True while a trainBatches call is pending: the weights belong to the executor then. */
  busy = false;
  /** True from the start to the end of fit. */
  fitting = false;

  constructor(args?: SequentialArgs | Layer[]) {
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
    if (layer.name === null) layer.name = this.uniqueName(layer.namePrefix);
    else if (this.names.has(layer.name))
      throw new RangeError(`add: the model already has a layer named "${layer.name}"`);
    layer.build(inputShape, deriveSeed(this.seed, index));
    this.layers.push(layer);
    this.names.add(layer.name);
    this.lastShape = outputShape;
    this.invalidate();
    this.compiled = null;
  }

  /** `<prefix>_<k>` from a counter per prefix shared by every model of the process (as tfjs and
   *  Keras do), so that layer and weight names are unique across models (a model nested in
   *  another, or two models saved side by side, never clash); skips a name this model has. */
  private uniqueName(prefix: string): string {
    for (;;) {
      const k = (layerNumbers.get(prefix) ?? 0) + 1;
      layerNumbers.set(prefix, k);
      if (!this.names.has(`${prefix}_${k}`)) return `${prefix}_${k}`;
    }
  }

  /** The input shape and each layer's output shape, batch dimension first ([] without layers). */
  private layerShapes(): Shape[] {
    if (this.layers.length === 0) return [];
    const shapes: Shape[] = [this.layers[0].batchInputShape as Shape];
    for (const layer of this.layers) shapes.push(layer.computeOutputShape(shapes[shapes.length - 1]));
    return shapes;
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

  /** Values per input sample (the product of inputShape). */
  get inputSize(): number {
    return this.inputShape.reduce((a, b) => a * b, 1);
  }

  /** One sample's output shape, without the batch dimension. */
  get outputShape(): number[] {
    const shapes = this.layerShapes();
    if (shapes.length === 0) return this.inputShape;
    return shapes[shapes.length - 1].slice(1) as number[];
  }

  /** Outputs of the last layer per sample. */
  get outputSize(): number {
    return this.outputShape.reduce((a, b) => a * b, 1);
  }

  get optimizer(): Optimizer | null {
    return this.compiled?.optimizer ?? null;
  }

  /** Prints (unless print: false) and returns the Keras-style summary table. */
  summary(options?: { print?: boolean }): string {
    const o = checkOptions('summary', options, ['print']);
    const text = summaryText(this.name, this.layers, this.layers[0]?.batchInputShape ?? null);
    if (o.print !== false) console.log(text);
    return text;
  }

  /** Number of weight values in the model, trainable or not (tfjs / Keras countParams). */
  countParams(): number {
    const shapes = this.layerShapes();
    return this.layers.reduce((n, layer, i) => n + layer.countParams(shapes[i]), 0);
  }

  compile(args: CompileArgs): void {
    this.checkIdle('compile');
    const o = checkOptions('compile', args, ['optimizer', 'loss', 'metrics']);
    if (o.loss === undefined) throw new TypeError('compile: loss is required (e.g. "categoricalCrossentropy")');
    if (o.optimizer === undefined) throw new TypeError('compile: optimizer is required (e.g. "adam")');
    const loss = getLoss('compile', o.loss);
    const metrics = getMetrics('compile', o.metrics, loss);
    const optimizer = getOptimizer('compile', o.optimizer);
    this.checkTrainable('compile');
    this.compiled = { optimizer, loss, metrics };
    this.invalidate();
  }

  /** The compile settings (for saving and for the Trainer); null before compile. */
  get compileConfig(): Compiled | null {
    return this.compiled;
  }

  private checkTrainable(fn: string): void {
    if (this.layers.length === 0)
      throw new RangeError(`${fn}: the model has no layers; add some with model.add(layer)`);
  }

  async fit(x: Tensor, y: Targets, options?: FitOptions): Promise<History> {
    return new Trainer(this).fit(x, y, options);
  }

  /** Mean loss and metrics over x, y (inference mode): { loss, <metric>: … }. */
  evaluate(x: Tensor, y: Targets): Record<string, number> {
    const compiled = this.requireCompiled('evaluate');
    const data = this.evaluationData('evaluate', x, y);
    return { ...this.logs(this.executor().evaluate(data.x, data.y, data.rows), compiled), ...this.wholeSetLogs(data) };
  }

  /** evaluate in chunks of rows, yielding to the event loop between them. */
  async evaluateAsync(x: Tensor, y: Targets, options?: { batchSize?: number }): Promise<Record<string, number>> {
    const compiled = this.requireCompiled('evaluateAsync');
    const o = checkOptions('evaluateAsync', options, ['batchSize']);
    const chunk = o.batchSize === undefined ? 4096 : positiveInt('evaluateAsync', 'batchSize', o.batchSize);
    const data = this.evaluationData('evaluateAsync', x, y);
    const yWidth = data.y.length / data.rows;
    const sums = new Float64Array(1 + compiled.metrics.names.length);
    const executor = this.executor();
    for (let start = 0; start < data.rows; start += chunk) {
      const rows = Math.min(chunk, data.rows - start);
      const values = executor.evaluate(
        data.x.subarray(start * this.inputSize, (start + rows) * this.inputSize),
        data.y.subarray(start * yWidth, (start + rows) * yWidth),
        rows,
      );
      for (let i = 0; i < sums.length; i++) sums[i] += values[i] * rows;
      await yieldToEventLoop();
    }
    return {
      ...this.logs(
        sums.map((s) => s / data.rows),
        compiled,
      ),
      ...(compiled.metrics.wholeSet.length > 0
        ? this.wholeSetLogs(data, '', await this.predictAsync(new Tensor(data.x, [data.rows, this.inputSize]), o))
        : {}),
    };
  }

  /** The whole-set metrics (precision, auc, …; see src/metrics/whole-set.ts) over data, from
   *  predictions in inference mode; {} when none was compiled. */
  wholeSetLogs(
    data: { x: Float32Array; y: Float32Array; rows: number },
    prefix = '',
    predictions?: Tensor<Float32Array>,
  ): Record<string, number> {
    const { loss, metrics } = this.requireCompiled('evaluate');
    if (metrics.wholeSet.length === 0) return {};
    let out = predictions?.data;
    if (!out) {
      out = new Float32Array(data.rows * this.outputSize);
      this.executor().predict(data.x, data.rows, out);
    }
    return wholeSetLogs(metrics.wholeSet, loss, out, data.y, data.rows, this.outputSize, prefix);
  }

  /** evaluate's checks and conversions (shared with the Trainer's validation data). */
  evaluationData(
    fn: string,
    x: unknown,
    y: unknown,
    xName = 'x',
    yName = 'y',
  ): { x: Float32Array; y: Float32Array; rows: number } {
    const compiled = this.requireCompiled(fn);
    const xs = inputsOf(fn, xName, x, this.inputShape);
    const rows = xs.length / this.inputSize;
    return { x: xs, y: targetsOf(fn, yName, y, rows, this.outputShape, compiled.loss), rows };
  }

  logs(values: ArrayLike<number>, compiled = this.requireCompiled('logs')): Record<string, number> {
    const out: Record<string, number> = { loss: values[0] };
    compiled.metrics.keys.forEach((key, i) => {
      out[key] = values[i + 1];
    });
    return out;
  }

  /** Outputs for x (inference: dropout off), a Tensor [rows, outputs]. */
  predict(x: Tensor): Tensor<Float32Array> {
    this.checkTrainable('predict');
    const xs = inputsOf('predict', 'x', x, this.inputShape);
    const rows = xs.length / this.inputSize;
    const out = new Float32Array(rows * this.outputSize);
    this.executor().predict(xs, rows, out);
    return new Tensor(out, [rows, ...this.outputShape]);
  }

  /** predict in chunks of rows, yielding to the event loop between them. */
  async predictAsync(x: Tensor, options?: { batchSize?: number }): Promise<Tensor<Float32Array>> {
    this.checkTrainable('predictAsync');
    const o = checkOptions('predictAsync', options, ['batchSize']);
    const chunk = o.batchSize === undefined ? 4096 : positiveInt('predictAsync', 'batchSize', o.batchSize);
    const inputs = this.inputSize;
    const outputs = this.outputSize;
    const xs = inputsOf('predictAsync', 'x', x, this.inputShape);
    const rows = xs.length / inputs;
    const out = new Float32Array(rows * outputs);
    const executor = this.executor();
    for (let start = 0; start < rows; start += chunk) {
      const n = Math.min(chunk, rows - start);
      executor.predict(
        xs.subarray(start * inputs, (start + n) * inputs),
        n,
        out.subarray(start * outputs, (start + n) * outputs),
      );
      await yieldToEventLoop();
    }
    return new Tensor(out, [rows, ...this.outputShape]);
  }

  /** Copies of the weights, in tfjs's order: every layer's trainable weights (a dense layer's
   *  kernel [inputs, units], then its bias [units]), then the non-trainable ones. */
  getWeights(): Tensor<Float32Array>[] {
    const out: Tensor<Float32Array>[] = [];
    for (const { w, shape } of this.weightTargets()) out.push(new Tensor(w.slice(), shape));
    return out;
  }

  /** Every weight array in getWeights order, with its shape: as tfjs orders a model's weights, the
   *  trainable ones of every layer first, then the non-trainable ones (moving statistics). */
  private weightTargets(): { w: Float32Array; shape: number[] }[] {
    const shapes = this.layerShapes();
    const all = this.layers.flatMap((layer, i) => {
      const specs = layer.weightSpecs(shapes[i]);
      return layer.weights().map((w, k) => ({ w, shape: specs[k].shape, trainable: specs[k].trainable }));
    });
    return [...all.filter((t) => t.trainable), ...all.filter((t) => !t.trainable)];
  }

  /** Replaces the weights (same order and shapes as getWeights); checks all before copying any. */
  setWeights(weights: Tensor[]): void {
    if (this.busy) throw new Error('setWeights: the model is training; call it from a callback hook or after fit');
    const targets = this.weightTargets();
    if (!Array.isArray(weights))
      throw new TypeError(`setWeights: weights must be an array of Tensors, got ${describe(weights)}`);
    if (weights.length !== targets.length)
      throw new RangeError(`setWeights: the model has ${targets.length} weight tensors, got ${weights.length}`);
    weights.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new TypeError(`setWeights: weights[${i}] must be a Tensor, got ${describe(t)}`);
      const want = targets[i].shape;
      if (t.shape.length !== want.length || t.shape.some((d, k) => d !== want[k])) {
        throw new RangeError(
          `setWeights: weights[${i}] must have shape [${want.join(', ')}], got [${t.shape.join(', ')}]`,
        );
      }
      const bad = t.data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0)
        throw new RangeError(`setWeights: weights[${i}] holds ${t.data[bad]} at index ${bad}; weights must be finite`);
    });
    weights.forEach((t, i) => {
      targets[i].w.set(t.data);
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

  requireCompiled(fn: string): Compiled {
    if (this.layers.length === 0)
      throw new RangeError(`${fn}: the model has no layers; add some with model.add(layer)`);
    if (!this.compiled) throw new Error(`${fn}: the model must be compiled first: model.compile({ optimizer, loss })`);
    return this.compiled;
  }

  /** The compiled network the executors run: the weights moved into one arena (layers keep views of
   *  it), the optimizer's slots, and the tape written from the layers (built on first use after
   *  compile, again after any change to the model). */
  compiledNetwork(): CompiledNetwork {
    if (this.network) return this.network;
    const compiled = this.compiled ?? {
      optimizer: sgd(),
      loss: 'meanSquaredError' as CompiledLoss,
      metrics: { keys: [], names: [], wholeSet: [] },
    };
    const shapes = this.layerShapes();
    this.layers.forEach((layer, index) => {
      layer.build(shapes[index], deriveSeed(this.seed, index));
    });
    // A layer whose weights another model's compiled network runs on cannot move here: the two
    // would train two copies. Sharing layers between models needs one arena for both (the
    // functional API's work); until then, refuse clearly.
    for (const layer of this.layers) {
      const owner = layer.weightArena?.owner;
      if (owner && owner !== this && layer.weightArena && owner.usesArena(layer.weightArena)) {
        throw new RangeError(
          `${this.name}: layer "${layer.name}" is in another compiled model, and sharing a layer's weights between models is not supported yet; use a new layer (copy the weights with setWeights) or dispose() the other model first`,
        );
      }
    }
    for (const layer of this.layers) layer.weights(); // pull from a previous arena's executor
    const lengths = this.layers.flatMap((l) => l.trainableLengths());
    const stateLength = this.layers.reduce((n, l) => n + l.stateLength(), 0);
    const weights = new Arena(
      lengths.reduce((a, b) => a + b, 0),
      stateLength,
    );
    weights.owner = this;
    const at = { params: 0, state: 0 };
    for (const layer of this.layers) layer.adoptArena(weights, at);
    const slots = compiled.optimizer.allocateSlots(lengths);
    const seeds = this.layers.map((_, index) => deriveSeed(this.seed, index));
    const tape = buildTape(this.layers, seeds, weights, {
      inputShape: this.inputShape,
      loss: compiled.loss,
      metrics: compiled.metrics.names,
      optimizer: compiled.optimizer.plan,
    });
    const plan = compiled.optimizer.plan;
    this.network = { tape, weights, slots, learningRate: () => plan.learningRate };
    return this.network;
  }

  /** Whether this model's compiled network runs on `arena` (ArenaOwner). */
  usesArena(arena: Arena): boolean {
    return this.network?.weights === arena;
  }

  /** The executor for the active backend (one per backend, made on first use). */
  executor(): Executor {
    const backend = getBackend();
    let executor = this.executors.get(backend);
    if (!executor) {
      executor = createExecutor(this.compiledNetwork(), backend);
      this.executors.set(backend, executor);
    }
    return executor;
  }

  /** Throws while fit runs: the model may not change under the loop. */
  checkIdle(fn: string): void {
    if (this.fitting) throw new Error(`${fn}: ${this.name} is training (await its fit first)`);
  }

  private invalidate(): void {
    if (this.busy) throw new Error(`${this.name}: cannot change the model while it trains`);
    for (const e of this.executors.values()) e.dispose();
    this.executors.clear();
    this.network = null;
  }

  /** Frees the executors' native resources (the model stays usable; they are remade on use). */
  dispose(): void {
    this.checkIdle('dispose');
    this.invalidate();
  }
}

/** nn.sequential([...layers]) or nn.sequential({ layers, name, seed }). */
export function sequential(args?: SequentialArgs | Layer[]): Sequential {
  return new Sequential(args);
}
