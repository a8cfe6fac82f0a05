/**
 * nn.data.csvDataset: a CSV file larger than memory as a dataset for model.fitDataset. A first
 * pass (csv-stats.ts) fits the preprocessing on the rows outside the test part; then every epoch
 * re-reads the file chunk by chunk (readCsvTable's parser, in a worker thread: csv-encode.ts),
 * encodes each chunk with preprocess.json's encoder (the one `nativenn predict` uses), passes the
 * rows through a seeded shuffle buffer (csv-shuffle.ts) and yields { xs, ys } batches, or to
 * fitDataset blocks of batches (BATCH_BLOCKS). Memory: the shuffle buffer, a few chunks (the worker
 * parses up to 4 ahead) and a block. docs/streaming.md says more.
 */

import { deriveSeed } from '../model/options';
import { MISSING_POLICIES, type MissingPolicy, type Preprocess } from '../pipeline-schema';
import type { Tensor } from '../tensor';
import { BATCH_BLOCKS } from '../train/dataset-source';
import { randomSeed } from '../util/random';
import { describe } from './args';
import { type EncodeJob, encodedChunks } from './csv-encode';
import { prewarmWorker, workerAvailable, workerChunks } from './csv-parse-worker';
import { BLOCK_BATCHES, type RowBlock, ShuffleBuffer, type TakeMode } from './csv-shuffle';
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
    const oneHot = this.s.oneHot;
    return this.epoch(deriveSeed(this.s.seed, this.epochs++), BLOCK_BATCHES, (s, mode) =>
      s.take(mode === 'all', oneHot),
    );
  }

  /** A tfjs-style iterator (the same as for await … of). */
  async iterator() {
    return this[Symbol.asyncIterator]();
  }

  /** fitDataset's fast path (see BATCH_BLOCKS): the next epoch, as the iterator would yield it, in
   *  blocks of as many whole batches as fit in `maxRows` rows (at least one). */
  [BATCH_BLOCKS](maxRows: number): AsyncGenerator<RowBlock> {
    const oneHot = this.s.oneHot;
    const batches = Math.max(1, Math.floor(maxRows / this.s.batchSize));
    return this.epoch(deriveSeed(this.s.seed, this.epochs++), batches, (s, mode) => s.takeBlocks(mode, oneHot));
  }

  /**
   * One epoch: the chunks parsed and encoded (in the worker, or here), through the shuffle buffer,
   * handed out by `take`. A problem with the file ends the epoch after every complete batch before
   * it has been handed out (they train first, whether taken one by one or in blocks).
   */
  private async *epoch<T>(
    seed: number,
    blockBatches: number,
    take: (s: ShuffleBuffer, mode: TakeMode) => Iterable<T>,
  ): AsyncGenerator<T> {
    const p = this.stats.preprocess;
    const width = p.featureNames.length;
    const yWidth = this.s.oneHot && p.classes ? p.classes.length : 1;
    const shuffle = new ShuffleBuffer(
      Math.max(1, this.s.shuffleBuffer),
      width,
      yWidth,
      this.s.batchSize,
      seed,
      blockBatches,
    );
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
    try {
      for await (const { x, y, rows } of chunks) {
        shuffle.add(x, y, rows);
        yield* take(shuffle, 'full');
      }
    } catch (e) {
      yield* take(shuffle, 'batches');
      throw e;
    }
    shuffle.drain();
    yield* take(shuffle, 'all');
  }
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
  if (parseInWorker) prewarmWorker(); // it starts while the first pass runs
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
