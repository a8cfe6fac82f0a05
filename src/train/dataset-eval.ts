/**
 * evaluateDataset: loss and metrics over every batch a dataset yields (inference mode), as
 * row-weighted means of the batch values, so the result equals evaluate on the rows in one
 * tensor. A batch's sampleWeight weighs its loss as evaluate's sampleWeight does (Σ w·loss /
 * rows). Whole-set metrics (precision, auc, …) keep each row's predictions and targets (a few
 * floats a row) and are computed once at the end. Also fitDataset's validation on a dataset.
 */

import type { Logs } from '../callbacks/callback';
import type { TrainableModel } from '../model/interfaces';
import { Tensor } from '../tensor';
import { concatFloat32 } from '../util/concat';
import { yieldToEventLoop } from '../util/yield';
import { batchData, type DatasetLike, nextBatch, openIterator } from './dataset-source';
import { checkSampleWeight, withWeights } from './sample-weights';
import type { Validation } from './trainer';

export async function evaluateOnDataset(
  fn: string,
  model: TrainableModel,
  dataset: DatasetLike,
  batches: number | null,
  prefix = '',
): Promise<Logs> {
  const compiled = model.requireCompiled(fn);
  const keys = ['loss', ...compiled.metrics.keys];
  const wholeSet = compiled.metrics.wholeSet.length > 0;
  const executor = model.executor();
  let weighted: ReturnType<TrainableModel['executor']> | null = null; // made on the first weighted batch
  const sums = new Float64Array(keys.length);
  const outs: Float32Array[] = [];
  const targets: Float32Array[] = [];
  let rows = 0;
  const it = await openIterator(fn, dataset);
  try {
    for (let b = 0; batches === null || b < batches; b++) {
      const batch = await nextBatch(fn, it, `batch ${b}`);
      if (batch === null) break;
      const d = batchData(fn, model, batch, `batch ${b}`);
      let v: Float64Array;
      if (batch.sampleWeight === undefined) v = executor.evaluate(d.x, d.y, d.rows);
      else {
        const w = checkSampleWeight(fn, `batch ${b} sampleWeight`, batch.sampleWeight, d.rows, `batch ${b} xs`);
        weighted ??= model.executor(true);
        v = weighted.evaluate(d.x, withWeights(d.y, model.targetWidth, w, d.rows), d.rows);
      }
      for (let i = 0; i < keys.length; i++) sums[i] += v[i] * d.rows;
      rows += d.rows;
      if (wholeSet) {
        const out = new Float32Array(d.rows * model.outputSize);
        executor.predict(d.x, d.rows, out);
        outs.push(out);
        targets.push(d.y);
      }
      await yieldToEventLoop();
    }
  } finally {
    await it.return?.();
  }
  if (rows === 0) throw new RangeError(`${fn}: the dataset gave no batches`);
  const logs: Logs = {};
  keys.forEach((k, i) => {
    logs[`${prefix}${k}`] = sums[i] / rows;
  });
  if (wholeSet) {
    const predictions = new Tensor(concatFloat32(outs), [rows, model.outputSize]);
    Object.assign(
      logs,
      model.wholeSetLogs({ x: new Float32Array(0), y: concatFloat32(targets), rows }, prefix, predictions),
    );
  }
  return logs;
}

/** Validation on a dataset after each epoch (a fresh iterator each time; `batches` caps it). */
export function datasetValidation(
  fn: string,
  model: TrainableModel,
  dataset: DatasetLike,
  batches: number | null,
): Validation {
  return { rows: null, data: null, evaluate: () => evaluateOnDataset(fn, model, dataset, batches, 'val_') };
}
