/**
 * Functional models (TensorFlow.js `tf.model`): any graph of layers from model inputs
 * (nn.input) to outputs, built with layer.apply. Several inputs travel side by side in one row
 * of the tape's x, several outputs' targets side by side in y (src/graph/builder.ts); this class
 * packs the user's arrays or name-keyed objects into those rows and splits predictions back.
 */

import { describe } from '../backend/check';
import type { Arena } from '../graph/arena';
import { buildGraphTape, type OutputSettings, type TapeGraph } from '../graph/builder';
import type { Tape } from '../graph/tape';
import { outputTraining } from '../io/functional-encode';
import { type SaveOptions, type SaveResult, saveModel } from '../io/save';
import type { Layer } from '../layers/layer';
import { formatShape, type Shape } from '../layers/shape';
import { type LayerNode, SymbolicTensor } from '../layers/symbolic';
import { type CompiledLoss, getLoss } from '../losses';
import { getMetrics } from '../metrics';
import { type OnnxOptions, toOnnx } from '../onnx/export';
import { getOptimizer, type Optimizer } from '../optimizers';
import { Tensor } from '../tensor';
import { inputsOf, targetsOf, targetWidth } from '../train/data';
import type { DatasetLike } from '../train/dataset-source';
import type { History } from '../train/history';
import type { FitDatasetOptions } from '../train/trainer';
import { randomSeed } from '../util/random';
import type { Compiled } from './interfaces';
import { LayersModel, uniqueLayerName } from './layers-model';
import { checkOptions, deriveSeed, seedValue, str } from './options';
import { functionalSummaryText } from './summary';

export interface ModelArgs {
  inputs: SymbolicTensor | SymbolicTensor[];
  outputs: SymbolicTensor | SymbolicTensor[];
  name?: string;
  /** Seeds every initializer and dropout layer that has no seed of its own (random if omitted). */
  seed?: number;
}

/** Per output: one value for all, a list in output order, or an object keyed by output name. */
export type PerOutput<T> = T | T[] | Record<string, T>;

export interface FunctionalCompileArgs {
  optimizer: string | Optimizer;
  loss: PerOutput<string>;
  /** Each output's weight in the total loss (default 1 each). */
  lossWeights?: number[] | Record<string, number>;
  /** Metric names for every output, a list per output, or lists keyed by output name. */
  metrics?: string[] | string[][] | Record<string, string[]>;
}

/** Model inputs or targets: one Tensor, a list in input/output order, or an object keyed by name. */
export type ModelData<T> = T | T[] | Record<string, T>;

let modelCount = 0;

export class Functional extends LayersModel {
  readonly name: string;
  readonly seed: number;
  readonly inputs: readonly SymbolicTensor[];
  readonly outputs: readonly SymbolicTensor[];
  /** Layer applications, in an order where each reads only tensors made before it. */
  private readonly nodes: LayerNode[];
  /** The tensor index (inputs first, then node outputs) of each node's inputs, and of each output. */
  private readonly nodeInputs: number[][];
  private readonly outputIndex: number[];
  /** The tensor each node makes. */
  private readonly nodeOutputs: SymbolicTensor[];
  private outputSettings: OutputSettings[] | null = null;

