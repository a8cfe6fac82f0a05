/**
 * LayersModel: what every model made of layers shares — compile, fit (a thin wrapper over the
 * Trainer, the one training loop), evaluate, predict, weights, and the compiled network the
 * executors run (the weights moved into one arena, the kernel tape written from the layers).
 * Sequential (a stack) and Functional (any graph of layers) say only how their layers connect.
 */

import { type Backend, getBackend } from '../backend';
import { describe } from '../backend/check';
import { Arena } from '../graph/arena';
import type { CompiledNetwork, Executor } from '../graph/executor';
import type { Tape } from '../graph/tape';
import type { Layer } from '../layers/layer';
import type { Shape } from '../layers/shape';
import { type CompiledLoss, getLoss } from '../losses';
import { getMetrics, wholeSetLogs } from '../metrics';
import { getOptimizer, type Optimizer, sgd } from '../optimizers';
import { Tensor } from '../tensor';
import { inputsOf, type Targets, targetsOf, targetWidth } from '../train/data';
import type { DatasetLike } from '../train/dataset-source';
import type { History } from '../train/history';
import {
  type ClassWeight,
  checkClassWeight,
  checkSampleWeight,
  rowWeights,
  withWeights,
} from '../train/sample-weights';
import { createExecutor } from '../train/select-executor';
import { type FitDatasetOptions, type FitOptions, Trainer } from '../train/trainer';
import { yieldToEventLoop } from '../util/yield';
import type { CompileArgs, Compiled, TrainableModel } from './interfaces';
import { checkOptions, deriveSeed, positiveInt } from './options';

/** The layers whose weights each arena holds. */
const arenaLayers = new WeakMap<Arena, Layer[]>();

/** The last automatic number given per layer-name prefix, across all models. */
const layerNumbers = new Map<string, number>();

/** `<prefix>_<k>` from a counter per prefix shared by every model of the process (as tfjs and
 *  Keras do), so that layer and weight names are unique across models (a model nested in
 *  another, or two models saved side by side, never clash); skips a name in `taken`. */
export function uniqueLayerName(prefix: string, taken: Set<string>): string {
  for (;;) {
    const k = (layerNumbers.get(prefix) ?? 0) + 1;
    layerNumbers.set(prefix, k);
    if (!taken.has(`${prefix}_${k}`)) return `${prefix}_${k}`;
  }
}

export abstract class LayersModel implements TrainableModel {
  readonly layers: Layer[] = [];
  abstract readonly name: string;
  abstract readonly seed: number;
  /** Set by a callback to end fit after the current epoch (Keras / tfjs). */
  stopTraining = false;
  protected compiled: Compiled | null = null;
  /** The layers that were frozen (trainable false) when the model compiled. */
  protected frozen: ReadonlySet<Layer> = new Set();
  private network: CompiledNetwork | null = null;
  private executors = new Map<Backend, Executor>();
  /** The network fit runs with sample weights (its tape's y ends with each row's weight), on the
   *  same weights and optimizer slots; compiled on first use only, so the plain tape never changes. */
  private weightedNetwork: CompiledNetwork | null = null;
  private weightedExecutors = new Map<Backend, Executor>();
  /** True while a trainBatches call is pending: the weights belong to the executor then. */
  busy = false;
  /** True from the start to the end of fit. */
  fitting = false;

  /** Each layer's input shape (batch dimension first), in `layers` order. */
  protected abstract layerInputShapes(): Shape[];
  /** The tape of this model's layers (weights already in `arena`) trained on `compiled`; with
   *  sampleWeights, the tape for sample weights (src/graph/builder.ts, buildGraphTape). */
  protected abstract buildNetworkTape(arena: Arena, compiled: Compiled, sampleWeights?: boolean): Tape;
  /** One sample's input shape, without the batch dimension (several inputs: their values side by side). */
  abstract get inputShape(): number[];
  /** One sample's output shape, without the batch dimension (several outputs: side by side). */
  abstract get outputShape(): number[];

  /** Values per input sample (the product of inputShape). */
  get inputSize(): number {
    return this.inputShape.reduce((a, b) => a * b, 1);
  }

  /** Outputs per sample. */
  get outputSize(): number {
    return this.outputShape.reduce((a, b) => a * b, 1);
  }

