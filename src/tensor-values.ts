/**
 * Turning what users pass to nn.tensor (nested arrays of any depth, flat arrays, typed arrays,
 * a number) into a shape and a typed array of the dtype asked for. Every value is read once and
 * checked as read, so a getter or a shared buffer cannot change it between check and use.
 */
import { types } from 'node:util';
import { describe, MAX_SIZE } from './backend/check';

export type DType = 'float32' | 'int32';
export const DTYPES: readonly DType[] = ['float32', 'int32'];
/** The storage of a tensor: Float32Array for float32, Int32Array for int32. */
export type TensorData = Float32Array | Int32Array;
export type DTypeOf<A extends TensorData> = A extends Int32Array ? 'int32' : 'float32';
/** Numbers nested to any depth, as arraySync() returns them. */
export type NestedArray = number | NestedArray[];
/** Typed arrays accepted as values (Uint8Array for IDX pixels and the like); converted on copy. */
export type NumericArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint32Array
  | Uint16Array
  | Uint8Array
  | Uint8ClampedArray;
/** Numbers nested to any depth as callers may hold them (readonly arrays too). */
export type NestedInput = number | readonly NestedInput[];
export type TensorLike = NumericArray | NestedInput;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

export function checkDtype(fn: string, dtype: unknown): DType {
  if (typeof dtype !== 'string') throw new TypeError(`${fn}: dtype must be a string, got ${describe(dtype)}`);
  if (!(DTYPES as readonly string[]).includes(dtype)) {
    throw new RangeError(`${fn}: dtype must be 'float32' or 'int32', got "${dtype}"`);
  }
  return dtype as DType;
}

/** A copy of shape after checking it holds non-negative integers whose product fits one array. */
export function checkShape(fn: string, shape: unknown): number[] {
  if (!Array.isArray(shape)) throw new TypeError(`${fn}: shape must be an array of sizes, got ${describe(shape)}`);
  const copy = [...shape];
  let size = 1;
  copy.forEach((d, i) => {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new RangeError(`${fn}: shape[${i}] must be a non-negative integer, got ${describe(d)}`);
    }
    size *= d;
  });
  if (size > MAX_SIZE)
    throw new RangeError(`${fn}: shape [${copy.join(', ')}] holds ${size} values, more than one array can`);
  return copy;
}

export function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

export function isNumericArray(v: unknown): v is NumericArray {
  return ArrayBuffer.isView(v) && !(v instanceof DataView) && !types.isBigInt64Array(v) && !types.isBigUint64Array(v);
}

function isSmallIntArray(v: unknown): v is Int32Array | Int16Array | Int8Array | Uint16Array | Uint8Array {
  return (
    types.isInt32Array(v) ||
    types.isInt16Array(v) ||
    types.isInt8Array(v) ||
    types.isUint16Array(v) ||
    types.isUint8Array(v) ||
    types.isUint8ClampedArray(v)
  );
}

/** The inferred shape of nested arrays (following first elements; a cycle is an error). */
function nestedShape(fn: string, values: unknown[]): number[] {
  const shape: number[] = [];
  const seen = new Set<unknown>();
  let v: unknown = values;
  while (Array.isArray(v)) {
    if (seen.has(v)) throw new RangeError(`${fn}: values contain themselves (a cyclic array)`);
    seen.add(v);
    shape.push(v.length);
    if (v.length === 0) break;
    v = v[0];
  }
  return shape;
}

/** Shape and values (read once each, in row-major order) of nested number arrays: a Float32Array
 *  for float32, else a Float64Array that toData checks for int32. */
export function flattenNested(
  fn: string,
  values: unknown[],
  dtype: DType,
): { shape: number[]; flat: Float32Array | Float64Array } {
  const shape = nestedShape(fn, values);
  const size = sizeOf(shape);
  if (size > MAX_SIZE) throw new RangeError(`${fn}: values hold ${size} numbers, more than one array can`);
  const flat = dtype === 'float32' ? new Float32Array(size) : new Float64Array(size);
  const last = shape.length - 1;
  const at: number[] = []; // the index being read at each depth, to name a bad value
  const where = (depth: number) =>
    `values${at
      .slice(0, depth)
      .map((i) => `[${i}]`)
      .join('')}`;
  const badValue = (item: unknown, depth: number, i: number): Error => {
    at[depth] = i;
    if (Array.isArray(item)) {
      return new RangeError(`${fn}: ${where(depth + 1)} is an array where a number was expected (ragged nesting)`);
    }
    return new TypeError(`${fn}: ${where(depth + 1)} must be a number, got ${describe(item)}`);
  };
  let k = 0;
  // Hot loop (nested rows are a common input): no per-element strings; paths only on error.
  const walk = (v: unknown[], depth: number): void => {
    if (v.length !== shape[depth]) {
      throw new RangeError(
        `${fn}: ${where(depth)} has ${v.length} elements, expected ${shape[depth]} like values${'[0]'.repeat(depth)} (ragged nesting)`,
      );
    }
    if (depth === last) {
      for (let i = 0; i < v.length; i++) {
        const item = v[i];
        if (typeof item !== 'number') throw badValue(item, depth, i);
        flat[k++] = item;
      }
      return;
    }
    for (let i = 0; i < v.length; i++) {
      const item = v[i];
      at[depth] = i;
      if (!Array.isArray(item)) {
        throw new RangeError(
          `${fn}: ${where(depth + 1)} is ${describe(item)} where an array of ${shape[depth + 1]} was expected (ragged nesting)`,
        );
      }
      walk(item, depth + 1);
    }
  };
  walk(values, 0);
  return { shape, flat };
}

/**
 * A new typed array of dtype holding values. float32 rounds to the nearest float32 (NaN and
 * ±Infinity kept); int32 refuses anything but whole numbers in the int32 range, rather than
 * truncating them silently as Int32Array.from would.
 */
export function toData(fn: string, values: ArrayLike<unknown>, dtype: DType, shape?: readonly number[]): TensorData {
  // Typed arrays whose every value fits the dtype convert in one native copy.
  if (dtype === 'float32' && isNumericArray(values)) return new Float32Array(values);
  if (dtype === 'int32' && isSmallIntArray(values)) return new Int32Array(values);
  const n = values.length;
  const at = (i: number) => `values${shape && shape.length > 1 ? indexPath(i, shape) : `[${i}]`}`;
  if (dtype === 'float32') {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (typeof v !== 'number') throw new TypeError(`${fn}: ${at(i)} must be a number, got ${describe(v)}`);
      out[i] = v;
    }
    return out;
  }
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v !== 'number') throw new TypeError(`${fn}: ${at(i)} must be a number, got ${describe(v)}`);
    if (!Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX) {
      throw new RangeError(
        `${fn}: ${at(i)} is ${v}; an int32 tensor holds whole numbers from ${INT32_MIN} to ${INT32_MAX} (round them first, or use dtype 'float32')`,
      );
    }
    out[i] = v;
  }
  return out;
}

/** "[r][c]…" for flat index i of a row-major shape. */
export function indexPath(i: number, shape: readonly number[]): string {
  const parts: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    parts.push(shape[d] === 0 ? 0 : i % shape[d]);
    i = shape[d] === 0 ? 0 : Math.floor(i / shape[d]);
  }
  return parts
    .reverse()
    .map((k) => `[${k}]`)
    .join('');
}
