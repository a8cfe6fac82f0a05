/**
 * The generator layers as ONNX nodes: UpSampling2D as Resize (scales [1, 1, sizeH, sizeW] on the
 * channels-first tensor; coordinate_transformation_mode 'asymmetric' reads output cell y at y / size,
 * as tfjs; nearest rounds down, linear clamps at the last cell, as tfjs's bilinear); Conv2DTranspose
 * as ConvTranspose (kernel [kH, kW, filters, inC] → [inC, filters, kH, kW], the pads of the
 * convolution it transposes, and output_padding for the cells past the last window that tfjs's
 * 'valid' output adds when the kernel is smaller than the stride); GaussianNoise as nothing (the
 * identity at inference).
 */
import { Conv2DTranspose } from '../layers/conv-transpose';
import type { Layer } from '../layers/layer';
import { UpSampling2D } from '../layers/up-sampling';
import { activationNodes } from './activations';
import { type Flow, toChannelsFirst } from './flow';
import type { OnnxGraphBuilder } from './graph';

type Exporter = (layer: Layer, g: OnnxGraphBuilder, x: Flow) => Flow;

const exportUpSampling: Exporter = (layer, g, flow) => {
  if (!(layer instanceof UpSampling2D))
    throw new TypeError(`exportOnnx: layer "${layer.name}" is not an UpSampling2D layer`);
  const name = layer.name ?? layer.namePrefix;
  const [h, w, c] = flow.shape;
  const [sizeH, sizeW] = layer.size;
  const x = toChannelsFirst(g, flow, name);
  const scales = g.weight(`${name}/scales`, [4], Float32Array.of(1, 1, sizeH, sizeW));
  const nearest = layer.interpolation === 'nearest';
  const tensor = g.node('Resize', `${name}/Resize`, [x.tensor, '', scales], {
    mode: { string: nearest ? 'nearest' : 'linear' },
    coordinate_transformation_mode: { string: 'asymmetric' },
    ...(nearest ? { nearest_mode: { string: 'floor' } } : {}),
  });
  return { tensor, shape: [h * sizeH, w * sizeW, c], channelsFirst: true };
};

const exportConvTranspose: Exporter = (layer, g, flow) => {
  if (!(layer instanceof Conv2DTranspose))
    throw new TypeError(`exportOnnx: layer "${layer.name}" is not a Conv2DTranspose layer`);
  const name = layer.name ?? layer.namePrefix;
  const [kernel, bias] = layer.weights();
  if (!kernel) throw new RangeError(`exportOnnx: Conv2DTranspose layer "${name}" has no weights (it was never built)`);
  const t = layer.transposeGeometry([null, ...flow.shape]);
  const { kH, kW, strideH, strideW, padTop, padBottom, padLeft, padRight } = t.conv;
  const filters = layer.filters;
  const w = new Float32Array(kernel.length);
  for (let k = 0; k < kH * kW; k++)
    for (let o = 0; o < filters; o++)
      for (let i = 0; i < t.inC; i++) w[(i * filters + o) * kH * kW + k] = kernel[(k * filters + o) * t.inC + i];
  const x = toChannelsFirst(g, flow, name);
  const inputs = [x.tensor, g.weight(`${name}/kernel`, [t.inC, filters, kH, kW], w)];
  if (layer.useBias) inputs.push(g.weight(`${name}/bias`, [filters], bias));
  // ONNX's size: stride·(in − 1) + k − pads; tfjs's may be larger by up to stride − 1 cells.
  const extra = (out: number, inSize: number, s: number, k: number, before: number, after: number) =>
    out - (s * (inSize - 1) + k - before - after);
  const z = g.node('ConvTranspose', `${name}/ConvTranspose`, inputs, {
    kernel_shape: { ints: [kH, kW] },
    strides: { ints: [strideH, strideW] },
    pads: { ints: [padTop, padLeft, padBottom, padRight] },
    output_padding: {
      ints: [
        extra(t.outH, t.inH, strideH, kH, padTop, padBottom),
        extra(t.outW, t.inW, strideW, kW, padLeft, padRight),
      ],
    },
    group: { int: 1 },
  });
  const tensor = activationNodes(g, layer.activation, layer.alpha, z, name, 1);
  return { tensor, shape: [t.outH, t.outW, filters], channelsFirst: true };
};

/** GaussianNoise is the identity at inference: no node. */
const exportGaussianNoise: Exporter = (_layer, _g, x) => x;

export const GENERATOR_EXPORTERS: Readonly<Record<string, Exporter>> = {
  UpSampling2D: exportUpSampling,
  Conv2DTranspose: exportConvTranspose,
  GaussianNoise: exportGaussianNoise,
};
