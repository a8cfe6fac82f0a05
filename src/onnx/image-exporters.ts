/**
 * The image layers as ONNX nodes (the layout scheme is in flow.ts): Conv2D / Conv1D as Conv with
 * the kernel transposed to [filters, inChannels, ...kernelSize] and TensorFlow's padding written
 * out as explicit (possibly asymmetric) `pads`; pooling as MaxPool / AveragePool (padding cells
 * left out of the average: count_include_pad 0) or GlobalMaxPool / GlobalAveragePool; Flatten and
 * Reshape on the channels-last tensor, so the values come in nativenn's order; BatchNormalization
 * (inference: the moving statistics) on the channels-first tensor, whose axis 1 is the channels;
 * ZeroPadding2D as Pad (constant 0) in whichever layout the tensor is held.
 */
import { BatchNormalization } from '../layers/batchnorm';
import { Conv } from '../layers/conv';
import { type AxisPlan, axisPlan } from '../layers/image';
import type { Layer } from '../layers/layer';
import { Pooling2D } from '../layers/pooling';
import { Flatten, Reshape } from '../layers/reshape';
import { ZeroPadding2D } from '../layers/zero-padding';
import { activationNodes } from './activations';
import { type Flow, toChannelsFirst, toChannelsLast } from './flow';
import type { OnnxGraphBuilder } from './graph';

type Exporter = (layer: Layer, g: OnnxGraphBuilder, x: Flow) => Flow;

function layerOf<T extends Layer>(layer: Layer, cls: abstract new (...args: never[]) => T, what: string): T {
  if (!(layer instanceof cls)) throw new TypeError(`exportOnnx: layer "${layer.name}" is not a ${what} layer`);
  return layer;
}

/** The window's plan along each spatial axis of `shape` ([...spatial, channels]). */
function windowPlans(
  name: string,
  shape: number[],
  kernel: number[],
  strides: number[],
  dilations: number[],
  padding: 'valid' | 'same',
): AxisPlan[] {
  const spatial = shape.slice(0, -1);
  if (spatial.length !== kernel.length) {
    throw new RangeError(
      `exportOnnx: layer "${name}" expects ${kernel.length} spatial axes, got [${shape.join(', ')}]`,
    );
  }
  return spatial.map((n, i) => axisPlan(name, `axis ${i + 1}`, n, kernel[i], strides[i], dilations[i], padding));
}

/** ONNX `pads`: every axis's padding before, then every axis's padding after. */
const padsOf = (plans: AxisPlan[]) => [...plans.map((p) => p.before), ...plans.map((p) => p.after)];

/** kernel [...kernelSize, inC, outC] (TensorFlow) → [outC, inC, ...kernelSize] (ONNX). */
export function channelsFirstKernel(kernel: Float32Array, taps: number, inC: number, outC: number): Float32Array {
  const out = new Float32Array(kernel.length);
  for (let k = 0; k < taps; k++)
    for (let i = 0; i < inC; i++)
      for (let o = 0; o < outC; o++) out[(o * inC + i) * taps + k] = kernel[(k * inC + i) * outC + o];
  return out;
}

const exportConv: Exporter = (layer, g, flow) => {
  const conv = layerOf(layer, Conv, 'convolution');
  const name = conv.name ?? conv.namePrefix;
  const [kernel, bias] = conv.weights();
  if (!kernel)
    throw new RangeError(`exportOnnx: ${conv.className} layer "${name}" has no weights (it was never built)`);
  const plans = windowPlans(name, flow.shape, conv.kernelSize, conv.strides, conv.dilationRate, conv.padding);
  const inC = flow.shape[flow.shape.length - 1];
  const taps = conv.kernelSize.reduce((a, b) => a * b, 1);
  const x = toChannelsFirst(g, flow, name);
  const w = g.weight(
    `${name}/kernel`,
    [conv.filters, inC, ...conv.kernelSize],
    channelsFirstKernel(kernel, taps, inC, conv.filters),
  );
  const inputs = [x.tensor, w];
  if (conv.useBias) inputs.push(g.weight(`${name}/bias`, [conv.filters], bias));
  const z = g.node('Conv', `${name}/Conv`, inputs, {
    kernel_shape: { ints: conv.kernelSize },
    strides: { ints: conv.strides },
    dilations: { ints: conv.dilationRate },
    pads: { ints: padsOf(plans) },
    group: { int: 1 },
  });
  const tensor = activationNodes(g, conv.activation, conv.alpha, z, name, 1);
  return { tensor, shape: [...plans.map((p) => p.out), conv.filters], channelsFirst: true };
};