  /** Target values per row as the executors read them. */
  get targetWidth(): number {
    return targetWidth(this.requireCompiled('fit').loss, this.outputSize);
  }

  /** Outputs the model is trained on (several for a functional model with several outputs). */
  get outputCount(): number {
    return 1;
  }

  get optimizer(): Optimizer | null {
    return this.compiled?.optimizer ?? null;
  }

  /** The layer with this name (tfjs getLayer); a RangeError lists the names when there is none. */
  getLayer(name: string): Layer {
    const layer = this.layers.find((l) => l.name === name);
    if (!layer)
      throw new RangeError(
        `getLayer: ${this.name} has no layer named ${JSON.stringify(name)}; its layers: ${this.layers.map((l) => l.name).join(', ')}`,
      );
    return layer;
  }

  /** Whether any layer trains; setting it sets every layer's (Keras model.trainable). Like a
   *  layer's, it takes effect when the model compiles. */
  get trainable(): boolean {
    return this.layers.some((l) => l.trainable);
  }
  set trainable(v: boolean) {
    if (typeof v !== 'boolean') throw new TypeError(`${this.name}.trainable must be true or false, got ${describe(v)}`);
    for (const layer of this.layers) layer.trainable = v;
  }

  /** compile's snapshot of which layers are frozen. */
  protected snapshotTrainable(): void {
    this.frozen = new Set(this.layers.filter((l) => !l.trainable));
  }

  /** Number of weight values in the model, trainable or not (tfjs / Keras countParams). */
  countParams(): number {
    const shapes = this.layerInputShapes();
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
    this.snapshotTrainable();
    this.invalidate();
  }

  /** The compile settings (for saving and for the Trainer); null before compile. */
  get compileConfig(): Compiled | null {
    return this.compiled;
  }

  protected checkTrainable(fn: string): void {
    if (this.layers.length === 0)
      throw new RangeError(`${fn}: the model has no layers; add some with model.add(layer)`);
  }

  async fit(x: Tensor, y: Targets, options?: FitOptions): Promise<History> {
    return new Trainer(this).fit(x, y, options);
  }

  /** fit over the batches of a dataset (an async iterable, or a tfjs-style Dataset); see Trainer.fitDataset. */
  async fitDataset(dataset: DatasetLike, options?: FitDatasetOptions): Promise<History> {
    return new Trainer(this).fitDataset(dataset, options);
  }

  /** evaluate over the batches of a dataset; see Trainer.evaluateDataset. */
  async evaluateDataset(dataset: DatasetLike, options?: { batches?: number }): Promise<Record<string, number>> {
    return new Trainer(this).evaluateDataset(dataset, options);
  }

  /** One optimizer step on exactly this batch (Keras train_on_batch: a GAN's alternating steps):
   *  the batch's loss, or [loss, ...metrics] when the model has metrics, from the forward pass
   *  before the update. sampleWeight and classWeight weigh the rows as in fit. */
  async trainOnBatch(
    x: Tensor,
    y: Targets,
    options?: { sampleWeight?: Tensor | Float32Array | number[]; classWeight?: ClassWeight },
  ): Promise<number | number[]> {
    const fn = 'trainOnBatch';
    const compiled = this.requireCompiled(fn);
    this.checkIdle(fn);
    if (this.busy) throw new Error(`${fn}: ${this.name} is already training (await the previous trainOnBatch)`);
    const o = checkOptions(fn, options, ['sampleWeight', 'classWeight']);
    const data = this.evaluationData(fn, x, y);
    if (data.rows < 1) throw new RangeError(`${fn}: the batch has no rows`);
    const sample =
      o.sampleWeight === undefined ? null : checkSampleWeight(fn, 'sampleWeight', o.sampleWeight, data.rows);
    const classes = o.classWeight === undefined ? null : checkClassWeight(fn, o.classWeight, this);
    const width = this.targetWidth;
    const weighted = sample !== null || classes !== null;
    const ys = weighted
      ? withWeights(data.y, width, rowWeights(fn, data.y, data.rows, width, sample, classes), data.rows)
      : data.y;
    const executor = this.executor(weighted);
    const indices = Int32Array.from({ length: data.rows }, (_, i) => i);
    this.busy = true;
    let out: Float64Array;
    try {
      out = await executor.trainBatches(data.x, ys, indices, data.rows, 0, 1, compiled.optimizer.iterations);
    } finally {
      this.busy = false;
    }
    compiled.optimizer.iterations += 1;
    return out.length === 1 ? out[0] : Array.from(out);
  }

