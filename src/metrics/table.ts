/**
 * What the metric functions take as yTrue / yPred — a Tensor [n] or [n, k], a number[][], a
 * number[] or a numeric typed array (one column) — copied into a float64 table and checked (the
 * copy is what is checked and used, so a caller cannot change it in between).
 */
import { describe } from '../backend/check';
import { Tensor } from '../tensor';

/** Metric inputs: rows of one or more columns. */
export type MetricValues = Tensor | ArrayLike<number> | number[][];

/** Row-major values: rows × cols. */
export interface Table {
  data: Float64Array;
  rows: number;
  cols: number;
}

export function tableOf(fn: string, name: string, v: unknown): Table {
  let rows: number;
  let cols: number;
  let data: Float64Array;
  if (v instanceof Tensor) {
    if (v.rank !== 1 && v.rank !== 2)
      throw new RangeError(`${fn}: ${name} must be a Tensor [n] or [n, k], got shape [${v.shape.join(', ')}]`);
    rows = v.shape[0];
    cols = v.rank === 1 ? 1 : v.shape[1];
    data = Float64Array.from(v.data);
  } else if (Array.isArray(v) && v.length > 0 && Array.isArray(v[0])) {
    rows = v.length;
    cols = (v[0] as unknown[]).length;
    data = new Float64Array(rows * cols);
    v.forEach((row: unknown, r) => {
      if (!Array.isArray(row) || row.length !== cols)
        throw new RangeError(`${fn}: ${name}[${r}] must be an array of ${cols} numbers, got ${describe(row)}`);
      row.forEach((x: unknown, c) => {
        if (typeof x !== 'number')
          throw new TypeError(`${fn}: ${name}[${r}][${c}] must be a number, got ${describe(x)}`);
        data[r * cols + c] = x;
      });
    });
  } else if (Array.isArray(v) || isNumericView(v)) {
    const list = v as ArrayLike<unknown>;
    rows = list.length;
    cols = 1;
    data = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      const x = list[i];
      if (typeof x !== 'number') throw new TypeError(`${fn}: ${name}[${i}] must be a number, got ${describe(x)}`);
      data[i] = x;
    }
  } else {
    throw new TypeError(
      `${fn}: ${name} must be a Tensor, number[], number[][] or a typed array of numbers, got ${describe(v)}`,
    );
  }
  if (rows === 0 || cols === 0) throw new RangeError(`${fn}: ${name} is empty`);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const r = Math.floor(i / cols);
      throw new RangeError(`${fn}: ${name} row ${r} holds ${data[i]} (column ${i - r * cols}); values must be finite`);
    }
  }
  return { data, rows, cols };
}

function isNumericView(v: unknown): v is ArrayLike<number> {
  return (
    ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof BigInt64Array || v instanceof BigUint64Array)
  );
}

export function sameRows(fn: string, yTrue: Table, yPred: Table): void {
  if (yTrue.rows !== yPred.rows)
    throw new RangeError(`${fn}: yTrue has ${yTrue.rows} rows but yPred has ${yPred.rows}; they must match`);
}

/** A view of any row-major array as a table (for the epoch metrics, whose data is checked already). */
export function table(data: ArrayLike<number>, rows: number, cols: number): Table {
  return { data: Float64Array.from(data), rows, cols };
}
