/** Conv2D and Conv1D, channels-last: y = activation(conv(x, kernel) + bias), kernel
 *  [kH, kW, inChannels, filters] (Conv1D: [k, inChannels, filters]), TensorFlow's layouts. A Conv1D
 *  runs as a Conv2D over images one row high. */

import { checkSetting } from '../config/ranges';
import type { Emitted, LayerActivation as PlanActivation, TapeBuilder } from '../graph/builder';
import { getInitializer, glorotUniform, type Initializer, zeros } from '../initializers';
import type { KerasObject } from '../io/format';
import { kernelLayerFromFile, kernelLayerToFile } from '../io/layer-parts';
import { ModelFileError, type StrictObject } from '../io/strict';
import { bool, checkOptions, deriveSeed, positiveInt } from '../model/options';
import { getRegularizer, type Regularizer } from '../regularizers';
import { randomSeed } from '../util/random';
import { checkActivation, defaultAlpha } from './activations';
import { emitLayerActivation } from './emit-activation';
import {
  axesFromFile,
  axisPlan,
  checkDataFormat,
  checkPadding,
  dataFormatFromFile,
  imageDims,
  type Padding,
  paddingFromFile,
  perAxis,
} from './image';
import { BASE_ARGS, initRandom, Layer, type LayerArgs } from './layer';
import { type FromFileBase, registerLayer, type ToFileContext, uniqueFileName } from './registry';
import type { Shape, WeightSpec } from './shape';

export interface ConvArgs extends LayerArgs {
  filters: number;
  kernelSize: number | number[];
  strides?: number | number[];
  padding?: Padding;
  dilationRate?: number | number[];
  activation?: PlanActivation;
  useBias?: boolean;
  kernelInitializer?: string | Initializer;
  biasInitializer?: string | Initializer;
  kernelRegularizer?: string | Regularizer;
  dataFormat?: 'channelsLast';
}

/** The convolution of one input shape, as the tape's conv2d call takes it. */
interface ConvGeometry {
  inH: number;
  inW: number;
  inC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
  outH: number;
  outW: number;
}

/** A convolution layer's kernel: its shape and the fans its initializer scales by. */
export interface KernelSpec {
  shape: number[];
  fanIn: number;
  fanOut: number;
}

/** A convolution's calls on the tape (see Conv.convolution). */
export interface ConvCalls {
  /** the pre-activation output buffer */
  z: number;
  /** output positions per image (rows of z per batch row, as addBias and columnSums take them) */
  pixels: number;
  backward(b: TapeBuilder, dz: number, needInput: boolean): void;
}

export class Conv extends Layer {
  readonly className: string;
  readonly namePrefix: string;
  /** Spatial axes: 2 (Conv2D) or 1 (Conv1D). */
  readonly rank: 1 | 2;
  readonly filters: number;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: Padding;
  readonly dilationRate: number[];
  readonly activation: PlanActivation;
  readonly alpha: number;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  private builtFor = '';
  /** the factory's name, for messages */
  protected readonly fn: string;

  /** fn: the factory's name in messages (conv2dTranspose passes its own). */
  constructor(args: ConvArgs, rank: 1 | 2, fn: string = rank === 2 ? 'conv2d' : 'conv1d') {
    const o = checkOptions(fn, args, [
      ...BASE_ARGS,
      'filters',
      'kernelSize',
      'strides',
      'padding',
      'dilationRate',
      'activation',
      'useBias',
      'kernelInitializer',
      'biasInitializer',
      'kernelRegularizer',
      'dataFormat',
    ]);
    super(fn, o);
    this.fn = fn;
    this.rank = rank;
    this.className = rank === 2 ? 'Conv2D' : 'Conv1D';
    this.namePrefix = fn;
    if (o.filters === undefined) throw new TypeError(`${fn}: filters is required (the number of output channels)`);
    this.filters = checkSetting(fn, 'filters', positiveInt(fn, 'filters', o.filters), 'units');
    if (o.kernelSize === undefined) throw new TypeError(`${fn}: kernelSize is required (e.g. 3)`);
    this.kernelSize = perAxis(fn, 'kernelSize', o.kernelSize, rank);
    this.strides = o.strides === undefined ? new Array(rank).fill(1) : perAxis(fn, 'strides', o.strides, rank);
    this.dilationRate =
      o.dilationRate === undefined ? new Array(rank).fill(1) : perAxis(fn, 'dilationRate', o.dilationRate, rank);
    if (this.strides.some((s) => s > 1) && this.dilationRate.some((d) => d > 1))
      throw new RangeError(`${fn}: strides > 1 together with dilationRate > 1 is not supported (as in TensorFlow)`);
    this.padding = checkPadding(fn, o.padding, rank === 1 ? ['causal'] : []);
    checkDataFormat(fn, o.dataFormat);
    this.activation = checkActivation(fn, o.activation);
    this.alpha = defaultAlpha(this.activation);
    this.useBias = o.useBias === undefined ? true : bool(fn, 'useBias', o.useBias);
    this.kernelInitializer =
      o.kernelInitializer === undefined
        ? glorotUniform()
        : getInitializer(fn, 'kernelInitializer', o.kernelInitializer);
    this.biasInitializer =
      o.biasInitializer === undefined ? zeros() : getInitializer(fn, 'biasInitializer', o.biasInitializer);
    this.kernelRegularizer = getRegularizer(fn, 'kernelRegularizer', o.kernelRegularizer);
  }