  /** Loss (and metrics) on this batch without training (Keras test_on_batch). */
  testOnBatch(x: Tensor, y: Targets): number | number[] {
    const data = this.evaluationData('testOnBatch', x, y);
    const out = this.executor().evaluate(data.x, data.y, data.rows);
    return out.length === 1 ? out[0] : Array.from(out);
  }

  /** predict on one batch (Keras predict_on_batch). */
  predictOnBatch(x: Tensor): Tensor<Float32Array> {
    return this.predict(x);
  }

  /** Mean loss and metrics over x, y (inference mode): { loss, <metric>: … }. With sampleWeight
   *  (one weight ≥ 0 per row, as fit's), the loss is Σ w·loss / rows (Keras); metrics stay unweighted. */
  evaluate(
    x: Tensor,
    y: Targets,
    options?: { sampleWeight?: Tensor | Float32Array | number[] },
  ): Record<string, number> {
    const fn = 'evaluate';
    const compiled = this.requireCompiled(fn);
    const o = checkOptions(fn, options, ['sampleWeight']);
    const data = this.evaluationData(fn, x, y);
    let values: Float64Array;
    if (o.sampleWeight === undefined) values = this.executor().evaluate(data.x, data.y, data.rows);
    else {
      const w = checkSampleWeight(fn, 'sampleWeight', o.sampleWeight, data.rows);
      const yw = withWeights(data.y, this.targetWidth, w, data.rows);
      values = this.executor(true).evaluate(data.x, yw, data.rows);
    }
    return { ...this.logs(values, compiled), ...this.wholeSetLogs(data) };
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
    const xs = this.inputsOf(fn, xName, x);
    const rows = xs.length / this.inputSize;
    return { x: xs, y: targetsOf(fn, yName, y, rows, this.outputShape, compiled.loss), rows };
  }

