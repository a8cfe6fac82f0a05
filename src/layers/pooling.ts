/** Pooling, channels-last: MaxPooling2D / AveragePooling2D over windows, and their global forms
 *  over the whole image ([batch, h, w, c] → [batch, c]). Padding cells belong to no window
 *  (TensorFlow's 'same'): max ignores them and the average divides by the real cells. */

import type { Emitted, TapeBuilder } from '../graph/builder';
import type { KerasObject } from '../io/format';
import { ModelFileError, type StrictObject } from '../io/strict';
import { checkOptions } from '../model/options';
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
import { BASE_ARGS, Layer, type LayerArgs } from './layer';
import { type FromFileBase, registerLayer } from './registry';
import type { Shape } from './shape';

export interface Pooling2dArgs extends LayerArgs {
  /** Window height and width (default [2, 2]). */
  poolSize?: number | number[];
  /** Default: poolSize. */
  strides?: number | number[] | null;
  padding?: Padding;
  dataFormat?: 'channelsLast';
}

type PoolKind = 'max' | 'avg';

const CLASS_NAMES = {
  max: { window: 'MaxPooling2D', global: 'GlobalMaxPooling2D', global1d: 'GlobalMaxPooling1D' },
  avg: { window: 'AveragePooling2D', global: 'GlobalAveragePooling2D', global1d: 'GlobalAveragePooling1D' },
} as const;
const PREFIXES = {
  max: { window: 'max_pooling2d', global: 'global_max_pooling2d', global1d: 'global_max_pooling1d' },
  avg: { window: 'average_pooling2d', global: 'global_average_pooling2d', global1d: 'global_average_pooling1d' },
} as const;

/** The pooling calls' geometry (the tape's POOL_ATTRS without rows) and the output size. */
interface PoolGeometry {
  inH: number;
  inW: number;
  channels: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
  outH: number;
  outW: number;
}

export class Pooling2D extends Layer {
  readonly className: string;
  readonly namePrefix: string;
  readonly kind: PoolKind;
  /** Over the whole image (GlobalMaxPooling2D / GlobalAveragePooling2D). */
  readonly global: boolean;
  readonly poolSize: number[];
  readonly strides: number[];
  readonly padding: Padding;

  /** Spatial axes: 2 (images) or 1 (global pooling over the steps of [batch, steps, channels]). */
  readonly rank: 1 | 2;

  constructor(args: Pooling2dArgs | undefined, kind: PoolKind, global: boolean, rank: 1 | 2 = 2) {
    const form = global ? (rank === 1 ? 'global1d' : 'global') : 'window';
    const fn = {
      window: kind === 'max' ? 'maxPooling2d' : 'averagePooling2d',
      global: kind === 'max' ? 'globalMaxPooling2d' : 'globalAveragePooling2d',
      global1d: kind === 'max' ? 'globalMaxPooling1d' : 'globalAveragePooling1d',
    }[form];
    const keys = global ? [...BASE_ARGS, 'dataFormat'] : [...BASE_ARGS, 'poolSize', 'strides', 'padding', 'dataFormat'];
    const o = checkOptions(fn, args ?? {}, keys);
    super(fn, o);
    this.kind = kind;
    this.global = global;
    this.rank = global ? rank : 2;
    this.className = CLASS_NAMES[kind][form];
    this.namePrefix = PREFIXES[kind][form];
    this.poolSize = o.poolSize === undefined ? [2, 2] : perAxis(fn, 'poolSize', o.poolSize, 2);
    this.strides = o.strides == null ? [...this.poolSize] : perAxis(fn, 'strides', o.strides, 2);
    this.padding = checkPadding(fn, o.padding);
    checkDataFormat(fn, o.dataFormat);
  }