  constructor(args: ModelArgs) {
    super();
    const fn = 'model';
    const o = checkOptions(fn, args, ['inputs', 'outputs', 'name', 'seed']);
    this.name = o.name === undefined ? `model_${++modelCount}` : str(fn, 'name', o.name);
    this.seed = o.seed === undefined ? randomSeed() : seedValue(fn, 'seed', o.seed);
    this.inputs = tensorList(fn, 'inputs', o.inputs);
    this.outputs = tensorList(fn, 'outputs', o.outputs);
    const inputNames = new Set<string>();
    this.inputs.forEach((t, i) => {
      if (!t.isInput) throw new RangeError(`${fn}: inputs[${i}] is a layer's output; model inputs come from nn.input`);
      if (this.inputs.indexOf(t) !== i) throw new RangeError(`${fn}: input "${t.name}" is listed twice`);
      if (inputNames.has(t.name)) throw new RangeError(`${fn}: two inputs are named "${t.name}"`);
      inputNames.add(t.name);
    });
    this.outputs.forEach((t, i) => {
      if (this.outputs.indexOf(t) !== i) throw new RangeError(`${fn}: output ${t} is listed twice`);
      if (t.isInput) throw new RangeError(`${fn}: outputs[${i}] is a model input; outputs must come from layers`);
    });

    // Walk back from the outputs: every node on the way, and no input that is not a model input.
    const made = new Map<LayerNode, SymbolicTensor>();
    const stack = [...this.outputs];
    while (stack.length > 0) {
      const t = stack.pop() as SymbolicTensor;
      if (t.node === null) {
        if (!this.inputs.includes(t))
          throw new RangeError(`${fn}: the outputs depend on input "${t.name}", which is not in inputs`);
        continue;
      }
      if (made.has(t.node)) continue;
      made.set(t.node, t);
      stack.push(...t.node.inputs);
    }
    this.nodes = [...made.keys()].sort((a, b) => a.id - b.id);
    const index = new Map<SymbolicTensor, number>(this.inputs.map((t, i) => [t, i]));
    this.nodes.forEach((node, i) => {
      index.set(made.get(node) as SymbolicTensor, this.inputs.length + i);
    });
    this.nodeInputs = this.nodes.map((node) => node.inputs.map((t) => index.get(t) as number));
    this.nodeOutputs = this.nodes.map((node) => made.get(node) as SymbolicTensor);
    this.outputIndex = this.outputs.map((t) => index.get(t) as number);

    // The layers, once each, named as in a Sequential model; then their weights.
    const names = new Set<string>();
    for (const node of this.nodes) {
      const layer = node.layer;
      if (this.layers.includes(layer)) continue;
      if (layer.name === null) layer.name = uniqueLayerName(layer.namePrefix, names);
      else if (names.has(layer.name)) throw new RangeError(`${fn}: two layers are named "${layer.name}"`);
      names.add(layer.name);
      this.layers.push(layer);
    }
    const shapes = this.layerInputShapes();
    this.layers.forEach((layer, i) => {
      layer.build(shapes[i], deriveSeed(this.seed, i));
    });
  }

  /** This model as a layer of another functional model: its layers applied again to `inputs` (one
   *  per model input), sharing their weights with this model. One output, or the list. */
  apply(inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor | SymbolicTensor[] {
    const given = tensorList(`${this.name}.apply`, 'inputs', inputs);
    if (given.length !== this.inputs.length)
      throw new RangeError(`${this.name}.apply: the model takes ${this.inputs.length} inputs, got ${given.length}`);
    const map = new Map<SymbolicTensor, SymbolicTensor>(this.inputs.map((t, i) => [t, given[i]]));
    this.inputs.forEach((t, i) => {
      if (formatShape(t.shape) !== formatShape(given[i].shape))
        throw new RangeError(
          `${this.name}.apply: input ${i} must be ${formatShape(t.shape)}, got ${formatShape(given[i].shape)}`,
        );
    });
    this.nodes.forEach((node, j) => {
      const ins = node.inputs.map((t) => map.get(t) as SymbolicTensor);
      map.set(this.nodeOutputs[j], node.layer.apply(ins.length === 1 && !isMergeNode(node) ? ins[0] : ins));
    });
    const outs = this.outputs.map((t) => map.get(t) as SymbolicTensor);
    return outs.length === 1 ? outs[0] : outs;
  }

  /** The graph as the ONNX exporter walks it: the model inputs, each layer application with the
   *  tensors it reads (indices: the inputs first, then each node's output), the outputs. */
  graphSpec(): {
    inputs: { name: string; shape: number[] }[];
    nodes: { layer: Layer; inputs: number[] }[];
    outputs: { name: string; index: number }[];
  } {
    return {
      inputs: this.inputs.map((t) => ({ name: t.name, shape: t.shape.slice(1) as number[] })),
      nodes: this.nodes.map((node, j) => ({ layer: node.layer, inputs: this.nodeInputs[j] })),
      outputs: this.outputIndex.map((index, k) => ({ name: this.outputNames[k], index })),
    };
  }

  /** The output names (the producing layers' names), as Keras keys its per-output logs. */
  get outputNames(): string[] {
    return this.outputs.map((t) => t.name);
  }
  get inputNames(): string[] {
    return this.inputs.map((t) => t.name);
  }

  protected layerInputShapes(): Shape[] {
    return this.layers.map((layer) => (layer.appliedInputShapes as Shape[])[0]);
  }

  private sampleShapes(tensors: readonly SymbolicTensor[]): number[][] {
    return tensors.map((t) => t.shape.slice(1) as number[]);
  }
  private static packedShape(shapes: number[][]): number[] {
    return shapes.length === 1 ? shapes[0] : [shapes.reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0)];
  }
  /** One input's shape; several inputs: [their values side by side]. */
  get inputShape(): number[] {
    return Functional.packedShape(this.sampleShapes(this.inputs));
  }
  /** One output's shape; several outputs: [their values side by side]. */
  get outputShape(): number[] {
    return Functional.packedShape(this.sampleShapes(this.outputs));
  }

