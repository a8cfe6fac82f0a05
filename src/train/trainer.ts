/**
 * The Trainer: the one training loop (model.fit is a thin wrapper). Per epoch: a seeded
 * permutation, the optimizer updates through the executor (whole runs of batches in one call
 * unless a callback wants per-batch hooks), the epoch's train loss and metrics (sample-weighted
 * means of the batch values), then validation ("test") loss and metrics, then callbacks and the
 * History. Everything the user passes is checked before the first weight changes.
 */
import { describe } from '../backend/check';
import { type Callback, HOOKS, type Logs } from '../callbacks/callback';
import type { Executor } from '../graph/executor';
import type { CompileArgs, Compiled, TrainableModel } from '../model/interfaces';
import { bool, checkOptions, deriveSeed, numberIn, positiveInt, seedValue } from '../model/options';
import type { Optimizer } from '../optimizers';
import type { Tensor } from '../tensor';
import { Random, randomSeed } from '../util/random';
import { yieldToEventLoop } from '../util/yield';
import { type Dataset, gatherRows, type Targets, targetWidth } from './data';
import { History } from './history';

export interface FitOptions {
  /** Passes over the data (default 1). */
  epochs?: number;
  /** Rows per update (default 32); ≥ rows means full-batch gradient descent. */
  batchSize?: number;
  /** Reshuffle the rows every epoch (default true), from the seeded generator. */
  shuffle?: boolean;
  /** Fraction of rows held out for validation: a seeded random subset, not the last rows. */
  validationSplit?: number;
  /** [x, y] evaluated after every epoch: val_loss, val_<metric>. */
  validationData?: [Tensor, Targets];
  callbacks?: Callback[] | Callback;
  /** 0 silent, 1 or 2 one line per epoch (default 1). */
  verbose?: 0 | 1 | 2;
  /** Seeds the shuffles and the validation split (random if omitted; in history.params.seed). */
  seed?: number;
  /** Also record every batch's loss and metrics in history.batchHistory. */
  batchLoss?: boolean;
  /** Epoch to start at (Keras initialEpoch), to resume a checkpoint: with the same seed, epoch e
   *  shuffles exactly as it would have in one uninterrupted fit (default 0). */
  initialEpoch?: number;
}

const FIT_OPTIONS = [
  'epochs',
  'batchSize',
  'shuffle',
  'validationSplit',
  'validationData',
  'callbacks',
  'verbose',
  'seed',
  'batchLoss',
  'initialEpoch',
];
/** Rows per executor call on the fast path: long enough to amortize the call, short enough that
 *  the loop is not held for long (the executors also chunk internally). */
const CHUNK_ROWS = 1 << 15;
/** …and at most this many input values: the native glue copies a call's rows on the main thread
 *  (so JS cannot change them under the worker), ~1 ms per 2^20 values. */
const CHUNK_VALUES = 1 << 20;
/** Yield to the event loop at least this often (ms) even if every await resolved at once. */
const YIELD_MS = 15;

export class Trainer {
  readonly model: TrainableModel;

  /** With compile settings, compiles the model (like the article's Trainer, which took the loss
   *  and the optimizer); without, the model must be compiled already. */
  constructor(model: TrainableModel, options?: Partial<CompileArgs>) {
    if (!model || typeof (model as TrainableModel).compile !== 'function') {
      throw new TypeError(`Trainer: model must be a Sequential model, got ${describe(model)}`);
    }
    this.model = model;
    if (options !== undefined) model.compile(options as CompileArgs);
  }

  evaluate(x: Tensor, y: Targets): Record<string, number> {
    return this.model.evaluate(x, y);
  }

