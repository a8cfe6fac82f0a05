/**
 * Tensor: a shape of any rank and its values in row-major order, with a dtype: float32
 * (Float32Array) or int32 (Int32Array: token ids, class labels, argMax results).
 * The constructors nn.tensor / tensor1d…4d copy what they are given; dataSync() and reshape()
 * share the tensor's own array, as TensorFlow.js's cpu backend does (clone() for a copy).
 */
import { types } from 'node:util';
import { describe } from './backend/check';
import {
  checkDtype,
  checkShape,
  type DType,
  type DTypeOf,
  flattenNested,
  isNumericArray,
  type NestedArray,
  sizeOf,
  type TensorData,
  type TensorLike,
  toData,
} from './tensor-values';

export type { DType, NestedArray, NumericArray, TensorData, TensorLike } from './tensor-values';

export class Tensor<A extends TensorData = TensorData> {
  readonly shape: readonly number[];
  /** The values, row-major; the array itself, not a copy. */
  readonly data: A;
  readonly dtype: DTypeOf<A>;

  /** Wraps data (not copied) as a tensor of this shape; the dtype follows the array's type. */
  constructor(data: A, shape: readonly number[]) {
    let dtype: DType;
    if (types.isFloat32Array(data)) dtype = 'float32';
    else if (types.isInt32Array(data)) dtype = 'int32';
    else {
      throw new TypeError(
        `Tensor: data must be a Float32Array or an Int32Array, got ${describe(data)} (nn.tensor(values, shape, dtype) converts other values)`,
      );
    }
    const s = checkShape('Tensor', shape);
    const size = sizeOf(s);
    if (data.length !== size) {
      throw new RangeError(`Tensor: shape [${s.join(', ')}] needs ${size} values, got ${data.length}`);
    }
    this.data = data;
    this.shape = Object.freeze(s);
    this.dtype = dtype as DTypeOf<A>;
  }

  /** Number of values (the product of the shape). */
  get size(): number {
    return this.data.length;
  }
  get rank(): number {
    return this.shape.length;
  }
  /** The first dimension (the batch: rows); 1 for a scalar. */
  get rows(): number {
    return this.shape.length === 0 ? 1 : this.shape[0];
  }
  /** Values per row: the product of the dimensions after the first (1 for rank 0 and 1). */
  get cols(): number {
    return sizeOf(this.shape.slice(1));
  }

  /** The values as a typed array: the tensor's own array, not a copy (as tfjs's cpu backend);
   *  writing to it changes the tensor. */
  dataSync(): A {
    return this.data;
  }

  /** The values as nested arrays, one level per dimension (a number for a scalar). */
  arraySync(): NestedArray {
    const nest = (offset: number, dim: number): NestedArray => {
      if (dim === this.shape.length) return this.data[offset];
      const stride = sizeOf(this.shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[dim]; i++) out.push(nest(offset + i * stride, dim + 1));
      return out;
    };
    return nest(0, 0);
  }

  /** Row by row: [rows][cols] (the 2-D view of any rank; see rows and cols). */
  toArray(): number[][] {
    const out: number[][] = [];
    const cols = this.cols;
    for (let r = 0; r < this.rows; r++) out.push(Array.from(this.data.subarray(r * cols, (r + 1) * cols)));
    return out;
  }

  /** The same values under another shape of the same size; one dimension may be -1 (inferred).
   *  Shares the array (no copy), as tfjs. */
  reshape(shape: readonly number[]): Tensor<A> {
    const fn = 'reshape';
    if (!Array.isArray(shape)) throw new TypeError(`${fn}: shape must be an array of sizes, got ${describe(shape)}`);
    const s = [...shape];
    const free = s.flatMap((d, i) => (d === -1 ? [i] : []));
    if (free.length > 1) throw new RangeError(`${fn}: only one dimension may be -1, got [${s.join(', ')}]`);
    const known = checkShape(
      fn,
      s.filter((d) => d !== -1),
    );
    const from = `[${this.shape.join(', ')}] (${this.size} values)`;
    if (free.length === 1) {
      const rest = sizeOf(known);
      if (rest === 0 || this.size % rest !== 0) {
        throw new RangeError(`${fn}: cannot reshape ${from} into [${s.join(', ')}]: no size fits the -1`);
      }
      s[free[0]] = this.size / rest;
    }
    if (sizeOf(s) !== this.size) {
      throw new RangeError(`${fn}: cannot reshape ${from} into [${s.join(', ')}] (${sizeOf(s)} values)`);
    }
    return new Tensor(this.data, s);
  }

  /**
   * Index of the largest value along axis (default the last; negative counts from the end), as an
   * int32 tensor without that axis. Ties go to the first; NaN never wins unless it comes first
   * (the tfjs cpu rule: only a strictly greater value replaces the current best).
   */
  argMax(axis = -1): Tensor<Int32Array> {
    const fn = 'argMax';
    const rank = this.shape.length;
    if (rank === 0) throw new RangeError(`${fn}: a scalar has no axis to take the maximum along`);
    if (typeof axis !== 'number' || !Number.isInteger(axis) || axis < -rank || axis >= rank) {
      throw new RangeError(
        `${fn}: axis must be an integer from ${-rank} to ${rank - 1} for shape [${this.shape.join(', ')}], got ${describe(axis)}`,
      );
    }
    const a = axis < 0 ? axis + rank : axis;
    const n = this.shape[a];
    if (n === 0) throw new RangeError(`${fn}: axis ${axis} of shape [${this.shape.join(', ')}] is empty`);
    const outer = sizeOf(this.shape.slice(0, a));
    const inner = sizeOf(this.shape.slice(a + 1));
    const out = new Int32Array(outer * inner);
    const d = this.data;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * n * inner + i;
        let best = 0;
        let max = d[base];
        for (let j = 1; j < n; j++) {
          const v = d[base + j * inner];
          if (v > max) {
            max = v;
            best = j;
          }
        }
        out[o * inner + i] = best;
      }
    }
    return new Tensor(out, [...this.shape.slice(0, a), ...this.shape.slice(a + 1)]);
  }

  /** A copy with its own array. */
  clone(): Tensor<A> {
    return new Tensor(this.data.slice() as A, this.shape);
  }

  toString(): string {
    return `Tensor [${this.shape.join(', ')}]${this.dtype === 'int32' ? ' int32' : ''}`;
  }
}

