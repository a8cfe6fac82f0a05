/**
 * `nativenn train` on a CSV streamed from disk (--stream, or a file above STREAM_BYTES): the data
 * goes through nn.data.csvDataset (preprocessing fitted on a first pass over the file, a seeded
 * shuffle buffer, a hash split into train, validation and test parts) and model.fitDataset, so
 * memory stays flat whatever the file size. preprocess.json is the same schema; its split is null
 * (the parts are a hash of each row: no list of test rows to save).
 */
import { stat } from 'node:fs/promises';
import * as nn from '../index';
import type { Preprocess } from '../pipeline-schema';
import type { ParsedOptions } from './args';
import { list } from './columns';
import { asUserError, type Task } from './dataset';
import { CliError } from './errors';
import { reportLines } from './report';
import { type TargetSetup, targets } from './setup';
import { csvReadOptions } from './train-data';

/** Files larger than this stream without --stream (their table would take 2–3× their size in memory). */
export const STREAM_BYTES = 1024 ** 3;
/** A validation part up to this size is read once into memory (else every epoch re-reads the file
 *  for it); whole-set metrics need it in memory too. */
const VALIDATION_BYTES = 64 * 1024 ** 2;
/** Rows held for shuffling while streaming. */
const SHUFFLE_ROWS = 100_000;

export interface StreamPrepared {
  preprocess: Preprocess;
  train: nn.data.CsvDataset;
  /** In memory when it fits in VALIDATION_BYTES (read once), else streamed every epoch. */
  validation: [nn.Tensor, nn.Tensor | Float32Array] | nn.data.CsvDataset | null;
  validationRows: number;
  test: nn.data.CsvDataset;
  target: Omit<TargetSetup, 'train' | 'test'>;
}

/** Whether `nativenn train` streams this data. */
export async function wantsStream(o: ParsedOptions): Promise<boolean> {
  const source = o.data as string;
  if (source === 'digits') {
    if (o.stream) throw new CliError('--stream applies to CSV files; the digits data is small');
    return false;
  }
  if (o.stream) return true;
  const size = (await stat(source).catch(() => null))?.size ?? 0;
  return size > STREAM_BYTES;
}

export async function prepareStream(o: ParsedOptions, seed: number, validationSplit: number): Promise<StreamPrepared> {
  const source = o.data as string;
  const testSplit = (o['test-split'] as number | undefined) ?? 0.2;
  const loss = o.loss as string | undefined;
  const csv = csvReadOptions(o);
  let train: nn.data.CsvDataset;
  try {
    train = await nn.data.csvDataset(source, {
      label: o.label as string | undefined,
      id: o.id as string | undefined,
      columns: list(o.features as string | undefined),
      ignore: list(o.ignore as string | undefined) ?? [],
      categorical: o.categorical === 'auto' ? 'auto' : (list(o.categorical as string) ?? []),
      missing: o.missing as nn.data.CsvDatasetOptions['missing'],
      scale: o.scale as 'none' | 'standard' | 'minmax',
      task: o.task as Task | undefined,
      oneHot: (loss ?? 'categoricalCrossentropy') === 'categoricalCrossentropy',
      standardizeTarget: true,
      batchSize: o['batch-size'] as number,
      shuffleBuffer: SHUFFLE_ROWS,
      seed,
      // validation is a fraction of the rows left after the test part, as --validation-split is.
      split: { test: testSplit, validation: validationSplit * (1 - testSplit), seed },
      delimiter: csv.delimiter,
      decimal: csv.decimal,
      encoding: csv.encoding,
    });
  } catch (e) {
    return asUserError(e);
  }
  const p = train.preprocess;
  // The loss and output rules of the in-memory path, on one placeholder row.
  const placeholder = p.task === 'regression' ? new Float32Array(1) : new Int32Array(1);
  const { train: _t, test: _s, ...target } = targets(p.task, loss, p.classes, placeholder, placeholder);
  target.targetScaler = p.targetScaler;
  const test = train.subset('test');
  const validation = validationSplit > 0 ? train.subset('validation') : null;
  for (const [part, ds] of [
    ['training', train],
    ['test', test],
    ['validation', validation],
  ] as const)
    if (ds && ds.rows === 0) throw new CliError(`${source}: the ${part} part of the split holds no rows`);
  const validationRows = validation?.rows ?? 0;
  const small = validation !== null && validationRows * (p.featureNames.length + 1) * 4 <= VALIDATION_BYTES;
  return {
    preprocess: p,
    train,
    validation: small ? await inMemory(validation) : validation,
    validationRows,
    test,
    target,
  };
}

/** A (small) part of the split as [x, y] tensors. */
async function inMemory(ds: nn.data.CsvDataset): Promise<[nn.Tensor, nn.Tensor | Float32Array]> {
  const xs: Float32Array[] = [];
  const ys: Float32Array[] = [];
  let width = 1;
  for await (const b of ds) {
    xs.push(b.xs.data as Float32Array);
    const y = b.ys instanceof nn.Tensor ? (b.ys.data as Float32Array) : Float32Array.from(b.ys);
    width = y.length / b.xs.shape[0];
    ys.push(y);
  }
  const join = (parts: Float32Array[]) => {
    const out = new Float32Array(parts.reduce((n, a) => n + a.length, 0));
    let at = 0;
    for (const a of parts) {
      out.set(a, at);
      at += a.length;
    }
    return out;
  };
  const x = nn.tensor2d(join(xs), [ds.rows, ds.featureNames.length]);
  const y = join(ys);
  return [x, width > 1 ? nn.tensor2d(y, [ds.rows, width]) : y];
}

/** The test report of report.ts, from the test part streamed batch by batch: only the outputs and
 *  labels of the test rows are held (a few floats a row). */
export async function streamTestReport(
  model: nn.Sequential,
  p: Preprocess,
  test: nn.data.CsvDataset,
): Promise<{ values: Record<string, number>; lines: string[] }> {
  const sums: Record<string, number> = {};
  const outputs = new Float32Array(test.rows * model.outputSize);
  const truth = p.classes ? new Int32Array(test.rows) : new Float32Array(test.rows);
  const scaler = p.targetScaler?.type === 'standard' ? p.targetScaler : null;
  let rows = 0;
  for await (const { xs, ys } of test) {
    const n = xs.shape[0];
    for (const [k, v] of Object.entries(model.evaluate(xs, ys))) sums[k] = (sums[k] ?? 0) + v * n;
    outputs.set(model.predict(xs).data, rows * model.outputSize);
    const y = ys instanceof nn.Tensor ? ys.data : ys;
    const width = y.length / n;
    for (let i = 0; i < n; i++) {
      if (width > 1) {
        let best = 0;
        for (let c = 1; c < width; c++) if (y[i * width + c] > y[i * width + best]) best = c;
        truth[rows + i] = best;
      } else truth[rows + i] = scaler ? y[i] * (scaler.std[0] === 0 ? 1 : scaler.std[0]) + scaler.mean[0] : y[i];
    }
    rows += n;
  }
  const evaluated: Record<string, number> = {};
  for (const [k, v] of Object.entries(sums)) evaluated[k] = v / rows;
  const out = new nn.Tensor(outputs.subarray(0, rows * model.outputSize), [rows, model.outputSize]);
  return reportLines(p, evaluated, out, truth.subarray(0, rows));
}
