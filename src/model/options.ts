/** Checks for the option objects users pass (layers, optimizers, compile, fit, callbacks): every
 *  message names the function and the option, says what was expected and what came. */
import { describe } from '../backend/check';

/** Throws when `options` is not a plain object or holds keys outside `valid` (typos otherwise
 *  pass silently: `learningrate` would be ignored). */
export function checkOptions(fn: string, options: unknown, valid: readonly string[]): Record<string, unknown> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${fn}: options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!valid.includes(key)) throw new TypeError(`${fn}: unknown option "${key}"; valid: ${valid.join(', ')}`);
  }
  return options as Record<string, unknown>;
}

export function positiveInt(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new RangeError(`${fn}: ${name} must be a positive integer, got ${describe(v)}`);
  }
  return v;
}

/** A finite number in [min, max] (or [min, max) with openMax). */
export function numberIn(fn: string, name: string, v: unknown, min: number, max = Infinity, openMax = false): number {
  if (typeof v !== 'number') throw new TypeError(`${fn}: ${name} must be a number, got ${describe(v)}`);
  const aboveMax = openMax ? v >= max : v > max;
  if (!Number.isFinite(v) || v < min || aboveMax) {
    const range = max === Infinity ? `≥ ${min}` : `in [${min}, ${max}${openMax ? ')' : ']'}`;
    throw new RangeError(`${fn}: ${name} must be a finite number ${range}, got ${v}`);
  }
  return v;
}

export function bool(fn: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new TypeError(`${fn}: ${name} must be a boolean, got ${describe(v)}`);
  return v;
}

export function seedValue(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
    throw new TypeError(`${fn}: ${name} must be an integer, got ${describe(v)}`);
  }
  return v;
}

export function str(fn: string, name: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0)
    throw new TypeError(`${fn}: ${name} must be a non-empty string, got ${describe(v)}`);
  return v;
}

/** Resolves a name (or alias) against a table, listing the valid names when it is unknown. */
export function resolveName<T>(fn: string, what: string, v: unknown, table: Record<string, T>): T {
  if (typeof v !== 'string') throw new TypeError(`${fn}: ${what} must be a string, got ${describe(v)}`);
  if (!Object.hasOwn(table, v))
    throw new RangeError(`${fn}: unknown ${what} "${v}"; valid: ${Object.keys(table).join(', ')}`);
  return table[v];
}

/** A 31-bit mix of a base seed and a salt: per-layer seeds derived from one model seed. */
export function deriveSeed(base: number, salt: number): number {
  let h =
    (Math.imul(base | 0, 0x9e3779b1) ^
      Math.imul(Math.floor(base / 4294967296) | 0, 0x85ebca6b) ^
      Math.imul(salt + 1, 0xc2b2ae35)) >>>
    0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) & 0x7fffffff;
}