  override get outputCount(): number {
    return this.outputs.length;
  }

  override get targetWidth(): number {
    const compiled = this.requireCompiled('fit');
    if (this.outputs.length === 1) return targetWidth(compiled.loss, this.outputSize);
    const losses = (this.outputSettings as OutputSettings[]).map((o) => o.loss as CompiledLoss);
    return this.sampleShapes(this.outputs).reduce(
      (n, s, k) =>
        n +
        targetWidth(
          losses[k],
          s.reduce((a, b) => a * b, 1),
        ),
      0,
    );
  }

  override compile(args: FunctionalCompileArgs): void {
    const fn = 'compile';
    this.checkIdle(fn);
    const o = checkOptions(fn, args, ['optimizer', 'loss', 'lossWeights', 'metrics']);
    if (o.loss === undefined) throw new TypeError(`${fn}: loss is required (e.g. "categoricalCrossentropy")`);
    if (o.optimizer === undefined) throw new TypeError(`${fn}: optimizer is required (e.g. "adam")`);
    const outNames = this.outputNames;
    const several = outNames.length > 1;
    const losses = perOutput(fn, 'loss', o.loss, outNames, (v) => typeof v === 'string').map((v, k) =>
      getLoss(several ? `${fn}: loss of ${outNames[k]}` : fn, v),
    );
    const weights =
      o.lossWeights === undefined
        ? outNames.map(() => 1)
        : perOutput(fn, 'lossWeights', o.lossWeights, outNames, () => false, true).map((w, k) => {
            if (typeof w !== 'number' || !Number.isFinite(w) || w < 0)
              throw new RangeError(
                `${fn}: lossWeights of ${outNames[k]} must be a finite number ≥ 0, got ${describe(w)}`,
              );
            return w;
          });
    const metricLists =
      o.metrics === undefined
        ? outNames.map(() => [])
        : Array.isArray(o.metrics) && o.metrics.every((m) => typeof m === 'string')
          ? outNames.map(() => o.metrics as string[])
          : perOutput(fn, 'metrics', o.metrics, outNames, () => false, true);
    const keys: string[] = several ? outNames.map((n) => `${n}_loss`) : [];
    const settings = outNames.map((name, k): OutputSettings => {
      const m = getMetrics(fn, metricLists[k], losses[k]);
      if (m.wholeSet.length > 0)
        throw new RangeError(
          `${fn}: metric "${m.wholeSet[0].key}" is not supported in functional models yet; use accuracy, mse or mae`,
        );
      keys.push(...m.keys.map((key) => (several ? `${name}_${key}` : key)));
      return { name, loss: losses[k], weight: weights[k], metrics: m.names };
    });
    const optimizer = getOptimizer(fn, o.optimizer);
    this.outputSettings = settings;
    const names = keys as unknown as Compiled['metrics']['names'];
    this.compiled = { optimizer, loss: losses[0], metrics: { keys, names, wholeSet: [] } };
    this.snapshotTrainable();
    this.invalidate();
  }

