/**
 * Classification metrics over a whole set, computed exactly (no running averages, no threshold
 * grid): precision, recall, F1 and ROC AUC, for two classes or macro-averaged over many, with the
 * conventions of scikit-learn (zero_division = 0; macro over the classes present in yTrue or in
 * the predictions; AUC with ties counted half, one-vs-rest for many classes).
 *
 * How predictions are read: one column is a probability of class 1, a class when it is above
 * `threshold` (0.5, as Keras); k ≥ 2 columns are class scores, the class is the argmax. Labels
 * are one column of class indices (0/1 for one column of predictions) or k one-hot columns.
 */
import { describe } from '../backend/check';
import { checkOptions, numberIn } from '../model/options';
import { type MetricValues, sameRows, type Table, tableOf } from './table';

export interface ClassificationOptions {
  /** Probability above which a single-column prediction means class 1 (default 0.5). */
  threshold?: number;
  /** 'binary' scores class 1 only (the default for one column of predictions or two classes
   *  given as one column); 'macro' averages over the classes, unweighted (the default for k ≥ 2
   *  columns). */
  average?: 'binary' | 'macro';
}

export interface AucOptions {
  /** 'binary' (one column, or column 1 of two) or 'macro' one-vs-rest over k ≥ 3 columns. */
  average?: 'binary' | 'macro';
}

interface Classes {
  truth: Int32Array;
  predicted: Int32Array;
  /** Number of classes the predictions can name (2 for one column). */
  classes: number;
  average: 'binary' | 'macro';
}

type CountScore = (tp: number, fp: number, fn: number) => number;

/** Per-class scores from true positives, false positives and false negatives (0 when undefined,
 *  scikit-learn's zero_division = 0). */
export const COUNT_SCORES: Record<'precision' | 'recall' | 'f1', CountScore> = {
  precision: (tp, fp) => ratio(tp, tp + fp),
  recall: (tp, _fp, fn) => ratio(tp, tp + fn),
  f1: (tp, fp, fn) => ratio(2 * tp, 2 * tp + fp + fn),
};

/** Precision: of the rows predicted as a class, the fraction that are that class. */
export function precision(yTrue: MetricValues, yPred: MetricValues, options?: ClassificationOptions): number {
  return fromCounts('precision', yTrue, yPred, options, COUNT_SCORES.precision);
}

/** Recall: of the rows of a class, the fraction predicted as that class. */
export function recall(yTrue: MetricValues, yPred: MetricValues, options?: ClassificationOptions): number {
  return fromCounts('recall', yTrue, yPred, options, COUNT_SCORES.recall);
}

/** F1: the harmonic mean of precision and recall, 2·tp / (2·tp + fp + fn) per class. */
export function f1(yTrue: MetricValues, yPred: MetricValues, options?: ClassificationOptions): number {
  return fromCounts('f1', yTrue, yPred, options, COUNT_SCORES.f1);
}

/** Area under the ROC curve (exact, ties counted half). NaN when yTrue holds a single class:
 *  the curve is undefined then (scikit-learn raises). */
export function auc(yTrue: MetricValues, yPred: MetricValues, options?: AucOptions): number {
  const fn = 'auc';
  const o = checkOptions(fn, options, ['average']);
  return aucOf(fn, tableOf(fn, 'yTrue', yTrue), tableOf(fn, 'yPred', yPred), averageOption(fn, o.average));
}

function fromCounts(fn: string, yTrue: unknown, yPred: unknown, options: unknown, score: CountScore): number {
  const o = checkOptions(fn, options, ['threshold', 'average']);
  const threshold = o.threshold === undefined ? 0.5 : numberIn(fn, 'threshold', o.threshold, 0, 1);
  const c = classesOf(
    fn,
    tableOf(fn, 'yTrue', yTrue),
    tableOf(fn, 'yPred', yPred),
    threshold,
    averageOption(fn, o.average),
  );
  return scoreClasses(c, score);
}

/** The metric from per-class counts: class 1's for 'binary', the unweighted mean over the
 *  classes present in the labels or the predictions for 'macro'. */
export function scoreClasses(c: Classes, score: CountScore): number {
  const tp = new Float64Array(c.classes);
  const fp = new Float64Array(c.classes);
  const fn = new Float64Array(c.classes);
  const present = new Uint8Array(c.classes);
  for (let i = 0; i < c.truth.length; i++) {
    const t = c.truth[i];
    const p = c.predicted[i];
    present[t] = 1;
    present[p] = 1;
    if (t === p) tp[t]++;
    else {
      fp[p]++;
      fn[t]++;
    }
  }
  if (c.average === 'binary') return score(tp[1], fp[1], fn[1]);
  let sum = 0;
  let count = 0;
  for (let k = 0; k < c.classes; k++) {
    if (!present[k]) continue;
    sum += score(tp[k], fp[k], fn[k]);
    count++;
  }
  return sum / count;
}

