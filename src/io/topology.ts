/**
 * modelTopology ⇄ ModelSpec layers: the Keras/tfjs Sequential JSON, layer by layer.
 *
 * tfjs activation strings nativenn maps 1:1: linear, sigmoid, tanh, relu, softmax, gelu (exact,
 * erf-based in tfjs-layers 4.x), swish (= silu), elu (alpha 1 only: tfjs-layers' elu throws for
 * any other alpha). leakyRelu (and elu with alpha ≠ 1) has no string with a parameter in tfjs, so a
 * Dense with it is written as Dense(linear) followed by a LeakyReLU / ELU layer, as Keras does.
 */
import { MAX_SIZE } from '../backend/check';
import type { PlanActivation } from '../train/plan';
import type { InitializerSpec, KerasObject, LayerSpec, ModelSpec } from './format';
import { isPlainObject, ModelFileError, StrictObject } from './strict';

/** File activation string → nativenn activation. */
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
};
const SUPPORTED_ACTIVATIONS = Object.keys(ACTIVATION_FROM_FILE).join(', ');

/** Largest Dense width accepted from a file: far above any real model, far below 2^40. */
export const MAX_UNITS = 1 << 24;

// ------------------------------------------------------------------ decode (file → spec)

function activationOf(name: string, where: string): PlanActivation {
  const a = Object.hasOwn(ACTIVATION_FROM_FILE, name) ? ACTIVATION_FROM_FILE[name] : undefined;
  if (!a) throw new ModelFileError(`${where}: unsupported activation "${name}" (supported: ${SUPPORTED_ACTIVATIONS})`);
  return a;
}

function initializerOf(v: unknown, where: string): InitializerSpec {
  const o = StrictObject.of(v, where);
  const className = o.string('class_name');
  const config = o.raw('config') ?? {};
  if (!isPlainObject(config)) throw new ModelFileError(`${o.at('config')} must be an object`);
  o.ignore('module', 'registered_name');
  o.done();
  return { className, config: { ...config } };
}

/** kernel_regularizer → [l1, l2] (null → [0, 0]); L1, L2 and L1L2 as tfjs and Keras write them. */
function regularizerOf(v: unknown, where: string): [number, number] {
  if (v === null || v === undefined) return [0, 0];
  const o = StrictObject.of(v, where);
  const className = o.string('class_name');
  const c = StrictObject.of(o.raw('config'), o.at('config'));
  o.ignore('module', 'registered_name');
  o.done();
  let l1 = 0;
  let l2 = 0;
  if (className === 'L1L2' || className === 'L1') l1 = c.number('l1', 0, 1e6, 0);
  if (className === 'L1L2' || className === 'L2') l2 = c.number('l2', 0, 1e6, 0);
  if (!['L1L2', 'L1', 'L2'].includes(className)) {
    throw new ModelFileError(`${where}: unsupported regularizer "${className}" (supported: L1L2, L1, L2)`);
  }
  c.done();
  return [l1, l2];
}

/** batch_input_shape [null, n] → n */
function inputWidth(o: StrictObject): number | null {
  if (!o.has('batch_input_shape')) return null;
  const where = o.at('batch_input_shape');
  const s = o.array('batch_input_shape');
  if (s.length !== 2 || (s[0] !== null && !Number.isInteger(s[0]))) {
    throw new ModelFileError(
      `${where} must be [null, features] (nativenn models take 2-D input), got ${JSON.stringify(s)}`,
    );
  }
  const n = s[1];
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_UNITS) {
    throw new ModelFileError(`${where}[1] must be an integer from 1 to ${MAX_UNITS}, got ${JSON.stringify(n)}`);
  }
  return n;
}

/** "float32", or Keras' dtype policy object naming float32. */
function checkDtype(d: unknown, where: string): void {
  const policy = isPlainObject(d) && isPlainObject(d.config) ? d.config.name : undefined;
  if (d !== 'float32' && d !== null && policy !== 'float32') {
    throw new ModelFileError(`${where}: only float32 layers are supported, got ${JSON.stringify(d)}`);
  }
}

/** Keys every tfjs/Keras layer config may carry. */
function commonKeys(o: StrictObject): { name: string; trainable: boolean } {
  const name = o.string('name');
  if (name.length === 0 || name.length > 256)
    throw new ModelFileError(`${o.at('name')} must be a non-empty string of at most 256 characters`);
  const trainable = o.boolean('trainable', true);
  if (o.has('dtype')) checkDtype(o.raw('dtype'), o.at('dtype'));
  o.ignore('batch_size');
  return { name, trainable };
}

interface Decoded {
  layer: LayerSpec | null;
  inputs: number | null;
}

