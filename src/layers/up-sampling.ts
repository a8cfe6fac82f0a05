/** UpSampling2D, channels-last: each image enlarged by integer factors, [batch, h, w, c] →
 *  [batch, h·sizeH, w·sizeW, c], by nearest neighbour or bilinear interpolation exactly as
 *  TensorFlow.js resizes (src/backend/js/upsampling.ts). */

import { describe } from '../backend/check';
import { RANGES } from '../config/ranges';
import type { Emitted, TapeBuilder } from '../graph/builder';
import type { KerasObject } from '../io/format';
import { ModelFileError, type StrictObject } from '../io/strict';
import { checkOptions } from '../model/options';
import { axesFromFile, checkDataFormat, dataFormatFromFile, imageDims, perAxis } from './image';
import { BASE_ARGS, Layer, type LayerArgs } from './layer';
import { type FromFileBase, registerLayer } from './registry';
import type { Shape } from './shape';

export type Interpolation = 'nearest' | 'bilinear';

export interface UpSampling2dArgs extends LayerArgs {
  /** The factor for rows and columns: n (both) or [rows, columns]. Default [2, 2]. */
  size?: number | [number, number];
  /** 'nearest' (default) or 'bilinear'. */
  interpolation?: Interpolation;
  dataFormat?: 'channelsLast';
}

function checkInterpolation(fn: string, v: unknown): Interpolation {
  if (v === undefined) return 'nearest';
  if (v === 'nearest' || v === 'bilinear') return v;
  throw new RangeError(`${fn}: interpolation must be 'nearest' or 'bilinear', got ${describe(v).slice(0, 80)}`);
}

export class UpSampling2D extends Layer {
  readonly className = 'UpSampling2D';
  readonly namePrefix = 'up_sampling2d';
  readonly size: [number, number];
  readonly interpolation: Interpolation;

  constructor(args?: UpSampling2dArgs) {
    const fn = 'upSampling2d';
    const o = checkOptions(fn, args ?? {}, [...BASE_ARGS, 'size', 'interpolation', 'dataFormat']);
    super(fn, o);
    const size = o.size === undefined ? [2, 2] : perAxis(fn, 'size', o.size, 2);
    this.size = [size[0], size[1]];
    this.interpolation = checkInterpolation(fn, o.interpolation);
    checkDataFormat(fn, o.dataFormat);
  }

  override computeOutputShape(inputShape: Shape): Shape {
    const [h, w, c] = imageDims(this.label, super.computeOutputShape(inputShape));
    const out = [h * this.size[0], w * this.size[1], c];
    if (out[0] * out[1] * c > RANGES.inputWidth.max)
      throw new RangeError(`${this.label}: the up-sampled image has more than ${RANGES.inputWidth.max} values`);
    return [inputShape[0], ...out];
  }

  emit(b: TapeBuilder, input: number): Emitted {
    const [inH, inW, channels] = b.shape(input).slice(1);
    const [sizeH, sizeW] = this.size;
    const out = b.batched(`${this.name ?? this.namePrefix}/out`, 'activation', [inH * sizeH, inW * sizeW, channels]);
    const bilinear = this.interpolation === 'bilinear';
    const attrs = { rows: { rows: 1 }, inH, inW, channels, sizeH, sizeW, bilinear };
    b.fwd('upSampling2d', [out, input], attrs);
    return {
      output: out,
      backward(b, grad, _fromLogits, needInput) {
        if (!needInput) return;
        const dx = b.gradOf(input);
        b.bwd('upSampling2dGrad', [dx, grad], { ...attrs, accumulate: !b.firstWrite(dx) });
      },
    };
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      size: [...this.size],
      interpolation: this.interpolation,
      dataFormat: 'channelsLast',
    };
  }

  static readonly kerasClassNames = ['UpSampling2D'];
  static fromFileConfig(_className: string, c: StrictObject, base: FromFileBase): UpSampling2D {
    dataFormatFromFile(c);
    const size = axesFromFile(c, 'size', 2, [2, 2]) as [number, number];
    const interpolation = c.optionalString('interpolation', 'nearest');
    if (interpolation !== 'nearest' && interpolation !== 'bilinear')
      throw new ModelFileError(`${c.at('interpolation')} must be 'nearest' or 'bilinear', got '${interpolation}'`);
    return new UpSampling2D({ ...base, size, interpolation });
  }
  override toFileConfigs(): KerasObject[] {
    const config = { size: [...this.size], data_format: 'channels_last', interpolation: this.interpolation };
    return [{ class_name: 'UpSampling2D', config: { ...config, ...this.fileBase() } }];
  }
}

registerLayer(UpSampling2D);
