/**
 * nn.loadModel(dir | path/to/model.json): the TensorFlow.js Layers format → a Sequential model
 * (class "Sequential") or a functional one (class "Model" or "Functional", functional-decode.ts),
 * compiled when the file has a trainingConfig, with its optimizer state restored when the file
 * has one (a checkpoint saved with includeOptimizer). Files written by nativenn and by tfjs
 * (tfjs-node's file://, the converter's sharded group1-shardKofN.bin, any IOHandler's output).
 *
 * Every check of validate-files.ts runs before the model is built, and the model is returned only
 * once complete: a bad file throws and leaves nothing behind.
 */
import * as path from 'node:path';
import { Functional } from '../model/functional';
import type { LayersModel } from '../model/layers-model';
import { Sequential } from '../model/sequential';
import type { Optimizer } from '../optimizers';
import * as optimizers from '../optimizers';
import { Tensor } from '../tensor';
import { interruptedSaveLeftovers } from './atomic';
import type { ModelSpec, OptimizerSpec, OptimizerState } from './format';
import { localModelPath } from './paths';
import { ModelFileError } from './strict';
import { readModelFiles } from './validate-files';
import { matchWeights, paramShapes } from './weight-names';

function optimizerOf(s: OptimizerSpec): Optimizer {
  const { learningRate, beta1, beta2, epsilon } = s;
  const clip = {
    ...(s.clipnorm > 0 ? { clipnorm: s.clipnorm } : {}),
    ...(s.clipvalue > 0 ? { clipvalue: s.clipvalue } : {}),
  };
  switch (s.kind) {
    case 'sgd':
      return optimizers.sgd({ learningRate, ...clip });
    case 'momentum':
      return optimizers.momentum({ learningRate, momentum: s.momentum, useNesterov: s.nesterov, ...clip });
    case 'adam':
      return optimizers.adam({ learningRate, beta1, beta2, epsilon, ...clip });
    case 'adamw':
      return optimizers.adamw({ learningRate, beta1, beta2, epsilon, weightDecay: s.weightDecay, ...clip });
    case 'rmsprop':
      return optimizers.rmsprop({ learningRate, rho: s.rho, momentum: s.momentum, epsilon, ...clip });
    case 'adagrad':
      return optimizers.adagrad({ learningRate, epsilon, initialAccumulatorValue: s.initialAccumulatorValue, ...clip });
  }
}

/** Builds the complete model (nothing escapes before the end). */
export function buildModel(
  spec: ModelSpec,
  params: Float32Array[],
  state: OptimizerState | null,
): Sequential | Functional {
  if (spec.graph) return buildFunctional(spec, params, state);
  // The layers were made by their classes from the file (topology.ts); the model builds them.
  const model = new Sequential({ name: spec.name, layers: spec.layers });
  // params are in layer order; setWeights takes tfjs's (every trainable weight, then the rest).
  const shapes = paramShapes(spec);
  const tensors = params.map((p, i) => ({ t: new Tensor(p, shapes[i].shape), trainable: shapes[i].trainable }));
  model.setWeights([...tensors.filter((w) => w.trainable), ...tensors.filter((w) => !w.trainable)].map((w) => w.t));
  if (spec.training) {
    const { loss, metrics, optimizer } = spec.training;
    model.compile({ loss, metrics, optimizer: optimizerOf(optimizer) });
    restoreOptimizer(model, state);
  }
  return model;
}

/** A functional model from its graph (the layers already applied by functional-decode.ts). */
function buildFunctional(spec: ModelSpec, params: Float32Array[], state: OptimizerState | null): Functional {
  const graph = spec.graph as NonNullable<ModelSpec['graph']>;
  const model = new Functional({ name: spec.name, inputs: [...graph.inputs], outputs: [...graph.outputs] });
  // params and optimizer slots are in spec.layers order, which is the model's (decode ordered them so)
  if (model.layers.length !== spec.layers.length || model.layers.some((l, i) => l !== spec.layers[i]))
    throw new Error('loadModel: internal error: the model orders its layers unlike the file decoder');
  let k = 0;
  for (const layer of model.layers) for (const w of layer.weights()) w.set(params[k++]);
  const outputs = spec.training?.outputs;
  if (spec.training && outputs) {
    model.compile({
      optimizer: optimizerOf(spec.training.optimizer),
      loss: outputs.map((o) => o.loss),
      lossWeights: outputs.map((o) => o.weight),
      metrics: outputs.map((o) => o.metrics),
    });
    restoreOptimizer(model, state);
  }
  return model;
}

/** Copies a checkpoint's optimizer state into the compiled model's optimizer. */
function restoreOptimizer(model: LayersModel, state: OptimizerState | null): void {
  if (!state) return;
  const opt = model.compileConfig?.optimizer as Optimizer;
  // Slots saved (a trained optimizer): allocate them and copy the state in. None saved (an
  // optimizer that never updated): they are allocated fresh at the first fit, as in the original.
  if (state.slots.length > 0) {
    model.compiledNetwork(); // allocates the slots the saved state is copied into
    for (let p = 0; p < opt.plan.slots.length; p++) {
      for (let s = 0; s < opt.plan.slots[p].length; s++) opt.plan.slots[p][s].set(state.slots[p][s]);
    }
  }
  opt.iterations = state.iterations;
}

/** A path for messages: relative to the working folder when inside it, else absolute. */
export function shownPath(abs: string): string {
  const rel = path.relative(process.cwd(), abs);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : abs;
}

/** nn.loadModel(dir | 'dir/model.json') → Sequential or Functional (compiled when the file has a
 *  trainingConfig). */
export async function loadModel(pathOrUrl: string): Promise<Sequential | Functional> {
  const dirOrModelJson = localModelPath('loadModel: path', pathOrUrl);
  let files: Awaited<ReturnType<typeof readModelFiles>>;
  try {
    files = await readModelFiles(dirOrModelJson);
  } catch (e) {
    if (e instanceof ModelFileError && /does not exist|has no model\.json/.test(e.message)) {
      const left = await interruptedSaveLeftovers(
        dirOrModelJson.endsWith('.json') ? path.dirname(dirOrModelJson) : dirOrModelJson,
      );
      const backup = left.find((f) => /\.old-/.test(f));
      if (backup) e.message += ` (an interrupted save left the previous model in ${backup}; rename it to restore)`;
    }
    throw e;
  }
  const where = shownPath(files.modelJsonPath);
  const { params, optimizer } = matchWeights(files.spec, files.weights, where);
  try {
    return buildModel(files.spec, params, optimizer);
  } catch (e) {
    const err = e as Error;
    throw new ModelFileError(`${where}: ${err.message}`);
  }
}
