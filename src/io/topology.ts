/**
 * modelTopology ⇄ ModelSpec layers: the Keras/tfjs Sequential JSON. This file reads and writes
 * only the model around the layers (class Sequential, the InputLayer, the keys every layer config
 * carries); each layer class reads and writes its own config, looked up in the layer registry
 * (src/layers/registry.ts), with the ranges the builders use (src/config/ranges.ts).
 */
import { inRange, RANGES, rangeText } from '../config/ranges';
import '../layers'; // registers every layer class
import type { Layer } from '../layers/layer';
import { layerClassFor, registeredKerasNames } from '../layers/registry';
import type { Shape } from '../layers/shape';
import type { KerasObject, ModelSpec } from './format';
import { decodeFunctionalTopology } from './functional-decode';
import { isPlainObject, ModelFileError, StrictObject } from './strict';

// ------------------------------------------------------------------ decode (file → spec)

/** batch_input_shape [null, ...dims] (Keras 3's InputLayer: batch_shape) → dims (every size known). */
function inputDims(o: StrictObject, key = 'batch_input_shape'): number[] | null {
  if (!o.has(key)) return null;
  const where = o.at(key);
  const s = o.array(key);
  if (s.length < 2 || s.length > 6 || (s[0] !== null && !Number.isInteger(s[0]))) {
    throw new ModelFileError(
      `${where} must be [null, ...sizes] with 1 to 5 sizes, got ${JSON.stringify(s).slice(0, 80)}`,
    );
  }
  const dims = s.slice(1);
  let values = 1;
  dims.forEach((n, i) => {
    if (typeof n !== 'number' || !inRange(n, RANGES.inputWidth)) {
      throw new ModelFileError(
        `${where}[${i + 1}] must be ${rangeText(RANGES.inputWidth)} (nativenn needs every input size), got ${JSON.stringify(n)}`,
      );
    }
    values *= n;
  });
  if (values > RANGES.inputWidth.max)
    throw new ModelFileError(`${where}: ${values} values per sample is more than ${RANGES.inputWidth.max}`);
  return dims as number[];
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
  const { min, max } = RANGES.nameLength;
  if (!inRange(name.length, RANGES.nameLength))
    throw new ModelFileError(`${o.at('name')} must be a string of ${min} to ${max} characters`);
  const trainable = o.boolean('trainable', true);
  if (o.has('dtype')) checkDtype(o.raw('dtype'), o.at('dtype'));
  o.ignore('batch_size');
  return { name, trainable };
}

/** One file layer → a layer of its registered class (null for InputLayer, which only gives the
 *  input width). `knownInputs` is the width an InputLayer gave, for the first layer. */
export function decodeLayer(
  v: unknown,
  where: string,
  first: boolean,
  knownInputs: number[] | null,
): { layer: Layer | null; inputs: number[] | null } {
  const outer = StrictObject.of(v, where);
  const className = outer.string('class_name');
  const o = StrictObject.of(outer.raw('config'), `${where} (${className.slice(0, 80)}).config`);
  outer.ignore('name', 'inbound_nodes', 'module', 'registered_name', 'build_config', 'compile_config');
  outer.done();
  if (className === 'InputLayer') {
    const inputs = inputDims(o, o.has('batch_shape') ? 'batch_shape' : 'batch_input_shape');
    if (inputs === null) throw new ModelFileError(`${o.at('batch_input_shape')} is missing`);
    o.string('name');
    if (o.has('dtype')) checkDtype(o.raw('dtype'), o.at('dtype'));
    o.ignore('sparse', 'ragged');
    // Keras 3.6+: an input that may be None (a model of one input never has one)
    if (o.has('optional') && o.raw('optional') !== false)
      throw new ModelFileError(`${o.at('optional')}: optional inputs are not supported`);
    o.done();
    return { layer: null, inputs };
  }
  const cls = layerClassFor(className);
  if (!cls) {
    throw new ModelFileError(
      `${where}: unsupported layer class "${className.slice(0, 80)}" (supported: ${registeredKerasNames().join(', ')}, InputLayer)`,
    );
  }
  const { name } = commonKeys(o);
  const inputs = inputDims(o); // read before the layer is made: the first one needs it
  if (inputs !== null && !first) {
    throw new ModelFileError(`${where}: batch_input_shape is only allowed on the first layer`);
  }
  const dims = inputs ?? knownInputs;
  const base = first && dims !== null ? { name, inputShape: dims } : { name };
  let layer: Layer;
  try {
    layer = cls.fromFileConfig(className, o, base);
  } catch (e) {
    if (e instanceof ModelFileError) throw e;
    throw new ModelFileError(`${o.where}: ${(e as Error).message}`);
  }
  o.done();
  return { layer, inputs };
}

