/**
 * Turning what users pass as x and y into the flat arrays an Executor reads, checking everything
 * first (rows, feature count, label range, NaN/Infinity with the row) so that bad data is
 * reported before any weight changes.
 */
import { describe } from '../backend/check';
import { addon } from '../backend/native/addon';
import type { CompiledLoss } from '../losses';
import { Tensor } from '../tensor';

/** Targets: a Tensor [n, outputs] (float32 or int32); for a model with one output also a vector
 *  [n] (Int32Array, Float32Array, number[] or a Tensor [n]); for sparseCategoricalCrossentropy
 *  class labels (Int32Array, Float32Array, number[] or a Tensor [n] / [n, 1], int32 or whole floats). */
export type Targets = Tensor | Int32Array | Float32Array | number[];

export interface Dataset {
  x: Float32Array;
  y: Float32Array;
  rows: number;
}

/** x as (rows, inputs) row-major float32, checked. `inputs`: the model's sample shape ([features],
 *  [height, width, channels], …) or its feature count. An int32 x converts to float32 (as Keras
 *  casts inputs to the model's float dtype); a float32 x is used as is, not copied. */
export function inputsOf(fn: string, name: string, x: unknown, inputs: number | readonly number[]): Float32Array {
  if (!(x instanceof Tensor)) throw new TypeError(`${fn}: ${name} must be a Tensor (nn.tensor2d), got ${describe(x)}`);
  const sample = typeof inputs === 'number' ? [inputs] : inputs;
  const want = `[rows, ${sample.join(', ')}]`;
  if (sample.length > 1) {
    const fits = x.rank === sample.length + 1 && sample.every((d, i) => x.shape[i + 1] === d);
    if (!fits) {
      const rows = x.rank >= 1 ? x.shape[0] : 'rows';
      throw new RangeError(
        `${fn}: ${name} must have shape ${want} (the model's input shape), got [${x.shape.join(', ')}]` +
          (x.size === (x.shape[0] ?? 0) * sample.reduce((a, b) => a * b, 1)
            ? `; reshape it with ${name}.reshape([${rows}, ${sample.join(', ')}])`
            : ''),
      );
    }
    if (x.shape[0] === 0) throw new RangeError(`${fn}: ${name} is empty (0 rows)`);
    const data = floatData(x);
    checkFiniteRows(
      fn,
      name,
      data,
      sample.reduce((a, b) => a * b, 1),
    );
    return data;
  }
  const features = sample[0];
  if (x.rank > 2) {
    throw new RangeError(
      `${fn}: ${name} has shape [${x.shape.join(', ')}]; this model takes 2-D inputs [rows, ${features}] (flatten it with ${name}.reshape([rows, -1]) if its values are features, or give the first layer inputShape [${x.shape.slice(1).join(', ')}])`,
    );
  }
  if (x.rank !== 2)
    throw new RangeError(`${fn}: ${name} must be a 2-D Tensor [rows, ${features}], got shape [${x.shape.join(', ')}]`);
  if (x.shape[0] === 0) throw new RangeError(`${fn}: ${name} is empty (0 rows)`);
  if (x.shape[1] !== features) {
    throw new RangeError(
      `${fn}: ${name} has ${x.shape[1]} features per row but the model expects ${features} (inputShape [${features}])`,
    );
  }
  const data = floatData(x);
  checkFiniteRows(fn, name, data, x.shape[1]);
  return data;
}

/** A tensor's values as float32: its own array, or a float32 copy of an int32 tensor's. */
function floatData(t: Tensor): Float32Array {
  return t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
}

function checkFiniteRows(fn: string, name: string, data: ArrayLike<number>, cols: number): void {
  const i = firstNonFinite(data);
  if (i < 0) return;
  const row = Math.floor(i / cols);
  throw new RangeError(`${fn}: ${name} row ${row} holds ${data[i]} (column ${i - row * cols}); data must be finite`);
}

const nativeFirstNonFinite =
  typeof addon?.firstNonFinite === 'function' ? (addon.firstNonFinite as (x: Float32Array) => number) : null;

/** Index of the first NaN or ±Infinity in data, or -1. Runs on every fit and evaluate call, over
 *  all of x: a Float32Array goes to the addon's scan when it is loaded (native/kernels/
 *  elementwise.cc; ~5× faster on MNIST-sized data), everything else to firstNonFiniteJs, its twin. */
