/**
 * slidingWindows: next-item prediction data from one long sequence. Each row of x is `window`
 * consecutive items; its target is the item after them (or the window shifted by one). x is
 * float32, the form fit() and an embedding first layer take (ids as whole floats).
 */
import { types } from 'node:util';
import { MAX_SIZE } from '../backend/check';
import { MAX_UNITS } from '../config/ranges';
import { checkOptions } from '../model/options';
import { Tensor } from '../tensor';
import { Random, randomSeed } from '../util/random';
import { describe } from './args';

export interface SlidingWindowOptions {
  /** Items per input row: an integer from 1 to 2^24, less than the sequence's length. */
  window: number;
  /** Distance between the starts of consecutive windows. Default 1. */
  step?: number;
  /** y: 'next' (default) the item after each window; 'sequence' the window shifted by one item
   *  (targets for every step, e.g. a recurrent layer with returnSequences). */
  target?: 'next' | 'sequence';
  /** For a [time, features] series: y holds only this feature (e.g. the one to forecast). */
  column?: number;
  /** Draw this many windows at random, with replacement, among the ones `step` gives (as numpy's
   *  rng.integers in ../shared/bench/torch_lstm.py); without it every window is taken, in order. */
  count?: number;
  /** Seed of the draw (with count); the same seed gives the same windows. Random when omitted. */
  seed?: number;
}

export interface Windows {
  /** [n, window] for a 1-D sequence, [n, window, features] for a [time, features] series. */
  x: Tensor<Float32Array>;
  /** 'next': [n] (or [n, features]); 'sequence': [n, window] (or [n, window, features]). With
   *  column, the features axis is dropped. */
  y: Tensor<Float32Array>;
  /** The sequence position where each row's window starts. */
  starts: Int32Array;
}

export type Sequence = Int32Array | Float32Array | number[] | Tensor;

/** Largest integer float32 holds exactly, and so the largest id an Int32Array may carry into x. */
const F32_EXACT = 2 ** 24;

/** The sequence copied to float32 and checked (finite; integers exactly representable), with its
 *  time and feature counts. */
function copySequence(fn: string, sequence: unknown): { values: Float32Array; time: number; features: number } {
  let src: ArrayLike<unknown>;
  let time: number;
  let features = 1;
  if (sequence instanceof Tensor) {
    if (sequence.rank !== 1 && sequence.rank !== 2) {
      throw new RangeError(
        `${fn}: sequence must be 1-D [time] or 2-D [time, features], got shape [${sequence.shape.join(', ')}]`,
      );
    }
    src = sequence.data;
    time = sequence.shape[0];
    if (sequence.rank === 2) features = sequence.shape[1];
    if (features === 0) throw new RangeError(`${fn}: sequence has 0 features per step`);
  } else if (types.isInt32Array(sequence) || types.isFloat32Array(sequence) || Array.isArray(sequence)) {
    src = sequence;
    time = sequence.length;
  } else {
    throw new TypeError(
      `${fn}: sequence must be an Int32Array, Float32Array, number[] or a Tensor ([time] or [time, features]), got ${describe(sequence)}`,
    );
  }
  if (src.length > MAX_SIZE)
    throw new RangeError(`${fn}: sequence holds ${src.length} values, more than one tensor holds (${MAX_SIZE})`);
  const at = (i: number) =>
    features === 1 ? `sequence[${i}]` : `sequence[${Math.floor(i / features)}][${i % features}]`;
  let values: Float32Array;
  if (types.isInt32Array(src)) {
    // Ids: checked on a copy of the integers (float32 would round 2^24 + 1 to a valid 2^24).
    const ints = src.slice();
    for (let i = 0; i < ints.length; i++) {
      if (ints[i] > F32_EXACT || ints[i] < -F32_EXACT) {
        throw new RangeError(
          `${fn}: ${at(i)} is ${ints[i]}; float32 holds integers exactly only up to ±2^24 (${F32_EXACT})`,
        );
      }
    }
    values = new Float32Array(ints);
  } else if (types.isFloat32Array(src)) {
    values = src.slice();
  } else {
    values = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++) {
      const v = src[i]; // read once: the check and the copy see the same value
      if (typeof v !== 'number') throw new TypeError(`${fn}: ${at(i)} must be a number, got ${describe(v)}`);
      values[i] = v;
    }
  }
  for (let i = 0; i < values.length; i++) {
    if (values[i] - values[i] !== 0) {
      const shown = types.isFloat32Array(src) || types.isInt32Array(src) ? values[i] : src[i];
      throw new RangeError(`${fn}: ${at(i)} is ${shown}; values must be finite float32 numbers`);
    }
  }
  return { values, time, features };
}

