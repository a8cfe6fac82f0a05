/**
 * What `nativenn train` and `predict` read: the built-in digits or a CSV file as a table, its
 * label column turned into class indices (classification) or numbers (regression), the rows
 * without a label dropped or refused. Every problem with the user's file or options becomes a
 * CliError (one line, exit code 2).
 */
import * as nn from '../index';
import { cellText } from '../pipeline-encode';
import { PreprocessError } from '../pipeline-schema';
import { CliError } from './errors';

export type Task = 'classification' | 'regression';

export interface CsvReadOptions {
  delimiter?: string;
  decimal?: '.' | ',';
  encoding?: 'utf8' | 'latin1';
}

export interface LabeledData {
  table: nn.data.CsvTable;
  /** The table rows that have a label, in order. */
  rows: Int32Array;
  /** Class indices (classification, into `classes`) or values (regression), one per entry of rows. */
  y: Int32Array | Float32Array;
  task: Task;
  classes: string[] | null;
  /** How the task was decided, for the user ("guessed: …"). */
  taskReason: string;
}

/** Guess classification when the labels are few distinct whole numbers. */
const MAX_GUESSED_CLASSES = 20;
/** Beyond this many classes a label is surely a regression target (or an id). */
const MAX_CLASSES = 1000;

/** Errors the data layer throws about the user's file or options → CliError without "readCsv: ". */
export function asUserError(e: unknown): never {
  if (
    e instanceof nn.data.CsvError ||
    e instanceof PreprocessError ||
    e instanceof RangeError ||
    e instanceof TypeError
  ) {
    throw new CliError(e.message.replace(/^readCsv: /, ''));
  }
  throw e;
}

export async function readTable(file: string, o: CsvReadOptions): Promise<nn.data.CsvTable> {
  try {
    return await nn.data.readCsvTable(file, {
      delimiter: o.delimiter ?? 'auto',
      decimal: o.decimal,
      encoding: o.encoding,
    });
  } catch (e) {
    return asUserError(e);
  }
}

/** The digits as a table: pixel_0 … pixel_63 and the label "digit". */
export function digitsTable(): { table: nn.data.CsvTable; split: { train: Int32Array; test: Int32Array } } {
  const d = nn.datasets.digits();
  const [n, w] = d.x.shape;
  const column = (name: string, value: (r: number) => number): nn.data.TableColumn => ({
    name,
    numbers: Float64Array.from({ length: n }, (_, r) => value(r)),
    ids: null,
    texts: [],
    missing: 0,
  });
  const columns = Array.from({ length: w }, (_, c) => column(`pixel_${c}`, (r) => d.x.data[r * w + c]));
  columns.push(column('digit', (r) => d.y[r]));
  const table = {
    source: 'digits',
    names: columns.map((c) => c.name),
    rows: n,
    columns,
    lines: Int32Array.from({ length: n }, (_, r) => r + 2),
    delimiter: ',',
  };
  return { table, split: d.split };
}

function decideTask(
  c: nn.data.TableColumn,
  rows: Int32Array,
  requested: Task | undefined,
): { task: Task; reason: string } {
  const name = `"${c.name}"`;
  const text = rows.find((r) => Number.isNaN(c.numbers[r]));
  if (text !== undefined) {
    if (requested === 'regression')
      throw new CliError(
        `--task regression needs a numeric label, but column ${name} holds text (e.g. "${cellText(c, text)}")`,
      );
    return { task: 'classification', reason: `${name} holds text` };
  }
  if (requested) return { task: requested, reason: 'as asked' };
  const values = Array.from(rows, (r) => c.numbers[r]);
  const distinct = new Set(values).size;
  const whole = values.every(Number.isInteger);
  if (whole && distinct <= MAX_GUESSED_CLASSES)
    return {
      task: 'classification',
      reason: `${name} holds ${distinct} distinct whole numbers; --task regression to change`,
    };
  return {
    task: 'regression',
    reason: `${name} holds ${distinct} distinct ${whole ? 'whole ' : ''}numbers; --task classification to change`,
  };
}

/** The label column as targets; rows without a label are refused (--missing error) or dropped. */
export function labelData(
  table: nn.data.CsvTable,
  label: number,
  requested: Task | undefined,
  dropMissing: boolean,
  notes: string[],
): LabeledData {
  const c = table.columns[label];
  const all = Int32Array.from({ length: table.rows }, (_, r) => r);
  const rows = all.filter((r) => cellText(c, r) !== null);
  if (rows.length < all.length) {
    const r = all.find((r) => cellText(c, r) === null)!;
    if (!dropMissing)
      throw new CliError(
        `${table.source}, line ${table.lines[r]}, column "${c.name}": the label is empty (or NA); --missing drop (or mean|median|mostFrequent) drops such rows`,
      );
    notes.push(`dropped ${all.length - rows.length} row(s) without a label`);
  }
  const { task, reason } = decideTask(c, rows, requested);
  if (task === 'regression') {
    for (const r of rows)
      if (Math.abs(c.numbers[r]) > 3.4028234663852886e38)
        throw new CliError(
          `${table.source}, line ${table.lines[r]}, column "${c.name}": ${c.numbers[r]} is beyond the float32 range (±3.4e38)`,
        );
    return { table, rows, y: Float32Array.from(rows, (r) => c.numbers[r]), task, classes: null, taskReason: reason };
  }
  const numeric = !rows.some((r) => Number.isNaN(c.numbers[r]));
  const texts = Array.from(rows, (r) => cellText(c, r)!);
  const distinct = [...new Set(texts)];
  const classes = numeric ? distinct.sort((a, b) => Number(a) - Number(b)) : distinct.sort();
  if (classes.length < 2)
    throw new CliError(
      `${table.source}: the label column "${c.name}" holds a single class ("${classes[0]}"); classification needs at least two`,
    );
  if (classes.length > MAX_CLASSES)
    throw new CliError(
      `${table.source}: the label column "${c.name}" holds ${classes.length} classes; is it a regression target? (--task regression)`,
    );
  const index = new Map(classes.map((k, i) => [k, i]));
  return { table, rows, y: Int32Array.from(texts, (t) => index.get(t)!), task, classes, taskReason: reason };
}

/** Train/test positions into `rows`: the article's split for digits (unless --test-split), else a
 *  seeded split, stratified by class when every class has two rows. */
export function splitRows(
  d: LabeledData,
  articleSplit: { train: Int32Array; test: Int32Array } | null,
  testSplit: number | undefined,
  seed: number,
): { train: Int32Array; test: Int32Array } {
  if (articleSplit && testSplit === undefined && d.rows.length === d.table.rows) return articleSplit;
  const n = d.rows.length;
  const testSize = testSplit ?? 0.2;
  const testRows = Math.ceil(testSize * n);
  if (n < 3 || testRows >= n) {
    throw new CliError(
      `${d.table.source}: ${n} rows are too few to hold out a test split of ${testSize} and still train`,
    );
  }
  const classRows = d.classes ? new Int32Array(d.classes.length) : null;
  if (classRows) for (const c of d.y) classRows[c]++;
  const positions = nn.tensor2d(new Float32Array(n), [n, 1]);
  const split = (stratify: Int32Array | false) => {
    const s = nn.data.trainTestSplit(positions, d.y, { testSize, seed, stratify });
    return { train: s.trainIndices, test: s.testIndices };
  };
  try {
    if (classRows?.every((k) => k >= 2) && testRows >= classRows.length) return split(d.y as Int32Array);
    return split(false);
  } catch (e) {
    return asUserError(e);
  }
}
