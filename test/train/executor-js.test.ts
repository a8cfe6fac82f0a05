import { describe, expect, it } from 'vitest';
import { backends } from '../../src';
import { createJsExecutor } from '../../src/graph/executor-js';
import { maxRelErr } from '../support/backends';
import { clonePlan, gradBuffers, makeData, makePlan, planZoo } from '../support/plans';

const js = backends.js;

describe('executor-js: gradients', () => {
  it.each(planZoo())('match central finite differences: $name', ({ plan }) => {
    const rows = 5;
    const { x, y } = makeData(plan, rows, 11);
    const exec = createJsExecutor(plan.net, js);
    const grads = gradBuffers(plan);
    const scratch = gradBuffers(plan);
    const step = 3;
    exec.gradients(x, y, rows, step, grads);
    // Loss in training mode at the same step (same dropout mask) as a function of one weight.
    const lossAt = () => exec.gradients(x, y, rows, step, scratch);
    const h = 1e-3;
    plan.params.forEach((param, p) => {
      const fd = new Float32Array(param.length);
      for (let i = 0; i < param.length; i++) {
        const w0 = param[i];
        param[i] = w0 + h;
        const up = lossAt();
        param[i] = w0 - h;
        const down = lossAt();
        param[i] = w0;
        // the float32 weights actually used: w0 ± h rounded
        fd[i] = (up - down) / (Math.fround(w0 + h) - Math.fround(w0 - h));
      }
      // float32 forward: loss rounding ~1e-7 / 2h ≈ 5e-5 absolute; O(h²) truncation is below it.
      expect(maxRelErr(grads[p], fd, 1e-3, 1e-2), `param ${p}`).toBeLessThanOrEqual(1);
    });
  });

  it.each(planZoo().filter(({ plan }) => plan.layers.every((l) => l.kind !== 'dropout')))(
    'evaluate loss equals the training loss without dropout: $name',
    ({ plan }) => {
      const rows = 9;
      const { x, y } = makeData(plan, rows, 5);
      const exec = createJsExecutor(plan.net, js);
      const value = exec.gradients(x, y, rows, 0, gradBuffers(plan));
      // same kernels, same order: only the (double) summation of chunk means differs
      expect(exec.evaluate(x, y, rows)[0]).toBeCloseTo(value, 6);
    },
  );
});

describe('executor-js: trainBatches', () => {
  it('one full batch of sgd equals w − lr·gradients', async () => {
    const plan = makePlan({
      inputs: 4,
      loss: 'categoricalCrossentropy',
      optimizer: 'sgd',
      learningRate: 0.1,
      layers: [
        { dense: 5, activation: 'relu', l2: 0.01 },
        { dense: 3, activation: 'softmax' },
      ],
    });
    const rows = 8;
    const { x, y } = makeData(plan, rows, 3);
    const ref = clonePlan(plan);
    const grads = gradBuffers(ref);
    const refLoss = createJsExecutor(ref.net, js).gradients(x, y, rows, 0, grads);
    const indices = Int32Array.from({ length: rows }, (_, i) => i);
    const out = await createJsExecutor(plan.net, js).trainBatches(x, y, indices, rows, 0, 1, 0);
    expect(out.length).toBe(4);
    expect(out[0]).toBe(refLoss);
    plan.params.forEach((p, i) => {
      const expected = ref.params[i].map((w, j) => w - 0.1 * grads[i][j]);
      expect(maxRelErr(p, expected, 1e-7, 1e-6)).toBeLessThanOrEqual(1);
    });
  });

  it('gathers rows by index: a permuted batch gives the same update', async () => {
    const plan = makePlan({
      inputs: 3,
      loss: 'meanSquaredError',
      optimizer: 'adam',
      layers: [{ dense: 4, activation: 'tanh' }, { dense: 2 }],
    });
    const rows = 6;
    const { x, y } = makeData(plan, rows, 8);
    const a = clonePlan(plan);
    const b = clonePlan(plan);
    await createJsExecutor(a.net, js).trainBatches(x, y, Int32Array.from([0, 1, 2, 3, 4, 5]), 6, 0, 1, 0);
    await createJsExecutor(b.net, js).trainBatches(x, y, Int32Array.from([5, 3, 1, 0, 2, 4]), 6, 0, 1, 0);
    // Same rows, another order: only float32 summation order differs.
    a.params.forEach((p, i) => expect(maxRelErr(b.params[i], p, 1e-6, 1e-5)).toBeLessThanOrEqual(1));
  });

  it('learns: the loss of a small classification problem falls', async () => {
    const plan = makePlan({
      inputs: 4,
      loss: 'sparseCategoricalCrossentropy',
      optimizer: 'adam',
      learningRate: 0.05,
      layers: [
        { dense: 16, activation: 'relu' },
        { dense: 3, activation: 'softmax' },
      ],
      metrics: ['accuracy'],
    });
    const rows = 90;
    const { x } = makeData(plan, rows, 4);
    // class = which of the first three features is largest: learnable
    const y = Float32Array.from({ length: rows }, (_, r) => {
      const v = [x[r * 4], x[r * 4 + 1], x[r * 4 + 2]];
      return v.indexOf(Math.max(...v));
    });
    const exec = createJsExecutor(plan.net, js);
    const before = exec.evaluate(x, y, rows);
    const indices = Int32Array.from({ length: rows }, (_, i) => i);
    const batches = Math.ceil(rows / 16);
    for (let epoch = 0; epoch < 60; epoch++) await exec.trainBatches(x, y, indices, 16, 0, batches, epoch * batches);
    const after = exec.evaluate(x, y, rows);
    expect(after[0]).toBeLessThan(before[0] * 0.5);
    expect(after[1]).toBeGreaterThan(0.85);
  });

  it('returns [loss, ...metrics] per batch, the last batch partial', async () => {
    const plan = makePlan({ inputs: 3, loss: 'binaryCrossentropy', layers: [{ dense: 2, activation: 'sigmoid' }] });
    const { x, y } = makeData(plan, 10, 2);
    const out = await createJsExecutor(plan.net, js).trainBatches(
      x,
      y,
      Int32Array.from({ length: 10 }, (_, i) => i),
      4,
      1,
      3,
      5,
    );
    expect(out.length).toBe(2 * 4);
    for (let b = 0; b < 2; b++) {
      expect(out[b * 4]).toBeGreaterThan(0); // bce loss
      for (const m of [1, 2, 3]) expect(out[b * 4 + m]).toBeGreaterThanOrEqual(0);
      expect(out[b * 4 + 1]).toBeLessThanOrEqual(1); // accuracy
    }
  });

  it('yields to the event loop between slices', async () => {
    const plan = makePlan({
      inputs: 32,
      loss: 'meanSquaredError',
      layers: [{ dense: 64, activation: 'relu' }, { dense: 8 }],
    });
    const rows = 512;
    const { x, y } = makeData(plan, rows, 1);
    const exec = createJsExecutor(plan.net, js);
    const indices = Int32Array.from({ length: rows }, (_, i) => i);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const start = performance.now();
    let step = 0;
    while (performance.now() - start < 150) {
      await exec.trainBatches(x, y, indices, 8, 0, 64, step);
      step += 64;
    }
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(5);
  });
});

