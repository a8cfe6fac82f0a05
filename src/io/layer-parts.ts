/**
 * The pieces inside a layer's file config that several layer classes share: activation strings,
 * initializers and kernel regularizers, in the spelling tfjs-layers and Keras write.
 *
 * tfjs activation strings nativenn maps 1:1: linear, sigmoid, tanh, relu, softmax, gelu (exact,
 * erf-based in tfjs-layers 4.x), swish (= silu), elu (alpha 1 only: tfjs-layers' elu throws for
 * any other alpha). leakyRelu (and elu with alpha ≠ 1) has no string with a parameter in tfjs: a
 * layer with it is written with its own LeakyReLU / ELU layer, as Keras does.
 */
import type { Initializer } from '../initializers';
import * as init from '../initializers';
import { l1l2, type Regularizer } from '../regularizers';
import type { PlanActivation } from '../train/plan';
import type { KerasObject } from './format';
import { isPlainObject, ModelFileError, StrictObject } from './strict';

const ACTIVATION_FROM_FILE: Record<string, PlanActivation> = {
  linear: 'linear',
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  relu: 'relu',
  elu: 'elu',
  softmax: 'softmax',
  gelu: 'gelu',
  swish: 'silu',
  silu: 'silu',
  hard_sigmoid: 'hardSigmoid', // tfjs writes its camelCase names in snake_case
  hardSigmoid: 'hardSigmoid',
};

export function activationFromFile(name: string, where: string): PlanActivation {
  const a = Object.hasOwn(ACTIVATION_FROM_FILE, name) ? ACTIVATION_FROM_FILE[name] : undefined;
  if (!a) {
    const supported = Object.keys(ACTIVATION_FROM_FILE).join(', ');
    throw new ModelFileError(`${where}: unsupported activation "${name}" (supported: ${supported})`);
  }
  return a;
}

/** tfjs's activation string, or null when the activation needs its own layer (LeakyReLU / ELU). */
export function activationToFile(a: PlanActivation, alpha: number): string | null {
  if (a === 'leakyRelu') return null;
  if (a === 'elu') return alpha === 1 ? 'elu' : null;
  if (a === 'silu') return 'swish';
  if (a === 'hardSigmoid') return 'hard_sigmoid';
  return a;
}

/** The LeakyReLU / ELU layer that carries an activation with a parameter. */
export function parametricActivationLayer(a: 'leakyRelu' | 'elu', alpha: number, name: string): KerasObject {
  return { class_name: a === 'leakyRelu' ? 'LeakyReLU' : 'ELU', config: { alpha, name, trainable: true } };
}

function seedOf(config: Record<string, unknown>): { seed?: number } {
  const s = config.seed;
  return typeof s === 'number' && Number.isSafeInteger(s) ? { seed: s } : {};
}

const VARIANCE_SCALING: Record<string, (a: { seed?: number }) => Initializer> = {
  '1/fan_avg/uniform': init.glorotUniform,
  '1/fan_avg/normal': init.glorotNormal,
  '2/fan_in/normal': init.heNormal,
  '2/fan_in/uniform': init.heUniform,
  '1/fan_in/normal': init.leCunNormal,
  '1/fan_in/uniform': init.leCunUniform,
};

/** A file initializer as a nativenn one (it only matters if the layer is re-initialized: the
 *  weights come from the file); unknown ones fall back to the Keras defaults. */
export function initializerFromFile(v: unknown, where: string, fallback: () => Initializer): Initializer {
  const o = StrictObject.of(v, where);
  const className = o.string('class_name');
  const c = o.raw('config') ?? {};
  if (!isPlainObject(c)) throw new ModelFileError(`${o.at('config')} must be an object`);
  o.ignore('module', 'registered_name');
  o.done();
  const num = (k: string, d: number) => (typeof c[k] === 'number' && Number.isFinite(c[k]) ? (c[k] as number) : d);
  switch (className) {
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
    case 'Orthogonal':
      return init.orthogonal({ gain: num('gain', 1), ...seedOf(c) });
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
      return Object.hasOwn(VARIANCE_SCALING, key) ? VARIANCE_SCALING[key](seedOf(c)) : fallback();
    }
    default:
      return fallback();
  }
}