function decodeLayer(v: unknown, where: string): Decoded {
  const outer = StrictObject.of(v, where);
  const className = outer.string('class_name');
  const o = StrictObject.of(outer.raw('config'), `${where} (${className}).config`);
  outer.ignore('name', 'inbound_nodes', 'module', 'registered_name', 'build_config');
  outer.done();
  let layer: LayerSpec | null;
  let inputs: number | null = null;
  switch (className) {
    case 'InputLayer': {
      inputs = inputWidth(o);
      if (inputs === null) throw new ModelFileError(`${o.at('batch_input_shape')} is missing`);
      o.string('name');
      if (o.has('dtype')) checkDtype(o.raw('dtype'), o.at('dtype'));
      o.ignore('sparse', 'ragged');
      o.done();
      return { layer: null, inputs };
    }
    case 'Dense': {
      const { name, trainable } = commonKeys(o);
      inputs = inputWidth(o);
      const units = o.integer('units', 1, MAX_UNITS);
      const activation = activationOf(o.optionalString('activation', 'linear'), o.at('activation'));
      const useBias = o.boolean('use_bias', true);
      const kernelInitializer = o.has('kernel_initializer')
        ? initializerOf(o.raw('kernel_initializer'), o.at('kernel_initializer'))
        : { className: 'GlorotUniform', config: { seed: null } };
      const biasInitializer = o.has('bias_initializer')
        ? initializerOf(o.raw('bias_initializer'), o.at('bias_initializer'))
        : { className: 'Zeros', config: {} };
      const [l1, l2] = regularizerOf(o.raw('kernel_regularizer'), o.at('kernel_regularizer'));
      o.mustBeNull('bias_regularizer', 'bias regularization');
      o.mustBeNull('activity_regularizer', 'activity regularization');
      o.mustBeNull('kernel_constraint', 'a kernel constraint');
      o.mustBeNull('bias_constraint', 'a bias constraint');
      const alpha = activation === 'elu' ? 1 : 0;
      layer = {
        kind: 'dense',
        name,
        units,
        activation,
        alpha,
        useBias,
        kernelInitializer,
        biasInitializer,
        l1,
        l2,
        trainable,
      };
      break;
    }
    case 'Dropout': {
      const { name } = commonKeys(o);
      inputs = inputWidth(o);
      const rate = o.number('rate', 0, 0.999999);
      o.mustBeNull('noise_shape', 'noise_shape');
      const s = o.raw('seed');
      if (s !== undefined && s !== null && !(Number.isInteger(s) && (s as number) >= 0 && (s as number) <= MAX_SIZE)) {
        throw new ModelFileError(
          `${o.at('seed')} must be null or an integer from 0 to ${MAX_SIZE}, got ${JSON.stringify(s)}`,
        );
      }
      layer = { kind: 'dropout', name, rate, seed: (s as number | null | undefined) ?? null };
      break;
    }
    case 'Activation': {
      const { name } = commonKeys(o);
      inputs = inputWidth(o);
      const activation = activationOf(o.string('activation'), o.at('activation'));
      layer = { kind: 'activation', name, activation, alpha: 1 };
      break;
    }
    case 'LeakyReLU': {
      const { name } = commonKeys(o);
      inputs = inputWidth(o);
      // tfjs writes `alpha`; Keras 3 writes `negative_slope`.
      const key = o.has('negative_slope') ? 'negative_slope' : 'alpha';
      const alpha = o.number(key, 0, 1e6, 0.3);
      layer = { kind: 'activation', name, activation: 'leakyRelu', alpha };
      break;
    }
    case 'ELU': {
      const { name } = commonKeys(o);
      inputs = inputWidth(o);
      const alpha = o.number('alpha', 0, 1e6, 1);
      layer = { kind: 'activation', name, activation: 'elu', alpha };
      break;
    }
    case 'ReLU': {
      const { name } = commonKeys(o);
      inputs = inputWidth(o);
      o.mustBeNull('max_value', 'ReLU max_value');
      layer = { kind: 'activation', name, activation: 'relu', alpha: 0 };
      break;
    }
    case 'Softmax': {
      const { name } = commonKeys(o);
      inputs = inputWidth(o);
      const axis = o.has('axis') ? o.raw('axis') : -1;
      if (
        axis !== -1 &&
        axis !== 1 &&
        !(Array.isArray(axis) && axis.length === 1 && (axis[0] === -1 || axis[0] === 1))
      ) {
        throw new ModelFileError(
          `${o.at('axis')}: only softmax over the last axis is supported, got ${JSON.stringify(axis)}`,
        );
      }
      layer = { kind: 'activation', name, activation: 'softmax', alpha: 0 };
      break;
    }
    default:
      throw new ModelFileError(
        `${where}: unsupported layer class "${className}" (supported: Dense, Dropout, Activation, LeakyReLU, ELU, ReLU, Softmax, InputLayer)`,
      );
  }
  o.done();
  return { layer, inputs };
}

