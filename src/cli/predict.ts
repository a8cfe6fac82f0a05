/** `nativenn predict`: the run's preprocess.json and model applied to every row of a CSV (or to the
 *  test rows train held out), through nn.loadPipeline's code; the id column carried through;
 *  scored when the data holds the label column. */

import * as path from 'node:path';
import type * as nn from '../index';
import {
  checkAgainstModel,
  findRun,
  loadSequentialModel,
  MODEL_DIR,
  Pipeline,
  type PipelinePrediction,
} from '../pipeline';
import type { Preprocess } from '../pipeline-schema';
import { formatHelp, type ParsedOptions, parseArgs } from './args';
import { asUserError, digitsTable } from './dataset';
import { CliError } from './errors';
import { isImageRun, predictImages } from './images';
import { PREDICT_OPTIONS, PREDICT_USAGE } from './options';
import { checkOutFile, writeFileAtomic } from './run-folder';
import { useBackend } from './setup';
import { csvReadOptions } from './train-data';

const prefixed = (e: unknown, prefix: string) => {
  if (e instanceof Error) e.message = `${prefix}${e.message}`;
  return e;
};

const csvCell = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

/** The rows to predict: all, or the test rows train held out of this same file. */
function chosenRows(p: Preprocess, table: nn.data.CsvTable, which: string): Int32Array | undefined {
  if (which === 'all') return undefined;
  if (!p.split) throw new CliError('--rows test: this run saved no test rows (trained by an older nativenn?)');
  if (p.split.rows !== -1 && p.split.rows !== table.rows)
    throw new CliError(
      `--rows test: ${table.source} has ${table.rows} rows, the file trained on had ${p.split.rows}; --rows test applies to that same file`,
    );
  const beyond = p.split.testRows.find((r) => r >= table.rows);
  if (beyond !== undefined)
    throw new CliError(
      `--rows test: ${table.source} has ${table.rows} rows, the test rows go up to ${beyond}; is it the file trained on?`,
    );
  return Int32Array.from(p.split.testRows);
}

function score(p: Preprocess, r: PipelinePrediction): string {
  if (!r.truth) return '';
  const n = r.rows.length;
  if (r.labels) {
    const truth = r.truth as string[]; // '' where the label cell is empty: not scored
    const known = truth.filter((t) => t !== '').length;
    const right = truth.reduce((k, t, i) => k + (t === r.labels![i] ? 1 : 0), 0);
    if (known === 0) return '';
    return `accuracy ${((right / known) * 100).toFixed(2)}% (${right} of ${known} rows${known < n ? ' with a label' : ''})`;
  }
  const truth = r.truth as Float64Array;
  let abs = 0;
  let sq = 0;
  let k = 0;
  r.values!.forEach((v, i) => {
    if (Number.isNaN(truth[i])) return;
    abs += Math.abs(v - truth[i]);
    sq += (v - truth[i]) ** 2;
    k++;
  });
  const rows = `${k} rows${k < n ? ` with "${p.labelName}"` : ''}`;
  return k === 0 ? '' : `mae ${(abs / k).toPrecision(5)}, rmse ${Math.sqrt(sq / k).toPrecision(5)} (${rows})`;
}

function predictionsCsv(p: Preprocess, r: PipelinePrediction): string {
  const idHead = r.ids ? [p.idColumn!] : [];
  const lines: string[] = [];
  if (r.labels) {
    const k = p.classes!.length;
    lines.push([...idHead, p.labelName, ...p.classes!.map((c) => `p_${c}`)].map(csvCell).join(','));
    r.labels.forEach((label, i) => {
      const ps = Array.from(r.probabilities!.subarray(i * k, (i + 1) * k), (v) => v.toFixed(6));
      lines.push([...(r.ids ? [csvCell(r.ids[i])] : []), csvCell(label), ...ps].join(','));
    });
  } else {
    lines.push([...idHead, p.labelName].map(csvCell).join(','));
    r.values!.forEach((v, i) => {
      lines.push([...(r.ids ? [csvCell(r.ids[i])] : []), String(Number(v.toPrecision(7)))].join(',')); // float32: ~7 digits
    });
  }
  return `${lines.join('\n')}\n`;
}

export async function predict(argv: readonly string[]): Promise<void> {
  const o = parseArgs(argv, PREDICT_OPTIONS);
  if (o.help) {
    process.stdout.write(formatHelp(PREDICT_USAGE, PREDICT_OPTIONS));
    return;
  }
  if (o.data === undefined) throw new CliError('--data is required: a CSV file with the training columns, or digits');
  if (o.out !== undefined) await checkOutFile(o.out as string);
  const run = await findRun(o.model as string).catch((e) => asUserError(prefixed(e, `--model ${o.model}: `)));
  const p = run.preprocess;
  let model: nn.Sequential;
  try {
    model = await loadSequentialModel(path.join(run.runDir, MODEL_DIR), 'predict');
  } catch (e) {
    throw new CliError(`--model ${o.model}: ${(e as Error).message}`);
  }
  try {
    checkAgainstModel(p, model, path.join(run.runDir, 'preprocess.json'));
  } catch (e) {
    asUserError(e);
  }
  if (isImageRun(p)) {
    useBackend(o.backend as string | undefined);
    return writePredictions(o, p, await predictImages(o, p, model), '');
  }
  const pipeline = new Pipeline(model, p);
  let table: nn.data.CsvTable;
  if (o.data === 'digits') {
    if (p.data !== 'digits')
      throw new CliError(`--data digits: this model was trained on ${p.data}, not on the digits`);
    table = digitsTable().table;
  } else table = await pipeline.readCsv(o.data as string, csvReadOptions(o)).catch((e) => asUserError(e));
  const rows = chosenRows(p, table, (o.rows as string | undefined) ?? (o.data === 'digits' ? 'test' : 'all'));
  let encoded: ReturnType<Pipeline['encode']>;
  try {
    encoded = pipeline.encode(table, rows);
  } catch (e) {
    return asUserError(e);
  }
  useBackend(o.backend as string | undefined);
  for (const n of encoded.notes) process.stderr.write(`${n.startsWith('warning:') ? '' : 'note: '}${n}\n`);
  const result = await pipeline.predictEncoded(encoded);
  await writePredictions(o, p, result, rows ? ` (the ${rows.length} test rows held out of training)` : '');
}

/** The predictions CSV to --out (or standard output) and the score when the data had labels. */
async function writePredictions(
  o: ParsedOptions,
  p: Preprocess,
  result: PipelinePrediction,
  which: string,
): Promise<void> {
  const text = predictionsCsv(p, result);
  const scored = score(p, result);
  if (o.out !== undefined) {
    await writeFileAtomic(o.out as string, text);
    process.stdout.write(`wrote ${result.rows.length} predictions${which} to ${o.out}\n`);
    if (scored) process.stdout.write(`${scored}\n`);
  } else {
    process.stdout.write(text);
    if (scored) process.stderr.write(`${scored}${which}\n`);
  }
}
