/** The native tape executor against the js executor (src/graph/executor-js.ts) on the real tape
 *  builder's tapes (test/support/plans.ts: every activation, loss, optimizer, dropout, L1/L2),
 *  several batch sizes: trainBatches results, weights and slots, then predict, evaluate and
 *  gradients, within float32 tolerance (Adam and softmaxXent are float32 natively). */
import { describe, expect, it } from 'vitest';
import { backends } from '../../src';
import { addon } from '../../src/backend/native/addon';
import { createJsExecutor } from '../../src/graph/executor-js';
import { createNativeExecutor } from '../../src/graph/executor-native';
import { maxRelErr } from '../support/backends';
import { clonePlan, gradBuffers, makeData, makePlan, planZoo, type TestPlan } from '../support/plans';

const optimizers = ['sgd', 'momentum', 'adam', 'adamw', 'rmsprop', 'adagrad'] as const;

function zoo(): { name: string; plan: TestPlan }[] {
  const plans = planZoo();
  for (const optimizer of optimizers) {
    plans.push({
      name: `dropout net, ${optimizer}`,
      plan: makePlan({
        inputs: 6,
        loss: 'sparseCategoricalCrossentropy',
        metrics: ['accuracy'],
        optimizer,
        learningRate: 0.05,
        layers: [
          { dense: 8, activation: 'relu' },
          { dropout: 0.3, seed: 5 },
          { dense: 3, activation: 'softmax' },
        ],
      }),
    });
  }
  return plans;
}

function flat(arrays: Float32Array[]): number[] {
  return arrays.flatMap((a) => [...a]);
}

describe.skipIf(typeof addon?.createTape !== 'function')('native executor agrees with the js executor', () => {
  it.each(zoo())('$name', async ({ plan }) => {
    for (const batchSize of [1, 4, 16]) {
      const rows = 21;
      const { x, y } = makeData(plan, rows, 3);
      const jsPlan = clonePlan(plan);
      const nativePlan = clonePlan(plan);
      const js = createJsExecutor(jsPlan.net, backends.js);
      const native = createNativeExecutor(nativePlan.net);
      const indices = Int32Array.from({ length: rows }, (_, i) => (i * 5) % rows);
      const batches = Math.ceil(rows / batchSize);
      for (const [first, last] of [
        [0, 1],
        [1, batches],
      ]) {
        const expected = await js.trainBatches(x, y, indices, batchSize, first, last, first);
        const got = await native.trainBatches(x, y, indices, batchSize, first, last, first);
        expect(maxRelErr(got, expected, 1e-5, 1e-4), `batch ${batchSize} results`).toBeLessThan(1);
      }
      native.dispose(); // hands weights and slots back to JS
      expect(maxRelErr(flat(nativePlan.params), flat(jsPlan.params), 1e-5, 1e-4), 'weights').toBeLessThan(1);
      expect(maxRelErr(flat(nativePlan.slots.flat()), flat(jsPlan.slots.flat()), 1e-5, 1e-4), 'slots').toBeLessThan(1);
      expect(maxRelErr(flat(nativePlan.params), flat(plan.params), 1e-7, 0), 'trained').toBeGreaterThan(1);

      const again = createNativeExecutor(nativePlan.net);
      const n = 1100; // two evaluation chunks
      const data = makeData(plan, n, 4);
      const outJs = new Float32Array(n * plan.outputs);
      const outNative = new Float32Array(n * plan.outputs);
      js.predict(data.x, n, outJs);
      again.predict(data.x, n, outNative);
      expect(maxRelErr(outNative, outJs, 1e-5, 1e-4), 'predict').toBeLessThan(1);
      expect(
        maxRelErr(again.evaluate(data.x, data.y, n), js.evaluate(data.x, data.y, n), 1e-5, 1e-4),
        'evaluate',
      ).toBeLessThan(1);
      const gJs = gradBuffers(plan);
      const gNative = gradBuffers(plan);
      const lossJs = js.gradients(x, y, rows, 7, gJs);
      const lossNative = again.gradients(x, y, rows, 7, gNative);
      expect(Math.abs(lossNative - lossJs)).toBeLessThan(1e-5 * (1 + Math.abs(lossJs)));
      expect(maxRelErr(flat(gNative), flat(gJs), 1e-5, 1e-4), 'gradients').toBeLessThan(1);
      again.dispose();
    }
  });
});