  protected buildNetworkTape(arena: Arena, compiled: Compiled, sampleWeights = false): Tape {
    const outputs =
      this.outputSettings ?? this.outputNames.map((name) => ({ name, loss: compiled.loss, weight: 1, metrics: [] }));
    const seen = new Set<Layer>();
    const graph: TapeGraph = {
      inputs: this.inputs.map((t) => ({ name: t.name, shape: t.shape.slice(1) as number[] })),
      nodes: this.nodes.map((node, j) => {
        // A layer applied again draws its own dropout masks.
        const again = seen.has(node.layer);
        seen.add(node.layer);
        const i = this.layers.indexOf(node.layer);
        return {
          layer: node.layer,
          frozen: this.frozen.has(node.layer),
          inputs: this.nodeInputs[j],
          seed: deriveSeed(this.seed, again ? this.layers.length + j : i),
        };
      }),
      outputs: this.outputIndex,
    };
    return buildGraphTape(graph, arena, outputs, compiled.optimizer.plan, { sampleWeights });
  }

  /** The inputs as one row each (several: side by side), checked per input. */
  protected override inputsOf(fn: string, name: string, x: unknown): Float32Array {
    const parts = byName(fn, name, x, this.inputNames, 'input').map((v, k) => {
      const where = this.inputs.length === 1 ? name : `${name}[${k}] (${this.inputNames[k]})`;
      const shape = this.inputs[k].shape.slice(1) as number[];
      const data = inputsOf(fn, where, v, shape);
      const width = shape.reduce((a, b) => a * b, 1);
      for (const node of this.nodes)
        if (node.inputs.includes(this.inputs[k])) node.layer.checkModelInput(fn, where, data, width);
      return data;
    });
    return sideBySide(fn, name, parts, this.sampleShapes(this.inputs), this.inputNames);
  }

  override evaluationData(
    fn: string,
    x: unknown,
    y: unknown,
    xName = 'x',
    yName = 'y',
  ): { x: Float32Array; y: Float32Array; rows: number } {
    this.requireCompiled(fn);
    const xs = this.inputsOf(fn, xName, x);
    const rows = xs.length / this.inputSize;
    const settings = this.outputSettings as OutputSettings[];
    const shapes = this.sampleShapes(this.outputs);
    const parts = byName(fn, yName, y, this.outputNames, 'output').map((v, k) => {
      const where = this.outputs.length === 1 ? yName : `${yName}[${k}] (${this.outputNames[k]})`;
      return targetsOf(fn, where, v, rows, shapes[k], settings[k].loss as CompiledLoss);
    });
    const widths = parts.map((p) => [p.length / Math.max(rows, 1)]);
    return { x: xs, y: sideBySide(fn, yName, parts, widths, this.outputNames, rows), rows };
  }

  /** Outputs for x (inference): one Tensor, or (several outputs) one per output. */
  override predict(x: ModelData<Tensor>): Tensor<Float32Array> & Tensor<Float32Array>[] {
    return this.splitOutputs(super.predict(x as Tensor));
  }

  override async predictAsync(
    x: ModelData<Tensor>,
    options?: { batchSize?: number },
  ): Promise<Tensor<Float32Array> & Tensor<Float32Array>[]> {
    return this.splitOutputs(await super.predictAsync(x as Tensor, options));
  }

  private splitOutputs(packed: Tensor<Float32Array>): Tensor<Float32Array> & Tensor<Float32Array>[] {
    type Both = Tensor<Float32Array> & Tensor<Float32Array>[];
    if (this.outputs.length === 1) return packed as Both;
    const rows = packed.shape[0];
    const shapes = this.sampleShapes(this.outputs);
    const widths = shapes.map((s) => s.reduce((a, b) => a * b, 1));
    const total = widths.reduce((a, b) => a + b, 0);
    let offset = 0;
    return shapes.map((shape, k) => {
      const out = new Float32Array(rows * widths[k]);
      for (let r = 0; r < rows; r++)
        out.set(packed.data.subarray(r * total + offset, r * total + offset + widths[k]), r * widths[k]);
      offset += widths[k];
      return new Tensor(out, [rows, ...shape]);
    }) as unknown as Both;
  }

