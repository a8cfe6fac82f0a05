import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { backends } from '../../src';
import { addon } from '../../src/backend/native/addon';
import type { Executor } from '../../src/graph/executor';
import { createJsExecutor } from '../../src/graph/executor-js';
import { createNativeExecutor } from '../../src/graph/executor-native';
import { dropoutSeed } from '../../src/graph/tape';
import { maxRelErr } from '../support/backends';
import { expectResponsive, watchEventLoop } from '../support/event-loop';
import { clonePlan, gradBuffers, makeData, makePlan, planZoo, type TestPlan } from '../support/plans';

const hasNativeExecutor = typeof addon?.createTape === 'function' && backends.native !== null;

const OPTIMIZERS = ['sgd', 'momentum', 'adam', 'adamw', 'rmsprop', 'adagrad'] as const;

/** Runs `steps` batches of 4 rows from the same start on each executor factory; returns the
 *  per-batch results and the plans (weights after). */
async function trainOn(plan: TestPlan, make: (p: TestPlan) => Executor, rows: number, steps: number) {
  const p = clonePlan(plan);
  const exec = make(p);
  const { x, y } = makeData(p, rows, 21);
  const indices = Int32Array.from({ length: rows }, (_, i) => (i * 7) % rows);
  const batches = Math.ceil(rows / 4);
  const results: number[] = [];
  for (let done = 0; done < steps; done += batches) {
    const out = await exec.trainBatches(x, y, indices, 4, 0, Math.min(batches, steps - done), done);
    results.push(...out);
  }
  exec.dispose();
  return { plan: p, results };
}

