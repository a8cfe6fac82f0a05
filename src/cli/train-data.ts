/**
 * `nativenn train`'s data, start to finish: read the table (or the digits), choose the columns,
 * handle missing cells, split, fit fills and the scaler on the training rows, and encode both
 * parts through the same encoder predict uses. Returns the preprocess.json to save with the model.
 */
import * as nn from '../index';
import { cellText, encodeTable } from '../pipeline-encode';
import {
  type ColumnSpec,
  featureNamesOf,
  type MissingPolicy,
  PREPROCESS_FORMAT,
  PREPROCESS_VERSION,
  type Preprocess,
} from '../pipeline-schema';
import type { ParsedOptions } from './args';
import { type ColumnChoice, chooseColumns, columnKinds, list, withFills } from './columns';
import {
  asUserError,
  type CsvReadOptions,
  digitsTable,
  type LabeledData,
  labelData,
  readTable,
  splitRows,
  type Task,
} from './dataset';

export interface Prepared {
  preprocess: Preprocess;
  labeled: LabeledData;
  scaler: nn.data.Scaler | null;
  xTrain: nn.Tensor;
  xTest: nn.Tensor;
  yTrain: Int32Array | Float32Array;
  yTest: Int32Array | Float32Array;
  /** Rows used for training and for the test, as table rows. */
  trainRows: Int32Array;
  testRows: Int32Array;
  articleSplit: boolean;
  notes: string[];
}

export function scalerOf(kind: string): nn.data.Scaler | null {
  if (kind === 'minmax') return nn.data.minMaxScaler();
  if (kind === 'standard') return nn.data.standardScaler();
  return null;
}

export function csvReadOptions(o: ParsedOptions): CsvReadOptions {
  const d = o.delimiter as string | undefined;
  return {
    delimiter: d === 'tab' || d === '\\t' ? '\t' : d,
    decimal: o.decimal as '.' | ',' | undefined,
    encoding: o.encoding as 'utf8' | 'latin1' | undefined,
  };
}

function take<T extends Int32Array | Float32Array>(a: T, positions: Int32Array): T {
  return (a as Int32Array).constructor === Int32Array
    ? (Int32Array.from(positions, (p) => a[p]) as T)
    : (Float32Array.from(positions, (p) => a[p]) as T);
}

export async function prepareData(o: ParsedOptions, seed: number): Promise<Prepared> {
  const source = o.data as string;
  const digits = source === 'digits' ? digitsTable() : null;
  if (digits && (o.label !== undefined || o.id !== undefined || o.features !== undefined))
    asUserError(
      new RangeError('--label applies to CSV files (and --id, --features); the digits data has its own label'),
    );
  if (digits && o.task === 'regression')
    asUserError(new RangeError('the digits data is a classification task; --task regression does not apply'));
  const csv = csvReadOptions(o);
  const table = digits ? digits.table : await readTable(source, csv);
  const missing = o.missing as MissingPolicy;
  const choice: ColumnChoice = {
    label: o.label as string | undefined,
    id: o.id as string | undefined,
    features: list(o.features as string | undefined),
    ignore: list(o.ignore as string | undefined) ?? [],
    categorical: o.categorical === 'auto' ? 'auto' : (list(o.categorical as string) ?? []),
    missing,
  };
  const cols = chooseColumns(table, choice);
  const notes: string[] = [];
  let labeled = labelData(table, cols.label, o.task as Task | undefined, missing !== 'error', notes);
  let specs: ColumnSpec[] = columnKinds(table, cols.features, choice);
  if (missing === 'error') {
    // The first missing cell in file order (the encoder would meet them in shuffled order).
    const featureCols = cols.features.map((f) => table.columns[f]);
    for (const r of labeled.rows) {
      const c = featureCols.find((c) => cellText(c, r) === null);
      if (c)
        asUserError(
          new nn.data.CsvError(
            `${table.source}, line ${table.lines[r]}, column "${c.name}": the cell is empty (or NA); --missing mean|median|mostFrequent|drop fills or drops such cells`,
          ),
        );
    }
  }
  if (missing === 'drop') {
    const featureCols = cols.features.map((f) => table.columns[f]);
    const keep = Array.from(labeled.rows.keys()).filter((i) =>
      featureCols.every((c) => cellText(c, labeled.rows[i]) !== null),
    );
    if (keep.length < labeled.rows.length) {
      notes.push(`dropped ${labeled.rows.length - keep.length} row(s) with missing cells (--missing drop)`);
      const positions = Int32Array.from(keep);
      labeled = { ...labeled, rows: Int32Array.from(positions, (p) => labeled.rows[p]), y: take(labeled.y, positions) };
    }
  }
  const split = splitRows(labeled, digits?.split ?? null, o['test-split'] as number | undefined, seed);
  const trainRows = Int32Array.from(split.train, (p) => labeled.rows[p]);
  const testRows = Int32Array.from(split.test, (p) => labeled.rows[p]);
  specs = withFills(table, specs, trainRows, missing);
  const preprocess: Preprocess = {
    format: PREPROCESS_FORMAT,
    version: PREPROCESS_VERSION,
    task: labeled.task,
    data: source,
    csv: digits ? null : { delimiter: table.delimiter, decimal: csv.decimal ?? '.', encoding: csv.encoding ?? 'utf8' },
    columns: specs,
    idColumn: cols.id >= 0 ? table.names[cols.id] : null,
    missing,
    featureNames: featureNamesOf(specs),
    labelName: table.names[cols.label],
    classes: labeled.classes,
    output: 'linear', // set by train with the loss
    scaler: null,
    targetScaler: null,
    split: { rows: table.rows, testRows: Array.from(testRows) },
    test: {},
  };
  let xTrain: nn.Tensor;
  let xTest: nn.Tensor;
  const scaler = scalerOf(o.scale as string);
  try {
    const train = encodeTable(preprocess, table, trainRows);
    const test = encodeTable(preprocess, table, testRows);
    for (const n of [...train.notes, ...test.notes]) if (!notes.includes(n)) notes.push(n);
    [xTrain, xTest] = [train.x, test.x];
    if (scaler) {
      xTrain = scaler.fitTransform(xTrain);
      xTest = scaler.transform(xTest);
      preprocess.scaler = scaler.toJSON();
    }
  } catch (e) {
    return asUserError(e);
  }
  return {
    preprocess,
    labeled,
    scaler,
    xTrain,
    xTest,
    yTrain: take(labeled.y, split.train),
    yTest: take(labeled.y, split.test),
    trainRows,
    testRows,
    articleSplit: digits !== null && o['test-split'] === undefined,
    notes,
  };
}