export function firstNonFinite(data: ArrayLike<number>): number {
  return nativeFirstNonFinite && data instanceof Float32Array ? nativeFirstNonFinite(data) : firstNonFiniteJs(data);
}

/** The twin: v * 0 is ±0 for a finite v and NaN for ±Infinity or NaN, so a sum of them stays 0
 *  exactly when every value is finite (branch-free, four sums side by side); only then is the
 *  data walked again to find the first. */
export function firstNonFiniteJs(data: ArrayLike<number>): number {
  let p0 = 0;
  let p1 = 0;
  let p2 = 0;
  let p3 = 0;
  const n = data.length;
  const n4 = n - (n % 4);
  let j = 0;
  for (; j < n4; j += 4) {
    p0 += data[j] * 0;
    p1 += data[j + 1] * 0;
    p2 += data[j + 2] * 0;
    p3 += data[j + 3] * 0;
  }
  for (; j < n; j++) p0 += data[j] * 0;
  if (p0 + p1 + p2 + p3 === 0) return -1;
  for (let i = 0; i < n; i++) if (!Number.isFinite(data[i])) return i;
  return -1;
}

/** Whether every (finite) value is in [0, 1]: v·(1 − v) is negative exactly outside it (exact in
 *  double for a float32 v), so the smallest such product decides, without a branch per value. */
export function allProbabilities(data: Float32Array): boolean {
  let m0 = 0;
  let m1 = 0;
  const n = data.length;
  const n2 = n - (n % 2);
  let i = 0;
  for (; i < n2; i += 2) {
    m0 = Math.min(m0, data[i] * (1 - data[i]));
    m1 = Math.min(m1, data[i + 1] * (1 - data[i + 1]));
  }
  if (i < n) m0 = Math.min(m0, data[i] * (1 - data[i]));
  return Math.min(m0, m1) >= 0;
}

/** y as the executor wants it for this loss: (rows) class indices for the sparse loss, else
 *  (rows, outputs). */
export function targetsOf(
  fn: string,
  name: string,
  y: unknown,
  rows: number,
  outputShape: number | readonly number[],
  loss: CompiledLoss,
): Float32Array {
  const shape = typeof outputShape === 'number' ? [outputShape] : outputShape;
  const outputs = shape.reduce((a, b) => a * b, 1);
  if (shape.length > 1) {
    // Outputs of rank > 1 ([steps, units], images): the losses that act elementwise only.
    if (loss === 'sparseCategoricalCrossentropy' || loss === 'categoricalCrossentropy') {
      throw new RangeError(
        `${fn}: ${loss} needs a model whose output is [batch, classes], but this one outputs [batch, ${shape.join(', ')}]; add nn.layers.flatten() or a pooling layer before the last dense layer`,
      );
    }
    const fits = y instanceof Tensor && y.rank === shape.length + 1 && shape.every((d, i) => y.shape[i + 1] === d);
    if (!fits) {
      throw new RangeError(
        `${fn}: ${name} must be a Tensor [rows, ${shape.join(', ')}] (the model's output shape), got ${y instanceof Tensor ? `shape [${y.shape.join(', ')}]` : describe(y)}`,
      );
    }
  }
  if (loss === 'sparseCategoricalCrossentropy') return labelsOf(fn, name, y, rows, outputs);
  let data: Float32Array;
  if (y instanceof Tensor && shape.length > 1) {
    data = floatData(y);
  } else if (y instanceof Tensor) {
    const okShape = (y.rank === 2 && y.shape[1] === outputs) || (outputs === 1 && y.rank === 1);
    if (!okShape) {
      throw new RangeError(
        `${fn}: ${name} must be a Tensor [rows, ${outputs}] for ${loss} (one column per output), got shape [${y.shape.join(', ')}]` +
          (y.rank === 1 && outputs > 1
            ? '; for class labels use nn.data.oneHot(labels, classes) or sparseCategoricalCrossentropy'
            : ''),
      );
    }
    data = floatData(y); // int32 targets (e.g. one-hot rows) convert, as Keras casts y_true
  } else if (outputs === 1 && isLabelVector(y)) {
    data = vectorOf(fn, name, y);
  } else if (ArrayBuffer.isView(y) || Array.isArray(y)) {
    throw new TypeError(
      `${fn}: ${name} must be a Tensor [rows, ${outputs}] for ${loss} (a label vector fits only a model with one output), got ${describe(y)}; for class labels use nn.data.oneHot(labels, ${outputs}) or loss sparseCategoricalCrossentropy`,
    );
  } else {
    throw new TypeError(`${fn}: ${name} must be a Tensor [rows, ${outputs}], got ${describe(y)}`);
  }
  const yRows = data.length / outputs;
  if (yRows !== rows) throw new RangeError(`${fn}: x has ${rows} rows but ${name} has ${yRows}; they must match`);
  checkFiniteRows(fn, name, data, outputs);
  if ((loss === 'binaryCrossentropy' || loss === 'categoricalCrossentropy') && !allProbabilities(data)) {
    for (let i = 0; i < data.length; i++) {
      if (data[i] < 0 || data[i] > 1) {
        const row = Math.floor(i / outputs);
        throw new RangeError(
          `${fn}: ${name} row ${row} holds ${data[i]}; ${loss} needs targets in [0, 1]` +
            (loss === 'categoricalCrossentropy'
              ? ' (one-hot rows)'
              : outputs === 1
                ? ' (0/1 labels); for more than two classes end the model with dense({ units: classes, activation: "softmax" }) and use loss sparseCategoricalCrossentropy'
                : ''),
        );
      }
    }
  }
  return data;
}

