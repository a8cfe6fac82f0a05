/**
 * model.save(dir): a Sequential model → model.json + weights.bin in the TensorFlow.js Layers
 * format, written atomically (atomic.ts). With includeOptimizer the optimizer's `iter` and slots
 * are stored too (group "optimizer", tfjs names), which is what a checkpoint needs to resume.
 *
 * Everything is read from the model synchronously, before the first await, so the files are one
 * consistent snapshot even if training goes on while they are written.
 */
import { describe } from '../backend/check';
import { isRegistered } from '../layers/registry';
import type { LayersModel } from '../model/layers-model';
import { checkOptions } from '../model/options';
import { writeFolderAtomically } from './atomic';
import type {
  GraphSpec,
  ModelJson,
  ModelSpec,
  OptimizerSpec,
  OptimizerState,
  OutputTrainingSpec,
  TrainingSpec,
} from './format';
import { FORMAT, MODEL_JSON, WEIGHTS_BIN } from './format';
import { encodeFunctionalTopology } from './functional-encode';
import { checkSaveTarget } from './paths';
import { encodeTopology } from './topology';
import { encodeTrainingConfig } from './training-config';
import { namedWeights, paramShapes } from './weight-names';
import { firstNonFinite, packWeights } from './weights';

const VERSION: string = require('../../package.json').version;

export interface SaveOptions {
  /** Also store the optimizer state (iterations and slots), for resuming training. Default false. */
  includeOptimizer?: boolean;
}

export interface SaveResult {
  /** absolute folder and the files written in it */
  dir: string;
  files: string[];
  weightBytes: number;
}

/** What a functional model adds to its layers: the graph, and its per-output compile settings. */
export interface FunctionalParts {
  graph: GraphSpec;
  outputs: OutputTrainingSpec[] | null;
}

/** The model as a ModelSpec, its parameters and (optionally) its optimizer state. */
export function snapshot(
  model: LayersModel,
  includeOptimizer: boolean,
  functional?: FunctionalParts,
): { spec: ModelSpec; params: Float32Array[]; state: OptimizerState | null; seed: number } {
  if (model.layers.length === 0) throw new RangeError('save: the model has no layers');
  for (const l of model.layers) {
    // A subclass would be written as its parent and come back as something else.
    if (!isRegistered(l))
      throw new TypeError(`save: layer "${l.name}" (${l.constructor.name}) is not a registered layer class`);
  }
  const layers = [...model.layers];
  const compiled = model.compileConfig;
  let training: TrainingSpec | null = null;
  let state: OptimizerState | null = null;
  if (compiled) {
    const p = compiled.optimizer.plan;
    const optimizer: OptimizerSpec = {
      kind: p.kind,
      learningRate: p.learningRate,
      beta1: p.beta1,
      beta2: p.beta2,
      epsilon: p.epsilon,
      momentum: p.momentum,
      nesterov: p.nesterov,
      rho: p.rho,
      weightDecay: p.weightDecay,
      clipnorm: p.clipnorm,
      clipvalue: p.clipvalue,
      initialAccumulatorValue: compiled.optimizer.initialAccumulatorValue,
    };
    training = functional?.outputs
      ? { loss: functional.outputs[0].loss, metrics: [], optimizer, outputs: functional.outputs }
      : {
          loss: compiled.loss,
          metrics: [...compiled.metrics.keys, ...compiled.metrics.wholeSet.map((w) => w.key)],
          optimizer,
        };
    if (includeOptimizer) {
      // Slots exist once the model has a plan (first fit/evaluate); before that only `iter` is stored.
      const slots = p.slots.length > 0 ? p.slots.map((s) => s.map((a) => a.slice())) : null;
      state = { iterations: compiled.optimizer.iterations, slots: slots ?? [] };
    }
  } else if (includeOptimizer) {
    throw new Error('save: includeOptimizer needs a compiled model (there is no optimizer to store)');
  }
  const params = model.layers.flatMap((l) => l.weights()).map((w) => w.slice());
  const spec: ModelSpec = functional
    ? {
        name: model.name,
        inputShape: [],
        layers,
        training,
        graph: functional.graph,
        layerInputShapes: layers.map((l) => (l.appliedInputShapes as NonNullable<typeof l.appliedInputShapes>)[0]),
      }
    : { name: model.name, inputShape: model.inputShape, layers, training };
  refuseNonFinite(spec, params, state);
  return { spec, params, state, seed: model.seed };
}

