/**
 * Where the Trainer's batches come from. The loop (src/train/trainer.ts) asks a BatchSource for
 * an epoch's runs; a run is what one executor.trainBatches call takes (rows, an index order, a
 * batch size and a range of batches). fit's source cuts a seeded permutation of in-memory rows
 * into runs; fitDataset's (src/train/dataset-source.ts) packs the batches a dataset yields.
 */

import { deriveSeed } from '../model/options';
import { Random } from '../util/random';
import type { Dataset } from './data';

export interface Run {
  x: Float32Array;
  y: Float32Array;
  indices: Int32Array;
  batchSize: number;
  first: number;
  last: number;
  /** Rows of each batch first … last−1 (the last batch of an epoch may be short). */
  sizes: number[];
  /** y's rows end with each row's sample weight: the model's weighted executor runs this run. */
  weighted?: boolean;
  /** The indices are epochs of this many rows, each cut into batches from its own start
   *  (executor.ts BatchCut); unset: one epoch. */
  epochRows?: number;
}

export interface BatchSource {
  /** Rows per epoch and batches per epoch when known beforehand (history.params), else null. */
  readonly samples: number | null;
  readonly steps: number | null;
  /** The runs of one epoch; `single`: one batch per run (per-batch callback hooks). */
  epoch(epoch: number, single: boolean): AsyncGenerator<Run, void, undefined>;
  /** Set when the data ran out before the epoch was full: training stops after that epoch. */
  readonly exhausted: boolean;
  /** The training rows, for whole-set metrics (precision, auc, …); null for a stream. */
  readonly wholeSet: Dataset | null;
  /** Whole epochs one run may hold (sources that can train several epochs per executor call). */
  readonly epochsPerRun?: number;
  /** Epochs first … first+count−1 as one run (count ≤ epochsPerRun): the same batches, in the same
   *  order, as epoch() gives for each, cut per epoch (Run.epochRows). */
  epochs?(first: number, count: number): Run;
}

/** Rows per executor call on the fast path: long enough to amortize the call, short enough that
 *  the loop is not held for long (the executors also chunk internally). */
const CHUNK_ROWS = 1 << 15;
/** …and at most this many input values: the native glue copies a call's rows on the main thread
 *  (so JS cannot change them under the worker), ~1 ms per 2^20 values. */
const CHUNK_VALUES = 1 << 20;

/** Rows per executor call (at most) for rows of `inputs` values. */
export function rowsPerCall(inputs: number): number {
  return Math.min(CHUNK_ROWS, CHUNK_VALUES / inputs);
}

/** Batches per executor call for batches of `batchSize` rows of `inputs` values. */
export function batchesPerCall(inputs: number, batchSize: number): number {
  return Math.max(1, Math.floor(rowsPerCall(inputs) / batchSize));
}

/** fit's batches: a permutation per epoch (from the seed and the epoch only, so a resumed fit
 *  reproduces it), cut into runs of batches. `weightedY`: y with each row's sample weight
 *  appended (src/train/sample-weights.ts), which the runs carry instead of data.y. */
export function arraySource(
  data: Dataset,
  inputs: number,
  batchSize: number,
  shuffle: boolean,
  seed: number,
  weightedY: Float32Array | null = null,
) {
  const rows = data.rows;
  const batches = Math.ceil(rows / batchSize);
  // batchSize ≥ rows is one full batch, however large (2^31 is beyond the executors' sizes).
  const size = Math.min(batchSize, rows);
  const order = (epoch: number) => (shuffle ? new Random(deriveSeed(seed, epoch)).permutation(rows) : identity(rows));
  const batchSizes = Array.from({ length: batches }, (_, b) => Math.min(size, rows - b * size));
  const source: BatchSource = {
    samples: rows,
    steps: batches,
    exhausted: false,
    wholeSet: data,
    // Small epochs train several per executor call (no per-epoch handoff to the worker and back).
    epochsPerRun: rows > 0 ? Math.max(1, Math.floor(rowsPerCall(inputs) / rows)) : 1,
    epochs(first: number, count: number): Run {
      const indices = new Int32Array(count * rows);
      for (let e = 0; e < count; e++) indices.set(order(first + e), e * rows);
      const sizes: number[] = [];
      for (let e = 0; e < count; e++) for (const n of batchSizes) sizes.push(n);
      const y = weightedY ?? data.y;
      return {
        x: data.x,
        y,
        indices,
        batchSize: size,
        first: 0,
        last: count * batches,
        sizes,
        epochRows: rows,
        weighted: weightedY !== null,
      };
    },
    async *epoch(epoch: number, single: boolean) {
      const indices = order(epoch);
      const chunk = single ? 1 : batchesPerCall(inputs, batchSize);
      for (let first = 0; first < batches; first += chunk) {
        const last = Math.min(batches, first + chunk);
        const sizes = batchSizes.slice(first, last);
        const y = weightedY ?? data.y;
        yield { x: data.x, y, indices, batchSize: size, first, last, sizes, weighted: weightedY !== null };
      }
    },
  };
  return source;
}

export function identity(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}
