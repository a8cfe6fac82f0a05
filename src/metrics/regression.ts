/**
 * Regression metrics over a whole set: mean absolute error, mean absolute percentage error (in
 * percent, as Keras reports it; scikit-learn returns the fraction) and R² (per output column,
 * then the unweighted mean, as scikit-learn's r2_score). Sums in float64.
 */
import { type MetricValues, sameRows, type Table, tableOf } from './table';

/** Keras's epsilon: |yTrue| below it divides by it instead (scikit-learn uses float64 eps). */
const MAPE_EPSILON = 1e-7;

/** Mean of |yTrue − yPred| over every value. */
export function mae(yTrue: MetricValues, yPred: MetricValues): number {
  const [t, p] = pair('mae', yTrue, yPred);
  return maeOf(t, p);
}

/** 100 · mean of |yTrue − yPred| / max(|yTrue|, 1e-7): a percentage (Keras). */
export function mape(yTrue: MetricValues, yPred: MetricValues): number {
  const [t, p] = pair('mape', yTrue, yPred);
  return mapeOf(t, p);
}

/** Coefficient of determination 1 − SS_res / SS_tot per column, averaged over columns. A
 *  constant column scores 1 when predicted exactly, else 0 (scikit-learn's force_finite). */
export function r2(yTrue: MetricValues, yPred: MetricValues): number {
  const [t, p] = pair('r2', yTrue, yPred);
  return r2Of(t, p);
}

function pair(fn: string, yTrue: unknown, yPred: unknown): [Table, Table] {
  const t = tableOf(fn, 'yTrue', yTrue);
  const p = tableOf(fn, 'yPred', yPred);
  sameShape(fn, t, p);
  return [t, p];
}

export function sameShape(fn: string, t: Table, p: Table): void {
  sameRows(fn, t, p);
  if (t.cols !== p.cols)
    throw new RangeError(`${fn}: yTrue has ${t.cols} columns but yPred has ${p.cols}; they must match`);
}

export function maeOf(t: Table, p: Table): number {
  let sum = 0;
  for (let i = 0; i < t.data.length; i++) sum += Math.abs(t.data[i] - p.data[i]);
  return sum / t.data.length;
}

export function mapeOf(t: Table, p: Table): number {
  let sum = 0;
  for (let i = 0; i < t.data.length; i++)
    sum += Math.abs(t.data[i] - p.data[i]) / Math.max(Math.abs(t.data[i]), MAPE_EPSILON);
  return (100 * sum) / t.data.length;
}

export function r2Of(t: Table, p: Table): number {
  const { rows, cols } = t;
  let total = 0;
  for (let c = 0; c < cols; c++) {
    let mean = 0;
    for (let r = 0; r < rows; r++) mean += t.data[r * cols + c];
    mean /= rows;
    let residual = 0;
    let spread = 0;
    for (let r = 0; r < rows; r++) {
      const y = t.data[r * cols + c];
      residual += (y - p.data[r * cols + c]) ** 2;
      spread += (y - mean) ** 2;
    }
    total += spread === 0 ? (residual === 0 ? 1 : 0) : 1 - residual / spread;
  }
  return total / cols;
}
