/**
 * nn.data.csvDataset: a CSV file larger than memory as a dataset for model.fitDataset. A first
 * pass (csv-stats.ts) fits the preprocessing on the rows outside the test part; then every epoch
 * re-reads the file chunk by chunk (readCsvTable's parser, in a worker thread: csv-encode.ts),
 * encodes each chunk with preprocess.json's encoder (the one `nativenn predict` uses), passes the
 * rows through a seeded shuffle buffer and yields { xs, ys } batches. Memory: the shuffle buffer,
 * a few chunks (the worker parses up to 4 ahead) and a batch. docs/streaming.md says more.
 */

import { deriveSeed } from '../model/options';
import { MISSING_POLICIES, type MissingPolicy, type Preprocess } from '../pipeline-schema';
import { Tensor } from '../tensor';
import { Random, randomSeed } from '../util/random';
import { describe } from './args';
import { type EncodeJob, encodedChunks } from './csv-encode';
import { workerAvailable, workerChunks } from './csv-parse-worker';
import { type FileStats, type StatsOptions, StatsPass } from './csv-stats';
import { checkFile, type Part, type SplitSpec, tableChunks } from './csv-stream';
import { checkTableOptions } from './csv-table';

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
  /** Feature scaling fitted on the rows outside the test part: 'none' (default), 'standard' or 'minmax'. */
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
  /** Parse in a worker thread, overlapping the main thread's shuffling and the training (default:
   *  true when running the compiled library; from the TypeScript sources the worker cannot load). */
  parseInWorker?: boolean;
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
  'parseInWorker',
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
  parseInWorker: boolean;
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
    this.progress.read = 0;
    const job: EncodeJob = {
      path: this.s.path,
      table: this.s.table,
      preprocess: p,
      split: this.s.split,
      which: this.which,
      oneHot: this.s.oneHot,
    };
    const chunks = this.s.parseInWorker ? workerChunks(job, this.progress) : encodedChunks(job, this.progress);
    for await (const { x, y, rows } of chunks) {
      shuffle.add(x, y, rows);
      yield* shuffle.take(false, this.s.oneHot);
    }
    shuffle.drain();
    yield* shuffle.take(true, this.s.oneHot);
  }
}

/**
 * A seeded shuffle buffer (tfjs Dataset.shuffle): rows fill it; once full, each new row takes the
 * place of a randomly chosen one, which goes out to the batch being built; at the end the rest go
 * out in random order. Buffer size 1 is file order. Batches are views into blocks of BLOCK_BATCHES
 * batches (one allocation per block, not two per batch).
 */
export class ShuffleBuffer {
  private readonly x: Float32Array;
  private readonly y: Float32Array;
  private count = 0;
  private readonly random: Random;
  /** The block rows go out to; `at`: its next row; `start`: the first row of the batch being built. */
  private bx = new Float32Array(0);
  private by = new Float32Array(0);
  private at = 0;
  private start = 0;
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
  }

  /** The first n rows of (x, y), in one loop (a call per row costs more than its copy). */
  add(x: Float32Array, y: Float32Array, n: number): void {
    const { width: w, yWidth: yw, capacity, random } = this;
    const bufX = this.x;
    const bufY = this.y;
    // random.int(capacity) inlined, the same draws: rejection above the last multiple of capacity.
    const limit = 4294967296 - (4294967296 % capacity);
    for (let i = 0; i < n; i++) {
      if (capacity === 1) {
        this.emit(x, y, i);
        continue;
      }
      if (this.count < capacity) {
        const j = this.count++;
        copy(bufX, j * w, x, i * w, w);
        copy(bufY, j * yw, y, i * yw, yw);
        continue;
      }
      let u = random.nextUint32();
      while (u >= limit) u = random.nextUint32();
      const j = u % capacity;
      this.emit(bufX, bufY, j);
      copy(bufX, j * w, x, i * w, w);
      copy(bufY, j * yw, y, i * yw, yw);
    }
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

  /** Row j of (x, y) out to the batch being built. */
  private emit(x: Float32Array, y: Float32Array, j: number): void {
    const { width: w, yWidth: yw } = this;
    if (this.at * w === this.bx.length) {
      // Blocks hold whole batches, so a block ends where a batch does.
      this.bx = new Float32Array(BLOCK_BATCHES * this.batchSize * w);
      this.by = new Float32Array(BLOCK_BATCHES * this.batchSize * yw);
      this.at = 0;
      this.start = 0;
    }
    copy(this.bx, this.at * w, x, j * w, w);
    copy(this.by, this.at * yw, y, j * yw, yw);
    if (++this.at - this.start === this.batchSize) this.endBatch();
  }

  private endBatch(): void {
    const { width: w, yWidth: yw, start, at } = this;
    this.ready.push({
      xs: this.bx.subarray(start * w, at * w),
      ys: this.by.subarray(start * yw, at * yw),
      rows: at - start,
    });
    this.start = at;
  }

  /** The full batches built so far (and with `end`, the last short one). */
  *take(end: boolean, oneHot: boolean): Generator<{ xs: Tensor; ys: Tensor | Int32Array | Float32Array }> {
    if (end && this.at > this.start) this.endBatch();
    const ready = this.ready;
    this.ready = [];
    for (const b of ready) {
      const xs = new Tensor(b.xs, [b.rows, this.width]);
      yield { xs, ys: oneHot ? new Tensor(b.ys, [b.rows, this.yWidth]) : b.ys };
    }
  }
}

/** Batches per block of ShuffleBuffer's output. */
const BLOCK_BATCHES = 64;

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
  const parseInWorker = option(o, 'parseInWorker', isBool, 'a boolean') ?? workerAvailable();
  if (parseInWorker && !workerAvailable())
    throw new RangeError(`${FN}: parseInWorker needs the compiled library (dist/data/csv-worker.js)`);
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
  const settings = { path, batchSize, shuffleBuffer, seed, oneHot, split, table, parseInWorker };
  return new CsvDataset(settings, stats, subset, size);
}
