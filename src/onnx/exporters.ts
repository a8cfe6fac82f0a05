/**
 * One exporter per layer class, keyed by the layer's Keras class name: it appends the layer's
 * ONNX nodes after the tensor flowing in and returns the tensor flowing out (flow.ts: its shape
 * and layout). A layer class that cannot be written as ONNX is listed in NOT_EXPORTABLE with the
 * reason; every class the layers can make is in one table or the other
 * (test/onnx/coverage.test.ts).
 */
import { Dense } from '../layers/dense';
import { Embedding } from '../layers/embedding';
import type { Layer } from '../layers/layer';
import { Activation } from '../layers/simple';
import { TimeDistributed } from '../layers/wrappers';
import { activationNodes } from './activations';
import { type Flow, toChannelsLast } from './flow';
import { GENERATOR_EXPORTERS } from './generator-exporters';
import type { OnnxGraphBuilder } from './graph';
import { IMAGE_EXPORTERS } from './image-exporters';
import { RECURRENT_EXPORTERS } from './recurrent-exporters';

export type LayerExporter = (layer: Layer, g: OnnxGraphBuilder, x: Flow) => Flow;

const exportActivation: LayerExporter = (layer, g, x) => {
  const a = layer as Activation;
  if (!(a instanceof Activation)) throw new TypeError(`exportOnnx: layer "${layer.name}" is not an activation layer`);
  // a linear Activation layer adds no node: its output is its input
  const tensor = activationNodes(g, a.activation, a.alpha, x.tensor, a.name ?? a.namePrefix, x.channelsFirst ? 1 : -1);
  return { ...x, tensor };
};

/** Dense: Gemm(x, kernel [in, units], bias [units]) — y = x·kernel + bias — then the activation;
 *  over the last axis of a larger input, MatMul and Add (Gemm is 2-D only). */
const exportDense: LayerExporter = (layer, g, flow) => {
  if (!(layer instanceof Dense)) throw new TypeError(`exportOnnx: layer "${layer.name}" is not a Dense layer`);
  const name = layer.name ?? 'dense';
  const kernel = layer.kernel;
  if (!kernel) throw new RangeError(`exportOnnx: dense layer "${name}" has no weights (it was never built)`);
  const x = toChannelsLast(g, flow, name);
  const inputs = kernel.length / layer.units;
  const w = g.weight(`${name}/kernel`, [inputs, layer.units], kernel);
  const bias = layer.bias;
  const b = bias ? g.weight(`${name}/bias`, [layer.units], bias) : null;
  let z: string;
  if (x.shape.length === 1) {
    z = g.node('Gemm', `${name}/Gemm`, b ? [x.tensor, w, b] : [x.tensor, w]);
  } else {
    z = g.node('MatMul', `${name}/MatMul`, [x.tensor, w]);
    if (b) z = g.node('Add', `${name}/Add_bias`, [z, b]);
  }
  const tensor = activationNodes(g, layer.activation, layer.alpha, z, name);
  return { tensor, shape: [...x.shape.slice(0, -1), layer.units], channelsFirst: false };
};

/** Embedding: Gather(embeddings, Cast(ids → int64)) — the model's float ids become table rows. */
const exportEmbedding: LayerExporter = (layer, g, flow) => {
  if (!(layer instanceof Embedding)) throw new TypeError(`exportOnnx: layer "${layer.name}" is not an Embedding`);
  const name = layer.name ?? 'embedding';
  const x = toChannelsLast(g, flow, name);
  const [table] = layer.weights();
  const w = g.weight(`${name}/embeddings`, [layer.inputDim, layer.outputDim], table);
  const ids = g.node('Cast', `${name}/Cast`, [x.tensor], { to: { int: 7 } }); // 7: INT64
  const tensor = g.node('Gather', `${name}/Gather`, [w, ids], { axis: { int: 0 } });
  return { tensor, shape: [...x.shape, layer.outputDim], channelsFirst: false };
};

/** Dropout is the identity at inference: no node. */
const exportDropout: LayerExporter = (_layer, _g, x) => x;

/** TimeDistributed: the layer it wraps (Dense, Activation, Dropout) already acts on the last axis,
 *  so its own exporter does (Dense as MatMul + Add on [batch, time, F]). */
const exportTimeDistributed: LayerExporter = (layer, g, x) => {
  if (!(layer instanceof TimeDistributed))
    throw new TypeError(`exportOnnx: layer "${layer.name}" is not a TimeDistributed layer`);
  const inner = layer.layer;
  const exporter = EXPORTERS[inner.className];
  if (!exporter)
    throw new TypeError(`exportOnnx: layer "${layer.name}" wraps a ${inner.className}, which has no ONNX exporter`);
  return exporter(inner, g, x);
};

export const EXPORTERS: Readonly<Record<string, LayerExporter>> = {
  Dense: exportDense,
  Activation: exportActivation,
  // A file's ReLU layer loads as an Activation layer; listed so the registry walk finds it here too.
  ReLU: exportActivation,
  LeakyReLU: exportActivation,
  ELU: exportActivation,
  Softmax: exportActivation,
  Dropout: exportDropout,
  Embedding: exportEmbedding,
  ...IMAGE_EXPORTERS,
  ...GENERATOR_EXPORTERS,
  ...RECURRENT_EXPORTERS,
  TimeDistributed: exportTimeDistributed,
};

/** Layer classes that exist but have no ONNX form yet, with the reason given to the user. */
export const NOT_EXPORTABLE: Readonly<Record<string, string>> = {};
