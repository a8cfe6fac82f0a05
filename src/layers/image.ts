/**
 * What the image layers share: argument forms (a number or one per axis, as tfjs takes them),
 * the NHWC input shape they need, and the geometry a convolution or pool call takes on the tape.
 */

import { describe } from '../backend/check';
import { convPadding } from '../backend/js/conv-shape';
import { checkSetting } from '../config/ranges';
import { ModelFileError, type StrictObject } from '../io/strict';
import { formatShape, type Shape } from './shape';

export type Padding = 'valid' | 'same';

/** A value in a message: JSON where it has one ([3, 3, 3]), else its description. */
function shown(v: unknown): string {
  try {
    const json = JSON.stringify(v);
    if (json !== undefined) return json.slice(0, 80);
  } catch {
    // cyclic or BigInt: fall through
  }
  return describe(v).slice(0, 80);
}

/** kernelSize / strides / poolSize / dilationRate: a number for every axis, or one per axis. */
export function perAxis(fn: string, name: string, v: unknown, axes: number): number[] {
  const values = typeof v === 'number' ? new Array<number>(axes).fill(v) : v;
  if (!Array.isArray(values) || values.length !== axes)
    throw new TypeError(`${fn}: ${name} must be a number or an array of ${axes} numbers, got ${shown(v)}`);
  return values.map((x, i) => checkSetting(fn, axes === 1 ? name : `${name}[${i}]`, x, 'window'));
}

export function checkPadding(fn: string, v: unknown, extra: readonly string[] = []): Padding {
  if (v === undefined) return 'valid';
  if (v === 'valid' || v === 'same') return v;
  if (extra.includes(v as string))
    throw new RangeError(`${fn}: padding '${v}' is not supported yet; use 'valid' or 'same'`);
  throw new RangeError(`${fn}: padding must be 'valid' or 'same', got ${describe(v).slice(0, 80)}`);
}

/** tfjs dataFormat: only channels-last (NHWC) is supported. */
export function checkDataFormat(fn: string, v: unknown): void {
  if (v === undefined || v === 'channelsLast') return;
  if (v === 'channelsFirst')
    throw new RangeError(`${fn}: dataFormat 'channelsFirst' is not supported; nativenn is channels-last (NHWC)`);
  throw new RangeError(`${fn}: dataFormat must be 'channelsLast', got ${describe(v).slice(0, 80)}`);
}

/** [height, width, channels] of an NHWC input shape [batch, h, w, c], all known. */
export function imageDims(fn: string, inputShape: Shape, rank = 3): number[] {
  const dims = inputShape.slice(1);
  const what = rank === 3 ? '(batch, height, width, channels)' : '(batch, steps, channels)';
  if (dims.length !== rank || dims.some((d) => d === null || d < 1)) {
    throw new RangeError(
      `${fn}: expects an input of shape ${what} with known sizes ≥ 1, got ${formatShape(inputShape)}`,
    );
  }
  return dims as number[];
}

/** One axis of a window over an image: the padding before and after and the output size. */
export interface AxisPlan {
  before: number;
  after: number;
  out: number;
}

/** TensorFlow's padding along one axis, with the layer's name in the error. */
export function axisPlan(
  fn: string,
  axis: string,
  inSize: number,
  k: number,
  stride: number,
  dilation: number,
  padding: Padding,
): AxisPlan {
  const effective = dilation * (k - 1) + 1;
  if (padding === 'valid' && effective > inSize) {
    throw new RangeError(
      `${fn}: the window (${effective}${dilation > 1 ? ' with dilation' : ''}) is larger than the input ${axis} (${inSize}) with padding 'valid'`,
    );
  }
  const [before, after, out] = convPadding(inSize, k, stride, dilation, padding);
  return { before, after, out };
}

/** 'valid'/'same' from a file. */
export function paddingFromFile(c: StrictObject): Padding {
  const p = c.optionalString('padding', 'valid');
  if (p !== 'valid' && p !== 'same')
    throw new ModelFileError(`${c.at('padding')} must be 'valid' or 'same', got '${p}'`);
  return p;
}

/** A per-axis list from a file (kernel_size [3, 3]; a bare number is accepted too). */
export function axesFromFile(c: StrictObject, key: string, axes: number, fallback?: number[]): number[] {
  if (fallback && (!c.has(key) || c.raw(key) === null)) return fallback;
  const v = c.required(key);
  try {
    return perAxis('file', key, v, axes);
  } catch (e) {
    throw new ModelFileError(`${c.at(key)}: ${(e as Error).message.replace(/^file: /, '')}`);
  }
}

/** data_format in a file: channels_last only. */
export function dataFormatFromFile(c: StrictObject): void {
  const f = c.optionalString('data_format', 'channels_last');
  if (f !== 'channels_last')
    throw new ModelFileError(`${c.at('data_format')}: only 'channels_last' is supported, got '${f}'`);
}