describe('executor-js: bad input', () => {
  const plan = makePlan({
    inputs: 3,
    loss: 'sparseCategoricalCrossentropy',
    layers: [{ dense: 2, activation: 'softmax' }],
  });
  const exec = createJsExecutor(plan.net, js);
  const { x, y } = makeData(plan, 4, 1);

  it('rejects inconsistent plans', () => {
    const tape = plan.net.tape;
    const withTape = (t: object) => ({ ...plan.net, tape: { ...tape, ...t } });
    const param = tape.buffers.findIndex((b) => b.role === 'param');
    const buffers = tape.buffers.map((b, i) => (i === param ? { ...b, offset: tape.arena.params } : b));
    expect(() => createJsExecutor(withTape({ buffers }), js)).toThrow(/outside its arena/);
    const forward = [{ ...tape.forward[0], kernel: 'hinge' }, ...tape.forward.slice(1)];
    expect(() => createJsExecutor(withTape({ forward }), js)).toThrow(/kernel "hinge" is unknown/);
    const update = [{ ...tape.update[0], args: [tape.update[0].args[0]] }];
    expect(() => createJsExecutor(withTape({ update }), js)).toThrow(RangeError);
    expect(() => createJsExecutor(withTape({ version: 99 }), js)).toThrow(/version/);
  });

  it('rejects bad trainBatches arguments before touching the weights', async () => {
    const before = plan.params.map((p) => p.slice());
    await expect(exec.trainBatches(x, y, Int32Array.from([0, 9]), 2, 0, 1, 0)).rejects.toThrow(RangeError);
    await expect(exec.trainBatches(x, y, Int32Array.from([0, 1]), 0, 0, 1, 0)).rejects.toThrow(RangeError);
    await expect(exec.trainBatches(x, y, Int32Array.from([0, 1]), 1, 0, 3, 0)).rejects.toThrow(RangeError);
    await expect(exec.trainBatches(x, [1, 2] as never, Int32Array.from([0, 1]), 1, 0, 1, 0)).rejects.toThrow(TypeError);
    const yBad = y.slice();
    yBad[1] = 7;
    await expect(exec.trainBatches(x, yBad, Int32Array.from([0, 1]), 1, 0, 2, 0)).rejects.toThrow(/class index/);
    plan.params.forEach((p, i) => expect(p).toEqual(before[i]));
  });
});
