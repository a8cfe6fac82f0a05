/** Conv2DTranspose, channels-last, as TensorFlow.js: kernel [kH, kW, filters, inChannels], output
 *  size per axis in·stride (+ max(k − stride, 0) with 'valid'), tfjs's deconvLength. The transposed
 *  convolution of x is the input gradient of the convolution that maps the output shape back to
 *  x's shape with this kernel, so the tape reuses the conv2d kernels: forward = conv2dGradInput,
 *  input gradient = conv2d, kernel gradient = conv2dGradFilter with x and dy swapped. */

import { RANGES } from '../config/ranges';
import type { TapeBuilder } from '../graph/builder';
import { kernelLayerFromFile } from '../io/layer-parts';
import { ModelFileError, type StrictObject } from '../io/strict';
import { Conv, type ConvArgs, type ConvCalls, type KernelSpec } from './conv';
import { axesFromFile, axisPlan, dataFormatFromFile, imageDims, paddingFromFile } from './image';
import { type FromFileBase, registerLayer } from './registry';
import type { Shape } from './shape';

export type Conv2dTransposeArgs = Omit<ConvArgs, 'dilationRate'>;

/** The tape's conv2d attributes of the convolution from the output shape back to the input shape. */
export interface TransposeGeometry {
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  conv: Record<string, number>;
}

/** tfjs's deconvLength: the output size along one axis. */
function deconvLength(size: number, stride: number, k: number, padding: 'valid' | 'same'): number {
  return padding === 'valid' ? size * stride + Math.max(k - stride, 0) : size * stride;
}

export class Conv2DTranspose extends Conv {
  override readonly className = 'Conv2DTranspose';
  override readonly namePrefix = 'conv2d_transpose';

  constructor(args: Conv2dTransposeArgs) {
    super(args as ConvArgs, 2, 'conv2dTranspose');
    if (this.dilationRate.some((d) => d !== 1))
      throw new RangeError(
        `conv2dTranspose: dilationRate must be 1 (TensorFlow.js's Conv2DTranspose has none), got ${JSON.stringify(this.dilationRate)}`,
      );
  }

  /** The output size and the tape's conv2d attributes for an input shape [batch, h, w, c]. */
  transposeGeometry(inputShape: Shape): TransposeGeometry {
    const [inH, inW, inC] = imageDims(this.label, inputShape);
    const [kH, kW] = this.kernelSize;
    const [strideH, strideW] = this.strides;
    const outH = deconvLength(inH, strideH, kH, this.padding);
    const outW = deconvLength(inW, strideW, kW, this.padding);
    if (outH * outW * this.filters > RANGES.inputWidth.max)
      throw new RangeError(`${this.label}: the output image has more than ${RANGES.inputWidth.max} values`);
    const h = axisPlan(this.label, 'height', outH, kH, strideH, 1, this.padding);
    const w = axisPlan(this.label, 'width', outW, kW, strideW, 1, this.padding);
    if (h.out !== inH || w.out !== inW) throw new Error(`${this.label}: internal error, the geometry does not invert`);
    const conv = {
      inH: outH,
      inW: outW,
      inC: this.filters,
      outC: inC,
      kH,
      kW,
      strideH,
      strideW,
      dilationH: 1,
      dilationW: 1,
      padTop: h.before,
      padBottom: h.after,
      padLeft: w.before,
      padRight: w.after,
    };
    return { inH, inW, inC, outH, outW, conv };
  }

  override computeOutputShape(inputShape: Shape): Shape {
    const g = this.transposeGeometry(this.checkedInput(inputShape));
    return [inputShape[0], g.outH, g.outW, this.filters];
  }

  /** tfjs's fans for a [kH, kW, filters, inC] kernel: the receptive field times shape[2] / shape[3]. */
  protected override kernelSpec(inputShape: Shape): KernelSpec {
    const g = this.transposeGeometry(this.checkedInput(inputShape));
    const field = g.conv.kH * g.conv.kW;
    return { shape: [g.conv.kH, g.conv.kW, this.filters, g.inC], fanIn: field * this.filters, fanOut: field * g.inC };
  }

  protected override convolution(b: TapeBuilder, input: number, W: number, name: string): ConvCalls {
    const g = this.transposeGeometry([null, ...b.shape(input).slice(1)]);
    const z = b.batched(`${name}/z`, 'activation', [g.outH, g.outW, this.filters]);
    // The columns of the convolution from z's shape to x's: x's pixels × a kH·kW·filters patch.
    const col = b.batched(`${name}/columns`, 'scratch', [g.inH * g.inW, g.conv.kH * g.conv.kW * this.filters]);
    const attrs = { rows: { rows: 1 }, ...g.conv };
    b.fwd('conv2dGradInput', [z, input, W, col], { ...attrs, accumulate: false });
    return {
      z,
      pixels: g.outH * g.outW,
      backward(b, dz, needInput) {
        if (needInput) {
          // conv2d writes its output: a second writer of dx goes through a scratch and adds.
          const dx = b.gradOf(input);
          if (b.firstWrite(dx)) {
            b.bwd('conv2d', [dx, dz, W, col], attrs);
          } else {
            const part = b.batched(`${name}/dx`, 'scratch', [g.inH, g.inW, g.inC]);
            b.bwd('conv2d', [part, dz, W, col], attrs);
            b.bwd('axpy', [dx, part], { n: { rows: g.inH * g.inW * g.inC }, alpha: 1 });
          }
        }
        // The conv2d call above (if any) left dz's columns in col.
        const dW = b.gradOf(W);
        b.bwd('conv2dGradFilter', [dW, dz, input, col], {
          ...attrs,
          accumulate: !b.firstWrite(dW),
          columnsReady: needInput,
        });
      },
    };
  }

  static override readonly kerasClassNames = ['Conv2DTranspose'];

  static override fromFileConfig(_className: string, c: StrictObject, base: FromFileBase): Conv2DTranspose {
    const filters = c.setting('filters', 'units');
    const kernelSize = axesFromFile(c, 'kernel_size', 2);
    const strides = axesFromFile(c, 'strides', 2, [1, 1]);
    // Keras writes both; tfjs neither (it drops dilation_rate and has no output_padding).
    const dilation = axesFromFile(c, 'dilation_rate', 2, [1, 1]);
    if (dilation.some((d) => d !== 1))
      throw new ModelFileError(`${c.at('dilation_rate')}: a dilated Conv2DTranspose is not supported`);
    c.mustBeNull('output_padding', 'output_padding');
    const padding = paddingFromFile(c);
    dataFormatFromFile(c);
    if (c.has('groups') && c.raw('groups') !== 1)
      throw new ModelFileError(`${c.at('groups')}: grouped convolutions are not supported (groups must be 1)`);
    return new Conv2DTranspose({ ...base, filters, kernelSize, strides, padding, ...kernelLayerFromFile(c) });
  }

  /** As tfjs writes it: Conv2D's keys without dilation_rate. */
  protected override fileKeys(): Record<string, unknown> {
    const { dilation_rate: _, ...keys } = super.fileKeys();
    return keys;
  }

  override getConfig(): Record<string, unknown> {
    const { dilationRate: _, ...config } = super.getConfig();
    return config;
  }
}

registerLayer(Conv2DTranspose);
