/**
 * The Trainer: the one training loop (model.fit and model.fitDataset are thin wrappers). Per
 * epoch: the runs of batches from a BatchSource (fit: a seeded permutation of in-memory rows;
 * fitDataset: the batches a dataset yields, src/train/dataset-source.ts), the optimizer updates
 * through the executor (whole runs of batches in one call unless a callback wants per-batch
 * hooks; the source prepares the next run while one trains), the epoch's train loss and metrics (sample-weighted
 * means of the batch values), then validation ("test") loss and metrics, then callbacks and the
 * History. Everything the user passes is checked before the first weight changes.
 */
import { describe } from '../backend/check';
import { type Callback, HOOKS, type Logs } from '../callbacks/callback';
import type { Executor } from '../graph/executor';
import type { CompileArgs, Compiled, TrainableModel } from '../model/interfaces';
import { bool, checkOptions, numberIn, positiveInt, seedValue } from '../model/options';
import type { Optimizer } from '../optimizers';
import type { Tensor } from '../tensor';
import { Random, randomSeed } from '../util/random';
import { yieldToEventLoop } from '../util/yield';
import { arraySource, type BatchSource, type Run } from './batch-source';
import { type Dataset, gatherRows, type Targets } from './data';
import { datasetValidation, evaluateOnDataset } from './dataset-eval';
import { checkDataset, type DatasetLike, datasetSource } from './dataset-source';
import { History } from './history';
import {
  type ClassWeight,
  checkClassWeight,
  checkSampleWeight,
  rowWeights,
  type SampleWeight,
  withWeights,
} from './sample-weights';

export interface FitOptions {
  /** Passes over the data (default 1). */
  epochs?: number;
  /** Rows per update (default 32); ≥ rows means full-batch gradient descent. */
  batchSize?: number;
  /** Reshuffle the rows every epoch (default true), from the seeded generator. */
  shuffle?: boolean;
  /** Fraction of rows held out for validation: a seeded random subset, not the last rows. */
  validationSplit?: number;
  /** [x, y] or [x, y, sampleWeight] evaluated after every epoch: val_loss, val_<metric>. With
   *  sampleWeight (one weight ≥ 0 per row) val_loss is Σ w·loss / rows, as evaluate's. */
  validationData?: [Tensor, Targets] | [Tensor, Targets, SampleWeight];
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
  /** One weight ≥ 0 per row of x (Keras sample_weight), shuffled with its row: a batch's loss is
   *  Σ w·loss / rows (Keras SUM_OVER_BATCH_SIZE). The rows validationSplit holds out keep theirs
   *  (val_loss weighted as evaluate's; classWeight weighs training only, as in Keras). */
  sampleWeight?: SampleWeight;
  /** Weight per class index (Keras class_weight): rows weigh their class's weight (the label, the
   *  argmax of a one-hot row, or a single sigmoid output's 0/1; unnamed classes weigh 1); times
   *  sampleWeight if both are given. */
  classWeight?: ClassWeight;
}

export interface FitDatasetOptions {
  /** Passes over the data (default 1). */
  epochs?: number;
  /** Batches per epoch: then one iterator runs across epochs (tfjs / Keras steps_per_epoch) and
   *  training stops early, with a warning, if it runs out. Default: each epoch reads a fresh
   *  iterator to its end. */
  batchesPerEpoch?: number;
  /** [x, y] or [x, y, sampleWeight] tensors, or a dataset of batches (their sampleWeight weighs
   *  val_loss), evaluated after every epoch: val_loss, val_<metric>. */
  validationData?: [Tensor, Targets] | [Tensor, Targets, SampleWeight] | DatasetLike;
  /** Batches of a validation dataset to evaluate each epoch (default: all). */
  validationBatches?: number;
  callbacks?: Callback[] | Callback;
  verbose?: 0 | 1 | 2;
  /** Recorded in history.params.seed (a dataset shuffles itself; dropout seeds come from the model). */
  seed?: number;
  batchLoss?: boolean;
  initialEpoch?: number;
  /** Weight per class index, as fit's; a batch may also carry sampleWeight ({ xs, ys, sampleWeight }). */
  classWeight?: ClassWeight;
}

