/**
 * What executors share: the compiled network they run (a tape and the arenas it reads), the
 * Executor interface the Trainer and the model call, and the argument checks every executor makes
 * before touching memory (the native glue checks again on its own copies).
 */
import { checkF32, checkI32, checkSize, describe } from '../backend/check';
import type { Arena } from './arena';
import { KERNELS, type Tape } from './tape';

export interface CompiledNetwork {
  tape: Tape;
  /** Params (and, later, non-trainable state), in the layout of the tape's param buffers. */
  weights: Arena;
  /** Optimizer slots: tape.arena.slotCount × params values. */
  slots: Arena;
  /** Read at every trainBatches call, so schedulers may change it between calls. */
  learningRate(): number;
}

/** Targets: for sparse losses y holds one class index per row (as floats); else (rows, outputs). */
export interface Executor {
  /** Inference forward pass: out (rows, outputs) for x (rows, inputs). */
  predict(x: Float32Array, rows: number, out: Float32Array): void;
  /** Inference [loss, ...metrics] as means over rows (the loss includes regularization, as Keras). */
  evaluate(x: Float32Array, y: Float32Array, rows: number): Float64Array;
  /**
   * One optimizer update per batch. The indices are consecutive epochs of `epochRows` rows of x/y
   * (default: all of them, one epoch), each cut into batches of batchSize from its own start
   * (batchBounds), so a batch never spans two epochs; batches firstBatch … lastBatch−1 run.
   * `step` counts the updates before this call (Adam's t is step + 1 for the first batch). Returns
   * per batch [loss, ...metrics] (batch means, training mode): (lastBatch − firstBatch)·results
   * values.
   */
  trainBatches(
    x: Float32Array,
    y: Float32Array,
    indices: Int32Array,
    batchSize: number,
    firstBatch: number,
    lastBatch: number,
    step: number,
    epochRows?: number,
  ): Promise<Float64Array>;
  /** Training-mode loss at `step` and the gradient of every param (grads[i] shaped like param i),
   *  without updating anything. For checks. */
  gradients(x: Float32Array, y: Float32Array, rows: number, step: number, grads: Float32Array[]): number;
  /** Frees native resources (no-op for the js executor). */
  dispose(): void;
}

/** Widths the data must have: inputs per row, targets per row, and per column of y the class
 *  count when it holds class indices (a call reads it, or its copy, with sparse: true), else 0. */
export interface DataShape {
  inputs: number;
  targets: number;
  classes: number[] | null;
}

export function dataShape(tape: Tape): DataShape {
  const targets = tape.buffers[tape.y].width;
  const classes = new Array<number>(targets).fill(0);
  const narrow = (j: number, cols: number) => {
    classes[j] = classes[j] === 0 ? cols : Math.min(classes[j], cols);
  };
  // A model with several outputs copies each output's column of y out of it (builder.ts).
  const copies = new Map<number, number>();
  for (const c of tape.loss)
    if (c.kernel === 'copyColumns' && c.args[1] === tape.y) copies.set(c.args[0], c.attrs.xOffset as number);
  for (const c of [...tape.loss, ...tape.metrics]) {
    if (c.attrs.sparse !== true && c.attrs.loss !== 'sparseCategoricalCrossentropy') continue;
    const cols = c.attrs.cols as number;
    // Only the target argument holds class indices (a weighted call also reads sample weights).
    const target = c.args[KERNELS[c.kernel].args.indexOf('target')];
    if (target === tape.y) for (let j = 0; j < targets; j++) narrow(j, cols);
    for (const [buffer, column] of copies) if (target === buffer) narrow(column, cols);
  }
  return { inputs: tape.buffers[tape.x].width, targets, classes: classes.some((n) => n > 0) ? classes : null };
}

/** Checks the class-index columns of row r of y. */
function checkLabels(fn: string, d: DataShape, y: Float32Array, r: number): void {
  if (d.classes === null) return;
  for (let j = 0; j < d.targets; j++) {
    const i = r * d.targets + j;
    if (d.classes[j] > 0) checkLabel(fn, `y[${i}]`, y[i], d.classes[j]);
  }
}

function checkLabel(fn: string, where: string, v: number, classes: number): void {
  if (!Number.isInteger(v) || v < 0 || v >= classes)
    throw new RangeError(`${fn}: ${where} must be a class index from 0 to ${classes - 1}, got ${v}`);
}