describe.skipIf(!hasNativeExecutor)('native executor vs executor-js', () => {
  const js = (p: TestPlan) => createJsExecutor(p.net, backends.js);
  const native = (p: TestPlan) => createNativeExecutor(p.net);

  it.each(planZoo())('predict, evaluate, gradients agree: $name', ({ plan }) => {
    const rows = 13;
    const { x, y } = makeData(plan, rows, 9);
    const a = js(plan);
    const b = native(plan);
    const outA = new Float32Array(rows * plan.outputs);
    const outB = new Float32Array(rows * plan.outputs);
    a.predict(x, rows, outA);
    b.predict(x, rows, outB);
    // js gemm accumulates dot products in double, native in float32: ~k·2^-24 relative per layer.
    expect(maxRelErr(outB, outA, 1e-6, 1e-5)).toBeLessThanOrEqual(1);
    expect(maxRelErr(b.evaluate(x, y, rows), a.evaluate(x, y, rows), 1e-6, 1e-5)).toBeLessThanOrEqual(1);
    const gA = gradBuffers(plan);
    const gB = gradBuffers(plan);
    const lossA = a.gradients(x, y, rows, 4, gA);
    const lossB = b.gradients(x, y, rows, 4, gB);
    expect(lossB).toBeCloseTo(lossA, 5);
    // gradients are sums over rows of products of the above: same relative bound, and an absolute
    // floor for entries that cancel to ~0.
    gA.forEach((g, i) => expect(maxRelErr(gB[i], g, 1e-6, 1e-4), `param ${i}`).toBeLessThanOrEqual(1));
    b.dispose();
  });

  it.each(planZoo())('trainBatches, 12 steps of adam: per-batch results and weights agree: $name', async ({ plan }) => {
    const a = await trainOn(plan, js, 10, 12);
    const b = await trainOn(plan, native, 10, 12);
    expect(maxRelErr(b.results, a.results, 1e-5, 1e-4)).toBeLessThanOrEqual(1);
    // Adam moves each weight by ≤ lr per step whatever the gradient's size; float32 differences in
    // near-zero gradients can flip a step's direction, so compare against lr-scaled tolerance.
    a.plan.params.forEach((p, i) =>
      expect(maxRelErr(b.plan.params[i], p, 1e-4, 1e-4), `param ${i}`).toBeLessThanOrEqual(1),
    );
  });

  it.each(OPTIMIZERS)('every optimizer: %s, 6 steps, weights and slots agree', async (kind) => {
    const plan = makePlan({
      inputs: 5,
      loss: 'categoricalCrossentropy',
      optimizer: kind,
      layers: [
        { dense: 6, activation: 'relu', l2: 0.001 },
        { dense: 3, activation: 'softmax' },
      ],
    });
    const a = await trainOn(plan, js, 12, 6);
    const b = await trainOn(plan, native, 12, 6);
    a.plan.params.forEach((p, i) => expect(maxRelErr(b.plan.params[i], p, 1e-4, 1e-4)).toBeLessThanOrEqual(1));
    a.plan.slots.forEach((s, i) =>
      s.forEach((buf, j) => expect(maxRelErr(b.plan.slots[i][j], buf, 1e-5, 1e-3)).toBeLessThanOrEqual(1)),
    );
  });

  it.each(planZoo())('executor-js on native kernels equals the native executor: $name', async ({ plan }) => {
    const onNativeKernels = (p: TestPlan) => createJsExecutor(p.net, backends.native!);
    const a = await trainOn(plan, onNativeKernels, 10, 8);
    const b = await trainOn(plan, native, 10, 8);
    // Same kernels in the same order, except Adam/AdamW, which the native executor runs in float32
    // (adam_f32.h): per-step update differences are float32 roundings of ~lr-sized steps.
    expect(maxRelErr(b.results, a.results, 1e-7, 1e-6)).toBeLessThanOrEqual(1);
    a.plan.params.forEach((p, i) => expect(maxRelErr(b.plan.params[i], p, 1e-7, 1e-6)).toBeLessThanOrEqual(1));
  });

  it.each(planZoo())('gradients match central finite differences: $name', ({ plan }) => {
    const rows = 5;
    const { x, y } = makeData(plan, rows, 11);
    const exec = native(plan);
    const grads = gradBuffers(plan);
    const scratch = gradBuffers(plan);
    exec.gradients(x, y, rows, 2, grads);
    const h = 1e-3;
    plan.params.forEach((param, p) => {
      const fd = new Float32Array(param.length);
      for (let i = 0; i < param.length; i++) {
        const w0 = param[i];
        param[i] = w0 + h;
        const up = exec.gradients(x, y, rows, 2, scratch);
        param[i] = w0 - h;
        const down = exec.gradients(x, y, rows, 2, scratch);
        param[i] = w0;
        fd[i] = (up - down) / (Math.fround(w0 + h) - Math.fround(w0 - h));
      }
      // float32 forward: loss rounding ~1e-7 / 2h ≈ 5e-5 absolute; O(h²) truncation is below it.
      expect(maxRelErr(grads[p], fd, 1e-3, 1e-2), `param ${p}`).toBeLessThanOrEqual(1);
    });
    exec.dispose();
  });

  it('dropout masks agree exactly with the dropout kernel and across executors', () => {
    // One input row of 1: dKernel[j] is zero exactly where the mask dropped unit j.
    const units = 200;
    const plan = makePlan({
      inputs: 1,
      loss: 'meanSquaredError',
      layers: [
        { dense: units, bias: false },
        { dropout: 0.4, seed: 99 },
      ],
    });
    const x = Float32Array.of(1);
    const y = new Float32Array(units);
    const step = 17;
    const expected = new Float32Array(units);
    backends.js.dropoutForward(
      new Float32Array(units),
      expected,
      new Float32Array(units).fill(1),
      units,
      0.4,
      dropoutSeed(99, step),
    );
    for (const exec of [js(plan), native(plan)]) {
      const g = gradBuffers(plan);
      exec.gradients(x, y, 1, step, g);
      const kept = Array.from(g[0], (v) => v !== 0);
      expect(kept).toEqual(Array.from(expected, (m) => m !== 0));
    }
    expect(expected.filter((m) => m === 0).length).toBeGreaterThan(40); // the mask really drops
  });
});

