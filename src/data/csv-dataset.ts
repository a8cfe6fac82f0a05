/**
 * nn.data.csvDataset: a CSV file larger than memory as a dataset for model.fitDataset. A first
 * pass (csv-stats.ts) fits the preprocessing on the training rows; then every epoch re-reads the
 * file chunk by chunk (readCsvTable's parser), encodes each chunk with preprocess.json's encoder
 * (the one `nativenn predict` uses), passes the rows through a seeded shuffle buffer and yields
 * { xs, ys } batches. Memory: the shuffle buffer, one chunk, and a batch.
 */

import { deriveSeed } from '../model/options';
import { cellText, encodeTable } from '../pipeline-encode';
import { MISSING_POLICIES, type MissingPolicy, type Preprocess } from '../pipeline-schema';
import { Tensor } from '../tensor';
import { Random, randomSeed } from '../util/random';
import { describe } from './args';
import { FLOAT32_MAX } from './csv';
import { type FileStats, type StatsOptions, StatsPass } from './csv-stats';
import { checkFile, type Part, partOf, type SplitSpec, tableChunks } from './csv-stream';
import { type CsvTable, checkTableOptions } from './csv-table';
import { type Scaler, scalerFromJSON } from './scalers';

export interface CsvDatasetOptions {
  /** The label column: a name or an index (negative from the end). Default: the last column. */
  label?: string | number;
  /** The feature columns, in input order (default: every column but the label and the id). */
  columns?: string[];
  /** A column carried along but never a feature (preprocess.json's idColumn). */
  id?: string;
  /** Columns to leave out (when `columns` is not given). */
  ignore?: string[];
  /** Columns to one-hot encode, or 'auto' (default): those whose cells are mostly text. */
  categorical?: 'auto' | string[];
  /** Empty or NA cells: 'error' (default), 'drop' the row, or fill with the training rows' 'mean', 'median' or 'mostFrequent'. */
  missing?: MissingPolicy;
  /** Feature scaling fitted on the training rows: 'none' (default), 'standard' or 'minmax'. */
  scale?: 'none' | 'standard' | 'minmax';
  /** Default: classification when the label holds text or at most 20 distinct whole numbers. */
  task?: 'classification' | 'regression';
  /** Classification targets as class indices (default) or one-hot rows (for categoricalCrossentropy). */
  oneHot?: boolean;
  /** Regression: standardize the target on the training rows (preprocess.targetScaler). Default false. */
  standardizeTarget?: boolean;
  /** Rows per batch (default 32). */
  batchSize?: number;
  /** Rows held for shuffling (default 10,000; 0 or 1: file order). */
  shuffleBuffer?: number;
  /** Seeds the shuffles (epoch e shuffles with a seed derived from seed and e). Default random. */
  seed?: number;
  /** Hold out a test part (and a validation part): a hash of (seed, row) as a fraction u in [0, 1)
   *  puts each data row in test when u < test, in validation when u < test + validation, else in
   *  train. No list of rows is kept; every pass agrees. Fractions of all rows. */
  split?: { test: number; validation?: number; seed?: number };
  /** Which part of the split this dataset yields (default 'train'; `dataset.subset(part)` gives another). */
  subset?: Part;
  delimiter?: string;
  decimal?: '.' | ',';
  encoding?: 'utf8' | 'latin1';
}

const OPTIONS = [
  'label',
  'columns',
  'id',
  'ignore',
  'categorical',
  'missing',
  'scale',
  'task',
  'oneHot',
  'standardizeTarget',
  'batchSize',
  'shuffleBuffer',
  'seed',
  'split',
  'subset',
  'delimiter',
  'decimal',
  'encoding',
];
const FN = 'csvDataset';

interface Settings {
  path: string;
  batchSize: number;
  shuffleBuffer: number;
  seed: number;
  oneHot: boolean;
  split: SplitSpec | null;
  table: Required<import('./csv-table').TableOptions>;
}