  async fit(x: Tensor, y: Targets, options?: FitOptions): Promise<History> {
    const fn = 'fit';
    const model = this.model;
    const compiled = model.requireCompiled(fn);
    model.checkIdle(fn);
    const o = checkOptions(fn, options, FIT_OPTIONS);
    const epochs = o.epochs === undefined ? 1 : positiveInt(fn, 'epochs', o.epochs);
    const batchSize = o.batchSize === undefined ? 32 : positiveInt(fn, 'batchSize', o.batchSize);
    const shuffle = o.shuffle === undefined ? true : bool(fn, 'shuffle', o.shuffle);
    const verbose = o.verbose === undefined ? 1 : o.verbose;
    if (verbose !== 0 && verbose !== 1 && verbose !== 2)
      throw new RangeError(`${fn}: verbose must be 0, 1 or 2, got ${describe(verbose)}`);
    const seed = o.seed === undefined ? randomSeed() : seedValue(fn, 'seed', o.seed);
    const batchLoss = o.batchLoss === undefined ? false : bool(fn, 'batchLoss', o.batchLoss);
    const split = o.validationSplit === undefined ? 0 : numberIn(fn, 'validationSplit', o.validationSplit, 0, 1, true);
    if (split > 0 && o.validationData !== undefined)
      throw new TypeError(`${fn}: give validationSplit or validationData, not both`);
    const callbacks = callbackList(fn, o.callbacks);
    const initialEpoch = o.initialEpoch === undefined ? 0 : numberIn(fn, 'initialEpoch', o.initialEpoch, 0, epochs);
    if (!Number.isInteger(initialEpoch)) {
      throw new RangeError(`${fn}: initialEpoch must be an integer from 0 to epochs, got ${initialEpoch}`);
    }

    let data = model.evaluationData(fn, x, y);
    let validation: { x: Float32Array; y: Float32Array; rows: number } | null = null;
    if (o.validationData !== undefined) {
      const vd = o.validationData;
      if (!Array.isArray(vd) || vd.length !== 2)
        throw new TypeError(`${fn}: validationData must be [x, y], got ${describe(vd)}`);
      validation = model.evaluationData(fn, vd[0], vd[1], 'validationData[0]', 'validationData[1]');
    }
    const rng = new Random(seed);
    const inputs = model.inputSize;
    const yWidth = targetWidth(compiled.loss, model.outputSize);
    if (split > 0) {
      const trainRows = Math.floor(data.rows * (1 - split));
      if (trainRows < 1 || trainRows === data.rows) {
        throw new RangeError(
          `${fn}: validationSplit ${split} of ${data.rows} rows leaves ${trainRows} for training and ${data.rows - trainRows} for validation; both need at least one`,
        );
      }
      const order = rng.permutation(data.rows);
      const trainIdx = order.subarray(0, trainRows);
      const valIdx = order.subarray(trainRows);
      validation = {
        x: gatherRows(data.x, inputs, valIdx),
        y: gatherRows(data.y, yWidth, valIdx),
        rows: valIdx.length,
      };
      data = { x: gatherRows(data.x, inputs, trainIdx), y: gatherRows(data.y, yWidth, trainIdx), rows: trainRows };
    }

    // Everything is checked: from here on the weights may change.
    model.fitting = true;
    try {
      const settings = { epochs, initialEpoch, batchSize, shuffle, verbose, seed, batchLoss, callbacks, compiled };
      return await this.loop(model, data, validation, settings);
    } finally {
      model.fitting = false;
    }
  }

  private async loop(
    model: TrainableModel,
    data: Dataset,
    validation: Dataset | null,
    s: {
      epochs: number;
      initialEpoch: number;
      batchSize: number;
      shuffle: boolean;
      verbose: number;
      seed: number;
      batchLoss: boolean;
      callbacks: Callback[];
      compiled: Compiled;
    },
  ): Promise<History> {
    const { epochs, initialEpoch, batchSize, shuffle, verbose, seed, batchLoss, callbacks, compiled } = s;
    const executor = model.executor();
    const optimizer = compiled.optimizer;
    const rows = data.rows;
    const batches = Math.ceil(rows / batchSize);
    const keys = ['loss', ...compiled.metrics.keys];
    const history = new History({
      epochs,
      batchSize,
      samples: rows,
      validationSamples: validation?.rows ?? 0,
      steps: batches,
      seed,
      metrics: [...keys, ...compiled.metrics.wholeSet.map((m) => m.key)],
    });
    const perBatch = callbacks.some((c) => typeof c.onBatchBegin === 'function' || typeof c.onBatchEnd === 'function');
    for (const c of callbacks) {
      c.setModel?.(model);
      c.setParams?.(history.params);
    }
    model.stopTraining = false;
    let lastYield = Date.now();
    await each(callbacks, (c) => c.onTrainBegin?.({}));
    for (let epoch = initialEpoch; epoch < epochs; epoch++) {
      const started = Date.now();
      await each(callbacks, (c) => c.onEpochBegin?.(epoch, {}));
      // Each epoch's order depends on (seed, epoch) only, so a resumed fit reproduces it.
      const indices = shuffle ? new Random(deriveSeed(seed, epoch)).permutation(rows) : identity(rows);
      const values = new Float64Array(batches * keys.length);
      const run = (first: number, last: number) =>
        this.trainBatches(executor, optimizer, data, indices, batchSize, first, last, values, keys.length);
      if (perBatch) {
        for (let b = 0; b < batches; b++) {
          const size = Math.min(batchSize, rows - b * batchSize);
          await each(callbacks, (c) => c.onBatchBegin?.(b, { batch: b, size }));
          await run(b, b + 1);
          const logs: Logs = { batch: b, size };
          keys.forEach((k, i) => {
            logs[k] = values[b * keys.length + i];
          });
          await each(callbacks, (c) => c.onBatchEnd?.(b, logs));
        }
      } else {
        const chunk = Math.max(1, Math.floor(Math.min(CHUNK_ROWS, CHUNK_VALUES / model.inputSize) / batchSize));
        for (let first = 0; first < batches; first += chunk) {
          await run(first, Math.min(batches, first + chunk));
          if (Date.now() - lastYield > YIELD_MS) {
            await yieldToEventLoop();
            lastYield = Date.now();
          }
        }
      }
      if (batchLoss) {
        for (let b = 0; b < batches; b++) {
          const logs: Logs = {};
          keys.forEach((k, i) => {
            logs[k] = values[b * keys.length + i];
          });
          history.recordBatch(logs);
        }
      }
      const logs = epochMeans(values, keys, rows, batchSize);
      if (validation) {
        const v = executor.evaluate(validation.x, validation.y, validation.rows);
        keys.forEach((k, i) => {
          logs[`val_${k}`] = v[i];
        });
      }
      // Whole-set metrics (precision, auc, …): exact, from predictions at epoch end (src/metrics).
      Object.assign(logs, model.wholeSetLogs(data), validation ? model.wholeSetLogs(validation, 'val_') : {});
      history.record(epoch, logs);
      if (verbose > 0) console.log(progressLine(epoch, epochs, Date.now() - started, logs));
      await each(callbacks, (c) => c.onEpochEnd?.(epoch, { ...logs }));
      if (Date.now() - lastYield > YIELD_MS) {
        await yieldToEventLoop();
        lastYield = Date.now();
      }
      if (model.stopTraining) break;
    }
    const last = history.epoch.length > 0 ? lastLogs(history) : {};
    await each(callbacks, (c) => c.onTrainEnd?.(last));
    return history;
  }

