/**
 * Argument checks shared by both backends, so that `backends.js` and `backends.native` throw the
 * same TypeError/RangeError for the same bad call (messages name the function and the argument,
 * say what was expected and what came). The native glue checks again (never trusting JS), but
 * these run first. Modelled on sharp's lib/is.js.
 */
import { types } from 'node:util';
import type { ActivationName, LossName } from './backend';

export const MAX_SIZE = 2 ** 31 - 1;

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `Array(${v.length})`;
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as { length: number }).length})`;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return `"${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`;
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}

export function checkArgCount(fn: string, args: IArguments | unknown[], expected: number): void {
  if (args.length !== expected) {
    throw new TypeError(`${fn}: expected ${expected} arguments, got ${args.length}`);
  }
}

export function checkSize(fn: string, name: string, v: unknown): asserts v is number {
  if (typeof v !== 'number') throw new TypeError(`${fn}: ${name} must be a number, got ${describe(v)}`);
  if (!Number.isInteger(v) || v < 0 || v > MAX_SIZE) {
    throw new RangeError(`${fn}: ${name} must be an integer from 0 to ${MAX_SIZE}, got ${v}`);
  }
}

export function checkNumber(fn: string, name: string, v: unknown): asserts v is number {
  if (typeof v !== 'number') throw new TypeError(`${fn}: ${name} must be a number, got ${describe(v)}`);
}

export function checkFinite(fn: string, name: string, v: unknown): asserts v is number {
  checkNumber(fn, name, v);
  if (!Number.isFinite(v)) throw new RangeError(`${fn}: ${name} must be finite, got ${v}`);
}

export function checkBool(fn: string, name: string, v: unknown): asserts v is boolean {
  if (typeof v !== 'boolean') throw new TypeError(`${fn}: ${name} must be a boolean, got ${describe(v)}`);
}

export function checkF32(fn: string, name: string, v: unknown, minLength: number): asserts v is Float32Array {
  // types.isFloat32Array, not instanceof: a Proxy around a Float32Array passes instanceof but
  // its .length getter throws, and the addon rejects it (found by test/fuzz).
  if (!types.isFloat32Array(v)) {
    throw new TypeError(`${fn}: ${name} must be a Float32Array, got ${describe(v)}`);
  }
  if (v.length < minLength) {
    throw new RangeError(`${fn}: ${name} is too short: needs ${minLength} elements, got ${v.length}`);
  }
}

export function checkI32(fn: string, name: string, v: unknown, minLength: number): asserts v is Int32Array {
  if (!types.isInt32Array(v)) {
    throw new TypeError(`${fn}: ${name} must be an Int32Array, got ${describe(v)}`);
  }
  if (v.length < minLength) {
    throw new RangeError(`${fn}: ${name} is too short: needs ${minLength} elements, got ${v.length}`);
  }
}

/** A row-major matrix of `rows` rows of `cols` values, rows `ld` apart. */
export function checkMatrix(
  fn: string,
  name: string,
  v: unknown,
  rows: number,
  cols: number,
  ldName: string,
  ld: unknown,
): void {
  checkSize(fn, ldName, ld);
  if (ld < Math.max(1, cols)) {
    throw new RangeError(
      `${fn}: ${ldName} must be at least ${Math.max(1, cols)} (the row length of ${name}), got ${ld}`,
    );
  }
  const needed = rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
  checkF32(fn, name, v, needed);
}

export const ACTIVATIONS: readonly ActivationName[] = [
  'linear',
  'sigmoid',
  'tanh',
  'relu',
  'leakyRelu',
  'elu',
  'gelu',
  'silu',
  'hardSigmoid',
];
export const LOSSES: readonly LossName[] = [
  'meanSquaredError',
  'binaryCrossentropy',
  'binaryCrossentropyFromLogits',
  'categoricalCrossentropy',
  'sparseCategoricalCrossentropy',
];

export function checkName<T extends string>(fn: string, name: string, v: unknown, valid: readonly T[]): asserts v is T {
  if (typeof v !== 'string') throw new TypeError(`${fn}: ${name} must be a string, got ${describe(v)}`);
  if (!(valid as readonly string[]).includes(v)) {
    throw new RangeError(`${fn}: unknown ${name} "${v}"; valid: ${valid.join(', ')}`);
  }
}

/** Sparse targets are class indices stored as floats: integers in [0, cols). */
export function checkClassIndices(fn: string, target: Float32Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const t = target[r];
    if (!Number.isInteger(t) || t < 0 || t >= cols) {
      throw new RangeError(`${fn}: target[${r}] must be a class index from 0 to ${cols - 1}, got ${t}`);
    }
  }
}