  private geometry(inputShape: Shape): PoolGeometry {
    // A sequence [steps, channels] pools as an image one row high.
    const [inH, inW, channels] =
      this.rank === 1 ? [1, ...imageDims(this.label, inputShape, 2)] : imageDims(this.label, inputShape);
    if (this.global) {
      return {
        inH,
        inW,
        channels,
        kH: inH,
        kW: inW,
        strideH: 1,
        strideW: 1,
        padTop: 0,
        padBottom: 0,
        padLeft: 0,
        padRight: 0,
        outH: 1,
        outW: 1,
      };
    }
    const [kH, kW] = this.poolSize;
    const [strideH, strideW] = this.strides;
    const h = axisPlan(this.label, 'height', inH, kH, strideH, 1, this.padding);
    const w = axisPlan(this.label, 'width', inW, kW, strideW, 1, this.padding);
    return {
      inH,
      inW,
      channels,
      kH,
      kW,
      strideH,
      strideW,
      padTop: h.before,
      padBottom: h.after,
      padLeft: w.before,
      padRight: w.after,
      outH: h.out,
      outW: w.out,
    };
  }

  override computeOutputShape(inputShape: Shape): Shape {
    const g = this.geometry(super.computeOutputShape(inputShape));
    return this.global ? [inputShape[0], g.channels] : [inputShape[0], g.outH, g.outW, g.channels];
  }

  emit(b: TapeBuilder, input: number): Emitted {
    const g = this.geometry([null, ...b.shape(input).slice(1)]);
    const name = this.name ?? this.namePrefix;
    const outShape = this.global ? [g.channels] : [g.outH, g.outW, g.channels];
    const out = b.batched(`${name}/out`, 'activation', outShape);
    const { outH: _h, outW: _w, ...dims } = g;
    const attrs = { rows: { rows: 1 }, ...dims };
    if (this.kind === 'max') {
      const argmax = b.batched(`${name}/argmax`, 'scratch', outShape, 'int32');
      b.fwd('maxPool2d', [out, argmax, input], attrs);
      return {
        output: out,
        backward(b, grad, _fromLogits, needInput) {
          if (!needInput) return;
          const dx = b.gradOf(input);
          b.bwd('maxPool2dGrad', [dx, grad, argmax], { ...attrs, accumulate: !b.firstWrite(dx) });
        },
      };
    }
    b.fwd('avgPool2d', [out, input], attrs);
    return {
      output: out,
      backward(b, grad, _fromLogits, needInput) {
        if (!needInput) return;
        const dx = b.gradOf(input);
        b.bwd('avgPool2dGrad', [dx, grad], { ...attrs, accumulate: !b.firstWrite(dx) });
      },
    };
  }

  static readonly kerasClassNames = [
    'MaxPooling2D',
    'AveragePooling2D',
    'GlobalMaxPooling2D',
    'GlobalAveragePooling2D',
    'GlobalMaxPooling1D',
    'GlobalAveragePooling1D',
  ];

  static fromFileConfig(className: string, c: StrictObject, base: FromFileBase): Pooling2D {
    const kind: PoolKind = className.includes('Max') ? 'max' : 'avg';
    dataFormatFromFile(c);
    if (className.startsWith('Global')) {
      if (c.has('keepdims') && c.raw('keepdims') !== false)
        throw new ModelFileError(`${c.at('keepdims')}: keepdims is not supported (it must be false)`);
      return new Pooling2D({ ...base }, kind, true, className.endsWith('1D') ? 1 : 2);
    }
    const poolSize = axesFromFile(c, 'pool_size', 2, [2, 2]);
    const strides = axesFromFile(c, 'strides', 2, poolSize);
    return new Pooling2D({ ...base, poolSize, strides, padding: paddingFromFile(c) }, kind, false);
  }

  override toFileConfigs(): KerasObject[] {
    const config: Record<string, unknown> = this.global
      ? { data_format: 'channels_last' }
      : { pool_size: this.poolSize, padding: this.padding, strides: this.strides, data_format: 'channels_last' };
    return [{ class_name: this.className, config: { ...config, ...this.fileBase() } }];
  }

  override getConfig(): Record<string, unknown> {
    const base = { ...super.getConfig(), dataFormat: 'channelsLast' };
    return this.global ? base : { ...base, poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }
}

registerLayer(Pooling2D);