  /** x as the executors read it, checked (values, shape, and what the first layer needs of them). */
  protected inputsOf(fn: string, name: string, x: unknown): Float32Array {
    const xs = inputsOf(fn, name, x, this.inputShape);
    this.layers[0].checkModelInput(fn, name, xs, this.inputSize);
    return xs;
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
    const xs = this.inputsOf('predict', 'x', x);
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
    const xs = this.inputsOf('predictAsync', 'x', x);
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
    const shapes = this.layerInputShapes();
    const all = this.layers.flatMap((layer, i) => {
      const specs = layer.weightSpecs(shapes[i]);
      return layer
        .weights()
        .map((w, k) => ({ w, shape: specs[k].shape, trainable: specs[k].trainable && layer.trainable }));
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

  requireCompiled(fn: string): Compiled {
    if (this.layers.length === 0)
      throw new RangeError(`${fn}: the model has no layers; add some with model.add(layer)`);
    if (!this.compiled) throw new Error(`${fn}: the model must be compiled first: model.compile({ optimizer, loss })`);
    return this.compiled;
  }

  /** The compiled network the executors run: the weights moved into one arena (layers keep views of
   *  it), the optimizer's slots, and the tape written from the layers (built on first use after
   *  compile, again after any change to the model). `weighted`: the network for sample weights. */
  compiledNetwork(weighted = false): CompiledNetwork {
    if (weighted) return this.weightedCompiledNetwork();
    if (this.network) return this.network;
    const compiled = this.compiled ?? {
      optimizer: sgd(),
      loss: 'meanSquaredError' as CompiledLoss,
      metrics: { keys: [], names: [], wholeSet: [] },
    };
    const shapes = this.layerInputShapes();
    this.layers.forEach((layer, index) => {
      layer.build(shapes[index], deriveSeed(this.seed, index));
    });
    for (const layer of this.layers) layer.weights(); // pull from a previous arena's executor
    const weights = this.sharedArena() ?? this.newArena();
    weights.owners.add(this);
    // The optimizer's slots mirror this model's params where they lie in the (maybe shared) arena.
    const params = this.layers.flatMap((layer) =>
      layer.trainableLengths().map((length, index) => ({
        key: layer,
        index,
        length,
        offset: weights.offsetOf(layer.arenaViews()[index]),
      })),
    );
    const slots = compiled.optimizer.allocateSlots(
      params.map((p) => p.length),
      weights.data.length,
      params,
    );
    const tape = this.buildNetworkTape(weights, compiled);
    const plan = compiled.optimizer.plan;
    this.network = { tape, weights, slots, learningRate: () => plan.learningRate };
    return this.network;
  }

  /** Whether this model's compiled network runs on `arena` (ArenaOwner). */
  usesArena(arena: Arena): boolean {
    return this.network?.weights === arena;
  }
  /** Drops the compiled network on `arena` (remade on the next use, on the arena its layers moved to). */
  releaseArena(arena: Arena): void {
    if (this.usesArena(arena)) this.invalidate();
  }

  /**
   * The arena of another model this one can run on: when every layer with weights already lives
   * in one arena a compiled model runs on, both models use it (shared layers train as one). When
   * only some do, the layers of this model and of those arenas move into one new arena, and the
   * models that ran on the old ones let go of them (they rebuild on the new one; their optimizers
   * carry their state over). null: no layer is in a live arena.
   */
  private sharedArena(): Arena | null {
    const live = new Set<Arena>();
    for (const layer of this.layers) {
      const a = layer.weightArena;
      if (a && [...a.owners].some((o) => o !== this && o.usesArena(a))) live.add(a);
    }
    if (live.size === 0) return null;
    const weighted = this.layers.filter((l) => l.arenaViews().length > 0);
    const [only] = live;
    if (live.size === 1 && weighted.every((l) => l.weightArena === only)) return only;
    const members = new Set<Layer>(this.layers);
    for (const a of live) for (const layer of arenaLayers.get(a) ?? []) members.add(layer);
    for (const a of live)
      for (const owner of a.owners) {
        if (owner === this) continue;
        if ((owner as LayersModel).busy)
          throw new Error(`${this.name}: a model sharing its layers is training; await it first`);
        owner.releaseArena(a);
      }
    return this.newArena([...members]);
  }

  /** A new arena holding `layers` (by default this model's), their weights moved in. */
  private newArena(layers: Layer[] = this.layers): Arena {
    for (const layer of layers) layer.weights();
    const lengths = layers.flatMap((l) => l.trainableLengths());
    const stateLength = layers.reduce((n, l) => n + l.stateLength(), 0);
    const arena = new Arena(
      lengths.reduce((a, b) => a + b, 0),
      stateLength,
    );
    const at = { params: 0, state: 0 };
    for (const layer of layers) layer.adoptArena(arena, at);
    arenaLayers.set(arena, layers);
    return arena;
  }

  /** The executor for the active backend (one per backend, made on first use); `weighted`: the
   *  one for sample weights (its y ends with each row's weight; see weightedNetwork). */
  executor(weighted = false): Executor {
    const backend = getBackend();
    const executors = weighted ? this.weightedExecutors : this.executors;
    let executor = executors.get(backend);
    if (!executor) {
      executor = createExecutor(this.compiledNetwork(weighted), backend);
      executors.set(backend, executor);
    }
    return executor;
  }

  /** The compiled network with the tape for sample weights: the same arenas (weights, optimizer
   *  slots, learning rate) as compiledNetwork, so training on either continues the other
   *  (invalidate() drops both together). */
  private weightedCompiledNetwork(): CompiledNetwork {
    if (this.weightedNetwork) return this.weightedNetwork;
    const net = this.compiledNetwork();
    const tape = this.buildNetworkTape(net.weights, this.requireCompiled('fit'), true);
    this.weightedNetwork = { ...net, tape };
    return this.weightedNetwork;
  }

  /** Throws while fit runs: the model may not change under the loop. */
  checkIdle(fn: string): void {
    if (this.fitting) throw new Error(`${fn}: ${this.name} is training (await its fit first)`);
  }

  protected invalidate(): void {
    if (this.busy) throw new Error(`${this.name}: cannot change the model while it trains`);
    for (const e of [...this.executors.values(), ...this.weightedExecutors.values()]) e.dispose();
    this.executors.clear();
    this.weightedExecutors.clear();
    this.network = null;
    this.weightedNetwork = null;
  }

  /** Frees the executors' native resources (the model stays usable; they are remade on use). */
  dispose(): void {
    this.checkIdle('dispose');
    this.invalidate();
  }
}