const FIT_DATASET_OPTIONS = [
  'epochs',
  'batchesPerEpoch',
  'validationData',
  'validationBatches',
  'callbacks',
  'verbose',
  'seed',
  'batchLoss',
  'initialEpoch',
  'classWeight',
];

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
  'sampleWeight',
  'classWeight',
];
/** Yield to the event loop at least this often (ms) even if every await resolved at once. */
const YIELD_MS = 15;

/** What the loop needs besides its source. */
export interface LoopSettings {
  /** The public function running the loop, for messages ("fit", "fitDataset"). */
  fn: string;
  epochs: number;
  initialEpoch: number;
  /** For history.params; null for a dataset (its batches say their sizes). */
  batchSize: number | null;
  verbose: number;
  seed: number;
  batchLoss: boolean;
  callbacks: Callback[];
  compiled: Compiled;
}

/** Validation after each epoch: val_loss, val_<metric> (and whole-set metrics when `data` is in memory). */
export interface Validation {
  rows: number | null;
  data: Dataset | null;
  evaluate(): Promise<Logs>;
}

/** In-memory validation rows, evaluated in one executor call; with `weights` (one per row) by the
 *  weighted executor, so that val_loss is Σ w·loss / rows. */
export function arrayValidation(model: TrainableModel, data: Dataset, weights: Float32Array | null = null): Validation {
  const keys = ['loss', ...model.requireCompiled('fit').metrics.keys];
  const y = weights ? withWeights(data.y, model.targetWidth, weights, data.rows) : data.y;
  return {
    rows: data.rows,
    data,
    async evaluate() {
      const v = model.executor(weights !== null).evaluate(data.x, y, data.rows);
      const logs: Logs = {};
      keys.forEach((k, i) => {
        logs[`val_${k}`] = v[i];
      });
      return logs;
    },
  };
}

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
    const verbose = checkVerbose(fn, o.verbose);
    const seed = o.seed === undefined ? randomSeed() : seedValue(fn, 'seed', o.seed);
    const batchLoss = o.batchLoss === undefined ? false : bool(fn, 'batchLoss', o.batchLoss);
    const split = o.validationSplit === undefined ? 0 : numberIn(fn, 'validationSplit', o.validationSplit, 0, 1, true);
    if (split > 0 && o.validationData !== undefined)
      throw new TypeError(`${fn}: give validationSplit or validationData, not both`);
    const callbacks = callbackList(fn, o.callbacks);
    const initialEpoch = checkInitialEpoch(fn, o.initialEpoch, epochs);

    let data = model.evaluationData(fn, x, y);
    let validation: { x: Float32Array; y: Float32Array; rows: number } | null = null;
    let valWeights: Float32Array | null = null;
    if (o.validationData !== undefined) {
      const vd = o.validationData;
      if (!Array.isArray(vd) || (vd.length !== 2 && vd.length !== 3))
        throw new TypeError(`${fn}: validationData must be [x, y] or [x, y, sampleWeight], got ${describe(vd)}`);
      validation = model.evaluationData(fn, vd[0], vd[1], 'validationData[0]', 'validationData[1]');
      valWeights = validationWeights(fn, vd, validation.rows);
    }
    const rng = new Random(seed);
    const inputs = model.inputSize;
    const yWidth = model.targetWidth;
    const sampleWeight =
      o.sampleWeight === undefined ? null : checkSampleWeight(fn, 'sampleWeight', o.sampleWeight, data.rows);
    const classWeight = o.classWeight === undefined ? null : checkClassWeight(fn, o.classWeight, model);
    let weights =
      sampleWeight || classWeight ? rowWeights(fn, data.y, data.rows, yWidth, sampleWeight, classWeight) : null;
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
      if (weights) weights = gatherRows(weights, 1, trainIdx);
      // The held-out rows keep their sampleWeight (Keras splits x, y and sample_weight alike).
      if (sampleWeight) valWeights = gatherRows(sampleWeight, 1, valIdx);
    }
    // The weighted tape compiles (and the native one validates) before anything trains.
    if (weights || valWeights) model.executor(true);

    // Everything is checked: from here on the weights may change.
    model.fitting = true;
    try {
      const settings = { fn, epochs, initialEpoch, batchSize, verbose, seed, batchLoss, callbacks, compiled };
      const weightedY = weights && withWeights(data.y, yWidth, weights, data.rows);
      const source = arraySource(data, inputs, batchSize, shuffle, seed, weightedY);
      return await this.loop(model, source, validation && arrayValidation(model, validation, valWeights), settings);
    } finally {
      model.fitting = false;
    }
  }

  /**
   * Trains on the batches a dataset yields (see FitDatasetOptions), through the same loop as fit.
   * Every batch is checked as fit checks its data; a bad batch ends training with an error naming
   * it, after every batch before it has trained (those updates stay, as after an interrupted fit).
   */
  async fitDataset(dataset: DatasetLike, options?: FitDatasetOptions): Promise<History> {
    const fn = 'fitDataset';
    const model = this.model;
    const compiled = model.requireCompiled(fn);
    model.checkIdle(fn);
    checkDataset(fn, dataset);
    const o = checkOptions(fn, options, FIT_DATASET_OPTIONS);
    const epochs = o.epochs === undefined ? 1 : positiveInt(fn, 'epochs', o.epochs);
    const perEpoch = o.batchesPerEpoch === undefined ? null : positiveInt(fn, 'batchesPerEpoch', o.batchesPerEpoch);
    const verbose = checkVerbose(fn, o.verbose);
    const seed = o.seed === undefined ? randomSeed() : seedValue(fn, 'seed', o.seed);
    const batchLoss = o.batchLoss === undefined ? false : bool(fn, 'batchLoss', o.batchLoss);
    const callbacks = callbackList(fn, o.callbacks);
    const initialEpoch = checkInitialEpoch(fn, o.initialEpoch, epochs);
    const valBatches =
      o.validationBatches === undefined ? null : positiveInt(fn, 'validationBatches', o.validationBatches);
    let validation: Validation | null = null;
    const vd = o.validationData;
    if (Array.isArray(vd) && (vd.length === 2 || vd.length === 3) && !isBatch(vd[0])) {
      const data = model.evaluationData(fn, vd[0], vd[1], 'validationData[0]', 'validationData[1]');
      const weights = validationWeights(fn, vd, data.rows);
      if (weights) model.executor(true);
      validation = arrayValidation(model, data, weights);
    } else if (vd !== undefined) {
      validation = datasetValidation(fn, model, checkDataset(`${fn}: validationData`, vd), valBatches);
    }
    const classWeight = o.classWeight === undefined ? null : checkClassWeight(fn, o.classWeight, model);
    if (classWeight) model.executor(true);
    const samples = (dataset as { rows?: unknown }).rows;
    const source = datasetSource(
      fn,
      model,
      dataset,
      perEpoch,
      typeof samples === 'number' ? samples : null,
      classWeight,
    );
    model.fitting = true;
    try {
      const settings = { fn, epochs, initialEpoch, batchSize: null, verbose, seed, batchLoss, callbacks, compiled };
      return await this.loop(model, source, validation, settings);
    } finally {
      model.fitting = false;
    }
  }

  /** Loss and metrics over a dataset's batches (inference mode); `batches` caps how many. */
  async evaluateDataset(dataset: DatasetLike, options?: { batches?: number }): Promise<Record<string, number>> {
    const fn = 'evaluateDataset';
    this.model.requireCompiled(fn);
    this.model.checkIdle(fn);
    checkDataset(fn, dataset);
    const o = checkOptions(fn, options, ['batches']);
    const batches = o.batches === undefined ? null : positiveInt(fn, 'batches', o.batches);
    return evaluateOnDataset(fn, this.model, dataset, batches);
  }

  /** The one loop: epochs of runs from `source`, validation, whole-set metrics, callbacks, History. */
  private async loop(
    model: TrainableModel,
    source: BatchSource,
    validation: Validation | null,
    s: LoopSettings,
  ): Promise<History> {
    const { epochs, initialEpoch, batchSize, verbose, seed, batchLoss, callbacks, compiled } = s;
    const executor = model.executor();
    let weightedExecutor: Executor | null = null; // for runs with sample weights, made on first use
    const executorFor = (run: Run): Executor => {
      if (!run.weighted) return executor;
      weightedExecutor ??= model.executor(true);
      return weightedExecutor;
    };
    const optimizer = compiled.optimizer;
    const keys = ['loss', ...compiled.metrics.keys];
    const wholeSetKeys = compiled.metrics.wholeSet.map((m) => m.key);
    const history = new History({
      epochs,
      batchSize,
      samples: source.samples,
      validationSamples: validation ? validation.rows : 0,
      steps: source.steps,
      seed,
      metrics: [...keys, ...(source.wholeSet ? wholeSetKeys : [])],
    });
    const perBatch = callbacks.some((c) => typeof c.onBatchBegin === 'function' || typeof c.onBatchEnd === 'function');
    for (const c of callbacks) {
      c.setModel?.(model);
      c.setParams?.(history.params);
    }
    model.stopTraining = false;
    // Nothing needs JS between epochs (no callbacks, validation, whole-set metrics or progress
    // lines): small epochs then train several per executor call (source.epochs), with the same
    // batches in the same order, so the same weights and history as one epoch per call.
    const group =
      source.epochs && callbacks.length === 0 && !validation && wholeSetKeys.length === 0 && verbose === 0
        ? (source.epochsPerRun ?? 1)
        : 1;
    let trained: EpochValues[] = []; // epochs a grouped run has trained and the loop not yet logged
    let prepared: { epoch: number; run: Run } | null = null;
    let lastYield = Date.now();
    await each(callbacks, (c) => c.onTrainBegin?.({}));
    for (let epoch = initialEpoch; epoch < epochs; epoch++) {
      const started = Date.now();
      await each(callbacks, (c) => c.onEpochBegin?.(epoch, {}));
      let values: number[] = [];
      let sizes: number[] = [];
      if (group > 1 && source.epochs) {
        if (trained.length === 0) {
          // The first run holds one epoch, so that the next run's permutations are drawn while it trains.
          const count = epoch === initialEpoch ? 1 : Math.min(group, epochs - epoch);
          const run = prepared?.epoch === epoch ? prepared.run : source.epochs(epoch, count);
          const training = this.trainRun(executorFor(run), optimizer, run);
          // While the executor trains, the next run's permutations are drawn.
          const after = epoch + count;
          prepared =
            after < epochs ? { epoch: after, run: source.epochs(after, Math.min(group, epochs - after)) } : null;
          trained = splitEpochs(await training, run.sizes, count, keys.length);
        }
        ({ values, sizes } = trained.shift() as EpochValues);
      } else {
        const runs = source.epoch(epoch, perBatch);
        let next = runs.next();
        try {
          for (;;) {
            const r = await next;
            if (r.done) break;
            const run = r.value;
            const b = sizes.length;
            if (perBatch) await each(callbacks, (c) => c.onBatchBegin?.(b, { batch: b, size: run.sizes[0] }));
            const training = this.trainRun(executorFor(run), optimizer, run);
            // While the executor trains (on its worker thread), the source prepares the next run.
            next = runs.next();
            next.catch(() => {}); // awaited in the next turn; a failure then surfaces there
            const out = await training;
            for (let i = 0; i < run.sizes.length; i++) {
              sizes.push(run.sizes[i]);
              for (let k = 0; k < keys.length; k++) values.push(out[i * keys.length + k]);
            }
            if (perBatch) {
              const logs: Logs = { batch: b, size: run.sizes[0] };
              keys.forEach((k, i) => {
                logs[k] = values[b * keys.length + i];
              });
              await each(callbacks, (c) => c.onBatchEnd?.(b, logs));
            } else if (Date.now() - lastYield > YIELD_MS) {
              await yieldToEventLoop();
              lastYield = Date.now();
            }
          }
        } finally {
          await runs.return(undefined).catch(() => {});
        }
      }
      if (sizes.length === 0) {
        if (epoch === initialEpoch) throw new RangeError(`${s.fn}: the dataset gave no batches in epoch ${epoch + 1}`);
        console.warn(`${s.fn}: the dataset gave no batches in epoch ${epoch + 1}; training stops`);
        break;
      }
      if (batchLoss) {
        for (let b = 0; b < sizes.length; b++) {
          const logs: Logs = {};
          keys.forEach((k, i) => {
            logs[k] = values[b * keys.length + i];
          });
          history.recordBatch(logs);
        }
      }
      const logs = epochMeans(values, sizes, keys);
      if (validation) Object.assign(logs, await validation.evaluate());
      // Whole-set metrics (precision, auc, …): exact, from predictions at epoch end (src/metrics).
      if (source.wholeSet) Object.assign(logs, model.wholeSetLogs(source.wholeSet));
      if (validation?.data) Object.assign(logs, model.wholeSetLogs(validation.data, 'val_'));
      history.record(epoch, logs);
      if (verbose > 0) console.log(progressLine(epoch, epochs, Date.now() - started, logs));
      await each(callbacks, (c) => c.onEpochEnd?.(epoch, { ...logs }));
      if (Date.now() - lastYield > YIELD_MS) {
        await yieldToEventLoop();
        lastYield = Date.now();
      }
      if (source.exhausted) {
        console.warn(
          `${s.fn}: the dataset ran out of data in epoch ${epoch + 1}, after ${sizes.length} batches; training stops (give a dataset that yields at least batchesPerEpoch × epochs batches)`,
        );
        break;
      }
      // Epochs a grouped run already trained are logged, so that history matches the weights.
      if (model.stopTraining && trained.length === 0) break;
    }
    const last = history.epoch.length > 0 ? lastLogs(history) : {};
    await each(callbacks, (c) => c.onTrainEnd?.(last));
    return history;
  }

  /** Runs one run's batches; returns their values. The optimizer counts the updates. */
  private async trainRun(executor: Executor, optimizer: Optimizer, run: Run): Promise<Float64Array> {
    this.model.busy = true;
    let out: Float64Array;
    try {
      out = await executor.trainBatches(
        run.x,
        run.y,
        run.indices,
        run.batchSize,
        run.first,
        run.last,
        optimizer.iterations,
        run.epochRows,
      );
    } finally {
      this.model.busy = false;
    }
    optimizer.iterations += run.last - run.first;
    return out;
  }
}

