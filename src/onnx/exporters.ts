/**
 * One exporter per layer class, keyed by the layer's Keras class name: it appends the layer's
 * ONNX nodes after `input` and returns the name of the layer's output. A layer class that cannot
 * be written as ONNX is listed in NOT_EXPORTABLE with the reason; every class the layers can make
 * is in one table or the other (test/onnx/coverage.test.ts).
 */
import type { LayerActivation } from '../graph/builder';
import { Dense } from '../layers/dense';
import type { Layer } from '../layers/layer';
import { Activation } from '../layers/simple';
import type { OnnxGraphBuilder } from './graph';

export type LayerExporter = (layer: Layer, g: OnnxGraphBuilder, input: string) => string;

/** y = fn(x) on the last axis; `prefix` names the nodes (the layer's name). */
export function activationNodes(
  g: OnnxGraphBuilder,
  fn: LayerActivation,
  alpha: number,
  x: string,
  prefix: string,
): string {
  switch (fn) {
    case 'linear':
      return x;
    case 'sigmoid':
      return g.node('Sigmoid', `${prefix}/Sigmoid`, [x]);
    case 'tanh':
      return g.node('Tanh', `${prefix}/Tanh`, [x]);
    case 'relu':
      return g.node('Relu', `${prefix}/Relu`, [x]);
    case 'leakyRelu':
      return g.node('LeakyRelu', `${prefix}/LeakyRelu`, [x], { alpha: { float: alpha } });
    case 'elu':
      return g.node('Elu', `${prefix}/Elu`, [x], { alpha: { float: alpha } });
    case 'softmax':
      // opset ≥ 13: softmax along one axis (the last), as the layer computes it
      return g.node('Softmax', `${prefix}/Softmax`, [x], { axis: { int: -1 } });
    case 'gelu': {
      // exact gelu, 0.5·x·(1 + erf(x/√2)): the Gelu op exists only from opset 20
      const scaled = g.node('Mul', `${prefix}/Gelu/Mul_inv_sqrt2`, [x, g.scalar(Math.SQRT1_2)]);
      const erf = g.node('Erf', `${prefix}/Gelu/Erf`, [scaled]);
      const onePlus = g.node('Add', `${prefix}/Gelu/Add_1`, [erf, g.scalar(1)]);
      const times = g.node('Mul', `${prefix}/Gelu/Mul_x`, [x, onePlus]);
      return g.node('Mul', `${prefix}/Gelu/Mul_half`, [times, g.scalar(0.5)]);
    }
    case 'silu': {
      const s = g.node('Sigmoid', `${prefix}/Silu/Sigmoid`, [x]);
      return g.node('Mul', `${prefix}/Silu/Mul`, [x, s]);
    }
    default:
      throw new TypeError(`exportOnnx: activation "${fn as string}" has no ONNX form`);
  }
}

const exportActivation: LayerExporter = (layer, g, input) => {
  const a = layer as Activation;
  if (!(a instanceof Activation)) throw new TypeError(`exportOnnx: layer "${layer.name}" is not an activation layer`);
  const out = activationNodes(g, a.activation, a.alpha, input, a.name ?? a.namePrefix);
  // a linear Activation layer adds no node: its output is its input
  return out;
};

/** Dense: Gemm(x, kernel [in, units], bias [units]) — y = x·kernel + bias — then the activation. */
const exportDense: LayerExporter = (layer, g, input) => {
  if (!(layer instanceof Dense)) throw new TypeError(`exportOnnx: layer "${layer.name}" is not a Dense layer`);
  const name = layer.name ?? 'dense';
  const kernel = layer.kernel;
  if (!kernel) throw new RangeError(`exportOnnx: dense layer "${name}" has no weights (it was never built)`);
  const inputs = kernel.length / layer.units;
  const w = g.weight(`${name}/kernel`, [inputs, layer.units], kernel);
  const gemmInputs = [input, w];
  const bias = layer.bias;
  if (bias) gemmInputs.push(g.weight(`${name}/bias`, [layer.units], bias));
  const z = g.node('Gemm', `${name}/Gemm`, gemmInputs);
  return activationNodes(g, layer.activation, layer.alpha, z, name);
};

/** Dropout is the identity at inference: no node. */
const exportDropout: LayerExporter = (_layer, _g, input) => input;

export const EXPORTERS: Readonly<Record<string, LayerExporter>> = {
  Dense: exportDense,
  Activation: exportActivation,
  // A file's ReLU layer loads as an Activation layer; listed so the registry walk finds it here too.
  ReLU: exportActivation,
  LeakyReLU: exportActivation,
  ELU: exportActivation,
  Softmax: exportActivation,
  Dropout: exportDropout,
};

/** Layer classes that exist but have no ONNX form yet, with the reason given to the user. */
const IMAGE_LAYERS = 'the ONNX exporter for channels-last image layers (NHWC → ONNX NCHW) is not written yet';
export const NOT_EXPORTABLE: Readonly<Record<string, string>> = {
  Conv2D: IMAGE_LAYERS,
  Conv1D: IMAGE_LAYERS,
  MaxPooling2D: IMAGE_LAYERS,
  AveragePooling2D: IMAGE_LAYERS,
  GlobalMaxPooling2D: IMAGE_LAYERS,
  GlobalAveragePooling2D: IMAGE_LAYERS,
  Flatten: IMAGE_LAYERS,
  Reshape: IMAGE_LAYERS,
  BatchNormalization: IMAGE_LAYERS,
  ZeroPadding2D: IMAGE_LAYERS,
};