function ratio(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

function averageOption(fn: string, v: unknown): 'binary' | 'macro' | undefined {
  if (v === undefined || v === 'binary' || v === 'macro') return v;
  throw new RangeError(`${fn}: average must be 'binary' or 'macro', got ${describe(v)}`);
}

/** Predicted and true classes as integers (see the file comment for how tables are read). */
export function classesOf(
  fn: string,
  yTrue: Table,
  yPred: Table,
  threshold: number,
  average: 'binary' | 'macro' | undefined,
): Classes {
  sameRows(fn, yTrue, yPred);
  const rows = yPred.rows;
  const classes = yPred.cols === 1 ? 2 : yPred.cols;
  const predicted = new Int32Array(rows);
  if (yPred.cols === 1) for (let r = 0; r < rows; r++) predicted[r] = yPred.data[r] > threshold ? 1 : 0;
  else for (let r = 0; r < rows; r++) predicted[r] = argmax(yPred.data, r, yPred.cols);
  const truth = labelsOf(fn, yTrue, classes);
  if (average === 'binary' && classes > 2) {
    throw new RangeError(`${fn}: average 'binary' needs two classes, but yPred has ${classes} columns; use 'macro'`);
  }
  return { truth, predicted, classes, average: average ?? (yPred.cols === 1 ? 'binary' : 'macro') };
}

/** Class indices from one column of labels or from one-hot rows (their argmax). */
function labelsOf(fn: string, yTrue: Table, classes: number): Int32Array {
  const rows = yTrue.rows;
  const out = new Int32Array(rows);
  if (yTrue.cols === 1) {
    for (let r = 0; r < rows; r++) {
      const v = yTrue.data[r];
      if (!Number.isInteger(v) || v < 0 || v >= classes) {
        throw new RangeError(
          `${fn}: yTrue row ${r} holds ${v}; labels must be class indices from 0 to ${classes - 1}` +
            (classes === 2 ? ' (one column of predictions: labels 0 and 1)' : ''),
        );
      }
      out[r] = v;
    }
  } else if (yTrue.cols === classes) {
    for (let r = 0; r < rows; r++) out[r] = argmax(yTrue.data, r, yTrue.cols);
  } else {
    throw new RangeError(
      `${fn}: yTrue has ${yTrue.cols} columns but yPred has ${classes}; give class labels (one column) or one-hot rows of the same width`,
    );
  }
  return out;
}

function argmax(data: Float64Array, row: number, cols: number): number {
  let best = 0;
  for (let c = 1; c < cols; c++) if (data[row * cols + c] > data[row * cols + best]) best = c;
  return best;
}

export function aucOf(fn: string, yTrue: Table, yPred: Table, average: 'binary' | 'macro' | undefined): number {
  sameRows(fn, yTrue, yPred);
  const k = yPred.cols;
  if (average === 'binary' && k > 2)
    throw new RangeError(`${fn}: average 'binary' needs one or two columns of scores, got ${k}; use 'macro'`);
  const truth = labelsOf(fn, yTrue, k === 1 ? 2 : k);
  const scores = new Float64Array(yPred.rows);
  // One column: the score of class 1; two: column 1 (for softmax pairs, the same curve as one-vs-rest).
  if (k <= 2) {
    for (let r = 0; r < yPred.rows; r++) scores[r] = yPred.data[r * k + k - 1];
    return binaryAuc(truth, 1, scores);
  }
  let sum = 0;
  let count = 0;
  for (let c = 0; c < k; c++) {
    if (!truth.includes(c)) continue; // a class absent from yTrue has no curve
    for (let r = 0; r < yPred.rows; r++) scores[r] = yPred.data[r * k + c];
    sum += binaryAuc(truth, c, scores);
    count++;
  }
  return count < 2 ? Number.NaN : sum / count;
}

/** ROC AUC of `scores` for rows whose truth is `positive` against the rest: the Mann–Whitney
 *  statistic with average ranks for ties (equal to the trapezoidal area under the exact ROC). */
function binaryAuc(truth: Int32Array, positive: number, scores: Float64Array): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const rank = (i + j) / 2 + 1; // average 1-based rank of the tie group i..j
    for (let t = i; t <= j; t++) {
      if (truth[order[t]] === positive) {
        positives++;
        rankSum += rank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
