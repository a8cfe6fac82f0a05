/**
 * Sample weights for fit and fitDataset (Keras sample_weight and class_weight): each training
 * row's weight, checked before any weight changes, and y with the weights as its last column —
 * what the model's weighted tape reads (src/graph/builder.ts, buildGraphTape). The loss of a
 * batch is then Keras's SUM_OVER_BATCH_SIZE: Σ_r w_r·loss_r / (rows of the batch), not divided
 * by the sum of the weights; with both options a row weighs sampleWeight[r]·classWeight[class].
 */
import { describe } from '../backend/check';
import type { TrainableModel } from '../model/interfaces';
import { Tensor } from '../tensor';

/** Class index → weight: a plain object ({ 0: 1, 1: 5 }) or a Map. */
export type ClassWeight = Record<number, number> | Map<number, number>;

/** How a target row names its class (as tfjs's standardizeClassWeights and Keras do): a label
 *  (sparse), the argmax of a one-hot or multi-column row, or a single sigmoid output's 0/1. */
type ClassOf = 'label' | 'argmax' | 'binary';

/** classWeight checked against the model, as a weight per class (classes it leaves out weigh 1,
 *  as in Keras 3). */
export interface ClassWeights {
  of: ClassOf;
  /** Per class index. */
  weights: Float64Array;
}

const LOSS_NAMES = 'categoricalCrossentropy, sparseCategoricalCrossentropy or binaryCrossentropy';

export function checkClassWeight(fn: string, v: unknown, model: TrainableModel): ClassWeights {
  const loss = model.requireCompiled(fn).loss;
  if (model.outputCount > 1) {
    throw new TypeError(
      `${fn}: classWeight is supported for models with one output only (as in Keras); for several outputs give sampleWeight`,
    );
  }
  if (loss === 'meanSquaredError') {
    throw new TypeError(
      `${fn}: classWeight needs a classification loss (${LOSS_NAMES}); the model is compiled with ${loss}`,
    );
  }
  if (model.outputShape.length > 1) {
    throw new TypeError(
      `${fn}: classWeight needs an output of shape [batch, classes]; this model outputs [batch, ${model.outputShape.join(', ')}]`,
    );
  }
  const outputs = model.outputSize;
  const of: ClassOf = loss === 'sparseCategoricalCrossentropy' ? 'label' : outputs === 1 ? 'binary' : 'argmax';
  const classes = of === 'binary' ? 2 : outputs;
  let entries: [unknown, unknown][];
  if (v instanceof Map) entries = [...v.entries()];
  else if (v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v) && !(v instanceof Tensor))
    entries = Object.entries(v);
  else
    throw new TypeError(
      `${fn}: classWeight must be an object or a Map from class index to weight ({ 0: 1, 1: 5 }), got ${describe(v)}`,
    );
  const weights = new Float64Array(classes).fill(1);
  for (const [key, w] of entries) {
    const k = typeof key === 'string' && /^(0|[1-9][0-9]*)$/.test(key) ? Number(key) : key;
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 0)
      throw new TypeError(`${fn}: classWeight keys must be class indices (integers ≥ 0), got ${describe(key)}`);
    if (k >= classes) {
      throw new RangeError(
        `${fn}: classWeight names class ${k}, but the model has ${classes} classes (0 to ${classes - 1})` +
          (of === 'binary' ? ': a single sigmoid output has classes 0 and 1' : ''),
      );
    }
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0)
      throw new RangeError(`${fn}: classWeight[${k}] must be a finite number ≥ 0, got ${describe(w)}`);
    weights[k] = w;
  }
  return { of, weights };
}

/** One weight ≥ 0 per row: a Tensor [rows] or [rows, 1], a Float32Array or number[]. */
export type SampleWeight = Tensor | Float32Array | number[];

/** One weight per row: a Tensor [rows] or [rows, 1], a Float32Array (or other numeric typed
 *  array) or a number[]; every value finite and ≥ 0. `xName` names the rows in messages. */
export function checkSampleWeight(fn: string, name: string, v: unknown, rows: number, xName = 'x'): Float32Array {
  let values: ArrayLike<unknown>;
  if (v instanceof Tensor) {
    if (!(v.rank === 1 || (v.rank === 2 && v.shape[1] === 1)))
      throw new RangeError(
        `${fn}: ${name} must hold one weight per row (a Tensor [rows] or [rows, 1]), got shape [${v.shape.join(', ')}]`,
      );
    values = v.data;
  } else if (Array.isArray(v) && v.length > 0 && v.every((e) => e instanceof Tensor || ArrayBuffer.isView(e))) {
    throw new TypeError(
      `${fn}: ${name} must be one weight per row (it applies to every output); per-output sample weights are not supported`,
    );
  } else if (
    Array.isArray(v) ||
    (ArrayBuffer.isView(v) && !(v instanceof DataView || v instanceof BigInt64Array || v instanceof BigUint64Array))
  ) {
    values = v as unknown as ArrayLike<unknown>;
  } else {
    throw new TypeError(
      `${fn}: ${name} must be one weight per row (a Tensor [rows], Float32Array or number[]), got ${describe(v)}`,
    );
  }
  if (values.length !== rows)
    throw new RangeError(`${fn}: ${name} has ${values.length} weights but ${xName} has ${rows} rows; give one per row`);
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const w = values[r];
    if (typeof w !== 'number') throw new TypeError(`${fn}: ${name}[${r}] must be a number, got ${describe(w)}`);
    const n = Number(w);
    if (!Number.isFinite(n) || n < 0)
      throw new RangeError(`${fn}: ${name}[${r}] is ${n}; sample weights must be finite numbers ≥ 0`);
    out[r] = n;
  }
  return out;
}

/** The class of row r of y (the executor's layout: one label, or `width` values). */
function classOf(fn: string, of: ClassOf, y: Float32Array, r: number, width: number, yName: string): number {
  if (of === 'label') return y[r];
  if (of === 'binary') {
    const t = y[r];
    if (t !== 0 && t !== 1)
      throw new RangeError(
        `${fn}: classWeight needs 0/1 targets for a single sigmoid output, but ${yName} row ${r} holds ${t}`,
      );
    return t;
  }
  // The first largest value, as tf.argMax.
  let best = 0;
  for (let c = 1; c < width; c++) if (y[r * width + c] > y[r * width + best]) best = c;
  return best;
}

/** Each row's weight: sampleWeight (or 1) times its class's weight (if classWeight). */
export function rowWeights(
  fn: string,
  y: Float32Array,
  rows: number,
  width: number,
  sample: Float32Array | null,
  classes: ClassWeights | null,
  yName = 'y',
): Float32Array {
  const out = sample ? Float32Array.from(sample) : new Float32Array(rows).fill(1);
  if (classes) for (let r = 0; r < rows; r++) out[r] *= classes.weights[classOf(fn, classes.of, y, r, width, yName)];
  return out;
}

/** y (rows, width) with each row's weight appended: the weighted tape's y (rows, width + 1). */
export function withWeights(y: Float32Array, width: number, weights: Float32Array, rows: number): Float32Array {
  const out = new Float32Array(rows * (width + 1));
  for (let r = 0; r < rows; r++) {
    out.set(y.subarray(r * width, (r + 1) * width), r * (width + 1));
    out[r * (width + 1) + width] = weights[r];
  }
  return out;
}