  override async fitDataset(dataset: DatasetLike, options?: FitDatasetOptions): Promise<History> {
    this.requireOneInputOneOutput('fitDataset');
    return super.fitDataset(dataset, options);
  }
  override async evaluateDataset(
    dataset: DatasetLike,
    options?: { batches?: number },
  ): Promise<Record<string, number>> {
    this.requireOneInputOneOutput('evaluateDataset');
    return super.evaluateDataset(dataset, options);
  }
  private requireOneInputOneOutput(fn: string): void {
    if (this.inputs.length > 1 || this.outputs.length > 1)
      throw new RangeError(`${fn}: models with several inputs or outputs train from arrays (fit) only, for now`);
  }

  /** Prints (unless print: false) and returns the Keras-style summary, with each layer's inputs. */
  summary(options?: { print?: boolean }): string {
    const o = checkOptions('summary', options, ['print']);
    const inputs = this.inputs.map((t) => ({
      name: t.name,
      className: 'InputLayer',
      out: t.shape,
      params: 0,
      trainable: 0,
      from: '',
    }));
    const tensorName = (t: SymbolicTensor) => t.name;
    const layers = this.nodes.map((node, j) => {
      const first = this.layers.indexOf(node.layer);
      const shape = this.layerInputShapes()[first];
      const specs = this.nodes.findIndex((n) => n.layer === node.layer) === j ? node.layer.weightSpecs(shape) : [];
      const count = (list: typeof specs) => list.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
      const out = this.outputOf(j);
      return {
        name: node.layer.name as string,
        className: node.layer.className,
        out,
        params: count(specs),
        trainable: node.layer.trainable ? count(specs.filter((w) => w.trainable)) : 0,
        from: node.inputs.map(tensorName).join(', '),
      };
    });
    const text = functionalSummaryText(this.name, [...inputs, ...layers]);
    if (o.print !== false) console.log(text);
    return text;
  }

  private outputOf(j: number): Shape {
    const node = this.nodes[j];
    const shapes = node.inputs.map((t) => t.shape);
    const l = node.layer as Layer & { computeMergeShape?(s: Shape[]): Shape };
    return l.computeMergeShape ? l.computeMergeShape(shapes) : l.computeOutputShape(shapes[0]);
  }

  /** The model as ONNX ModelProto bytes (inference: dropout removed); graph inputs and outputs
   *  take the model's input and output names when there are several. See docs/onnx.md. */
  toOnnx(options?: OnnxOptions): Uint8Array {
    return toOnnx(this, options);
  }

  /** Writes the TensorFlow.js Layers format (model.json + weights.bin, class "Model" as tfjs writes
   *  it) into the folder dir, atomically; includeOptimizer also stores the optimizer state. See src/io. */
  save(dir: string, options?: SaveOptions): Promise<SaveResult> {
    const outputs =
      this.outputSettings && this.compiled ? outputTraining(this.outputSettings, this.compiled.metrics.keys) : null;
    return saveModel(this, dir, options, { graph: { inputs: this.inputs, outputs: this.outputs }, outputs });
  }

  /** Configuration in TensorFlow.js terms: the layers, and which tensors each reads. */
  getConfig(): Record<string, unknown> {
    return {
      name: this.name,
      layers: this.nodes.map((node) => ({
        className: node.layer.className,
        config: node.layer.getConfig(),
        inbound: node.inputs.map((t) => t.name),
      })),
      inputLayers: this.inputNames,
      outputLayers: this.outputNames,
    };
  }
}

/** nn.model({ inputs, outputs }): a functional model (tfjs tf.model). */
export function model(args: ModelArgs): Functional {
  return new Functional(args);
}