  /** The geometry for an input shape (throws a RangeError naming the layer when it does not fit). */
  private geometry(inputShape: Shape): ConvGeometry {
    const dims = imageDims(this.label, inputShape, this.rank + 1);
    const [inH, inW, inC] = this.rank === 2 ? dims : [1, dims[0], dims[1]];
    const [kH, kW] = this.rank === 2 ? this.kernelSize : [1, this.kernelSize[0]];
    const [strideH, strideW] = this.rank === 2 ? this.strides : [1, this.strides[0]];
    const [dilationH, dilationW] = this.rank === 2 ? this.dilationRate : [1, this.dilationRate[0]];
    const h = axisPlan(this.label, 'height', inH, kH, strideH, dilationH, this.padding);
    const w = axisPlan(this.label, this.rank === 2 ? 'width' : 'length', inW, kW, strideW, dilationW, this.padding);
    return {
      inH,
      inW,
      inC,
      kH,
      kW,
      strideH,
      strideW,
      dilationH,
      dilationW,
      padTop: this.rank === 2 ? h.before : 0,
      padBottom: this.rank === 2 ? h.after : 0,
      padLeft: w.before,
      padRight: w.after,
      outH: this.rank === 2 ? h.out : 1,
      outW: w.out,
    };
  }

  override computeOutputShape(inputShape: Shape): Shape {
    const g = this.geometry(super.computeOutputShape(inputShape));
    return this.rank === 2 ? [inputShape[0], g.outH, g.outW, this.filters] : [inputShape[0], g.outW, this.filters];
  }

  /** The input shape checked as any layer's (batch first, dims known or null). */
  protected checkedInput(inputShape: Shape): Shape {
    return super.computeOutputShape(inputShape);
  }

  /** The kernel for an input shape: its shape and Keras's fans (receptive field × channels in / out). */
  protected kernelSpec(inputShape: Shape): KernelSpec {
    const g = this.geometry(this.checkedInput(inputShape));
    const field = g.kH * g.kW;
    const shape = this.rank === 2 ? [g.kH, g.kW, g.inC, this.filters] : [g.kW, g.inC, this.filters];
    return { shape, fanIn: field * g.inC, fanOut: field * this.filters };
  }

  override weightSpecs(inputShape: Shape): WeightSpec[] {
    const kernel = { name: 'kernel', shape: this.kernelSpec(inputShape).shape, trainable: true };
    return this.useBias ? [kernel, { name: 'bias', shape: [this.filters], trainable: true }] : [kernel];
  }

  override build(inputShape: Shape | number, seed: number = randomSeed()): void {
    if (typeof inputShape === 'number') inputShape = [null, inputShape];
    const { shape, fanIn, fanOut } = this.kernelSpec(inputShape);
    const key = shape.join('x');
    if (this.builtFor === key) return;
    if (this.builtFor !== '') {
      throw new RangeError(
        `${this.fn}: layer "${this.name}" was built for a kernel ${this.builtFor} and cannot be reused with ${key}`,
      );
    }
    const kernel = new Float32Array(shape.reduce((a, b) => a * b, 1));
    const rng = initRandom(this.kernelInitializer.seed, deriveSeed(seed, 0));
    this.kernelInitializer.fill(kernel, fanIn, fanOut, rng);
    const values = [kernel];
    if (this.useBias) {
      const bias = new Float32Array(this.filters);
      const biasRng = initRandom(this.biasInitializer.seed, deriveSeed(seed, 1));
      this.biasInitializer.fill(bias, fanIn, fanOut, biasRng);
      values.push(bias);
    }
    this.values = values;
    this.builtFor = key;
  }