/** A layer nested in a wrapper's config (Bidirectional's and TimeDistributed's `layer`): its
 *  class's own decoding, with the common keys; no input shape (the wrapper has it). */
export function decodeNestedLayer(v: unknown, where: string): Layer {
  const outer = StrictObject.of(v, where);
  const className = outer.string('class_name');
  const o = StrictObject.of(outer.raw('config'), `${where} (${className.slice(0, 80)}).config`);
  outer.ignore('module', 'registered_name', 'build_config');
  outer.done();
  const cls = layerClassFor(className);
  if (!cls || className === 'InputLayer')
    throw new ModelFileError(`${where}: unsupported layer class "${className.slice(0, 80)}" in a wrapper`);
  const { name } = commonKeys(o);
  o.ignore('batch_input_shape', 'batch_shape', 'input_shape');
  let layer: Layer;
  try {
    layer = cls.fromFileConfig(className, o, { name });
  } catch (e) {
    if (e instanceof ModelFileError) throw e;
    throw new ModelFileError(`${o.where}: ${(e as Error).message}`);
  }
  o.done();
  return layer;
}

/** Each layer's input shape follows from the one before: a layer that does not fit it (a kernel
 *  larger than the image with 'valid' padding, a Conv2D on a flat input, a Reshape to another
 *  size) is named here, before any weight is matched or allocated by its shape. */
function checkShapes(inputs: number[], layers: Layer[], paths: string[]): void {
  let shape: Shape = [null, ...inputs];
  layers.forEach((layer, i) => {
    try {
      shape = layer.computeOutputShape(shape);
    } catch (e) {
      // the layer's message starts with its name
      throw new ModelFileError(`${paths[i]} (${layer.className}): ${(e as Error).message}`);
    }
  });
}

/** Keras 3 redefined "hard_sigmoid" as relu6(x + 3) / 6; tfjs and Keras 2 (and nativenn) run
 *  max(0, min(1, 0.2·x + 0.5)) under that name. A Keras 3 file with it would predict otherwise. */
export function refuseKeras3HardSigmoid(layers: Layer[], paths: string[]): void {
  type Gates = { recurrentActivation?: string; activation?: string; forwardLayer?: Gates };
  layers.forEach((layer, i) => {
    const l = layer as unknown as Gates;
    const cell = l.forwardLayer ?? l;
    if (cell.recurrentActivation === 'hardSigmoid' || cell.activation === 'hardSigmoid')
      throw new ModelFileError(
        `${paths[i]} (${layer.className}): "hard_sigmoid" in a Keras 3 file is relu6(x + 3) / 6, not the max(0, min(1, 0.2·x + 0.5)) of tfjs and Keras 2 that nativenn runs; not supported`,
      );
  });
}

/** modelTopology → name, input width and layers (a functional model: its graph too); every key
 *  and value checked. */
export function decodeTopology(v: unknown, where: string): Omit<ModelSpec, 'training'> {
  const top = StrictObject.of(v, where);
  const className = top.string('class_name');
  const kerasVersion = top.raw('keras_version');
  const keras3 = typeof kerasVersion === 'string' && kerasVersion.startsWith('3.');
  top.ignore('backend');
  if (className === 'Model' || className === 'Functional') {
    const spec = decodeFunctionalTopology(top.required('config'), top.at('config'), keras3);
    top.done();
    return spec;
  }
  if (className !== 'Sequential') {
    throw new ModelFileError(
      `${top.at('class_name')}: unsupported model class "${className.slice(0, 80)}" (supported: Sequential, Model, Functional)`,
    );
  }
  const spec = decodeSequentialConfig(top.raw('config'), where, keras3);
  top.done();
  if (!spec.layers.some((l) => l.weightNames().length > 0))
    throw new ModelFileError(`${where}: the model has no layer with weights`);
  return spec;
}

