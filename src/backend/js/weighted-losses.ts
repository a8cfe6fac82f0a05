/**
 * Sample-weighted losses (the tape's weighted* kernels; twins of native/kernels/losses.cc
 * weighted_*): Keras's SUM_OVER_BATCH_SIZE reduction. Each is the unweighted kernel of
 * losses.ts with row r's loss and gradient multiplied by weights[r]; the mean still divides by
 * the rows (Σ_r w_r·loss_r / rows), not by the sum of the weights, as Keras and TensorFlow.js do.
 * With every weight 1 the gradients are the unweighted kernel's, bit for bit. The fused
 * softmax/sigmoid cross-entropies take their weights in losses.ts itself (one pass, no scratch).
 */
import type { LossName } from '../backend';
import { lossBackward, lossForward } from './losses';

/** Row r of a (rows, cols) array. */
const row = (a: Float32Array, r: number, cols: number) => a.subarray(r * cols, (r + 1) * cols);
/** Row r's targets: one class index (sparse) or cols values. */
const targetRow = (t: Float32Array, r: number, cols: number, sparse: boolean) =>
  sparse ? t.subarray(r, r + 1) : row(t, r, cols);

/** grad row r ·= weights[r] (each product rounded to float32 once). */
function scaleRows(grad: Float32Array, weights: Float32Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) grad[r * cols + c] *= weights[r];
}

/** Σ_r weights[r]·(row r's loss) / rows. */
export function weightedLossForward(
  kind: LossName,
  pred: Float32Array,
  target: Float32Array,
  weights: Float32Array,
  rows: number,
  cols: number,
): number {
  if (rows === 0) return 0;
  const sparse = kind === 'sparseCategoricalCrossentropy';
  let sum = 0;
  for (let r = 0; r < rows; r++)
    sum += weights[r] * lossForward(kind, row(pred, r, cols), targetRow(target, r, cols, sparse), 1, cols);
  return sum / rows;
}

/** grad = d(weightedLossForward)/d(pred): the unweighted gradient, row r times weights[r]. */
export function weightedLossBackward(
  kind: LossName,
  grad: Float32Array,
  pred: Float32Array,
  target: Float32Array,
  weights: Float32Array,
  rows: number,
  cols: number,
): void {
  lossBackward(kind, grad, pred, target, rows, cols);
  scaleRows(grad, weights, rows, cols);
}