  /** The convolution's tape calls: the forward into z (activation, [...out spatial, filters]) and
   *  the backward's kernel gradient and, when asked, input gradient. */
  protected convolution(b: TapeBuilder, input: number, W: number, name: string): ConvCalls {
    const g = this.geometry([null, ...b.shape(input).slice(1)]);
    const outShape = this.rank === 2 ? [g.outH, g.outW, this.filters] : [g.outW, this.filters];
    const z = b.batched(`${name}/z`, 'activation', outShape);
    const col = b.batched(`${name}/columns`, 'scratch', [g.outH * g.outW, g.kH * g.kW * g.inC]);
    const { outH, outW, ...dims } = g;
    const attrs = { rows: { rows: 1 }, ...dims, outC: this.filters };
    b.fwd('conv2d', [z, input, W, col], attrs);
    return {
      z,
      pixels: outH * outW,
      backward(b, dz, needInput) {
        const dW = b.gradOf(W);
        // First in this layer's backward: col still holds the forward's columns of this input.
        b.bwd('conv2dGradFilter', [dW, input, dz, col], {
          ...attrs,
          accumulate: !b.firstWrite(dW),
          columnsReady: true,
        });
        if (needInput) {
          const dx = b.gradOf(input);
          b.bwd('conv2dGradInput', [dx, dz, W, col], { ...attrs, accumulate: !b.firstWrite(dx) });
        }
      },
    };
  }

  emit(b: TapeBuilder, input: number, seed: number): Emitted {
    const inputShape = [null, ...b.shape(input).slice(1)];
    this.build(inputShape, seed);
    const name = this.name ?? this.namePrefix;
    const [kernel, bias] = this.arenaViews();
    const filters = this.filters;
    const W = b.param(`${name}/kernel`, kernel, this.kernelSpec(inputShape).shape);
    const B = this.useBias ? b.param(`${name}/bias`, bias, [filters]) : -1;
    const l1 = this.kernelRegularizer?.l1 ?? 0;
    const l2 = this.kernelRegularizer?.l2 ?? 0;
    b.regularize(W, l1, l2);
    const conv = this.convolution(b, input, W, name);
    const pixels = { rows: conv.pixels };
    if (B >= 0) b.fwd('addBias', [conv.z, B], { rows: pixels, cols: filters });
    const act = emitLayerActivation(b, name, conv.z, this.activation, this.alpha);
    return {
      output: act.out,
      activation: act.activation,
      backward(b, grad, fromLogits, needInput) {
        const dz = act.dz(b, grad, fromLogits);
        conv.backward(b, dz, needInput);
        if (B >= 0) {
          const dB = b.gradOf(B);
          if (b.firstWrite(dB)) b.bwd('fill', [dB], { n: filters, value: 0 });
          b.bwd('columnSums', [dB, dz], { rows: pixels, cols: filters });
        }
        b.regularizeGrad(W, l1, l2);
      },
    };
  }

  override weightNames(): string[] {
    return this.useBias ? ['kernel', 'bias'] : ['kernel'];
  }

  static readonly kerasClassNames = ['Conv2D', 'Conv1D'];

  static fromFileConfig(className: string, c: StrictObject, base: FromFileBase): Conv {
    const rank = className === 'Conv2D' ? 2 : 1;
    const filters = c.setting('filters', 'units');
    const kernelSize = axesFromFile(c, 'kernel_size', rank);
    const strides = axesFromFile(c, 'strides', rank, new Array(rank).fill(1));
    const dilationRate = axesFromFile(c, 'dilation_rate', rank, new Array(rank).fill(1));
    const padding = paddingFromFile(c);
    dataFormatFromFile(c);
    if (c.has('groups') && c.raw('groups') !== 1)
      throw new ModelFileError(`${c.at('groups')}: grouped convolutions are not supported (groups must be 1)`);
    return new Conv(
      {
        ...base,
        filters,
        kernelSize,
        strides,
        dilationRate,
        padding,
        ...kernelLayerFromFile(c),
      },
      rank,
    );
  }

  /** The convolution, plus a LeakyReLU / ELU layer when the activation has no tfjs string (as Keras does). */
  override toFileConfigs(ctx: ToFileContext): KerasObject[] {
    return kernelLayerToFile(this.className, this.fileKeys(), this, this.fileBase(), ctx.taken, uniqueFileName);
  }

  /** The class's own keys in a file config. */
  protected fileKeys(): Record<string, unknown> {
    return {
      filters: this.filters,
      kernel_size: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      data_format: 'channels_last',
      dilation_rate: this.dilationRate,
    };
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      dataFormat: 'channelsLast',
      dilationRate: this.dilationRate,
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer.getConfig(),
      biasInitializer: this.biasInitializer.getConfig(),
      kernelRegularizer: this.kernelRegularizer?.getConfig() ?? null,
    };
  }
}

registerLayer(Conv);
