/**
 * What `nativenn train` and `predict` read: the built-in digits or a CSV file, its label column
 * turned into class indices (classification) or numbers (regression). Every problem with the
 * user's file or options becomes a CliError (one line, exit code 2).
 */
import * as nn from '../index';
import { CliError } from './errors';

export type Task = 'classification' | 'regression';

export interface LoadedData {
  /** "digits" or the CSV path as given. */
  source: string;
  x: nn.Tensor;
  featureNames: string[];
  labelName: string;
  /** Class indices (classification, into `classes`) or values (regression). */
  y: Int32Array | Float32Array;
  task: Task;
  classes: string[] | null;
  /** How the task was decided, for the user ("guessed: …"). */
  taskReason: string;
  /** The article's test rows when the data is digits. */
  articleSplit: { train: Int32Array; test: Int32Array } | null;
}

/** Guess classification when the labels are few distinct whole numbers. */
const MAX_GUESSED_CLASSES = 20;
/** Beyond this many classes a numeric label is surely a regression target. */
const MAX_CLASSES = 1000;

/** Errors the data layer throws about the user's file or options → CliError without "readCsv: ". */
export function asUserError(e: unknown): never {
  if (e instanceof nn.data.CsvError || e instanceof RangeError || e instanceof TypeError) {
    throw new CliError(e.message.replace(/^readCsv: /, ''));
  }
  throw e;
}

/** readCsv with --label as a column name, or else as a 0-based column index. */
export async function readCsvFile(path: string, label: string | number | null | undefined): Promise<nn.data.CsvData> {
  try {
    return await nn.data.readCsv(path, { label });
  } catch (e) {
    const index = typeof label === 'string' && /^\d+$/.test(label) ? Number(label) : null;
    if (index !== null && e instanceof RangeError && /no column named/.test(e.message)) {
      return readCsvFile(path, index);
    }
    return asUserError(e);
  }
}

function digitsData(): LoadedData {
  const d = nn.datasets.digits();
  return {
    source: 'digits',
    x: d.x,
    featureNames: Array.from({ length: d.x.shape[1] }, (_, i) => `pixel_${i}`),
    labelName: 'digit',
    y: d.y,
    task: 'classification',
    classes: Array.from({ length: 10 }, (_, i) => String(i)),
    taskReason: 'the digits 0-9',
    articleSplit: d.split,
  };
}

/** Numeric labels as classes: sorted distinct values, written the way String() writes them. */
function numericClasses(y: Float32Array): { indices: Int32Array; classes: string[] } {
  const distinct = [...new Set(y)].sort((a, b) => a - b);
  const index = new Map(distinct.map((v, i) => [v, i]));
  return { indices: Int32Array.from(y, (v) => index.get(v)!), classes: distinct.map(String) };
}

function decideTask(csv: nn.data.CsvData, requested: Task | undefined): { task: Task; reason: string } {
  const name = `"${csv.labelName}"`;
  if (csv.classes) {
    if (requested === 'regression') {
      const sample = csv.classes.find((c) => !Number.isFinite(Number(c))) ?? csv.classes[0];
      throw new CliError(`--task regression needs a numeric label, but column ${name} holds text (e.g. "${sample}")`);
    }
    return { task: 'classification', reason: `${name} holds text` };
  }
  const y = csv.y as Float32Array;
  const distinct = new Set(y).size;
  const whole = y.every(Number.isInteger);
  if (requested) return { task: requested, reason: 'as asked' };
  if (whole && distinct <= MAX_GUESSED_CLASSES) {
    return {
      task: 'classification',
      reason: `${name} holds ${distinct} distinct whole numbers; --task regression to change`,
    };
  }
  return {
    task: 'regression',
    reason: `${name} holds ${distinct} distinct ${whole ? 'whole ' : ''}numbers; --task classification to change`,
  };
}

/** Loads --data (digits or a CSV) and decides the task. */
export async function loadTrainingData(
  data: string,
  label: string | undefined,
  task: Task | undefined,
): Promise<LoadedData> {
  if (data === 'digits') {
    if (label !== undefined) throw new CliError('--label applies to CSV files; the digits data has its own label');
    if (task === 'regression')
      throw new CliError('the digits data is a classification task; --task regression does not apply');
    return digitsData();
  }
  const csv = await readCsvFile(data, label);
  if (!csv.y || csv.labelName === null) throw new CliError(`${data}: no label column`);
  const decided = decideTask(csv, task);
  let y: Int32Array | Float32Array;
  let classes: string[] | null;
  if (decided.task === 'regression') {
    y = csv.y as Float32Array;
    classes = null;
  } else if (csv.classes) {
    y = csv.y as Int32Array;
    classes = csv.classes;
  } else {
    ({ indices: y, classes } = numericClasses(csv.y as Float32Array));
  }
  if (classes && classes.length < 2) {
    throw new CliError(
      `${data}: the label column "${csv.labelName}" holds a single class ("${classes[0]}"); classification needs at least two`,
    );
  }
  if (classes && classes.length > MAX_CLASSES) {
    throw new CliError(
      `${data}: the label column "${csv.labelName}" holds ${classes.length} classes; is it a regression target? (--task regression)`,
    );
  }
  return {
    source: data,
    x: csv.x,
    featureNames: csv.featureNames,
    labelName: csv.labelName,
    y,
    task: decided.task,
    classes,
    taskReason: decided.reason,
    articleSplit: null,
  };
}

/** Train/test row indices: the article's split for digits (unless --test-split), else a seeded
 *  split, stratified by class when every class has two rows. */
export function splitRows(
  data: LoadedData,
  testSplit: number | undefined,
  seed: number,
): { train: Int32Array; test: Int32Array } {
  if (data.articleSplit && testSplit === undefined) return data.articleSplit;
  const n = data.x.shape[0];
  const testSize = testSplit ?? 0.2;
  const testRows = Math.ceil(testSize * n);
  if (n < 3 || testRows >= n) {
    throw new CliError(`${data.source}: ${n} rows are too few to hold out a test split of ${testSize} and still train`);
  }
  const classRows = data.classes ? new Int32Array(data.classes.length) : null;
  if (classRows) for (const c of data.y) classRows[c]++;
  const split = (stratify: Int32Array | false) => {
    const s = nn.data.trainTestSplit(data.x, data.y, { testSize, seed, stratify });
    return { train: s.trainIndices, test: s.testIndices };
  };
  try {
    // Stratified when every class has two rows and the test part can hold each class.
    if (classRows?.every((k) => k >= 2) && testRows >= classRows.length) return split(data.y as Int32Array);
    return split(false);
  } catch (e) {
    return asUserError(e);
  }
}