/** modelTopology → name, input width and layers; every key and value checked. */
export function decodeTopology(v: unknown, where: string): Omit<ModelSpec, 'training'> {
  const top = StrictObject.of(v, where);
  const className = top.string('class_name');
  if (className !== 'Sequential') {
    throw new ModelFileError(`${top.at('class_name')}: only Sequential models are supported, got "${className}"`);
  }
  top.ignore('keras_version', 'backend');
  // Keras 2.1-era files store config as the bare layer list.
  const rawConfig = top.raw('config');
  let name = 'sequential';
  let rawLayers: unknown[];
  if (Array.isArray(rawConfig)) {
    rawLayers = rawConfig;
  } else {
    const config = StrictObject.of(rawConfig, top.at('config'));
    name = config.optionalString('name', name) || 'sequential';
    rawLayers = config.array('layers');
    config.ignore('build_input_shape', 'trainable', 'dtype');
    config.done();
  }
  top.done();
  if (rawLayers.length === 0) throw new ModelFileError(`${where}.config.layers is empty`);
  if (rawLayers.length > 10_000)
    throw new ModelFileError(`${where}.config.layers has ${rawLayers.length} layers (at most 10000)`);

  let inputs: number | null = null;
  const layers: LayerSpec[] = [];
  const names = new Set<string>();
  rawLayers.forEach((raw, i) => {
    const lw = `${where}.config.layers[${i}]`;
    const d = decodeLayer(raw, lw);
    if (d.inputs !== null) {
      if (layers.length > 0) throw new ModelFileError(`${lw}: batch_input_shape is only allowed on the first layer`);
      if (inputs !== null && inputs !== d.inputs)
        throw new ModelFileError(`${lw}: batch_input_shape disagrees with the InputLayer`);
      inputs = d.inputs;
    }
    if (d.layer) {
      if (names.has(d.layer.name)) throw new ModelFileError(`${lw}: duplicate layer name "${d.layer.name}"`);
      names.add(d.layer.name);
      layers.push(d.layer);
    }
  });
  if (inputs === null)
    throw new ModelFileError(`${where}: the first layer has no batch_input_shape (input width unknown)`);
  if (!layers.some((l) => l.kind === 'dense')) throw new ModelFileError(`${where}: the model has no Dense layer`);
  return { name, inputs, layers };
}

// ------------------------------------------------------------------ encode (spec → file)

/** tfjs's activation string for a plan activation, or null when it needs its own layer. */
function activationString(a: PlanActivation, alpha: number): string | null {
  if (a === 'leakyRelu') return null;
  if (a === 'elu') return alpha === 1 ? 'elu' : null;
  if (a === 'silu') return 'swish';
  return a;
}

function activationLayer(a: PlanActivation, alpha: number, name: string): KerasObject {
  if (a === 'leakyRelu') return { class_name: 'LeakyReLU', config: { alpha, name, trainable: true } };
  if (a === 'elu') return { class_name: 'ELU', config: { alpha, name, trainable: true } };
  return { class_name: 'Activation', config: { activation: activationString(a, alpha), name, trainable: true } };
}

function uniqueName(base: string, taken: Set<string>): string {
  let n = 1;
  while (taken.has(`${base}_${n}`)) n++;
  const name = `${base}_${n}`;
  taken.add(name);
  return name;
}

/** spec → modelTopology, exactly the keys tfjs-layers writes. */
export function encodeTopology(
  spec: Omit<ModelSpec, 'training'>,
  kerasVersion: string,
): KerasObject<{ name: string; layers: KerasObject[] }> & { keras_version: string; backend: string } {
  const taken = new Set(spec.layers.map((l) => l.name));
  const layers: KerasObject[] = [];
  for (const l of spec.layers) {
    let obj: KerasObject;
    let extra: KerasObject | null = null;
    if (l.kind === 'dense') {
      const asString = activationString(l.activation, l.alpha);
      obj = {
        class_name: 'Dense',
        config: {
          units: l.units,
          activation: asString ?? 'linear',
          use_bias: l.useBias,
          kernel_initializer: { class_name: l.kernelInitializer.className, config: l.kernelInitializer.config },
          bias_initializer: { class_name: l.biasInitializer.className, config: l.biasInitializer.config },
          kernel_regularizer: l.l1 === 0 && l.l2 === 0 ? null : { class_name: 'L1L2', config: { l1: l.l1, l2: l.l2 } },
          bias_regularizer: null,
          activity_regularizer: null,
          kernel_constraint: null,
          bias_constraint: null,
          name: l.name,
          trainable: l.trainable,
        },
      };
      if (asString === null) {
        extra = activationLayer(
          l.activation,
          l.alpha,
          uniqueName(l.activation === 'elu' ? 'elu' : 'leaky_re_lu', taken),
        );
      }
    } else if (l.kind === 'dropout') {
      obj = {
        class_name: 'Dropout',
        config: { rate: l.rate, noise_shape: null, seed: l.seed, name: l.name, trainable: true },
      };
    } else {
      obj = activationLayer(l.activation, l.alpha, l.name);
    }
    layers.push(obj);
    if (extra) layers.push(extra);
  }
  // batch_input_shape and dtype go on the first layer, where tfjs puts them.
  Object.assign(layers[0].config, { batch_input_shape: [null, spec.inputs], dtype: 'float32' });
  return {
    class_name: 'Sequential',
    config: { name: spec.name, layers },
    keras_version: kerasVersion,
    backend: 'tensor_flow.js',
  };
}