function tensorList(fn: string, name: string, v: unknown): SymbolicTensor[] {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0) throw new RangeError(`${fn}: ${name} must not be empty`);
  list.forEach((t, i) => {
    if (!(t instanceof SymbolicTensor))
      throw new TypeError(
        `${fn}: ${Array.isArray(v) ? `${name}[${i}]` : name} must be a symbolic tensor (nn.input or layer.apply), got ${describe(t)}`,
      );
  });
  return list as SymbolicTensor[];
}

/** A per-output setting as a list in output order: one value for all (when `single` accepts it),
 *  a list, or an object keyed by output name. */
function perOutput<T>(
  fn: string,
  name: string,
  v: unknown,
  outputs: string[],
  single: (v: unknown) => boolean,
  listsAllowed = true,
): T[] {
  if (single(v)) return outputs.map(() => v as T);
  if (Array.isArray(v) && listsAllowed) {
    if (v.length !== outputs.length)
      throw new RangeError(`${fn}: ${name} must have one entry per output (${outputs.length}), got ${v.length}`);
    return v as T[];
  }
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const keys = Object.keys(v);
    const unknown = keys.find((k) => !outputs.includes(k));
    if (unknown !== undefined)
      throw new RangeError(
        `${fn}: ${name} names "${unknown}", which is not an output (outputs: ${outputs.join(', ')})`,
      );
    return outputs.map((o) => {
      if (!Object.hasOwn(v, o)) throw new RangeError(`${fn}: ${name} has no entry for output "${o}"`);
      return (v as Record<string, T>)[o];
    });
  }
  throw new TypeError(
    `${fn}: ${name} must be given per output (a list or an object keyed by output name), got ${describe(v)}`,
  );
}

/** Model data as a list in input (output) order: a lone value (one input), a list, or an object
 *  keyed by name. */
function byName(fn: string, name: string, v: unknown, names: string[], what: string): unknown[] {
  if (names.length === 1 && !Array.isArray(v) && !(isPlainObject(v) && Object.hasOwn(v as object, names[0])))
    return [v];
  if (Array.isArray(v) && !(v.length > 0 && typeof v[0] === 'number')) {
    if (v.length !== names.length)
      throw new RangeError(`${fn}: ${name} must have one entry per model ${what} (${names.length}), got ${v.length}`);
    return v;
  }
  if (isPlainObject(v)) {
    const unknown = Object.keys(v as object).find((k) => !names.includes(k));
    if (unknown !== undefined) throw new RangeError(`${fn}: ${name} names "${unknown}", which is not a model ${what}`);
    return names.map((n) => {
      if (!Object.hasOwn(v as object, n)) throw new RangeError(`${fn}: ${name} has no entry for ${what} "${n}"`);
      return (v as Record<string, unknown>)[n];
    });
  }
  if (names.length === 1) return [v];
  throw new TypeError(
    `${fn}: ${name} must be a list of ${names.length} (one per model ${what}: ${names.join(', ')}) or an object keyed by those names, got ${describe(v)}`,
  );
}

const isPlainObject = (v: unknown) =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Tensor) && !ArrayBuffer.isView(v);

/** Rows of several arrays (row r of each, widths from `shapes`) side by side in one array. */
function sideBySide(
  fn: string,
  name: string,
  parts: Float32Array[],
  shapes: number[][],
  names: string[],
  knownRows?: number,
): Float32Array {
  if (parts.length === 1) return parts[0];
  const widths = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  const rows = knownRows ?? parts[0].length / widths[0];
  parts.forEach((p, k) => {
    if (p.length !== rows * widths[k])
      throw new RangeError(
        `${fn}: ${name} "${names[k]}" has ${p.length / widths[k]} rows but "${names[0]}" has ${rows}; every ${name} needs the same rows`,
      );
  });
  const total = widths.reduce((a, b) => a + b, 0);
  const out = new Float32Array(rows * total);
  let offset = 0;
  parts.forEach((p, k) => {
    const w = widths[k];
    for (let r = 0; r < rows; r++) out.set(p.subarray(r * w, r * w + w), r * total + offset);
    offset += w;
  });
  return out;
}

const isMergeNode = (node: LayerNode) => 'computeMergeShape' in node.layer;