const exportPooling: Exporter = (layer, g, flow) => {
  const pool = layerOf(layer, Pooling2D, 'pooling');
  const name = pool.name ?? pool.namePrefix;
  const channels = flow.shape[flow.shape.length - 1];
  if (pool.global) {
    const x = toChannelsFirst(g, flow, name);
    const op = pool.kind === 'max' ? 'GlobalMaxPool' : 'GlobalAveragePool';
    const pooled = g.node(op, `${name}/${op}`, [x.tensor]); // [batch, c, 1, 1]
    const tensor = g.node('Flatten', `${name}/Flatten`, [pooled], { axis: { int: 1 } });
    return { tensor, shape: [channels], channelsFirst: false };
  }
  const plans = windowPlans(name, flow.shape, pool.poolSize, pool.strides, [1, 1], pool.padding);
  const x = toChannelsFirst(g, flow, name);
  const window = {
    kernel_shape: { ints: pool.poolSize },
    strides: { ints: pool.strides },
    pads: { ints: padsOf(plans) },
  };
  let tensor: string;
  if (pool.kind === 'max') {
    tensor = g.node('MaxPool', `${name}/MaxPool`, [x.tensor], window);
    // onnxruntime's PadFusion folds a zero Pad (ZeroPadding2D) into the MaxPool after it, whose
    // padding is -∞: wrong wherever the window's values are negative. It leaves a MaxPool that
    // also writes its Indices alone.
    if (g.producerOf(x.tensor)?.op === 'Pad') g.addOutput(tensor, `${name}/MaxPool_indices`);
  } else {
    tensor = g.node('AveragePool', `${name}/AveragePool`, [x.tensor], { ...window, count_include_pad: { int: 0 } });
  }
  return { tensor, shape: [...plans.map((p) => p.out), channels], channelsFirst: true };
};

const exportFlatten: Exporter = (layer, g, flow) => {
  const name = layerOf(layer, Flatten, 'Flatten').name ?? 'flatten';
  const x = toChannelsLast(g, flow, name);
  if (x.shape.length === 1) return x;
  const tensor = g.node('Flatten', `${name}/Flatten`, [x.tensor], { axis: { int: 1 } });
  return { tensor, shape: [x.shape.reduce((a, b) => a * b, 1)], channelsFirst: false };
};

const exportReshape: Exporter = (layer, g, flow) => {
  const reshape = layerOf(layer, Reshape, 'Reshape');
  const name = reshape.name ?? 'reshape';
  const x = toChannelsLast(g, flow, name);
  const shape = reshape.computeOutputShape([null, ...x.shape]).slice(1) as number[];
  // 0 keeps the batch size of the input (allowzero is 0)
  const target = g.int64(`${name}/shape`, [0, ...shape]);
  const tensor = g.node('Reshape', `${name}/Reshape`, [x.tensor, target]);
  return { tensor, shape, channelsFirst: false };
};

/** ONNX BatchNormalization normalizes axis 1: the channels once the tensor is channels-first (a
 *  [batch, c] tensor already is). Without gamma or beta (scale / center false) they are 1 and 0. */
const exportBatchNormalization: Exporter = (layer, g, flow) => {
  const bn = layerOf(layer, BatchNormalization, 'BatchNormalization');
  const name = bn.name ?? bn.namePrefix;
  const weights = bn.weights();
  if (weights.length === 0) throw new RangeError(`exportOnnx: layer "${name}" has no weights (it was never built)`);
  const c = flow.shape[flow.shape.length - 1];
  let k = 0;
  const gamma = bn.scale ? weights[k++] : new Float32Array(c).fill(1);
  const beta = bn.center ? weights[k++] : new Float32Array(c);
  const [mean, variance] = [weights[k], weights[k + 1]];
  const x = toChannelsFirst(g, flow, name);
  const inputs = [
    x.tensor,
    g.weight(`${name}/gamma`, [c], gamma),
    g.weight(`${name}/beta`, [c], beta),
    g.weight(`${name}/moving_mean`, [c], mean),
    g.weight(`${name}/moving_variance`, [c], variance),
  ];
  const tensor = g.node('BatchNormalization', `${name}/BatchNormalization`, inputs, {
    epsilon: { float: bn.epsilon },
  });
  return { ...x, tensor };
};

/** ZeroPadding2D: Pad with zeros; `pads` is every axis's start, then every axis's end, so the
 *  padded axes are 1 and 2 for NHWC and 2 and 3 for NCHW. No transpose either way. */
const exportZeroPadding: Exporter = (layer, g, flow) => {
  const pad = layerOf(layer, ZeroPadding2D, 'ZeroPadding2D');
  const name = pad.name ?? pad.namePrefix;
  const [[top, bottom], [left, right]] = pad.padding;
  const [h, w, c] = flow.shape;
  const pads = flow.channelsFirst ? [0, 0, top, left, 0, 0, bottom, right] : [0, top, left, 0, 0, bottom, right, 0];
  const tensor = g.node('Pad', `${name}/Pad`, [flow.tensor, g.int64(`${name}/pads`, pads)]);
  return { ...flow, tensor, shape: [h + top + bottom, w + left + right, c] };
};

export const IMAGE_EXPORTERS: Readonly<Record<string, Exporter>> = {
  Conv2D: exportConv,
  Conv1D: exportConv,
  MaxPooling2D: exportPooling,
  AveragePooling2D: exportPooling,
  GlobalMaxPooling2D: exportPooling,
  // over the steps of [batch, steps, channels]: the same nodes on a 1-D NCW tensor
  GlobalMaxPooling1D: exportPooling,
  GlobalAveragePooling1D: exportPooling,
  GlobalAveragePooling2D: exportPooling,
  Flatten: exportFlatten,
  Reshape: exportReshape,
  BatchNormalization: exportBatchNormalization,
  ZeroPadding2D: exportZeroPadding,
};