function intOption(fn: string, name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number') throw new TypeError(`${fn}: ${name} must be a number, got ${describe(v)}`);
  if (!Number.isInteger(v) || v < min || v > max)
    throw new RangeError(`${fn}: ${name} must be an integer from ${min} to ${max}, got ${v}`);
  return v;
}

/**
 * Windows over a sequence for next-item prediction: x [n, window] (a 1-D sequence, e.g. the ids of
 * charVocab(text).encode(text)) or [n, window, features] (a [time, features] Tensor), y the item
 * after each window. Windows start every `step` items, or `count` of them are drawn with `seed`.
 */
export function slidingWindows(sequence: Sequence, options: SlidingWindowOptions): Windows {
  const fn = 'slidingWindows';
  if (options === undefined) throw new TypeError(`${fn}: options with a window are required, e.g. { window: 16 }`);
  const o = checkOptions(fn, options, ['window', 'step', 'target', 'column', 'count', 'seed']);
  if (o.window === undefined) throw new TypeError(`${fn}: window is required (items per input row)`);
  const window = intOption(fn, 'window', o.window, 1, MAX_UNITS);
  const step = o.step === undefined ? 1 : intOption(fn, 'step', o.step, 1, MAX_SIZE);
  const target = o.target ?? 'next';
  if (target !== 'next' && target !== 'sequence')
    throw new TypeError(`${fn}: target must be 'next' or 'sequence', got ${describe(target)}`);
  const count = o.count === undefined ? null : intOption(fn, 'count', o.count, 1, MAX_SIZE);
  if (o.seed !== undefined && count === null)
    throw new TypeError(`${fn}: seed applies to count (random windows); without count every window is taken`);
  const seed = o.seed ?? randomSeed();
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed))
    throw new TypeError(`${fn}: seed must be an integer, got ${describe(seed)}`);

  const { values, time, features } = copySequence(fn, sequence);
  const multi = sequence instanceof Tensor && sequence.rank === 2;
  let column: number | null = null;
  if (o.column !== undefined) {
    if (!multi) throw new TypeError(`${fn}: column applies to a 2-D [time, features] series, not a 1-D sequence`);
    column = intOption(fn, 'column', o.column, 0, features - 1);
  }
  if (window >= time) {
    throw new RangeError(
      `${fn}: window (${window}) must be less than the sequence's length (${time}): each window needs the item after it`,
    );
  }
  const available = Math.floor((time - window - 1) / step) + 1;
  const n = count ?? available;
  // Size the output before allocating it: both tensors must fit one array each.
  const rowX = window * features;
  const rowY = (target === 'sequence' ? window : 1) * (column === null ? features : 1);
  if (n * rowX > MAX_SIZE || n * rowY > MAX_SIZE) {
    throw new RangeError(
      `${fn}: ${n} windows of ${rowX} values make ${n * rowX} values, more than one tensor holds (${MAX_SIZE}); use count, a larger step or a shorter sequence`,
    );
  }

  const starts = new Int32Array(n);
  if (count === null) for (let r = 0; r < n; r++) starts[r] = r * step;
  else {
    const rng = new Random(seed);
    for (let r = 0; r < n; r++) starts[r] = rng.int(available) * step;
  }
  const x = new Float32Array(n * rowX);
  const y = new Float32Array(n * rowY);
  const yOffset = target === 'sequence' ? 1 : window; // first target step after the window's start
  const ySteps = target === 'sequence' ? window : 1;
  for (let r = 0; r < n; r++) {
    // Plain loops, not set(subarray()): a view per row costs more than copying a short row.
    const s = starts[r] * features;
    for (let j = 0, o = r * rowX; j < rowX; j++) x[o + j] = values[s + j];
    const from = s + yOffset * features;
    if (column === null) for (let j = 0, o = r * rowY; j < rowY; j++) y[o + j] = values[from + j];
    else for (let t = 0; t < ySteps; t++) y[r * rowY + t] = values[from + t * features + column];
  }
  const xShape = multi ? [n, window, features] : [n, window];
  const yTail = [...(target === 'sequence' ? [window] : []), ...(multi && column === null ? [features] : [])];
  return { x: new Tensor(x, xShape), y: new Tensor(y, [n, ...yTail]), starts };
}
