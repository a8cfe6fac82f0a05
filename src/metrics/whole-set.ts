/**
 * The compile metrics that are computed exactly over a whole set from the model's predictions
 * (inference mode) rather than as batch means inside the training executor: precision, recall,
 * f1, auc, mape, r2. evaluate reports them over its rows; fit reports them at each epoch end
 * over the training rows (`precision`) and the validation rows (`val_precision`).
 *
 * This differs from Keras, whose training-time values are running means over the epoch's batches
 * in training mode (dropout on, weights changing); here the training value is the end-of-epoch
 * model's score on all training rows, the same number evaluate(xTrain, yTrain) gives.
 *
 * How the data is read, per loss: sparseCategoricalCrossentropy and categoricalCrossentropy are
 * multi-class (argmax; precision/recall/f1 macro-averaged, auc one-vs-rest macro); with
 * binaryCrossentropy every output is a binary decision above 0.5, pooled over the outputs (as
 * Keras's Precision/Recall/AUC do); mape and r2 compare the outputs with the targets (one-hot rows
 * for sparse labels). compile refuses the classification metrics with a regression loss.
 */
import type { CompiledLoss } from '../losses';
import { aucOf, COUNT_SCORES, classesOf, scoreClasses } from './classification';
import { mapeOf, r2Of } from './regression';
import { type Table, table } from './table';

export type WholeSetMetricName = 'precision' | 'recall' | 'f1' | 'auc' | 'mape' | 'r2';

export interface WholeSetMetric {
  /** The history/evaluate key: the name the user gave. */
  key: string;
  name: WholeSetMetricName;
}

/** The values over one set: y in the executor's layout (class indices for the sparse loss, else
 *  rows × outputs), predictions rows × outputs. `prefix` is '' or 'val_'. */
export function wholeSetLogs(
  metrics: readonly WholeSetMetric[],
  loss: CompiledLoss,
  predictions: Float32Array,
  y: Float32Array,
  rows: number,
  outputs: number,
  prefix = '',
): Record<string, number> {
  const logs: Record<string, number> = {};
  if (metrics.length === 0) return logs;
  const pred = table(predictions, rows, outputs);
  const sparse = loss === 'sparseCategoricalCrossentropy';
  const multiClass = sparse || (loss === 'categoricalCrossentropy' && outputs > 1);
  const truth = table(y, rows, sparse ? 1 : outputs);
  // Pooled binary decisions (one column of rows × outputs values) unless the loss is multi-class.
  const [classTruth, classPred] = multiClass ? [truth, pred] : [column(truth, true), column(pred)];
  for (const { key, name } of metrics) {
    let value: number;
    if (name === 'mape' || name === 'r2') {
      const target = sparse ? oneHot(truth, outputs) : truth;
      value = name === 'mape' ? mapeOf(target, pred) : r2Of(target, pred);
    } else if (name === 'auc') {
      value = aucOf('evaluate', classTruth, classPred, undefined);
    } else {
      const classes = classesOf('evaluate', classTruth, classPred, 0.5, undefined);
      value = scoreClasses(classes, COUNT_SCORES[name]);
    }
    logs[prefix + key] = value;
  }
  return logs;
}

/** All values as one column; targets as 0/1 (a soft target counts as class 1 above 0.5). */
function column(t: Table, binarize = false): Table {
  const data = binarize ? t.data.map((v) => (v > 0.5 ? 1 : 0)) : t.data;
  return { data, rows: t.rows * t.cols, cols: 1 };
}

function oneHot(labels: Table, classes: number): Table {
  const data = new Float64Array(labels.rows * classes);
  for (let r = 0; r < labels.rows; r++) data[r * classes + labels.data[r]] = 1;
  return { data, rows: labels.rows, cols: classes };
}