/** Progress of the reading, for a progress bar: bytes read of the current pass, and the file size. */
export interface ReadProgress {
  read: number;
  size: number;
}

export class CsvDataset {
  /** Epochs started (iterator() calls): epoch e's shuffle derives from (seed, e). */
  private epochs = 0;
  /** Bytes read by the pass running now (a progress bar's ETA). */
  readonly progress: ReadProgress;

  constructor(
    private readonly s: Settings,
    private readonly stats: FileStats,
    readonly which: Part,
    size: number,
  ) {
    this.progress = { read: 0, size };
  }

  /** What the first pass fitted: columns, fills, categories, classes, scaler (preprocess.json's schema). */
  get preprocess(): Preprocess {
    return this.stats.preprocess;
  }
  /** Rows per epoch (after drops). */
  get rows(): number {
    return this.stats.rows[this.which];
  }
  /** Batches per epoch (tfjs Dataset.size). */
  get size(): number {
    return Math.ceil(this.rows / this.s.batchSize);
  }
  get batchSize(): number {
    return this.s.batchSize;
  }
  get featureNames(): string[] {
    return this.stats.preprocess.featureNames;
  }
  get classes(): string[] | null {
    return this.stats.preprocess.classes;
  }

  /** The same file, preprocessing and settings, yielding another part of the split. */
  subset(which: Part): CsvDataset {
    if (which !== 'train' && which !== 'validation' && which !== 'test')
      throw new TypeError(`${FN}: subset must be 'train', 'validation' or 'test', got ${describe(which)}`);
    if (which !== 'train' && (this.s.split === null || this.s.split[which] === 0))
      throw new RangeError(`${FN}: there is no ${which} part without split.${which}`);
    return new CsvDataset(this.s, this.stats, which, this.progress.size);
  }

  [Symbol.asyncIterator](): AsyncGenerator<{ xs: Tensor; ys: Tensor | Int32Array | Float32Array }> {
    return this.batches(deriveSeed(this.s.seed, this.epochs++));
  }

  /** A tfjs-style iterator (the same as for await … of). */
  async iterator() {
    return this[Symbol.asyncIterator]();
  }

  private async *batches(seed: number): AsyncGenerator<{ xs: Tensor; ys: Tensor | Int32Array | Float32Array }> {
    const p = this.stats.preprocess;
    const width = p.featureNames.length;
    const yWidth = this.s.oneHot && p.classes ? p.classes.length : 1;
    const shuffle = new ShuffleBuffer(Math.max(1, this.s.shuffleBuffer), width, yWidth, this.s.batchSize, seed);
    const label = new LabelEncoder(p, this.s.oneHot);
    const scaler = p.scaler ? scalerFromJSON(p.scaler) : null;
    this.progress.read = 0;
    for await (const { table, first } of tableChunks(this.s.path, this.s.table, this.progress)) {
      const rows = this.selected(table, first);
      if (rows.length === 0) continue;
      const e = encodeNumbers(p, scaler, table, rows) ?? encodeTable(p, table, rows);
      const y = label.encode(table, e.rows);
      const x = e.x.data as Float32Array;
      for (let i = 0; i < e.rows.length; i++) shuffle.add(x, y, i);
      yield* shuffle.take(false, this.s.oneHot);
    }
    shuffle.drain();
    yield* shuffle.take(true, this.s.oneHot);
  }

  /** Rows of this part of the split whose label is present (the encoder handles missing features). */
  private selected(table: CsvTable, first: number): Int32Array {
    const split = this.s.split;
    const labelCol = table.columns[table.names.indexOf(this.stats.preprocess.labelName)];
    const out = new Int32Array(table.rows);
    let n = 0;
    for (let r = 0; r < table.rows; r++) {
      if ((split ? partOf(first + r, split) : 'train') !== this.which) continue;
      if (Number.isNaN(labelCol.numbers[r]) && cellText(labelCol, r) === null) continue;
      out[n++] = r;
    }
    return out.subarray(0, n);
  }
}