/** A Sequential model's config (of the top-level model, or of one nested in a functional model's
 *  layers: `where` names the model) → name, input width and layers, each layer's input shape checked. */
export function decodeSequentialConfig(
  rawConfig: unknown,
  where: string,
  keras3: boolean,
): { name: string; inputShape: number[]; layers: Layer[] } {
  // Keras 2.1-era files store config as the bare layer list.
  let name = 'sequential';
  let rawLayers: unknown[];
  const configWhere = `${where}.config`;
  if (Array.isArray(rawConfig)) {
    rawLayers = rawConfig;
  } else {
    const config = StrictObject.of(rawConfig, configWhere);
    name = config.optionalString('name', name) || 'sequential';
    rawLayers = config.array('layers');
    config.ignore('build_input_shape', 'trainable', 'dtype');
    config.done();
  }
  if (rawLayers.length === 0) throw new ModelFileError(`${where}.config.layers is empty`);
  // One file layer more than a model may hold: the InputLayer.
  const maxFileLayers = RANGES.layerCount.max + 1;
  if (rawLayers.length > maxFileLayers) {
    throw new ModelFileError(`${where}.config.layers has ${rawLayers.length} layers (at most ${maxFileLayers})`);
  }

  let inputs: number[] | null = null;
  const layers: Layer[] = [];
  const layerPaths: string[] = [];
  const names = new Set<string>();
  rawLayers.forEach((raw, i) => {
    const lw = `${where}.config.layers[${i}]`;
    const d = decodeLayer(raw, lw, layers.length === 0, inputs);
    if (d.inputs !== null) {
      if (inputs !== null && inputs.join() !== d.inputs.join())
        throw new ModelFileError(`${lw}: batch_input_shape disagrees with the InputLayer`);
      inputs = d.inputs;
    }
    if (d.layer) {
      layerPaths.push(lw);
      if (inputs === null)
        throw new ModelFileError(`${where}: the first layer has no batch_input_shape (input width unknown)`);
      const layerName = d.layer.name as string;
      if (names.has(layerName)) throw new ModelFileError(`${lw}: duplicate layer name "${layerName}"`);
      names.add(layerName);
      layers.push(d.layer);
    }
  });
  if (inputs === null)
    throw new ModelFileError(`${where}: the first layer has no batch_input_shape (input width unknown)`);
  if (layers.length > RANGES.layerCount.max) {
    throw new ModelFileError(`${where}: the model has ${layers.length} layers (at most ${RANGES.layerCount.max})`);
  }
  checkShapes(inputs, layers, layerPaths);
  if (keras3) refuseKeras3HardSigmoid(layers, layerPaths);
  return { name, inputShape: inputs, layers };
}

// ------------------------------------------------------------------ encode (spec → file)

/** spec → modelTopology, exactly the keys tfjs-layers writes; each layer writes itself. */
export function encodeTopology(
  spec: Omit<ModelSpec, 'training'>,
  kerasVersion: string,
  modelSeed: number,
): KerasObject<{ name: string; layers: KerasObject[] }> & { keras_version: string; backend: string } {
  const taken = new Set(spec.layers.map((l) => l.name as string));
  let shape: Shape = [null, ...spec.inputShape];
  const layers = spec.layers.flatMap((l, index) => {
    const configs = l.toFileConfigs({ index, modelSeed, taken, inputShape: shape });
    shape = l.computeOutputShape(shape);
    return configs;
  });
  if (layers.length > RANGES.layerCount.max) {
    throw new RangeError(
      `save: the model file would hold ${layers.length} layers (at most ${RANGES.layerCount.max}; a Dense with leakyRelu is written as two)`,
    );
  }
  // batch_input_shape and dtype go on the first layer, where tfjs puts them.
  Object.assign(layers[0].config, { batch_input_shape: [null, ...spec.inputShape], dtype: 'float32' });
  return {
    class_name: 'Sequential',
    config: { name: spec.name, layers },
    keras_version: kerasVersion,
    backend: 'tensor_flow.js',
  };
}
