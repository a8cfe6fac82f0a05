/**
 * fitDataset's and evaluateDataset's side of a dataset: opening its iterator (an async or sync
 * iterable, or a tfjs-style object whose iterator() gives next()), checking every batch it yields
 * (shape, dtype, finite values; the error names the batch), and packing consecutive batches of
 * one size into runs for the Trainer's loop (one executor call per run, as fit makes).
 */

import { describe } from '../backend/check';
import type { TrainableModel } from '../model/interfaces';
import { Tensor } from '../tensor';
import { concatFloat32 } from '../util/concat';
import { type BatchSource, batchesPerCall, identity, type Run } from './batch-source';
import type { Dataset } from './data';
import { type ClassWeights, checkSampleWeight, rowWeights, withWeights } from './sample-weights';

/** A checked batch and its rows' sample weights (null: none given). */
type Weighted = Dataset & { w: Float32Array | null };

/** One batch: xs [rows, inputs] and ys as fit takes them (a Tensor, or a label vector), or arrays:
 *  number[][] rows, or a flat typed array of rows × inputs values; optionally sampleWeight, one
 *  weight ≥ 0 per row as fit's sampleWeight (Keras datasets' third element; fitDataset only). */
export interface Batch {
  xs: unknown;
  ys: unknown;
  sampleWeight?: unknown;
}

/** What fitDataset takes: any async or sync iterable of batches, or a tfjs-style Dataset. */
export type DatasetLike =
  | AsyncIterable<Batch>
  | Iterable<Batch>
  | { iterator(): Promise<{ next(): Promise<IteratorResult<Batch>> }> | { next(): Promise<IteratorResult<Batch>> } };

type BatchIterator = { next(): Promise<IteratorResult<unknown>> | IteratorResult<unknown>; return?(): unknown };

export function checkDataset(fn: string, dataset: unknown): DatasetLike {
  const d = dataset as Record<string | symbol, unknown> | null;
  if (
    d !== null &&
    (typeof d === 'object' || typeof d === 'function') &&
    (typeof d[Symbol.asyncIterator] === 'function' ||
      typeof d[Symbol.iterator] === 'function' ||
      typeof d.iterator === 'function')
  )
    return dataset as DatasetLike;
  throw new TypeError(
    `${fn}: dataset must be an async iterable of { xs, ys } batches, an iterable, or an object with iterator() (a tfjs Dataset), got ${describe(dataset)}`,
  );
}

/** A fresh iterator over the dataset (the tfjs iterator() first, then async, then sync iteration). */
export async function openIterator(fn: string, dataset: DatasetLike): Promise<BatchIterator> {
  const d = dataset as Record<string | symbol, (() => unknown) | undefined>;
  const it =
    typeof d.iterator === 'function'
      ? await d.iterator()
      : typeof d[Symbol.asyncIterator] === 'function'
        ? d[Symbol.asyncIterator]!()
        : d[Symbol.iterator]!();
  if (it === null || typeof it !== 'object' || typeof (it as BatchIterator).next !== 'function')
    throw new TypeError(`${fn}: the dataset's iterator must have a next() method, got ${describe(it)}`);
  return it as BatchIterator;
}

/** The next batch, or null at the end; `where` names it in errors ("batch 3 of epoch 2"). */
export async function nextBatch(fn: string, it: BatchIterator, where: string): Promise<Batch | null> {
  const r = await it.next();
  if (r === null || typeof r !== 'object')
    throw new TypeError(`${fn}: the dataset's next() must give { value, done }, got ${describe(r)} at ${where}`);
  if (r.done) return null;
  const v = r.value as Batch;
  if (v === null || typeof v !== 'object' || !('xs' in v) || !('ys' in v))
    throw new TypeError(`${fn}: ${where} must be an object { xs, ys }, got ${describe(v)}`);
  return v;
}

/** A batch's xs as the Tensor fit would take (number[][] and flat typed arrays are wrapped; a
 *  flat array as [rows, ...sample], the model's input shape). */
function asInputs(xs: unknown, sample: number[]): unknown {
  const inputs = sample.reduce((a, b) => a * b, 1);
  if (Array.isArray(xs) && xs.every(Array.isArray)) {
    if (xs.some((row) => row.length !== inputs || row.some((v: unknown) => typeof v !== 'number'))) return xs;
    return new Tensor(Float32Array.from(xs.flat() as number[]), [xs.length, inputs]);
  }
  if ((xs instanceof Float32Array || xs instanceof Int32Array) && xs.length > 0 && xs.length % inputs === 0)
    return new Tensor(xs, [xs.length / inputs, ...sample]);
  return xs;
}