/**
 * encodeTable's result for the common case, in one pass without a closure per cell: every feature
 * numeric and every selected cell a number. null otherwise (then encodeTable does it all, and
 * words any error). The scaler is the same object's transform, so the values are identical.
 */
function encodeNumbers(
  p: Preprocess,
  scaler: Scaler | null,
  table: CsvTable,
  rows: Int32Array,
): { x: Tensor; rows: Int32Array } | null {
  if (p.columns.some((c) => c.kind !== 'numeric')) return null;
  const columns = p.columns.map((c) => table.columns[table.names.indexOf(c.name)]);
  if (columns.some((c) => c === undefined || c.ids !== null)) return null;
  const width = columns.length;
  const out = new Float32Array(rows.length * width);
  for (let j = 0; j < width; j++) {
    const numbers = columns[j].numbers;
    for (let i = 0; i < rows.length; i++) {
      const v = numbers[rows[i]];
      if (!(Math.abs(v) <= FLOAT32_MAX)) return null; // NaN (missing) or beyond float32
      out[i * width + j] = v;
    }
  }
  let x: Tensor = new Tensor(out, [rows.length, width]);
  if (scaler) {
    x = scaler.transform(x);
    for (let i = 0; i < x.data.length; i++) if (!Number.isFinite(x.data[i])) return null;
  }
  return { x, rows };
}

/** Labels as the model's targets: class indices (or one-hot rows), or values (scaled if asked). */
class LabelEncoder {
  private readonly index: Map<string, number> | null;
  /** Class index by number, for labels that are numbers (no string made per row). */
  private readonly byNumber = new Map<number, number>();
  constructor(
    private readonly p: Preprocess,
    private readonly oneHot: boolean,
  ) {
    this.index = p.classes ? new Map(p.classes.map((c, i) => [c, i])) : null;
    p.classes?.forEach((c, i) => {
      if (String(Number(c)) === c) this.byNumber.set(Number(c), i);
    });
  }
  encode(table: CsvTable, rows: Int32Array): Float32Array {
    const c = table.columns[table.names.indexOf(this.p.labelName)];
    const classes = this.p.classes;
    const width = this.oneHot && classes ? classes.length : 1;
    const out = new Float32Array(rows.length * width);
    const scale = this.p.targetScaler?.type === 'standard' ? this.p.targetScaler : null;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      if (this.index) {
        const k = c.ids !== null ? this.index.get(cellText(c, r)!) : this.byNumber.get(c.numbers[r]);
        if (k === undefined) throw new Error(`${FN}: label "${cellText(c, r)}" was not seen on the first pass`); // the file changed
        if (width > 1) out[i * width + k] = 1;
        else out[i] = k;
      } else {
        const v = c.numbers[r];
        out[i] = scale ? (v - scale.mean[0]) / (scale.std[0] === 0 ? 1 : scale.std[0]) : v;
      }
    }
    return out;
  }
}

/**
 * A seeded shuffle buffer (tfjs Dataset.shuffle): rows fill it; once full, each new row takes the
 * place of a randomly chosen one, which goes out to the batch being built; at the end the rest go
 * out in random order. Buffer size 1 is file order.
 */
class ShuffleBuffer {
  private readonly x: Float32Array;
  private readonly y: Float32Array;
  private count = 0;
  private readonly random: Random;
  private bx: Float32Array;
  private by: Float32Array;
  private n = 0;
  private ready: { xs: Float32Array; ys: Float32Array; rows: number }[] = [];

  constructor(
    private readonly capacity: number,
    private readonly width: number,
    private readonly yWidth: number,
    private readonly batchSize: number,
    seed: number,
  ) {
    this.x = new Float32Array(capacity * width);
    this.y = new Float32Array(capacity * yWidth);
    this.random = new Random(seed);
    this.bx = new Float32Array(batchSize * width);
    this.by = new Float32Array(batchSize * yWidth);
  }