describe.skipIf(!hasNativeExecutor)('native executor: off the main thread, no waste', () => {
  it('a 1 ms interval keeps running while a long trainBatches runs', async () => {
    const plan = makePlan({
      inputs: 64,
      loss: 'categoricalCrossentropy',
      layers: [
        { dense: 128, activation: 'relu' },
        { dense: 10, activation: 'softmax' },
      ],
    });
    const rows = 2048;
    const { x, y } = makeData(plan, rows, 1);
    const exec = createNativeExecutor(plan.net);
    const indices = Int32Array.from({ length: rows }, (_, i) => i);
    const watch = watchEventLoop();
    watch.start();
    const start = performance.now();
    let step = 0;
    while (performance.now() - start < 400) {
      await exec.trainBatches(x, y, indices, 16, 0, rows / 16, step); // one crossing, 128 batches
      step += rows / 16;
    }
    const watched = watch.stop();
    exec.dispose();
    await expectResponsive(watched);
  });

  // Under ASan freed blocks sit in its quarantine, so resident memory grows by design there;
  // the plain `npm test` run is the one that measures this.
  it.skipIf(process.env.NATIVENN_SANITIZE)('10,000 steps do not grow resident memory', async () => {
    const plan = makePlan({
      inputs: 32,
      loss: 'sparseCategoricalCrossentropy',
      layers: [{ dense: 32, activation: 'relu' }, { dropout: 0.2 }, { dense: 4, activation: 'softmax' }],
    });
    const rows = 640;
    const { x, y } = makeData(plan, rows, 2);
    const exec = createNativeExecutor(plan.net);
    const indices = Int32Array.from({ length: rows }, (_, i) => i);
    // Warm-up: the workspace is allocated, and resident memory grows to where these calls keep
    // it (measured: +7 MB over the first 500 calls, +7 MB over the next 500, then flat).
    let step = 0;
    for (let s = 0; s < 1500; s++, step += 20) await exec.trainBatches(x, y, indices, 32, 0, 20, step);
    // A full collection before each reading: what is left growing is native memory.
    const gc = fullGc();
    gc();
    const before = process.memoryUsage().rss;
    for (let s = 0; s < 500; s++, step += 20) await exec.trainBatches(x, y, indices, 32, 0, 20, step);
    gc();
    const growth = process.memoryUsage().rss - before;
    exec.dispose();
    // A leak of even one 1 KiB buffer per step would be 10 MB over these 10,000 steps.
    expect(growth).toBeLessThan(5 * 1024 * 1024);
  });
});