/** A 1-D vector of numbers: a numeric typed array or a number[] (Keras accepts y of shape [n] for
 *  a model with one output). */
function isLabelVector(y: unknown): y is ArrayLike<unknown> {
  if (Array.isArray(y)) return true;
  return (
    ArrayBuffer.isView(y) && !(y instanceof DataView) && !(y instanceof BigInt64Array || y instanceof BigUint64Array)
  );
}

/** The vector as float32, one value per row, each entry checked to be a number (a Float32Array is
 *  used as is, like a Tensor's data). */
function vectorOf(fn: string, name: string, y: ArrayLike<unknown>): Float32Array {
  if (y instanceof Float32Array) return y;
  const out = new Float32Array(y.length);
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (typeof v !== 'number') throw new TypeError(`${fn}: ${name}[${i}] must be a number, got ${describe(v)}`);
    out[i] = v;
  }
  return out;
}

function labelsOf(fn: string, name: string, y: unknown, rows: number, classes: number): Float32Array {
  let values: ArrayLike<number>;
  if (y instanceof Tensor) {
    if (!(y.rank === 1 || (y.rank === 2 && y.shape[1] === 1))) {
      throw new RangeError(
        `${fn}: ${name} must hold one class label per row (a Tensor [rows] or [rows, 1]) for sparseCategoricalCrossentropy, got shape [${y.shape.join(', ')}]` +
          (y.rank === 2 ? '; for one-hot rows use categoricalCrossentropy' : ''),
      );
    }
    values = y.data;
  } else if (y instanceof Int32Array || y instanceof Float32Array || Array.isArray(y)) {
    values = y;
  } else {
    throw new TypeError(
      `${fn}: ${name} must be class labels (Int32Array, Float32Array, number[] or Tensor [rows]), got ${describe(y)}`,
    );
  }
  if (values.length !== rows)
    throw new RangeError(`${fn}: x has ${rows} rows but ${name} has ${values.length}; they must match`);
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const v = values[r];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= classes) {
      throw new RangeError(
        `${fn}: ${name} row ${r} holds ${describe(v)}; sparseCategoricalCrossentropy needs class labels from 0 to ${classes - 1} (the model has ${classes} outputs)`,
      );
    }
    out[r] = v;
  }
  return out;
}

/** Rows `indices` of a (rows, cols) array, gathered into a new array. */
export function gatherRows(data: Float32Array, cols: number, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(indices.length * cols);
  for (let i = 0; i < indices.length; i++)
    out.set(data.subarray(indices[i] * cols, indices[i] * cols + cols), i * cols);
  return out;
}

/** Width of one target row in the executor's layout. */
export function targetWidth(loss: CompiledLoss, outputs: number): number {
  return loss === 'sparseCategoricalCrossentropy' ? 1 : outputs;
}
