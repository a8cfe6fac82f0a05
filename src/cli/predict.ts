/** `nativenn predict`: the saved preprocessing and model applied to every row of a CSV (or the
 *  digits test rows), one prediction per row; scored when the data holds the label column. */
import { createWriteStream } from 'node:fs';
import * as nn from '../index';
import { formatHelp, parseArgs } from './args';
import { readCsvFile } from './dataset';
import { CliError } from './errors';
import { PREDICT_OPTIONS, PREDICT_USAGE } from './options';
import { applyScaler, argmaxRows, type Preprocess, probabilities, readRun, regressionValues } from './preprocess';
import { useBackend } from './setup';

interface Rows {
  x: nn.Tensor;
  /** The true labels as texts (classification) or numbers (regression), when the data has them. */
  truth: string[] | Float32Array | null;
}

function digitsRows(p: Preprocess): Rows {
  if (p.data !== 'digits') throw new CliError(`--data digits: this model was trained on ${p.data}, not on the digits`);
  const d = nn.datasets.digits();
  const rows = p.testRows ? Int32Array.from(p.testRows) : d.split.test;
  return { x: nn.data.take(d.x, rows), truth: Array.from(nn.data.take(d.y, rows), String) };
}

/** The CSV's columns in the training order; the label column is used when present. */
async function csvRows(path: string, p: Preprocess): Promise<Rows> {
  let csv: nn.data.CsvData;
  try {
    csv = await readCsvFile(path, p.labelName);
  } catch (e) {
    if (!(e instanceof CliError) || !/no column named/.test(e.message)) throw e;
    csv = await readCsvFile(path, null);
  }
  const index = new Map(csv.featureNames.map((n, i) => [n, i]));
  const missing = p.featureNames.filter((n) => !index.has(n));
  if (missing.length > 0) {
    throw new CliError(
      `${path}: missing the column${missing.length > 1 ? 's' : ''} ${missing
        .slice(0, 5)
        .map((n) => `"${n}"`)
        .join(', ')} the model was trained on`,
    );
  }
  const extra = csv.featureNames.filter((n) => !p.featureNames.includes(n));
  if (extra.length > 0)
    throw new CliError(
      `${path}: the column${extra.length > 1 ? 's' : ''} ${extra
        .slice(0, 5)
        .map((n) => `"${n}"`)
        .join(', ')} ${extra.length > 1 ? 'were' : 'was'} not in the training data`,
    );
  const rows = csv.x.shape[0];
  const cols = p.featureNames.length;
  const order = p.featureNames.map((n) => index.get(n)!);
  const x = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) x[r * cols + c] = csv.x.data[r * cols + order[c]];
  let truth: Rows['truth'] = null;
  if (csv.y) {
    if (p.task === 'regression') {
      if (csv.classes)
        throw new CliError(`${path}: the label column "${p.labelName}" holds text, but the model predicts numbers`);
      truth = csv.y as Float32Array;
    } else {
      const classes = csv.classes;
      truth = Array.from(csv.y, (v) => (classes ? classes[v] : String(v)));
    }
  }
  return { x: nn.tensor2d(x, [rows, cols]), truth };
}

const csvCell = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

export async function predict(argv: readonly string[]): Promise<void> {
  const o = parseArgs(argv, PREDICT_OPTIONS);
  if (o.help) {
    process.stdout.write(formatHelp(PREDICT_USAGE, PREDICT_OPTIONS));
    return;
  }
  if (o.data === undefined) throw new CliError('--data is required: a CSV file with the training columns, or digits');
  const { preprocess: p, modelDir } = await readRun(o.model as string);
  let model: nn.Sequential;
  try {
    model = await nn.loadModel(modelDir);
  } catch (e) {
    throw new CliError(`--model ${o.model}: ${(e as Error).message}`);
  }
  const data = o.data === 'digits' ? digitsRows(p) : await csvRows(o.data as string, p);
  useBackend(o.backend as string | undefined);
  if (data.x.shape[1] !== model.inputSize)
    throw new CliError(
      `--model ${o.model}: the model takes ${model.inputSize} features, preprocess.json lists ${data.x.shape[1]}`,
    );
  const outputs = await model.predictAsync(applyScaler(p.scaler, data.x));
  const rows = data.x.shape[0];

  const lines: string[] = [];
  let score = '';
  if (p.classes) {
    const classes = p.classes;
    const probs = probabilities(p, outputs);
    const predicted = argmaxRows(probs, classes.length);
    lines.push([p.labelName, ...classes.map((c) => `p_${c}`)].map(csvCell).join(','));
    for (let r = 0; r < rows; r++) {
      const ps = Array.from(probs.subarray(r * classes.length, (r + 1) * classes.length), (v) => v.toFixed(6));
      lines.push([csvCell(classes[predicted[r]]), ...ps].join(','));
    }
    if (data.truth) {
      const truth = data.truth as string[];
      const right = truth.reduce((n, t, r) => n + (t === classes[predicted[r]] ? 1 : 0), 0);
      score = `accuracy ${((right / rows) * 100).toFixed(2)}% (${right} of ${rows} rows)`;
    }
  } else {
    const values = regressionValues(p, outputs);
    lines.push(csvCell(p.labelName));
    for (const v of values) lines.push(String(Number(v.toPrecision(7)))); // float32 holds about 7 digits
    if (data.truth) {
      const truth = data.truth as Float32Array;
      let abs = 0;
      let sq = 0;
      values.forEach((v, i) => {
        abs += Math.abs(v - truth[i]);
        sq += (v - truth[i]) ** 2;
      });
      score = `mae ${(abs / rows).toPrecision(5)}, rmse ${Math.sqrt(sq / rows).toPrecision(5)} (${rows} rows)`;
    }
  }
  const text = `${lines.join('\n')}\n`;
  if (o.out !== undefined) {
    await writeText(o.out as string, text);
    process.stdout.write(`wrote ${rows} predictions to ${o.out}\n`);
    if (score) process.stdout.write(`${score}\n`);
  } else {
    process.stdout.write(text);
    if (score) process.stderr.write(`${score}\n`);
  }
}

function writeText(file: string, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = createWriteStream(file);
    s.on('error', (e) => reject(new CliError(`--out ${file}: ${e.message}`)));
    s.end(text, () => resolve());
  });
}