  /** Row i of (x, y). */
  add(x: Float32Array, y: Float32Array, i: number): void {
    const { width: w, yWidth: yw } = this;
    if (this.capacity === 1) {
      this.emit(x, y, i);
      return;
    }
    let j: number;
    if (this.count < this.capacity) j = this.count++;
    else {
      j = this.random.int(this.capacity);
      this.emit(this.x, this.y, j);
    }
    copy(this.x, j * w, x, i * w, w);
    copy(this.y, j * yw, y, i * yw, yw);
  }

  /** The rows still held go out in random order. */
  drain(): void {
    const { width: w, yWidth: yw } = this;
    while (this.count > 0) {
      const j = this.random.int(this.count);
      this.emit(this.x, this.y, j);
      const last = --this.count;
      this.x.copyWithin(j * w, last * w, last * w + w);
      this.y.copyWithin(j * yw, last * yw, last * yw + yw);
    }
  }

  private emit(x: Float32Array, y: Float32Array, j: number): void {
    const { width: w, yWidth: yw } = this;
    copy(this.bx, this.n * w, x, j * w, w);
    copy(this.by, this.n * yw, y, j * yw, yw);
    if (++this.n === this.batchSize) {
      this.ready.push({ xs: this.bx, ys: this.by, rows: this.n });
      this.bx = new Float32Array(this.batchSize * this.width);
      this.by = new Float32Array(this.batchSize * this.yWidth);
      this.n = 0;
    }
  }

  /** The full batches built so far (and with `end`, the last short one). */
  *take(end: boolean, oneHot: boolean): Generator<{ xs: Tensor; ys: Tensor | Int32Array | Float32Array }> {
    if (end && this.n > 0) {
      this.ready.push({
        xs: this.bx.slice(0, this.n * this.width),
        ys: this.by.slice(0, this.n * this.yWidth),
        rows: this.n,
      });
      this.n = 0;
    }
    const ready = this.ready;
    this.ready = [];
    for (const b of ready) {
      const xs = new Tensor(b.xs, [b.rows, this.width]);
      yield { xs, ys: oneHot ? new Tensor(b.ys, [b.rows, this.yWidth]) : b.ys };
    }
  }
}

/** A few values (a row): a loop beats subarray + set, which allocate. */
function copy(to: Float32Array, at: number, from: Float32Array, start: number, n: number): void {
  for (let k = 0; k < n; k++) to[at + k] = from[start + k];
}

function option<T>(
  o: Record<string, unknown>,
  key: string,
  check: (v: unknown) => v is T,
  expected: string,
): T | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (!check(v)) throw new TypeError(`${FN}: ${key} must be ${expected}, got ${describe(v)}`);
  return v;
}

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.length > 0 && v.every(isString);
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const oneOf =
  <T extends string>(choices: readonly T[]) =>
  (v: unknown): v is T =>
    choices.includes(v as T);
const count =
  (min: number) =>
  (v: unknown): v is number =>
    Number.isSafeInteger(v) && (v as number) >= min;