/** The tensor type a constructor returns: the dtype asked for, else int32 for an Int32Array
 *  and float32 for anything else (numbers, nested arrays, other typed arrays). */
export type TensorOf<V, D> = D extends 'int32'
  ? Tensor<Int32Array>
  : D extends 'float32'
    ? Tensor<Float32Array>
    : V extends Int32Array
      ? Tensor<Int32Array>
      : Tensor<Float32Array>;

/**
 * A tensor from values: a number (rank 0), nested arrays of any depth (shape inferred; shape,
 * if given, must match), or a flat array or typed array (shape optional: [length] by default).
 * Values are copied; a Uint8Array (e.g. IDX pixels) or other typed array converts to dtype.
 * int32 refuses non-integers and values outside the int32 range (no silent truncation).
 */
export function tensor<V extends TensorLike, D extends DType | undefined = undefined>(
  values: V,
  shape?: readonly number[],
  dtype?: D,
): TensorOf<V, D> {
  return make('tensor', values, shape, dtype, null) as TensorOf<V, D>;
}

/** A 1-D tensor from a flat array or typed array. */
export function tensor1d<V extends TensorLike, D extends DType | undefined = undefined>(
  values: V,
  dtype?: D,
): TensorOf<V, D> {
  return make('tensor1d', values, undefined, dtype, 1) as TensorOf<V, D>;
}

/** A 2-D tensor from number[][] (shape optional) or from a flat array with its shape [rows, cols]. */
export function tensor2d<V extends TensorLike, D extends DType | undefined = undefined>(
  values: V,
  shape?: readonly [number, number] | readonly number[],
  dtype?: D,
): TensorOf<V, D> {
  return make('tensor2d', values, shape, dtype, 2) as TensorOf<V, D>;
}

/** A 3-D tensor, e.g. sequences [batch, time, features]. */
export function tensor3d<V extends TensorLike, D extends DType | undefined = undefined>(
  values: V,
  shape?: readonly [number, number, number] | readonly number[],
  dtype?: D,
): TensorOf<V, D> {
  return make('tensor3d', values, shape, dtype, 3) as TensorOf<V, D>;
}

/** A 4-D tensor, e.g. images NHWC [batch, height, width, channels]. */
export function tensor4d<V extends TensorLike, D extends DType | undefined = undefined>(
  values: V,
  shape?: readonly [number, number, number, number] | readonly number[],
  dtype?: D,
): TensorOf<V, D> {
  return make('tensor4d', values, shape, dtype, 4) as TensorOf<V, D>;
}

function make(fn: string, values: unknown, shape: unknown, dtype: unknown, rank: number | null): Tensor {
  const dt = dtype === undefined ? (types.isInt32Array(values) ? 'int32' : 'float32') : checkDtype(fn, dtype);
  const given = shape === undefined ? null : checkShape(fn, shape);
  const shapeText = (s: readonly number[]) => `[${s.join(', ')}]`;
  if (given && rank !== null && given.length !== rank) {
    throw new RangeError(`${fn}: shape must have ${rank} dimensions, got ${shapeText(given)}`);
  }
  let flat: ArrayLike<unknown>;
  let inferred: number[];
  let fresh: Float32Array | null = null; // nested values already copied into a float32 array
  if (isNumericArray(values)) {
    flat = values;
    inferred = [values.length];
  } else if (typeof values === 'number') {
    flat = [values];
    inferred = [];
  } else if (Array.isArray(values)) {
    ({ flat, shape: inferred } = flattenNested(fn, values, dt));
    if (flat instanceof Float32Array) fresh = flat;
  } else {
    throw new TypeError(
      `${fn}: values must be a number, nested number arrays or a typed array, got ${describe(values)}`,
    );
  }
  let out: number[];
  if (inferred.length > 1) {
    if (rank !== null && inferred.length !== rank) {
      throw new RangeError(`${fn}: values are ${inferred.length}-D ${shapeText(inferred)}, expected ${rank}-D`);
    }
    if (given && shapeText(given) !== shapeText(inferred)) {
      throw new RangeError(`${fn}: shape ${shapeText(given)} does not match the values' shape ${shapeText(inferred)}`);
    }
    out = inferred;
  } else if (given) {
    if (sizeOf(given) !== flat.length) {
      throw new RangeError(`${fn}: shape ${shapeText(given)} needs ${sizeOf(given)} values, got ${flat.length}`);
    }
    out = given;
  } else if (rank === null || rank === inferred.length) {
    out = inferred;
  } else if (flat.length === 0 && rank > 0) {
    out = new Array(rank).fill(0); // tensor2d([]) is [0, 0], as before
  } else if (inferred.length === 0) {
    throw new TypeError(`${fn}: values must be ${rank}-D, got a single number`);
  } else {
    throw new TypeError(`${fn}: shape is required when values is a flat array`);
  }
  return new Tensor(fresh ?? toData(fn, flat, dt, out), out);
}
