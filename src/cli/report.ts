/** What `nativenn train` reports on the test rows: loss and accuracy with a confusion matrix, or
 *  mae and rmse in the label's units. */
import type * as nn from '../index';
import { argmaxRows, probabilities, regressionValues } from '../pipeline';
import type { Preprocess } from '../pipeline-schema';
import type { Tensor } from '../tensor';
import { confusionMatrix, formatConfusion } from './confusion';
import { chunkRows } from './images';
import { extraMetrics } from './test-metrics';

/** Beyond this many classes the confusion matrix is too wide to print. */
const MAX_CONFUSION_CLASSES = 20;

const fmt = (v: number) =>
  Math.abs(v) >= 1e6 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : String(Number(v.toPrecision(5)));

/** "name value, …" of the extra metrics that were computed (NaN ones, e.g. AUC of one class, said as such). */
function extraLine(values: Record<string, number>, names: string[], average: string): string | null {
  const parts = names
    .filter((n) => n in values)
    .map((n) => `${n} ${Number.isNaN(values[n]) ? 'undefined' : fmt(values[n])}`);
  return parts.length ? `test ${parts.join(', ')}${average}` : null;
}

export async function testReport(
  model: nn.Sequential,
  p: Preprocess,
  xTest: nn.Tensor,
  targets: nn.Tensor | Int32Array,
  yTest: Int32Array | Float32Array,
): Promise<{ values: Record<string, number>; lines: string[] }> {
  // In chunks sized by bytes: 10,000 28×28 images through a CNN are ~1.5 GB of activations at once.
  const batchSize = chunkRows(model);
  const evaluated = await model.evaluateAsync(xTest, targets, { batchSize });
  const outputs = await model.predictAsync(xTest, { batchSize });
  return reportLines(p, evaluated, outputs, yTest);
}

/** The report from the model's loss and metrics, outputs and true labels on the test rows. */
export function reportLines(
  p: Preprocess,
  evaluated: Record<string, number>,
  outputs: Tensor<Float32Array>,
  yTest: Int32Array | Float32Array,
): { values: Record<string, number>; lines: string[] } {
  const rows = yTest.length;
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
    const extra = extraLine(
      values,
      ['precision', 'recall', 'f1', 'auc'],
      k === 2 ? ` (class "${p.classes[1]}")` : ' (macro average)',
    );
    if (extra) lines.push(extra);
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
  const extra = extraLine(values, ['mape', 'r2'], '');
  if (extra) lines.push(extra);
  return { values, lines };
}
