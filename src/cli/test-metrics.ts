/**
 * The test report's metrics beyond loss/accuracy/mae/rmse: nn.metrics' precision, recall, f1 and
 * ROC AUC (of class 1 for two classes, macro-averaged over more), mape and r2, with the same
 * values, computed without its whole-set conversions. A streamed test part can hold millions of
 * rows: nn.metrics copies predictions and labels to float64 tables per metric and ranks an array
 * of row indices for AUC (~70 bytes a row at once), which made the report the peak of a streamed
 * run. Here the counts come from the predicted classes, and AUC from the sorted float32 scores of
 * the positive and the negative rows (4 bytes a row).
 */
import { auc, COUNT_SCORES, f1, precision, recall, scoreClasses } from '../metrics/classification';
import { mapeOf, r2Of } from '../metrics/regression';
import type { Preprocess } from '../pipeline-schema';
import { Tensor } from '../tensor';

export function extraMetrics(
  task: Preprocess['task'],
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  probabilities: Float32Array | null,
): Record<string, number> {
  const rows = truth.length;
  if (task === 'regression') {
    const t = { rows, cols: 1, data: Float64Array.from(truth) };
    const p = { rows, cols: 1, data: Float64Array.from(predicted) };
    return { mape: mapeOf(t, p), r2: r2Of(t, p) };
  }
  if (!probabilities || rows === 0) return {};
  const k = probabilities.length / rows;
  const average = k === 2 ? 'binary' : 'macro';
  const labels = truth instanceof Int32Array ? truth : Int32Array.from(truth);
  const fits = labels.every((t, i) => t === truth[i] && t >= 0 && t < k);
  if (!fits || probabilities.some(Number.isNaN)) {
    // Labels nn.metrics refuses (it words the error) or NaN scores (its ranking decides their order).
    const yTrue = new Tensor(Float32Array.from(truth), [rows, 1]);
    const yPred = new Tensor(probabilities, [rows, k]);
    return {
      precision: precision(yTrue, yPred, { average }),
      recall: recall(yTrue, yPred, { average }),
      f1: f1(yTrue, yPred, { average }),
      auc: auc(yTrue, yPred, { average }),
    };
  }
  const classes = {
    truth: labels,
    predicted: predicted instanceof Int32Array ? predicted : Int32Array.from(predicted),
    classes: k,
    average,
  } as const;
  return {
    precision: scoreClasses(classes, COUNT_SCORES.precision),
    recall: scoreClasses(classes, COUNT_SCORES.recall),
    f1: scoreClasses(classes, COUNT_SCORES.f1),
    auc: aucOf(labels, probabilities, k),
  };
}

/** nn.metrics.auc: column 1 against class 1 for two columns, else the mean one-vs-rest AUC over the
 *  classes present in the labels (NaN with fewer than two). */
export function aucOf(truth: Int32Array, scores: Float32Array, k: number): number {
  if (k <= 2) return binaryAuc(truth, scores, k, k - 1, 1);
  let sum = 0;
  let count = 0;
  for (let c = 0; c < k; c++) {
    if (!truth.includes(c)) continue;
    sum += binaryAuc(truth, scores, k, c, c);
    count++;
  }
  return count < 2 ? Number.NaN : sum / count;
}

/**
 * The Mann–Whitney statistic over column `col` with `positive` rows against the rest, ties counted
 * half: the sum over positive rows of (negatives below + half the negatives equal), over
 * positives × negatives. Every term is a multiple of ½, so the sums are exact and equal to
 * nn.metrics' rank-sum form to the last bit.
 */
function binaryAuc(truth: Int32Array, scores: Float32Array, k: number, col: number, positive: number): number {
  let positives = 0;
  for (let r = 0; r < truth.length; r++) if (truth[r] === positive) positives++;
  const negatives = truth.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  const pos = new Float32Array(positives);
  const neg = new Float32Array(negatives);
  for (let r = 0, p = 0, n = 0; r < truth.length; r++) {
    if (truth[r] === positive) pos[p++] = scores[r * k + col];
    else neg[n++] = scores[r * k + col];
  }
  pos.sort();
  neg.sort();
  let below = 0; // negatives < the score
  let notAbove = 0; // negatives ≤ the score
  let u = 0;
  for (let p = 0; p < positives; p++) {
    const s = pos[p];
    while (below < negatives && neg[below] < s) below++;
    while (notAbove < negatives && neg[notAbove] <= s) notAbove++;
    u += below + (notAbove - below) / 2;
  }
  return u / (positives * negatives);
}
