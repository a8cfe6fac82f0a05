/**
 * nn.loadModel(dir | path/to/model.json): the TensorFlow.js Layers format → a Sequential model,
 * compiled when the file has a trainingConfig, with its optimizer state restored when the file
 * has one (a checkpoint saved with includeOptimizer). Files written by nativenn and by tfjs
 * (tfjs-node's file://, the converter's sharded group1-shardKofN.bin, any IOHandler's output).
 *
 * Every check of validate-files.ts runs before the model is built, and the model is returned only
 * once complete: a bad file throws and leaves nothing behind.
 */
import * as path from 'node:path';
import type { Initializer } from '../initializers';
import * as init from '../initializers';
import * as layers from '../layers';
import type { Layer } from '../layers/layer';
import { Sequential } from '../model/sequential';
import type { Optimizer } from '../optimizers';
import * as optimizers from '../optimizers';
import { l1l2 } from '../regularizers';
import { Tensor } from '../tensor';
import { interruptedSaveLeftovers } from './atomic';
import type { InitializerSpec, LayerSpec, ModelSpec, OptimizerSpec, OptimizerState } from './format';
import { localModelPath } from './paths';
import { ModelFileError } from './strict';
import { readModelFiles } from './validate-files';
import { matchWeights, paramShapes } from './weight-names';

function seedOf(config: Record<string, unknown>): { seed?: number } {
  const s = config.seed;
  return typeof s === 'number' && Number.isSafeInteger(s) ? { seed: s } : {};
}

/** A file initializer as a nativenn one (it only matters if the layer is re-initialized: the
 *  weights come from the file); unknown ones fall back to the Keras defaults. */
function initializerOf(s: InitializerSpec, fallback: () => Initializer): Initializer {
  const c = s.config;
  const num = (k: string, d: number) => (typeof c[k] === 'number' && Number.isFinite(c[k]) ? (c[k] as number) : d);
  switch (s.className) {
    case 'GlorotUniform':
      return init.glorotUniform(seedOf(c));
    case 'GlorotNormal':
      return init.glorotNormal(seedOf(c));
    case 'HeNormal':
      return init.heNormal(seedOf(c));
    case 'HeUniform':
      return init.heUniform(seedOf(c));
    case 'LeCunNormal':
      return init.leCunNormal(seedOf(c));
    case 'LeCunUniform':
      return init.leCunUniform(seedOf(c));
    case 'Zeros':
      return init.zeros();
    case 'Ones':
      return init.ones();
    case 'Constant':
      return init.constant({ value: num('value', 0) });
    case 'RandomNormal':
      return init.randomNormal({ mean: num('mean', 0), stddev: Math.max(0, num('stddev', 0.05)), ...seedOf(c) });
    case 'RandomUniform': {
      const minval = num('minval', -0.05);
      return init.randomUniform({ minval, maxval: Math.max(minval, num('maxval', 0.05)), ...seedOf(c) });
    }
    case 'VarianceScaling': {
      const key = `${c.scale}/${c.mode}/${c.distribution === 'uniform' ? 'uniform' : 'normal'}`;
      const table: Record<string, (a: { seed?: number }) => Initializer> = {
        '1/fan_avg/uniform': init.glorotUniform,
        '1/fan_avg/normal': init.glorotNormal,
        '2/fan_in/normal': init.heNormal,
        '2/fan_in/uniform': init.heUniform,
        '1/fan_in/normal': init.leCunNormal,
        '1/fan_in/uniform': init.leCunUniform,
      };
      return Object.hasOwn(table, key) ? table[key](seedOf(c)) : fallback();
    }
    default:
      return fallback();
  }
}

function layerOf(l: LayerSpec, first: boolean, inputs: number): Layer {
  const input = first ? { inputShape: [inputs] } : {};
  switch (l.kind) {
    case 'dense':
      return layers.dense({
        ...input,
        name: l.name,
        units: l.units,
        activation: l.activation,
        useBias: l.useBias,
        kernelInitializer: initializerOf(l.kernelInitializer, init.glorotUniform),
        biasInitializer: initializerOf(l.biasInitializer, init.zeros),
        ...(l.l1 !== 0 || l.l2 !== 0 ? { kernelRegularizer: l1l2({ l1: l.l1, l2: l.l2 }) } : {}),
      });
    case 'dropout':
      return layers.dropout({ ...input, name: l.name, rate: l.rate, ...(l.seed === null ? {} : { seed: l.seed }) });
    case 'activation':
      if (l.activation === 'leakyRelu') return layers.leakyRelu({ ...input, name: l.name, alpha: l.alpha });
      if (l.activation === 'elu') return layers.elu({ ...input, name: l.name, alpha: l.alpha });
      return layers.activation({ ...input, name: l.name, activation: l.activation });
  }
}

function optimizerOf(s: OptimizerSpec): Optimizer {
  const { learningRate, beta1, beta2, epsilon } = s;
  switch (s.kind) {
    case 'sgd':
      return optimizers.sgd({ learningRate });
    case 'momentum':
      return optimizers.momentum({ learningRate, momentum: s.momentum, useNesterov: s.nesterov });
    case 'adam':
      return optimizers.adam({ learningRate, beta1, beta2, epsilon });
    case 'adamw':
      return optimizers.adamw({ learningRate, beta1, beta2, epsilon, weightDecay: s.weightDecay });
    case 'rmsprop':
      return optimizers.rmsprop({ learningRate, rho: s.rho, momentum: s.momentum, epsilon });
    case 'adagrad':
      return optimizers.adagrad({ learningRate, epsilon, initialAccumulatorValue: s.initialAccumulatorValue });
  }
}

/** Builds the complete model (nothing escapes before the end). */
export function buildModel(spec: ModelSpec, params: Float32Array[], state: OptimizerState | null): Sequential {
  // Dense leakyRelu/elu carry their own alpha in nativenn only at the defaults (0.3 / 1); the file
  // writes other alphas as separate layers, which is what this builds.
  const model = new Sequential({
    name: spec.name,
    layers: spec.layers.map((l, i) => layerOf(l, i === 0, spec.inputs)),
  });
  const shapes = paramShapes(spec);
  model.setWeights(params.map((p, i) => new Tensor(p, shapes[i].shape)));
  if (spec.training) {
    const { loss, metrics, optimizer } = spec.training;
    model.compile({ loss, metrics, optimizer: optimizerOf(optimizer) });
    if (state) {
      const opt = model.compileConfig?.optimizer as Optimizer;
      model.networkPlan(); // allocates the slots the saved state is copied into
      if (state.slots.length > 0) {
        for (let p = 0; p < opt.plan.slots.length; p++) {
          for (let s = 0; s < opt.plan.slots[p].length; s++) opt.plan.slots[p][s].set(state.slots[p][s]);
        }
      }
      opt.iterations = state.iterations;
    }
  }
  return model;
}

/** A path for messages: relative to the working folder when inside it, else absolute. */
export function shownPath(abs: string): string {
  const rel = path.relative(process.cwd(), abs);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : abs;
}

/** nn.loadModel(dir | 'dir/model.json') → Sequential (compiled when the file has a trainingConfig). */
export async function loadModel(pathOrUrl: string): Promise<Sequential> {
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
