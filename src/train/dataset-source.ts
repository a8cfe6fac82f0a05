/**
 * fitDataset's and evaluateDataset's side of a dataset: opening its iterator (an async or sync
 * iterable, or a tfjs-style object whose iterator() gives next()), checking every batch it yields
 * (shape, dtype, finite values; the error names the batch), and packing consecutive batches of
 * one size into runs for the Trainer's loop (one executor call per run, as fit makes). A dataset
 * that hands out many batches at once (BATCH_BLOCKS: csvDataset) is checked a block at a time and
 * trained without copying.
 */

import { describe } from '../backend/check';
import type { TrainableModel } from '../model/interfaces';
import { Tensor } from '../tensor';
import { concatFloat32 } from '../util/concat';
import { type BatchSource, batchesPerCall, identity, type Run, rowsPerCall } from './batch-source';
import type { Dataset } from './data';
import { type ClassWeights, checkSampleWeight, rowWeights, withWeights } from './sample-weights';

/** A checked batch and its rows' sample weights (null: none given). */
type Weighted = Dataset & { w: Float32Array | null };

/** One batch: xs [rows, inputs] and ys as fit takes them (a Tensor, or a label vector), or arrays:
 *  number[][] rows, or a flat typed array of rows × inputs values; optionally sampleWeight, one
 *  weight ≥ 0 per row as fit's sampleWeight (Keras datasets' third element): it weighs the
 *  batch's loss in fitDataset, in evaluateDataset and in a validation dataset. */
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

/**
 * A dataset may also hand out its batches many at a time: `dataset[BATCH_BLOCKS](maxRows)` opens
 * an epoch as iterator() does and gives blocks of at most `maxRows` rows, each the next
 * consecutive batches of the epoch put together: xs a Tensor [rows, ...], ys a Tensor [rows, ...]
 * or a vector of rows values, and `sizes`, each batch's rows (all equal but the last, which may be
 * shorter). fitDataset then checks a whole block in one pass (a failing block is checked batch by
 * batch, so the error names the batch as it would have) and trains it without a copy. The batches,
 * their order and their checks are those of the dataset's iterator.
 */
export const BATCH_BLOCKS: unique symbol = Symbol.for('nativenn.batchBlocks');

export interface BatchBlock {
  xs: Tensor;
  ys: Tensor | Float32Array | Int32Array;
  sizes: number[];
}

type BlockIterator = { next(): Promise<IteratorResult<BatchBlock>>; return?(): unknown };

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
  // Blocks carry no sample weights: with classWeight the batches come one by one.
  if (classWeight === null && typeof (dataset as { [BATCH_BLOCKS]?: unknown })[BATCH_BLOCKS] === 'function')
    return blockSource(fn, model, dataset as unknown as BlockDataset, batchesPerEpoch, samples);
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
      try {
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
      } finally {
        if (batchesPerEpoch === null) await close(it); // an epoch ended early (an error) frees its reader
      }
    },
  };
  return source;
}

/** Ends an iterator left before its end (a csvDataset's parsing worker); its own failure is moot. */
async function close(it: { return?(): unknown }): Promise<void> {
  try {
    await it.return?.();
  } catch {}
}

type BlockDataset = { [BATCH_BLOCKS](maxRows: number): BlockIterator };

/** A block being trained: checked whole (`data`), or, when a batch of it fails the checks, batch
 *  by batch (`data` null); `next`: its next batch, starting at row `row`. */
interface OpenBlock {
  block: BatchBlock;
  data: Dataset | null;
  next: number;
  row: number;
}

/** A block's structure (what BATCH_BLOCKS promises), then its values checked in one pass. */
function openBlock(fn: string, model: TrainableModel, block: BatchBlock): OpenBlock {
  const { xs, ys, sizes } = (block ?? {}) as Partial<BatchBlock>;
  const rows = Array.isArray(sizes) ? sizes.reduce((n, k) => n + k, 0) : -1;
  const sane =
    Array.isArray(sizes) &&
    sizes.length > 0 &&
    sizes.every(
      (k, i) => Number.isInteger(k) && k > 0 && (k === sizes[0] || (i === sizes.length - 1 && k < sizes[0])),
    ) &&
    xs instanceof Tensor &&
    xs.rank >= 1 &&
    xs.shape[0] === rows &&
    ((ys instanceof Tensor && ys.rank >= 1 && ys.shape[0] === rows) ||
      ((ys instanceof Float32Array || ys instanceof Int32Array) && ys.length === rows));
  if (!sane) throw new TypeError(`${fn}: the dataset's [BATCH_BLOCKS] gave ${describe(block)}, not a block of batches`);
  let data: Dataset | null = null;
  try {
    data = batchData(fn, model, { xs, ys }, 'a block');
  } catch {
    // Checked again batch by batch as they train, so that the error names the batch.
  }
  return { block: block, data, next: 0, row: 0 };
}

