/** What `nativenn train` reports on the test rows: loss and accuracy with a confusion matrix, or
 *  mae and rmse in the label's units. */
import type * as nn from '../index';
import { argmaxRows, probabilities, regressionValues } from '../pipeline';
import type { Preprocess } from '../pipeline-schema';
import { confusionMatrix, formatConfusion } from './confusion';

/** Beyond this many classes the confusion matrix is too wide to print. */
const MAX_CONFUSION_CLASSES = 20;

const fmt = (v: number) =>
  Math.abs(v) >= 1e6 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : String(Number(v.toPrecision(5)));

/**
 * Task metrics beyond loss/accuracy/mae/rmse (precision, recall, f1, auc; mape, r2) go here once
 * nn.metrics provides them (issue 13 item 14): classification gets (truth, predicted, probabilities),
 * regression (truth, predicted); each returns name → value, printed and saved in preprocess.json's test.
 */
function extraMetrics(
  _task: Preprocess['task'],
  _truth: ArrayLike<number>,
  _predicted: ArrayLike<number>,
  _probabilities: Float32Array | null,
): Record<string, number> {
  return {};
}

export function testReport(
  model: nn.Sequential,
  p: Preprocess,
  xTest: nn.Tensor,
  targets: nn.Tensor | Int32Array,
  yTest: Int32Array | Float32Array,
): { values: Record<string, number>; lines: string[] } {
  const rows = yTest.length;
  const evaluated = model.evaluate(xTest, targets);
  const outputs = model.predict(xTest);
  const values: Record<string, number> = { loss: evaluated.loss };
  const lines: string[] = [];
  if (p.classes) {
    const k = p.classes.length;
    const probs = probabilities(p, outputs);
    const predicted = argmaxRows(probs, k);
    values.accuracy = evaluated.accuracy;
    Object.assign(values, extraMetrics(p.task, yTest, predicted, probs));
    lines.push(
      `test loss ${evaluated.loss.toFixed(4)}, test accuracy ${(evaluated.accuracy * 100).toFixed(2)}% (${rows} rows)`,
    );
    if (k <= MAX_CONFUSION_CLASSES)
      lines.push(
        '',
        'confusion matrix (rows: true class, columns: predicted):',
        formatConfusion(confusionMatrix(yTest, predicted, k), p.classes),
      );
    return { values, lines };
  }
  const predicted = regressionValues(p, outputs);
  let abs = 0;
  let sq = 0;
  predicted.forEach((v, i) => {
    abs += Math.abs(v - yTest[i]);
    sq += (v - yTest[i]) ** 2;
  });
  values.mae = abs / rows;
  values.rmse = Math.sqrt(sq / rows);
  Object.assign(values, extraMetrics(p.task, yTest, predicted, null));
  lines.push(
    `test mae ${fmt(values.mae)}, rmse ${fmt(values.rmse)} (in the units of "${p.labelName}"; loss on the standardized target ${evaluated.loss.toFixed(4)}; ${rows} rows)`,
  );
  return { values, lines };
}