/** A batch's ys as fit takes them (number[][] rows become a Tensor). */
function asTargets(ys: unknown): unknown {
  if (Array.isArray(ys) && ys.length > 0 && ys.every(Array.isArray)) {
    const width = ys[0].length;
    if (ys.every((row) => row.length === width && row.every((v: unknown) => typeof v === 'number')) && width > 0)
      return new Tensor(Float32Array.from(ys.flat() as number[]), [ys.length, width]);
  }
  return ys;
}

/** The batch checked and converted with fit's own checks (rows, widths, labels, finite values). */
export function batchData(fn: string, model: TrainableModel, batch: Batch, where: string): Dataset {
  return model.evaluationData(
    fn,
    asInputs(batch.xs, model.inputShape),
    asTargets(batch.ys),
    `${where} xs`,
    `${where} ys`,
  );
}

/**
 * fitDataset's batches. Without batchesPerEpoch each epoch opens a fresh iterator and runs to its
 * end; with it, one iterator runs across epochs and each epoch takes that many batches (Keras
 * steps_per_epoch, tfjs batchesPerEpoch); running out early ends training after that epoch.
 */
export function datasetSource(
  fn: string,
  model: TrainableModel,
  dataset: DatasetLike,
  batchesPerEpoch: number | null,
  samples: number | null,
  classWeight: ClassWeights | null = null,
): BatchSource {
  /** A batch checked and converted, with its rows' weights when it or classWeight gives any. */
  const read = (batch: Batch, where: string): Weighted => {
    const d = batchData(fn, model, batch, where);
    const given = batch.sampleWeight;
    const sample = given === undefined ? null : checkSampleWeight(fn, `${where} sampleWeight`, given, d.rows);
    const width = model.targetWidth;
    const w = sample || classWeight ? rowWeights(fn, d.y, d.rows, width, sample, classWeight, `${where} ys`) : null;
    return { ...d, w };
  };
  let shared: BatchIterator | null = null;
  const source = {
    samples,
    steps: batchesPerEpoch ?? sizeOf(dataset),
    exhausted: false,
    wholeSet: null,
    async *epoch(epoch: number, single: boolean): AsyncGenerator<Run, void, undefined> {
      let it: BatchIterator;
      if (batchesPerEpoch === null) it = await openIterator(fn, dataset);
      else {
        shared ??= await openIterator(fn, dataset);
        it = shared;
      }
      let b = 0;
      let held: Weighted | null = null; // a batch read but not yet packed
      const take = async (): Promise<Weighted | null> => {
        if (held) {
          const h = held;
          held = null;
          return h;
        }
        if (batchesPerEpoch !== null && b >= batchesPerEpoch) return null;
        const where = `batch ${b} of epoch ${epoch + 1}`;
        const batch = await nextBatch(fn, it, where);
        if (batch === null) {
          if (batchesPerEpoch !== null) source.exhausted = true;
          return null;
        }
        b++;
        return read(batch, where);
      };
      let failed: unknown = null;
      for (;;) {
        if (failed !== null) throw failed;
        const firstBatch = await take();
        if (firstBatch === null) return;
        const size = firstBatch.rows;
        const most = single ? 1 : batchesPerCall(model.inputSize, size);
        const xs = [firstBatch.x];
        const packed = [firstBatch];
        const sizes = [size];
        // Pack following batches of the same size; a shorter one may end the run (the executor
        // takes every batch but the last at full size); any other waits for the next run.
        while (sizes.length < most && sizes[sizes.length - 1] === size) {
          let d: Weighted | null;
          try {
            d = await take();
          } catch (e) {
            failed = e; // the batches packed before the bad one train first
            break;
          }
          if (d === null) break;
          if (d.rows > size) {
            held = d;
            break;
          }
          xs.push(d.x);
          packed.push(d);
          sizes.push(d.rows);
        }
        const rows = sizes.reduce((n, s) => n + s, 0);
        // Weighted when any batch of the run has weights (a batch without weighs its rows 1).
        const weighted = packed.some((p) => p.w !== null);
        const width = model.targetWidth;
        const ys = packed.map((p) =>
          weighted ? withWeights(p.y, width, p.w ?? new Float32Array(p.rows).fill(1), p.rows) : p.y,
        );
        yield {
          x: concatFloat32(xs),
          y: concatFloat32(ys),
          indices: identity(rows),
          batchSize: size,
          first: 0,
          last: sizes.length,
          sizes,
          weighted,
        };
      }
    },
  };
  return source;
}

/** A dataset's batch count when it says (a tfjs Dataset's size, csvDataset's), else null. */
function sizeOf(dataset: DatasetLike): number | null {
  const size = (dataset as { size?: unknown }).size;
  return typeof size === 'number' && Number.isInteger(size) && size > 0 ? size : null;
}
