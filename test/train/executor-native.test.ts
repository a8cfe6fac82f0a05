import { describe, expect, it } from 'vitest';
import { backends } from '../../src';
import { addon } from '../../src/backend/native/addon';
import { createJsExecutor } from '../../src/train/executor-js';
import { createNativeExecutor, describePlan } from '../../src/train/executor-native';
import { dropoutSeed, type Executor, type NetworkPlan } from '../../src/train/plan';
import { maxRelErr } from '../support/backends';
import { expectResponsive, watchEventLoop } from '../support/event-loop';
import { clonePlan, gradBuffers, makeData, makePlan, planZoo } from '../support/plans';

const hasNativeExecutor = typeof addon?.createNetwork === 'function' && backends.native !== null;
// executor-js on the native kernels needs every kernel (a partial dev build lacks some).

const OPTIMIZERS = ['sgd', 'momentum', 'adam', 'adamw', 'rmsprop', 'adagrad'] as const;

/** Runs `steps` batches of 4 rows from the same start on each executor factory; returns the
 *  per-batch results and the plans (weights after). */
async function trainOn(plan: NetworkPlan, make: (p: NetworkPlan) => Executor, rows: number, steps: number) {
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
  const js = (p: NetworkPlan) => createJsExecutor(p, backends.js);
  const native = (p: NetworkPlan) => createNativeExecutor(p);

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
    a.plan.optimizer.slots.forEach((s, i) =>
      s.forEach((buf, j) => expect(maxRelErr(b.plan.optimizer.slots[i][j], buf, 1e-5, 1e-3)).toBeLessThanOrEqual(1)),
    );
  });

  it.each(planZoo())('executor-js on native kernels equals the native executor: $name', async ({ plan }) => {
    const onNativeKernels = (p: NetworkPlan) => createJsExecutor(p, backends.native!);
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
    const exec = createNativeExecutor(plan);
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
    expectResponsive(watched);
  });

  it('10,000 steps do not grow resident memory', async () => {
    const plan = makePlan({
      inputs: 32,
      loss: 'sparseCategoricalCrossentropy',
      layers: [{ dense: 32, activation: 'relu' }, { dropout: 0.2 }, { dense: 4, activation: 'softmax' }],
    });
    const rows = 640;
    const { x, y } = makeData(plan, rows, 2);
    const exec = createNativeExecutor(plan);
    const indices = Int32Array.from({ length: rows }, (_, i) => i);
    await exec.trainBatches(x, y, indices, 32, 0, 20, 0); // warm-up: workspace allocated
    const before = process.memoryUsage().rss;
    for (let s = 0; s < 500; s++) await exec.trainBatches(x, y, indices, 32, 0, 20, 20 + s * 20);
    const growth = process.memoryUsage().rss - before;
    exec.dispose();
    // A leak of even one 1 KiB buffer per step would be 10 MB; allow noise from the JS heap.
    expect(growth).toBeLessThan(8 * 1024 * 1024);
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

  it('createNetwork rejects malformed descriptions with TypeError/RangeError', () => {
    const good = describePlan(plan) as Record<string, any>;
    const variants: [Record<string, unknown> | unknown, RegExp, typeof TypeError][] = [
      [null, /plan must be an object/, TypeError],
      [{ ...good, inputs: -1 }, /plan.inputs/, RangeError],
      [{ ...good, loss: 9 }, /plan.loss/, RangeError],
      [{ ...good, metrics: [7] }, /plan.metrics\[0\]/, RangeError],
      [{ ...good, layers: [] }, /plan.layers/, RangeError],
      [
        { ...good, layers: [{ ...good.layers[0], kernel: new Float32Array(3) }, good.layers[1]] },
        /kernel must have 12/,
        RangeError,
      ],
      [
        { ...good, layers: [{ ...good.layers[0], kernel: [1, 2] }, good.layers[1]] },
        /kernel must be a Float32Array/,
        TypeError,
      ],
      [{ ...good, layers: [good.layers[1]] }, /inputs must be 3/, RangeError],
      [{ ...good, layers: [{ ...good.layers[0], activation: 12 }, good.layers[1]] }, /activation/, RangeError],
      [
        { ...good, layers: [good.layers[0], { kind: 2, size: 4, rate: 1, seed: 1 }, good.layers[1]] },
        /rate/,
        RangeError,
      ],
      [{ ...good, outputs: 3 }, /plan.outputs/, RangeError],
      [{ ...good, optimizer: { ...good.optimizer, kind: 'adam' } }, /optimizer.kind must be a number/, TypeError],
      [{ ...good, slots: [] }, /plan.slots/, RangeError],
      [
        { ...good, slots: good.slots.map(() => [new Float32Array(1), new Float32Array(1)]) },
        /slots\[0\]\[0\] must have/,
        RangeError,
      ],
    ];
    for (const [desc, message, type] of variants) {
      expect(() => A.createNetwork(desc)).toThrow(type);
      expect(() => A.createNetwork(desc)).toThrow(message);
    }
    expect(() => A.createNetwork()).toThrow(TypeError);
  });

  it('the addon checks trainBatches/predict arguments itself', () => {
    const h = A.createNetwork(describePlan(plan));
    const idx = Int32Array.from([0, 1, 2, 3]);
    expect(() => A.trainBatches({}, x, y, idx, 2, 0, 1, 0, 0.1)).toThrow(TypeError);
    expect(() => A.trainBatches(h, x, y, Int32Array.from([0, 99]), 2, 0, 1, 0, 0.1)).toThrow(/indices\[1\]/);
    expect(() => A.trainBatches(h, x, y, idx, 0, 0, 1, 0, 0.1)).toThrow(RangeError);
    expect(() => A.trainBatches(h, x, y, idx, 2, 0, 3, 0, 0.1)).toThrow(RangeError);
    expect(() => A.trainBatches(h, x, Float32Array.of(0, 5, 0, 0), idx, 2, 0, 2, 0, 0.1)).toThrow(/class index/);
    expect(() => A.trainBatches(h, x, y, idx, 2, 0, 1, 0, Number.NaN)).toThrow(/learningRate/);
    expect(() => A.trainBatches(h, x, y, [0, 1], 2, 0, 1, 0, 0.1)).toThrow(TypeError);
    expect(() => A.predictNetwork(h, x, 5, new Float32Array(10))).toThrow(/x is too short/);
    expect(() => A.predictNetwork(h, x, 4, new Float32Array(7))).toThrow(/out is too short/);
    expect(() => A.networkGradients(h, x, y, 4, 0, [new Float32Array(1)])).toThrow(RangeError);
    A.disposeNetwork(h);
    expect(() => A.predictNetwork(h, x, 4, new Float32Array(8))).toThrow(/disposed/);
  });

  it('the executor checks before the addon, and a failed call changes no weight', async () => {
    const p = clonePlan(plan);
    const exec = createNativeExecutor(p);
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
    const exec = createNativeExecutor(clonePlan(plan));
    const idx = Int32Array.from({ length: 4 }, (_, i) => i % 4);
    const first = exec.trainBatches(x, y, idx, 1, 0, 4, 0);
    await expect(exec.trainBatches(x, y, idx, 1, 0, 4, 0)).rejects.toThrow(/busy/);
    expect(() => exec.evaluate(x, y, 4)).toThrow(/busy/);
    expect((await first).length).toBe(4 * 4);
    expect(exec.evaluate(x, y, 4).length).toBe(4);
    exec.dispose();
  });
});