export function initializerToFile(i: Initializer): KerasObject {
  const c = i.getConfig();
  return { class_name: c.className, config: { ...c.config } };
}

/** kernel_regularizer → Regularizer (null → null); L1, L2 and L1L2 as tfjs and Keras write them. */
export function regularizerFromFile(v: unknown, where: string): Regularizer | null {
  if (v === null || v === undefined) return null;
  const o = StrictObject.of(v, where);
  const className = o.string('class_name');
  const c = StrictObject.of(o.raw('config'), o.at('config'));
  o.ignore('module', 'registered_name');
  o.done();
  if (!['L1L2', 'L1', 'L2'].includes(className)) {
    throw new ModelFileError(`${where}: unsupported regularizer "${className}" (supported: L1L2, L1, L2)`);
  }
  const l1 = className === 'L1L2' || className === 'L1' ? c.setting('l1', 'l1', 0) : 0;
  const l2 = className === 'L1L2' || className === 'L2' ? c.setting('l2', 'l2', 0) : 0;
  c.done();
  return l1l2({ l1, l2 });
}

export function regularizerToFile(r: Regularizer | null): KerasObject | null {
  if (r === null) return null;
  const c = r.getConfig();
  return { class_name: c.className, config: { ...c.config } };
}

/** What Dense and the convolutions share: an activation, a kernel and maybe a bias. */
export interface KernelLayerParts {
  activation: PlanActivation;
  alpha: number;
  useBias: boolean;
  kernelInitializer: Initializer;
  biasInitializer: Initializer;
  kernelRegularizer: Regularizer | null;
}

/** Those parts read from a file config (glorotUniform and zeros when absent), refusing the
 *  features nativenn lacks (bias/activity regularization, constraints) unless null. */
export function kernelLayerFromFile(c: StrictObject): Omit<KernelLayerParts, 'alpha' | 'kernelRegularizer'> & {
  kernelRegularizer?: Regularizer;
} {
  const activation = activationFromFile(c.optionalString('activation', 'linear'), c.at('activation'));
  const useBias = c.boolean('use_bias', true);
  const kernelInitializer = c.has('kernel_initializer')
    ? initializerFromFile(c.raw('kernel_initializer'), c.at('kernel_initializer'), init.glorotUniform)
    : init.glorotUniform();
  const biasInitializer = c.has('bias_initializer')
    ? initializerFromFile(c.raw('bias_initializer'), c.at('bias_initializer'), init.zeros)
    : init.zeros();
  const kernelRegularizer = regularizerFromFile(c.raw('kernel_regularizer'), c.at('kernel_regularizer'));
  c.mustBeNull('bias_regularizer', 'bias regularization');
  c.mustBeNull('activity_regularizer', 'activity regularization');
  c.mustBeNull('kernel_constraint', 'a kernel constraint');
  c.mustBeNull('bias_constraint', 'a bias constraint');
  return {
    activation,
    useBias,
    kernelInitializer,
    biasInitializer,
    ...(kernelRegularizer ? { kernelRegularizer } : {}),
  };
}

/** The layer as file layers: its own config (`own` plus the shared keys and `base`), then a
 *  LeakyReLU / ELU layer when its activation has no tfjs string (as Keras writes it). */
export function kernelLayerToFile(
  className: string,
  own: Record<string, unknown>,
  l: KernelLayerParts,
  base: Record<string, unknown>,
  taken: Set<string>,
  uniqueName: (base: string, taken: Set<string>) => string,
): KerasObject[] {
  const asString = activationToFile(l.activation, l.alpha);
  const layer: KerasObject = {
    class_name: className,
    config: {
      ...own,
      activation: asString ?? 'linear',
      use_bias: l.useBias,
      kernel_initializer: initializerToFile(l.kernelInitializer),
      bias_initializer: initializerToFile(l.biasInitializer),
      kernel_regularizer: regularizerToFile(l.kernelRegularizer),
      bias_regularizer: null,
      activity_regularizer: null,
      kernel_constraint: null,
      bias_constraint: null,
      ...base,
    },
  };
  if (asString !== null) return [layer];
  const a = l.activation as 'leakyRelu' | 'elu';
  return [layer, parametricActivationLayer(a, l.alpha, uniqueName(a === 'elu' ? 'elu' : 'leaky_re_lu', taken))];
}