describe.skipIf(!hasNativeExecutor)('native executor: bad input never crashes', () => {
  const plan = makePlan({
    inputs: 3,
    loss: 'sparseCategoricalCrossentropy',
    layers: [
      { dense: 4, activation: 'relu' },
      { dense: 2, activation: 'softmax' },
    ],
  });
  const { x, y } = makeData(plan, 4, 1);
  const A = addon!;

  it('createTape rejects malformed tapes with TypeError/RangeError', () => {
    const tape = plan.net.tape;
    const arena = A.createArena(plan.net.weights.data, new Float32Array(0));
    const slots = plan.net.slots.data;
    const first = tape.forward[0];
    const param = tape.buffers.findIndex((b) => b.role === 'param');
    const withBuffer = (i: number, patch: object) => ({
      ...tape,
      buffers: tape.buffers.map((b, j) => (j === i ? { ...b, ...patch } : b)),
    });
    const dropout = {
      kernel: 'dropout',
      args: [first.args[2], first.args[2], first.args[0]],
      attrs: { n: 1, rate: 1, seed: 1 },
    };
    const variants: unknown[] = [
      null,
      { ...tape, version: 2 },
      { ...tape, forward: [{ ...first, kernel: 'conv9d' }] },
      { ...tape, forward: [{ ...first, args: [0, 1, 999] }] },
      { ...tape, forward: [{ ...first, args: [0, 1] }] },
      { ...tape, forward: [{ ...first, attrs: { ...first.attrs, n: 1e6 } }] },
      { ...tape, forward: [{ ...first, attrs: { ...first.attrs, m: { rows: 1e9 } } }] },
      { ...tape, forward: [dropout] },
      {
        ...tape,
        forward: [
          { kernel: 'activation', args: [first.args[2], first.args[2]], attrs: { n: 1, fn: 'hinge', alpha: 0 } },
        ],
      },
      withBuffer(param, { offset: tape.arena.params }),
      withBuffer(param, { width: -1 }),
      withBuffer(0, { role: 'weird' }),
      { ...tape, arena: { ...tape.arena, params: tape.arena.params + 1 } },
      { ...tape, loss: [{ ...tape.loss[0], result: { index: 9, reduce: 'mean' } }] },
    ];
    for (const t of variants) {
      let error: unknown = null;
      try {
        A.createTape(t, arena, slots);
      } catch (e) {
        error = e;
      }
      expect(error instanceof TypeError || error instanceof RangeError, JSON.stringify(t)?.slice(0, 200)).toBe(true);
    }
    expect(() => A.createTape(tape, arena, new Float32Array(1))).toThrow(RangeError);
    expect(() => A.createTape(tape, {}, slots)).toThrow(TypeError);
    expect(() => A.createTape()).toThrow(TypeError);
  });

  it('the addon checks trainBatches/predict arguments itself', () => {
    const arena = A.createArena(plan.net.weights.data, new Float32Array(0));
    const h = A.createTape(plan.net.tape, arena, plan.net.slots.data);
    const idx = Int32Array.from([0, 1, 2, 3]);
    expect(() => A.tapeTrainBatches({}, x, y, idx, 2, 0, 1, 0, 0.1)).toThrow(TypeError);
    expect(() => A.tapeTrainBatches(h, x, y, Int32Array.from([0, 99]), 2, 0, 1, 0, 0.1)).toThrow(RangeError);
    expect(() => A.tapeTrainBatches(h, x, y, idx, 0, 0, 1, 0, 0.1)).toThrow(RangeError);
    expect(() => A.tapeTrainBatches(h, x, y, idx, 2, 0, 3, 0, 0.1)).toThrow(RangeError);
    expect(() => A.tapeTrainBatches(h, x, Float32Array.of(0, 5, 0, 0), idx, 2, 0, 2, 0, 0.1)).toThrow(/class index/);
    expect(() => A.tapeTrainBatches(h, x, y, idx, 2, 0, 1, 0, Number.NaN)).toThrow(/learningRate/);
    expect(() => A.tapeTrainBatches(h, x, y, [0, 1], 2, 0, 1, 0, 0.1)).toThrow(TypeError);
    expect(() => A.tapePredict(h, x, 5, new Float32Array(10))).toThrow(RangeError);
    expect(() => A.tapePredict(h, x, 4, new Float32Array(7))).toThrow(RangeError);
    expect(() => A.tapeGradients(h, x, y, 4, 0, new Float32Array(1))).toThrow(RangeError);
    A.disposeTape(h);
    expect(() => A.tapePredict(h, x, 4, new Float32Array(8))).toThrow(/disposed/);
  });

  it('the executor checks before the addon, and a failed call changes no weight', async () => {
    const p = clonePlan(plan);
    const exec = createNativeExecutor(p.net);
    const before = p.params.map((w) => w.slice());
    await expect(exec.trainBatches(x, y, Int32Array.from([0, 9]), 2, 0, 1, 0)).rejects.toThrow(RangeError);
    await expect(exec.trainBatches(x, y.subarray(0, 1), Int32Array.from([0, 3]), 2, 0, 1, 0)).rejects.toThrow(
      RangeError,
    );
    p.params.forEach((w, i) => expect(w).toEqual(before[i]));
    exec.dispose();
    expect(() => exec.predict(x, 4, new Float32Array(8))).toThrow(/disposed/);
  });

  it('a second trainBatches while one is pending rejects; the first completes', async () => {
    const exec = createNativeExecutor(clonePlan(plan).net);
    const idx = Int32Array.from({ length: 4 }, (_, i) => i % 4);
    const first = exec.trainBatches(x, y, idx, 1, 0, 4, 0);
    await expect(exec.trainBatches(x, y, idx, 1, 0, 4, 0)).rejects.toThrow(/busy/);
    expect(() => exec.evaluate(x, y, 4)).toThrow(/busy/);
    expect((await first).length).toBe(4 * 4);
    expect(exec.evaluate(x, y, 4).length).toBe(4);
    exec.dispose();
  });
});

/** V8's full garbage collection, without starting node with --expose-gc. */
function fullGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}