/** Reads the file once to fit the preprocessing (see csv-stats.ts), then returns the dataset. */
export async function csvDataset(path: string, options: CsvDatasetOptions = {}): Promise<CsvDataset> {
  if (!isString(path)) throw new TypeError(`${FN}: path must be a non-empty string, got ${describe(path)}`);
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new TypeError(`${FN}: options must be an object, got ${describe(options)}`);
  const o = options as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!OPTIONS.includes(k)) throw new TypeError(`${FN}: unknown option "${k}"; valid: ${OPTIONS.join(', ')}`);
  const label = option(
    o,
    'label',
    (v): v is string | number => isString(v) || Number.isInteger(v),
    'a column name or an integer index',
  );
  const columns = option(o, 'columns', isStrings, 'a non-empty array of column names');
  const id = option(o, 'id', isString, 'a column name');
  const ignore =
    option(o, 'ignore', (v): v is string[] => Array.isArray(v) && v.every(isString), 'an array of column names') ?? [];
  const categorical =
    option(
      o,
      'categorical',
      (v): v is 'auto' | string[] => v === 'auto' || (Array.isArray(v) && v.every(isString)),
      "'auto' or an array of column names",
    ) ?? 'auto';
  const missing = option(o, 'missing', oneOf(MISSING_POLICIES), MISSING_POLICIES.join(', ')) ?? 'error';
  const scale =
    option(o, 'scale', oneOf(['none', 'standard', 'minmax'] as const), "'none', 'standard' or 'minmax'") ?? 'none';
  const task = option(o, 'task', oneOf(['classification', 'regression'] as const), "'classification' or 'regression'");
  const oneHot = option(o, 'oneHot', isBool, 'a boolean') ?? false;
  const standardizeTarget = option(o, 'standardizeTarget', isBool, 'a boolean') ?? false;
  const batchSize = option(o, 'batchSize', count(1), 'a positive integer') ?? 32;
  const shuffleBuffer = option(o, 'shuffleBuffer', count(0), 'an integer ≥ 0') ?? 10_000;
  if (shuffleBuffer > 1 << 26)
    throw new RangeError(`${FN}: shuffleBuffer must be at most 2^26 rows, got ${shuffleBuffer}`);
  const seed = option(o, 'seed', (v): v is number => Number.isSafeInteger(v), 'an integer') ?? randomSeed();
  const subset =
    option(o, 'subset', oneOf(['train', 'validation', 'test'] as const), "'train', 'validation' or 'test'") ?? 'train';
  let split: Settings['split'] = null;
  if (o.split !== undefined) {
    const sp = o.split as { test?: unknown; validation?: unknown; seed?: unknown };
    const fraction = (v: unknown) => typeof v === 'number' && v >= 0 && v < 1;
    if (
      sp === null ||
      typeof sp !== 'object' ||
      !fraction(sp.test) ||
      !fraction(sp.validation ?? 0) ||
      (sp.test as number) + ((sp.validation as number) ?? 0) >= 1
    )
      throw new RangeError(
        `${FN}: split must be { test, validation?, seed? } with fractions ≥ 0 whose sum is below 1, got ${describe(o.split)}`,
      );
    if (sp.seed !== undefined && !Number.isSafeInteger(sp.seed))
      throw new TypeError(`${FN}: split.seed must be an integer, got ${describe(sp.seed)}`);
    split = {
      test: sp.test as number,
      validation: (sp.validation as number | undefined) ?? 0,
      seed: (sp.seed as number | undefined) ?? seed,
    };
  }
  if (subset !== 'train' && (split === null || split[subset] === 0))
    throw new RangeError(`${FN}: subset '${subset}' needs split.${subset}`);
  const table = checkTableOptions({
    delimiter: o.delimiter ?? 'auto',
    decimal: o.decimal ?? '.',
    encoding: o.encoding ?? 'utf8',
  });
  const size = await checkFile(FN, path);
  const statsOptions: StatsOptions = {
    fn: FN,
    path,
    label,
    columns,
    id,
    ignore,
    categorical,
    missing,
    scale,
    task,
    targetScale: standardizeTarget ? 'standard' : 'none',
    split,
    csv: { delimiter: '', decimal: table.decimal, encoding: table.encoding },
  };
  const pass = new StatsPass(statsOptions);
  let delimiter = ',';
  for await (const chunk of tableChunks(path, table)) {
    delimiter = chunk.table.delimiter;
    pass.add(chunk);
  }
  const stats = pass.finish();
  stats.preprocess.csv = { ...statsOptions.csv, delimiter };
  return new CsvDataset({ path, batchSize, shuffleBuffer, seed, oneHot, split, table }, stats, subset, size);
}