  /** Runs batches first … last−1 and stores their values; the optimizer counts the updates. */
  private async trainBatches(
    executor: Executor,
    optimizer: Optimizer,
    data: { x: Float32Array; y: Float32Array },
    indices: Int32Array,
    batchSize: number,
    first: number,
    last: number,
    values: Float64Array,
    width: number,
  ): Promise<void> {
    this.model.busy = true;
    try {
      // batchSize ≥ rows is one full batch, however large (2^31 is beyond the executors' sizes).
      const size = Math.min(batchSize, indices.length);
      const out = await executor.trainBatches(data.x, data.y, indices, size, first, last, optimizer.iterations);
      values.set(out.subarray(0, (last - first) * width), first * width);
    } finally {
      this.model.busy = false;
    }
    optimizer.iterations += last - first;
  }
}

function identity(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/** The epoch's values: batch means weighted by batch size (the last batch may be short). */
function epochMeans(values: Float64Array, keys: string[], rows: number, batchSize: number): Logs {
  const logs: Logs = {};
  const batches = values.length / keys.length;
  keys.forEach((key, i) => {
    let sum = 0;
    for (let b = 0; b < batches; b++) sum += values[b * keys.length + i] * Math.min(batchSize, rows - b * batchSize);
    logs[key] = sum / rows;
  });
  return logs;
}

function lastLogs(history: History): Logs {
  const logs: Logs = {};
  for (const [k, v] of Object.entries(history.history)) logs[k] = v[v.length - 1];
  return logs;
}

function callbackList(fn: string, v: unknown): Callback[] {
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  list.forEach((c, i) => {
    if (c === null || typeof c !== 'object')
      throw new TypeError(`${fn}: callbacks[${i}] must be an object with hooks (onEpochEnd, …), got ${describe(c)}`);
    for (const hook of HOOKS) {
      const h = (c as Record<string, unknown>)[hook];
      if (h !== undefined && typeof h !== 'function')
        throw new TypeError(`${fn}: callbacks[${i}].${hook} must be a function, got ${describe(h)}`);
    }
  });
  return list as Callback[];
}

async function each(callbacks: Callback[], call: (c: Callback) => void | Promise<void> | undefined): Promise<void> {
  for (const c of callbacks) await call(c);
}

function progressLine(epoch: number, epochs: number, ms: number, logs: Logs): string {
  const parts = Object.entries(logs).map(([k, v]) => `${k}: ${v.toFixed(4)}`);
  return [`Epoch ${epoch + 1}/${epochs}`, `${ms}ms`, ...parts].join(' - ');
}