/** Batch i of a block (its first row: `row`) as the dataset's iterator would have yielded it. */
function batchOfBlock(o: OpenBlock, i: number, row: number): Batch {
  const { xs, ys, sizes } = o.block;
  const n = sizes[i];
  const rows = xs.shape[0];
  const cut = (t: Tensor) => {
    const w = t.size / rows;
    return new Tensor(t.data.subarray(row * w, (row + n) * w), [n, ...t.shape.slice(1)]);
  };
  return { xs: cut(xs), ys: ys instanceof Tensor ? cut(ys) : ys.subarray(row, row + n) };
}

/** datasetSource for a dataset with BATCH_BLOCKS: the same epochs, runs cut from checked blocks. */
function blockSource(
  fn: string,
  model: TrainableModel,
  dataset: BlockDataset,
  batchesPerEpoch: number | null,
  samples: number | null,
): BatchSource {
  const inputs = model.inputSize;
  const open = () => dataset[BATCH_BLOCKS](rowsPerCall(inputs));
  let shared: BlockIterator | null = null;
  /** With batchesPerEpoch, the rest of a block carries over to the next epoch. */
  let carried: OpenBlock | null = null;
  const source = {
    samples,
    steps: batchesPerEpoch ?? sizeOf(dataset as unknown as DatasetLike),
    exhausted: false,
    wholeSet: null,
    async *epoch(epoch: number, single: boolean): AsyncGenerator<Run, void, undefined> {
      if (batchesPerEpoch !== null && shared === null) shared = open();
      const it = batchesPerEpoch === null ? open() : (shared as BlockIterator);
      let o = batchesPerEpoch === null ? null : carried;
      let b = 0;
      try {
        for (;;) {
          if (batchesPerEpoch !== null && b >= batchesPerEpoch) return;
          if (o === null || o.next === o.block.sizes.length) {
            const r = await it.next();
            if (r.done) {
              if (batchesPerEpoch !== null) source.exhausted = true;
              o = null;
              return;
            }
            o = openBlock(fn, model, r.value);
          }
          const { sizes } = o.block;
          const size = sizes[o.next];
          let k = Math.min(single ? 1 : batchesPerCall(inputs, size), sizes.length - o.next);
          if (batchesPerEpoch !== null) k = Math.min(k, batchesPerEpoch - b);
          let failed: unknown = null;
          let x: Float32Array;
          let y: Float32Array;
          if (o.data !== null) {
            let rows = 0;
            for (let i = 0; i < k; i++) rows += sizes[o.next + i];
            const yWidth = o.data.y.length / o.data.rows;
            x = o.data.x.subarray(o.row * inputs, (o.row + rows) * inputs);
            y = o.data.y.subarray(o.row * yWidth, (o.row + rows) * yWidth);
          } else {
            // The batches before a bad one train; then its error, naming it.
            const xs: Float32Array[] = [];
            const ys: Float32Array[] = [];
            for (let i = 0, row = o.row; i < k; row += sizes[o.next + i], i++) {
              try {
                const d = batchData(
                  fn,
                  model,
                  batchOfBlock(o, o.next + i, row),
                  `batch ${b + i} of epoch ${epoch + 1}`,
                );
                xs.push(d.x);
                ys.push(d.y);
              } catch (e) {
                failed = e;
                k = i;
                break;
              }
            }
            if (k === 0) throw failed;
            x = concatFloat32(xs);
            y = concatFloat32(ys);
          }
          const runSizes = sizes.slice(o.next, o.next + k);
          const rows = runSizes.reduce((n, s) => n + s, 0);
          o.next += k;
          o.row += rows;
          b += k;
          yield { x, y, indices: identity(rows), batchSize: size, first: 0, last: k, sizes: runSizes };
          if (failed !== null) throw failed;
        }
      } finally {
        if (batchesPerEpoch === null) await close(it);
        else carried = o;
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