/** x holds `rows` rows; y (if given) the matching targets. */
export function checkData(fn: string, d: DataShape, x: unknown, y: unknown, rows: number): void {
  checkF32(fn, 'x', x, rows * d.inputs);
  if (y === undefined) return;
  checkF32(fn, 'y', y, rows * d.targets);
  for (let r = 0; r < rows && d.classes !== null; r++) checkLabels(fn, d, y as Float32Array, r);
}

/** How trainBatches cuts n indices (epochs of epochRows, the last may be partial) into batches of
 *  batchSize: each epoch from its own start. The native twin is tape::BatchCut (tape.h). */
export class BatchCut {
  readonly perEpoch: number;
  constructor(
    readonly n: number,
    readonly batchSize: number,
    readonly epochRows: number,
  ) {
    this.perEpoch = Math.ceil(epochRows / batchSize);
  }
  /** Batches in all n indices. */
  count(): number {
    return Math.floor(this.n / this.epochRows) * this.perEpoch + Math.ceil((this.n % this.epochRows) / this.batchSize);
  }
  /** Index range [start, end) of batch b. */
  start(b: number): number {
    return Math.floor(b / this.perEpoch) * this.epochRows + (b % this.perEpoch) * this.batchSize;
  }
  end(b: number): number {
    const epochEnd = Math.min(this.n, (Math.floor(b / this.perEpoch) + 1) * this.epochRows);
    return Math.min(this.start(b) + this.batchSize, epochEnd);
  }
}

/** trainBatches' arguments: indices point at rows of both x and y; labels are class indices.
 *  Returns how the indices are cut into batches. */
export function checkTrainArgs(
  fn: string,
  d: DataShape,
  x: unknown,
  y: unknown,
  indices: unknown,
  batchSize: unknown,
  firstBatch: unknown,
  lastBatch: unknown,
  step: unknown,
  epochRows: unknown,
): BatchCut {
  checkF32(fn, 'x', x, 0);
  checkF32(fn, 'y', y, 0);
  checkI32(fn, 'indices', indices, 0);
  checkSize(fn, 'batchSize', batchSize);
  if (batchSize === 0) throw new RangeError(`${fn}: batchSize must be positive, got 0`);
  checkSize(fn, 'firstBatch', firstBatch);
  checkSize(fn, 'lastBatch', lastBatch);
  checkSize(fn, 'step', step);
  if (epochRows !== undefined) {
    checkSize(fn, 'epochRows', epochRows);
    if (epochRows === 0) throw new RangeError(`${fn}: epochRows must be positive, got 0`);
  }
  const cut = new BatchCut(indices.length, batchSize, (epochRows as number | undefined) ?? Math.max(indices.length, 1));
  const batches = cut.count();
  if (firstBatch > lastBatch || lastBatch > batches) {
    throw new RangeError(
      `${fn}: need firstBatch ≤ lastBatch ≤ ${batches} (batches of ${batchSize} in ${indices.length} indices), got ${firstBatch}, ${lastBatch}`,
    );
  }
  const rows = Math.min(Math.floor(x.length / d.inputs), Math.floor(y.length / d.targets));
  const to = firstBatch < lastBatch ? cut.end(lastBatch - 1) : 0;
  for (let i = firstBatch < lastBatch ? cut.start(firstBatch) : 0; i < to; i++) {
    const r = indices[i];
    if (r < 0 || r >= rows) throw new RangeError(`${fn}: indices[${i}] must be a row from 0 to ${rows - 1}, got ${r}`);
    checkLabels(fn, d, y as Float32Array, r);
  }
  return cut;
}

/** grads: one Float32Array per param buffer of the tape, each of its width. */
export function checkGradsOut(fn: string, tape: Tape, grads: unknown): Float32Array[] {
  const widths = tape.buffers.filter((b) => b.role === 'param').map((b) => b.width);
  if (
    !Array.isArray(grads) ||
    grads.length !== widths.length ||
    grads.some((g, i) => !(g instanceof Float32Array) || g.length !== widths[i])
  ) {
    throw new TypeError(
      `${fn}: grads must be ${widths.length} Float32Arrays of lengths [${widths.join(', ')}], got ${describe(grads)}`,
    );
  }
  return grads as Float32Array[];
}
