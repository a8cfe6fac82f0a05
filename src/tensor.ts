/** Tensor: a shape and a row-major Float32Array. nativenn models take 2-D tensors [rows, cols]. */
import { describe } from './backend/check';

export class Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;

  constructor(data: Float32Array, shape: readonly number[]) {
    const size = shape.reduce((a, b) => a * b, 1);
    if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new RangeError(`Tensor: shape must hold non-negative integers, got [${shape.join(', ')}]`);
    }
    if (data.length !== size) {
      throw new RangeError(`Tensor: shape [${shape.join(', ')}] needs ${size} values, got ${data.length}`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
  }

  get size(): number {
    return this.data.length;
  }
  get rank(): number {
    return this.shape.length;
  }
  /** Rows of a 2-D tensor (the batch dimension). */
  get rows(): number {
    return this.shape[0];
  }
  /** Columns of a 2-D tensor (features per row). */
  get cols(): number {
    return this.shape.length > 1 ? this.shape[1] : 1;
  }

  /** Nested arrays, row by row. */
  toArray(): number[][] {
    const out: number[][] = [];
    for (let r = 0; r < this.rows; r++) out.push(Array.from(this.data.subarray(r * this.cols, (r + 1) * this.cols)));
    return out;
  }

  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }

  toString(): string {
    return `Tensor [${this.shape.join(', ')}]`;
  }
}

/** A 2-D tensor from a Float32Array (with shape) or from nested number arrays (shape optional). */
export function tensor2d(values: Float32Array | ArrayLike<number> | number[][], shape?: [number, number]): Tensor {
  if (values instanceof Float32Array || (ArrayBuffer.isView(values) && !Array.isArray(values))) {
    if (!shape) throw new TypeError('tensor2d: shape is required when values is a flat array');
    return new Tensor(Float32Array.from(values as ArrayLike<number>), shape);
  }
  if (!Array.isArray(values))
    throw new TypeError(`tensor2d: values must be a Float32Array or number[][], got ${describe(values)}`);
  if (values.length > 0 && !Array.isArray(values[0])) {
    if (!shape) throw new TypeError('tensor2d: shape is required when values is a flat array');
    return new Tensor(Float32Array.from(values as unknown as number[]), shape);
  }
  const rowsArr = values as number[][];
  const rows = rowsArr.length;
  const cols = rows > 0 ? rowsArr[0].length : (shape?.[1] ?? 0);
  const data = new Float32Array(rows * cols);
  rowsArr.forEach((row, r) => {
    if (!Array.isArray(row) || row.length !== cols) {
      throw new RangeError(`tensor2d: row ${r} has ${Array.isArray(row) ? row.length : 'no'} values, expected ${cols}`);
    }
    for (let c = 0; c < cols; c++) {
      if (typeof row[c] !== 'number')
        throw new TypeError(`tensor2d: value at [${r}, ${c}] must be a number, got ${describe(row[c])}`);
      data[r * cols + c] = row[c];
    }
  });
  if (shape && (shape[0] !== rows || shape[1] !== cols)) {
    throw new RangeError(`tensor2d: shape [${shape.join(', ')}] does not match the values' [${rows}, ${cols}]`);
  }
  return new Tensor(data, [rows, cols]);
}
