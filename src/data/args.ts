/** Small argument checks shared by the data helpers (messages name the function and argument). */
import { describe } from '../backend/check';
import { Tensor } from '../tensor';

export { describe };

/** Labels or targets: one value per row. */
export type Labels = Int32Array | Float32Array;

export function checkTensor2d(fn: string, name: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${fn}: ${name} must be a Tensor, got ${describe(x)}`);
  if (x.rank !== 2) throw new RangeError(`${fn}: ${name} must be 2-D [rows, cols], got shape [${x.shape.join(', ')}]`);
}

/** Rows of a Tensor, or the length of a label array. */
export function rowCount(fn: string, name: string, v: unknown): number {
  if (v instanceof Tensor) {
    if (v.rank < 1) throw new RangeError(`${fn}: ${name} must have at least one dimension`);
    return v.shape[0];
  }
  if (v instanceof Int32Array || v instanceof Float32Array) return v.length;
  throw new TypeError(`${fn}: ${name} must be a Tensor, Int32Array or Float32Array, got ${describe(v)}`);
}

/** Integer indices from an Int32Array, Uint32Array or number[]; each in [0, limit). */
export function checkIndices(fn: string, name: string, v: unknown, limit: number): ArrayLike<number> {
  if (!(v instanceof Int32Array || v instanceof Uint32Array || Array.isArray(v))) {
    throw new TypeError(`${fn}: ${name} must be an Int32Array, Uint32Array or number[], got ${describe(v)}`);
  }
  for (let i = 0; i < v.length; i++) {
    const k = v[i];
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k >= limit) {
      throw new RangeError(`${fn}: ${name}[${i}] must be an integer in [0, ${limit}), got ${describe(k)}`);
    }
  }
  return v;
}
