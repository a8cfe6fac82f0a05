/**
 * Strict reading of untrusted JSON objects: every key must be known, every value of the expected
 * type and range, and every error names where it is (`model.json: modelTopology.config.layers[2]
 * (Dense "dense_3").units`) and what came. Used by topology.ts, training-config.ts and
 * validate-files.ts, so that nothing half-checked reaches the code that allocates or builds.
 */
import { describe } from '../backend/check';
import { inRange, RANGES, type Range, rangeText, type Setting } from '../config/ranges';

/** A problem with a model file: its path and where in it. */
export class ModelFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFileError';
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class StrictObject {
  private readonly used = new Set<string>();

  constructor(
    readonly obj: Record<string, unknown>,
    readonly where: string,
  ) {}

  static of(v: unknown, where: string): StrictObject {
    if (!isPlainObject(v)) throw new ModelFileError(`${where} must be an object, got ${describe(v)}`);
    return new StrictObject(v, where);
  }

  has(key: string): boolean {
    return Object.hasOwn(this.obj, key) && this.obj[key] !== undefined;
  }

  raw(key: string): unknown {
    this.used.add(key);
    return this.obj[key];
  }

  at(key: string): string {
    return `${this.where}.${key}`;
  }

  required(key: string): unknown {
    if (!this.has(key)) throw new ModelFileError(`${this.at(key)} is missing`);
    return this.raw(key);
  }

  string(key: string): string {
    const v = this.required(key);
    if (typeof v !== 'string') throw new ModelFileError(`${this.at(key)} must be a string, got ${describe(v)}`);
    return v;
  }

  optionalString(key: string, fallback: string): string {
    return this.has(key) ? this.string(key) : fallback;
  }

  boolean(key: string, fallback?: boolean): boolean {
    if (!this.has(key) && fallback !== undefined) return fallback;
    const v = this.required(key);
    if (typeof v !== 'boolean') throw new ModelFileError(`${this.at(key)} must be a boolean, got ${describe(v)}`);
    return v;
  }

  /** A boolean that may be null: tfjs writes null for an option left unset (its layers then treat
   *  it as false), Keras writes the value. `fallback` when absent, `ifNull` when null. */
  nullableBoolean(key: string, fallback: boolean, ifNull: boolean): boolean {
    if (this.has(key) && this.obj[key] === null) {
      this.used.add(key);
      return ifNull;
    }
    return this.boolean(key, fallback);
  }

  /** A finite number in [min, max]; `fallback` when absent (or null, if nullIsFallback). */
  number(key: string, min: number, max: number, fallback?: number, nullIsFallback = false): number {
    if (fallback !== undefined && (!this.has(key) || (nullIsFallback && this.obj[key] === null))) {
      this.used.add(key);
      return fallback;
    }
    const v = this.required(key);
    if (typeof v !== 'number') throw new ModelFileError(`${this.at(key)} must be a number, got ${describe(v)}`);
    if (!Number.isFinite(v) || v < min || v > max) {
      throw new ModelFileError(`${this.at(key)} must be a finite number from ${min} to ${max}, got ${v}`);
    }
    return v;
  }

  /** A number in the range the builders use for `setting` (src/config/ranges.ts); `fallback` when
   *  absent (or null, if nullIsFallback). */
  setting(key: string, setting: Setting, fallback?: number, nullIsFallback = false): number {
    if (fallback !== undefined && (!this.has(key) || (nullIsFallback && this.obj[key] === null))) {
      this.used.add(key);
      return fallback;
    }
    const v = this.required(key);
    if (typeof v !== 'number') throw new ModelFileError(`${this.at(key)} must be a number, got ${describe(v)}`);
    const r: Range = RANGES[setting];
    if (!inRange(v, r)) throw new ModelFileError(`${this.at(key)} must be ${rangeText(r)}, got ${v}`);
    return v;
  }

  /** An integer in [min, max]; checked before anything is sized by it. */
  integer(key: string, min: number, max: number): number {
    const v = this.required(key);
    if (typeof v !== 'number') throw new ModelFileError(`${this.at(key)} must be a number, got ${describe(v)}`);
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new ModelFileError(`${this.at(key)} must be an integer from ${min} to ${max}, got ${v}`);
    }
    return v;
  }

  /** The key must be absent or null (features nativenn does not have, e.g. constraints). */
  mustBeNull(key: string, feature: string): void {
    const v = this.raw(key);
    if (v !== undefined && v !== null) {
      throw new ModelFileError(
        `${this.at(key)}: ${feature} is not supported by nativenn (got ${JSON.stringify(v).slice(0, 80)})`,
      );
    }
  }

  array(key: string): unknown[] {
    const v = this.required(key);
    if (!Array.isArray(v)) throw new ModelFileError(`${this.at(key)} must be an array, got ${describe(v)}`);
    return v;
  }

  /** Marks keys as accepted without interpreting them (informational fields). */
  ignore(...keys: string[]): void {
    for (const k of keys) this.used.add(k);
  }

  /** Throws on the first key that was never read: unknown keys are refused, not skipped. */
  done(): void {
    for (const k of Object.keys(this.obj)) {
      if (!this.used.has(k)) {
        throw new ModelFileError(`${this.where} has an unknown key "${k}"`);
      }
    }
  }
}