/** save's refusal of NaN/Infinity weights (modelCheckpoint skips that epoch instead of failing fit). */
export class NonFiniteWeightsError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'NonFiniteWeightsError';
  }
}

/** A diverged fit leaves NaN/Infinity in the weights, which loadModel refuses: such a model is
 *  not written at all, so the files of an earlier good save stay as they were. */
function refuseNonFinite(spec: ModelSpec, params: Float32Array[], state: OptimizerState | null): void {
  const names = paramShapes(spec).map((p) => p.name);
  const check = (data: Float32Array, what: string) => {
    const bad = firstNonFinite(data);
    if (bad >= 0) {
      throw new NonFiniteWeightsError(
        `save: ${what} holds ${data[bad]} at index ${bad} (the training diverged; see history.nonFinite); nothing was written`,
      );
    }
  };
  params.forEach((p, i) => check(p, `weight "${names[i]}"`));
  const trainable = paramShapes(spec).filter((p) => p.trainable);
  state?.slots.forEach((slots, i) => slots.forEach((s) => check(s, `the optimizer state of "${trainable[i].name}"`)));
}

/** The two files of a model: model.json text and weights.bin bytes. */
export function encodeModel(
  spec: ModelSpec,
  params: Float32Array[],
  state: OptimizerState | null,
  modelSeed: number,
): { json: ModelJson; bytes: Uint8Array } {
  const weights = namedWeights(
    spec,
    params,
    spec.training?.optimizer.kind ?? null,
    state && state.slots.length > 0 ? state : null,
  );
  if (state && state.slots.length === 0) {
    weights.push({ name: 'iter', shape: [], data: Int32Array.of(state.iterations), group: 'optimizer' });
  }
  const { specs, bytes } = packWeights(weights);
  const { graph, layerInputShapes } = spec;
  const functional =
    graph && layerInputShapes
      ? encodeFunctionalTopology({ ...spec, graph, layerInputShapes }, `nativenn ${VERSION}`, modelSeed)
      : null;
  const json: ModelJson = {
    modelTopology: (functional?.topology ??
      encodeTopology(spec, `nativenn ${VERSION}`, modelSeed)) as ModelJson['modelTopology'],
    format: FORMAT,
    generatedBy: `nativenn v${VERSION}`,
    convertedBy: null,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: specs }],
  };
  if (spec.training) json.trainingConfig = encodeTrainingConfig(spec.training, functional?.outputFileNames ?? null);
  return { json, bytes };
}

export async function saveModel(
  model: LayersModel,
  dir: unknown,
  options?: SaveOptions,
  functional?: FunctionalParts,
): Promise<SaveResult> {
  const target = checkSaveTarget('save: dir', dir);
  const o = checkOptions('save', options, ['includeOptimizer']);
  if (o.includeOptimizer !== undefined && typeof o.includeOptimizer !== 'boolean') {
    throw new TypeError(`save: includeOptimizer must be a boolean, got ${describe(o.includeOptimizer)}`);
  }
  if (model.busy) throw new Error('save: the model is training; save from a callback hook (onEpochEnd) or after fit');
  const { spec, params, state, seed } = snapshot(model, o.includeOptimizer === true, functional);
  const { json, bytes } = encodeModel(spec, params, state, seed);
  await writeFolderAtomically(target, [
    { name: WEIGHTS_BIN, data: bytes },
    { name: MODEL_JSON, data: `${JSON.stringify(json, null, 1)}\n` },
  ]);
  return { dir: target, files: [MODEL_JSON, WEIGHTS_BIN], weightBytes: bytes.byteLength };
}