interface EpochValues {
  values: number[];
  sizes: number[];
}

/** A grouped run's per-batch values and sizes, split into its `count` epochs of equal batches. */
function splitEpochs(out: Float64Array, runSizes: number[], count: number, keys: number): EpochValues[] {
  const per = runSizes.length / count;
  return Array.from({ length: count }, (_, e) => ({
    values: Array.from(out.subarray(e * per * keys, (e + 1) * per * keys)),
    sizes: runSizes.slice(e * per, (e + 1) * per),
  }));
}

/** The epoch's values: batch means weighted by batch size (the last batch may be short). */
function epochMeans(values: number[], sizes: number[], keys: string[]): Logs {
  const logs: Logs = {};
  let rows = 0;
  for (const n of sizes) rows += n;
  keys.forEach((key, i) => {
    let sum = 0;
    for (let b = 0; b < sizes.length; b++) sum += values[b * keys.length + i] * sizes[b];
    logs[key] = sum / rows;
  });
  return logs;
}

function lastLogs(history: History): Logs {
  const logs: Logs = {};
  for (const [k, v] of Object.entries(history.history)) logs[k] = v[v.length - 1];
  return logs;
}

/** validationData's third element, checked: one weight ≥ 0 per validation row (null if none). */
function validationWeights(fn: string, vd: unknown[], rows: number): Float32Array | null {
  if (vd.length < 3 || vd[2] === undefined) return null;
  return checkSampleWeight(fn, 'validationData[2]', vd[2], rows, 'validationData[0]');
}

/** An { xs, ys } object: an array of them is a dataset, not [x, y]. */
const isBatch = (v: unknown) => v !== null && typeof v === 'object' && 'xs' in v && 'ys' in v;

function checkVerbose(fn: string, v: unknown): 0 | 1 | 2 {
  if (v === undefined) return 1;
  if (v !== 0 && v !== 1 && v !== 2) throw new RangeError(`${fn}: verbose must be 0, 1 or 2, got ${describe(v)}`);
  return v;
}

function checkInitialEpoch(fn: string, v: unknown, epochs: number): number {
  const initialEpoch = v === undefined ? 0 : numberIn(fn, 'initialEpoch', v, 0, epochs);
  if (!Number.isInteger(initialEpoch)) {
    throw new RangeError(`${fn}: initialEpoch must be an integer from 0 to epochs, got ${initialEpoch}`);
  }
  return initialEpoch;
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
