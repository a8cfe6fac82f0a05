/**
 * The TensorFlow.js Layers format as files on disk: `model.json` (topology + weights manifest +
 * training config) and one or more weight shards (`weights.bin`), float32 little-endian values in
 * manifest order with no header. These types describe the JSON exactly as tfjs-layers 4.x writes
 * it (`model.save(...)` → ModelArtifacts → tfjs-node's file:// handler); nativenn writes the same.
 *
 * The neutral description in between (ModelSpec) is what the rest of src/io works with: the file
 * side is decoded into it (strictly, see validate-files.ts and topology.ts) and the model side is
 * encoded from it, so that no half-checked JSON ever reaches the code that builds a model.
 */
import type { LossName } from '../backend';
import type { Layer } from '../layers/layer';
import type { Shape } from '../layers/shape';
import type { SymbolicTensor } from '../layers/symbolic';
import type { OptimizerPlan } from '../train/plan';

// ---- model.json, as written by tfjs ----

/** `{ class_name, config }`, the Keras serialization of any object (layer, initializer, ...). */
export interface KerasObject<C = Record<string, unknown>> {
  class_name: string;
  config: C;
}

export interface SequentialTopology {
  class_name: 'Sequential';
  config: { name: string; layers: KerasObject[] };
  keras_version: string;
  backend: string;
}

/** A functional model (tfjs writes class "Model", Keras "Functional"): each layer entry lists its
 *  applications (inbound_nodes), each reading [layer, node index, tensor index, kwargs] tensors. */
export interface FunctionalTopology {
  class_name: 'Model' | 'Functional';
  config: {
    name: string;
    layers: (KerasObject & { name: string; inbound_nodes: [string, number, number, Record<string, never>][][] })[];
    input_layers: [string, number, number][];
    output_layers: [string, number, number][];
  };
  keras_version: string;
  backend: string;
}

export type WeightDtype = 'float32' | 'int32';

export interface WeightSpecJson {
  name: string;
  shape: number[];
  dtype: WeightDtype;
  /** tfjs marks optimizer state (saved with includeOptimizer) with group "optimizer". */
  group?: 'model' | 'optimizer';
}

export interface WeightsGroupJson {
  /** Shard files, relative to model.json's folder; their bytes concatenate in order. */
  paths: string[];
  weights: WeightSpecJson[];
}

export interface TrainingConfigJson {
  /** snake_case in the file (`categorical_crossentropy`), as tfjs writes it. */
  /** one loss, or (several outputs) one per output in output order */
  loss: string | string[];
  /** the same metrics for every output, or lists keyed by output layer name */
  metrics: string[] | Record<string, string[]>;
  optimizer_config: KerasObject;
  /** nativenn's own additions that tfjs has no name for (e.g. AdamW, BCE from logits); tfjs
   *  ignores the key and loads the portable approximation written in `loss`/`optimizer_config`. */
  nativenn?: {
    loss?: string | string[];
    optimizer_config?: KerasObject;
    metrics?: string[];
    /** functional models: each output's weight in the total loss (tfjs refuses loss_weights) */
    loss_weights?: number[];
  };
}

export interface ModelJson {
  modelTopology: SequentialTopology | FunctionalTopology;
  format: 'layers-model';
  generatedBy: string;
  convertedBy: string | null;
  weightsManifest: WeightsGroupJson[];
  trainingConfig?: TrainingConfigJson;
}

// ---- the neutral description ----

/** An optimizer as a file describes it: the plan's settings without its state, plus adagrad's
 *  starting accumulator. */
export type OptimizerSpec = Omit<OptimizerPlan, 'slots'> & { initialAccumulatorValue: number };

/** One output of a functional model as compiled. */
export interface OutputTrainingSpec {
  loss: LossName;
  weight: number;
  /** compile keys ('accuracy', 'acc', 'mse', 'mae') */
  metrics: string[];
}

export interface TrainingSpec {
  /** the loss (a functional model: its first output's; `outputs` has them all) */
  loss: LossName;
  /** compile keys ('accuracy', 'acc', 'mse', 'mae'): also the history keys */
  metrics: string[];
  optimizer: OptimizerSpec;
  /** functional models: loss, weight and metrics per output, in output order */
  outputs?: OutputTrainingSpec[];
}

/** A functional model's graph: its input tensors (nn.input) and the outputs made from them by
 *  layer.apply; the layers between are the spec's `layers`. */
export interface GraphSpec {
  inputs: readonly SymbolicTensor[];
  outputs: readonly SymbolicTensor[];
  /** the output layers' names in the file (the keys of per-output training settings) */
  outputFileNames?: string[];
}

export interface ModelSpec {
  name: string;
  /** one sample's input shape (batch_input_shape [null, ...inputShape]) */
  inputShape: number[];
  /** the layers themselves (not built: a loaded model builds them): each registered layer class
   *  reads and writes its own file config (src/layers/registry.ts) */
  layers: Layer[];
  training: TrainingSpec | null;
  /** functional models: the graph, and each layer's (first) input shape, batch first */
  graph?: GraphSpec;
  layerInputShapes?: Shape[];
}

/** Optimizer state as stored with includeOptimizer: tfjs's `iter` plus one slot set per param. */
export interface OptimizerState {
  /** updates made so far (tfjs `iter`, int32) */
  iterations: number;
  /** slots[param][slot], the OptimizerPlan.slots layout */
  slots: Float32Array[][];
}

/** A weight as read from or written to the shards. */
export interface NamedWeight {
  name: string;
  shape: number[];
  /** float32 values, or the int32 values of tfjs's `iter` */
  data: Float32Array | Int32Array;
  group?: 'model' | 'optimizer';
}

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
export const FORMAT = 'layers-model';
/** Largest element count of one weight and largest byte total nativenn reads (2 GiB − 1): larger
 *  files are refused before anything is allocated. */
export const MAX_WEIGHT_ELEMENTS = 2 ** 29 - 1;
export const MAX_WEIGHT_BYTES = 2 ** 31 - 1;
/** model.json is JSON text; anything past this is not a model description. */
export const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;
