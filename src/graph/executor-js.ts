/**
 * The js executor: interprets a tape with the active Backend's kernels (src/graph/kernels-js.ts),
 * one call at a time. It is the readable specification of every pass; the native executor runs the
 * same calls in the same order. It works on the arenas in place (JS memory) and knows no layer.
 *
 * A pass over `rows` rows: gather the rows into the x (and y) buffers, then the tape's sections
 * (see tape.ts: predict = forward; evaluate = forward, loss, metrics; train step = forward, loss,
 * metrics, backward, update). Batched buffers live in a workspace sized for the largest row count
 * seen and reused: no allocation per step.
 */
import type { Backend } from '../backend';
import { checkTape } from './check-tape';
import { type CompiledNetwork, checkData, checkGradsOut, checkTrainArgs, dataShape, type Executor } from './executor';
import { type Buf, JS_KERNELS, type KernelContext } from './kernels-js';
import { type AttrValue, type Pass, sizeOf, type TapeCall } from './tape';

/** predict/evaluate run in chunks of at most this many rows (the workspace is sized by it). */
export const EVAL_ROWS = 1024;
/** trainBatches yields to the event loop after a slice of this many milliseconds. */
const SLICE_MS = 5;

export function createJsExecutor(net: CompiledNetwork, backend: Backend): Executor {
  const tape = net.tape;
  checkTape('createJsExecutor', tape);
  const shape = dataShape(tape);
  const grads = new Float32Array(tape.arena.params);
  const gradViews = tape.buffers
    .filter((b) => b.role === 'param')
    .map((b) => grads.subarray(b.offset, b.offset + b.width));
  let capacity = 0;
  let arrays: Buf[] = [];
  let scratch = new Float32Array(0);

  /** Resolves every buffer for `rows` rows: workspace arrays for batched ones, arena views otherwise. */
  function workspace(rows: number): Buf[] {
    if (rows <= capacity && arrays.length > 0) return arrays;
    const cap = Math.max(rows, 1);
    const out: Buf[] = [];
    tape.buffers.forEach((b, i) => {
      if (b.alias >= 0) out[i] = out[b.alias];
      else if (b.role === 'param') out[i] = net.weights.data.subarray(b.offset, b.offset + b.width);
      else if (b.role === 'state') out[i] = net.weights.state.subarray(b.offset, b.offset + b.width);
      else if (b.role === 'grad') out[i] = grads.subarray(b.offset, b.offset + b.width);
      else if (b.role === 'slot') out[i] = net.slots.data.subarray(b.offset, b.offset + b.width);
      else out[i] = b.dtype === 'int32' ? new Int32Array(cap * b.width) : new Float32Array(cap * b.width);
    });
    arrays = out;
    capacity = cap;
    return arrays;
  }

  /** Runs `calls` that apply to `pass`; results go into acc (mean·rows, sums) and once. */
  function run(calls: TapeCall[], pass: Pass, ctx: KernelContext, acc: Float64Array, once: Float64Array): void {
    for (const c of calls) {
      if (c.when && !c.when.includes(pass)) continue;
      const args = c.args.map((id) => (id < 0 ? (undefined as unknown as Buf) : arrays[id]));
      const value = JS_KERNELS[c.kernel](backend, args, c.attrs, ctx);
      if (c.result) {
        const v = (value as number) * (c.result.scale ?? 1);
        if (c.result.reduce === 'mean') acc[c.result.index] += v * ctx.rows;
        else if (c.result.reduce === 'sum') acc[c.result.index] += v;
        else once[c.result.index] += v;
      }
    }
  }

  function context(rows: number, step: number): KernelContext {
    return {
      rows,
      step,
      learningRate: net.learningRate(),
      size: (v: AttrValue) => sizeOf(v, rows),
      scratch(n) {
        if (scratch.length < n) scratch = new Float32Array(n);
        return scratch;
      },
    };
  }

  /** Copies rows of src (width values each) into dst: indices[from…to), or rows from…to in order. */
  function gather(dst: Buf, src: Float32Array, width: number, indices: Int32Array | null, from: number, to: number) {
    for (let r = 0; r < to - from; r++) {
      const row = indices ? indices[from + r] : from + r;
      dst.set(src.subarray(row * width, (row + 1) * width), r * width);
    }
  }

  const width = (id: number) => tape.buffers[id].width;
  const results = tape.results.length;

  function trainStep(
    x: Float32Array,
    y: Float32Array,
    indices: Int32Array | null,
    from: number,
    to: number,
    step: number,
    out: Float64Array,
    offset: number,
  ) {
    const rows = to - from;
    const a = workspace(rows);
    gather(a[tape.x], x, width(tape.x), indices, from, to);
    gather(a[tape.y], y, width(tape.y), indices, from, to);
    const ctx = context(rows, step);
    const acc = new Float64Array(results);
    const once = new Float64Array(results);
    for (const section of [tape.forward, tape.loss, tape.metrics, tape.backward, tape.update])
      run(section, 'train', ctx, acc, once);
    for (let i = 0; i < results; i++) out[offset + i] = acc[i] / rows + once[i];
  }

  function pullWeights() {
    net.weights.read();
    net.slots.read();
  }

  return {
    predict(x, rows, out) {
      checkData('predict', shape, x, undefined, rows);
      const outWidth = width(tape.output);
      if (!(out instanceof Float32Array) || out.length < rows * outWidth)
        throw new TypeError(`predict: out must be a Float32Array of at least ${rows * outWidth} elements`);
      pullWeights();
      const none = new Float64Array(results);
      for (let r0 = 0; r0 < rows; r0 += EVAL_ROWS) {
        const n = Math.min(EVAL_ROWS, rows - r0);
        const a = workspace(n);
        gather(a[tape.x], x, width(tape.x), null, r0, r0 + n);
        run(tape.forward, 'predict', context(n, 0), none, none);
        out.set(a[tape.output].subarray(0, n * outWidth) as Float32Array, r0 * outWidth);
      }
    },

    evaluate(x, y, rows) {
      checkData('evaluate', shape, x, y, rows);
      pullWeights();
      const acc = new Float64Array(results);
      let once = new Float64Array(results);
      for (let r0 = 0; r0 < rows; r0 += EVAL_ROWS) {
        const n = Math.min(EVAL_ROWS, rows - r0);
        const a = workspace(n);
        gather(a[tape.x], x, width(tape.x), null, r0, r0 + n);
        gather(a[tape.y], y, width(tape.y), null, r0, r0 + n);
        once = new Float64Array(results); // row-independent terms count once, not per chunk
        const ctx = context(n, 0);
        for (const section of [tape.forward, tape.loss, tape.metrics]) run(section, 'eval', ctx, acc, once);
      }
      return acc.map((v, i) => (rows === 0 ? 0 : v / rows) + once[i]);
    },

    async trainBatches(x, y, indices, batchSize, firstBatch, lastBatch, step, epochRows) {
      const cut = checkTrainArgs(
        'trainBatches',
        shape,
        x,
        y,
        indices,
        batchSize,
        firstBatch,
        lastBatch,
        step,
        epochRows,
      );
      pullWeights();
      const out = new Float64Array((lastBatch - firstBatch) * results);
      let sliceStart = performance.now();
      for (let b = firstBatch; b < lastBatch; b++) {
        trainStep(x, y, indices, cut.start(b), cut.end(b), step + (b - firstBatch), out, (b - firstBatch) * results);
        if (performance.now() - sliceStart > SLICE_MS && b + 1 < lastBatch) {
          await new Promise(setImmediate);
          sliceStart = performance.now();
        }
      }
      return out;
    },

    gradients(x, y, rows, step, out) {
      checkData('gradients', shape, x, y, rows);
      const targets = checkGradsOut('gradients', tape, out);
      pullWeights();
      const a = workspace(rows);
      gather(a[tape.x], x, width(tape.x), null, 0, rows);
      gather(a[tape.y], y, width(tape.y), null, 0, rows);
      const ctx = context(rows, step);
      const acc = new Float64Array(results);
      const once = new Float64Array(results);
      for (const section of [tape.forward, tape.loss, tape.backward]) run(section, 'train', ctx, acc, once);
      gradViews.forEach((g, i) => {
        targets[i].set(g);
      });
      return acc[0] / rows + once[0];
    },

    dispose() {
      arrays = [];
      capacity = 0;
    },
  };
}
