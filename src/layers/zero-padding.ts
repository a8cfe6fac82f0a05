/** ZeroPadding2D, channels-last: zeros around each image, [batch, h, w, c] → [batch, h + top +
 *  bottom, w + left + right, c]. */

import { describe } from '../backend/check';
import { inRange, RANGES } from '../config/ranges';
import type { Emitted, TapeBuilder } from '../graph/builder';
import type { KerasObject } from '../io/format';
import { ModelFileError, type StrictObject } from '../io/strict';
import { checkOptions } from '../model/options';
import { checkDataFormat, dataFormatFromFile, imageDims } from './image';
import { BASE_ARGS, Layer, type LayerArgs } from './layer';
import { type FromFileBase, registerLayer } from './registry';
import type { Shape } from './shape';

export interface ZeroPadding2dArgs extends LayerArgs {
  /** n (all sides), [h, w] (top = bottom = h, left = right = w), or [[top, bottom], [left, right]]. Default 1. */
  padding?: number | [number, number] | [[number, number], [number, number]];
  dataFormat?: 'channelsLast';
}

const MAX_PAD = 4096;

/** [[top, bottom], [left, right]] from the forms tfjs accepts. */
function paddingOf(fn: string, v: unknown): [[number, number], [number, number]] {
  const ok = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= MAX_PAD;
  if (v === undefined)
    return [
      [1, 1],
      [1, 1],
    ];
  if (ok(v))
    return [
      [v, v],
      [v, v],
    ];
  if (Array.isArray(v) && v.length === 2 && v.every(ok))
    return [
      [v[0], v[0]],
      [v[1], v[1]],
    ];
  if (Array.isArray(v) && v.length === 2 && v.every((p) => Array.isArray(p) && p.length === 2 && p.every(ok)))
    return [
      [v[0][0], v[0][1]],
      [v[1][0], v[1][1]],
    ];
  throw new RangeError(
    `${fn}: padding must be an integer from 0 to ${MAX_PAD}, [h, w] or [[top, bottom], [left, right]], got ${describe(v).slice(0, 80)}`,
  );
}

export class ZeroPadding2D extends Layer {
  readonly className = 'ZeroPadding2D';
  readonly namePrefix = 'zero_padding2d';
  readonly padding: [[number, number], [number, number]];

  constructor(args?: ZeroPadding2dArgs) {
    const o = checkOptions('zeroPadding2d', args ?? {}, [...BASE_ARGS, 'padding', 'dataFormat']);
    super('zeroPadding2d', o);
    this.padding = paddingOf('zeroPadding2d', o.padding);
    checkDataFormat('zeroPadding2d', o.dataFormat);
  }

  override computeOutputShape(inputShape: Shape): Shape {
    const [h, w, c] = imageDims(this.label, super.computeOutputShape(inputShape));
    const [[top, bottom], [left, right]] = this.padding;
    const out = [h + top + bottom, w + left + right, c];
    if (out[0] * out[1] * c > RANGES.inputWidth.max || !inRange(out[0] * out[1] * c, RANGES.inputWidth))
      throw new RangeError(`${this.label}: the padded image has more than ${RANGES.inputWidth.max} values`);
    return [inputShape[0], ...out];
  }

  emit(b: TapeBuilder, input: number): Emitted {
    const [inH, inW, channels] = b.shape(input).slice(1);
    const [[padTop, padBottom], [padLeft, padRight]] = this.padding;
    const out = b.batched(`${this.name ?? this.namePrefix}/out`, 'activation', [
      inH + padTop + padBottom,
      inW + padLeft + padRight,
      channels,
    ]);
    const attrs = { rows: { rows: 1 }, inH, inW, channels, padTop, padBottom, padLeft, padRight };
    b.fwd('pad2d', [out, input], attrs);
    return {
      output: out,
      backward(b, grad, _fromLogits, needInput) {
        if (!needInput) return;
        const dx = b.gradOf(input);
        b.bwd('pad2dGrad', [dx, grad], { ...attrs, accumulate: !b.firstWrite(dx) });
      },
    };
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), padding: this.padding.map((p) => [...p]), dataFormat: 'channelsLast' };
  }

  static readonly kerasClassNames = ['ZeroPadding2D'];
  static fromFileConfig(_className: string, c: StrictObject, base: FromFileBase): ZeroPadding2D {
    dataFormatFromFile(c);
    try {
      return new ZeroPadding2D({ ...base, padding: (c.has('padding') ? c.raw('padding') : 1) as number });
    } catch (e) {
      throw new ModelFileError(`${c.at('padding')}: ${(e as Error).message}`);
    }
  }
  override toFileConfigs(): KerasObject[] {
    return [
      {
        class_name: 'ZeroPadding2D',
        config: { padding: this.padding.map((p) => [...p]), data_format: 'channels_last', ...this.fileBase() },
      },
    ];
  }
}

registerLayer(ZeroPadding2D);
