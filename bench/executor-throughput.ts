/**
 * Training throughput (samples/s) of the two executors on the issue-4 MLP shapes, random data:
 *   npx tsx bench/executor-throughput.ts [--reps 5] [--only native]
 * digits-shaped 64-64-10 (Adam, batch 32, 1437 rows) and 784-256-128-10 (Adam, batch 128, 8000
 * rows), relu hidden layers, softmax + sparse categorical cross-entropy (PyTorch's
 * CrossEntropyLoss on logits is the same work). Prints the median of `reps` timed runs, each of
 * whole epochs (one trainBatches call per epoch) lasting at least ~1 s (js backend: fewer batches).
 */
import { backends } from '../src';
import type { Executor } from '../src/graph/executor';
import { createJsExecutor } from '../src/graph/executor-js';
import { createNativeExecutor } from '../src/graph/executor-native';
import { makeData, makePlan, type TestPlan } from '../test/support/plans';

const args = process.argv.slice(2);
const reps = Number(args[args.indexOf('--reps') + 1] ?? 5) || 5;
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;

interface Workload {
  name: string;
  hidden: number[];
  inputs: number;
  rows: number;
  batch: number;
}
const WORKLOADS: Workload[] = [
  { name: 'digits 64-64-10 b32', inputs: 64, hidden: [64], rows: 1437, batch: 32 },
  { name: 'mnist 784-256-128-10 b128', inputs: 784, hidden: [256, 128], rows: 8000, batch: 128 },
];

function plan(w: Workload): TestPlan {
  return makePlan({
    inputs: w.inputs,
    loss: 'sparseCategoricalCrossentropy',
    optimizer: 'adam',
    learningRate: 1e-3,
    metrics: [],
    layers: [
      ...w.hidden.map((units) => ({ dense: units, activation: 'relu' as const })),
      { dense: 10, activation: 'softmax' },
    ],
  });
}

async function samplesPerSecond(w: Workload, make: (p: TestPlan) => Executor, maxBatches: number): Promise<number> {
  const p = plan(w);
  const exec = make(p);
  const { x } = makeData(p, w.rows, 3);
  const y = Float32Array.from({ length: w.rows }, (_, i) => i % 10);
  const indices = Int32Array.from({ length: w.rows }, (_, i) => (i * 7919) % w.rows);
  const batches = Math.min(Math.ceil(w.rows / w.batch), maxBatches);
  const samplesPerCall = Math.min(w.rows, batches * w.batch);
  let step = 0;
  await exec.trainBatches(x, y, indices, w.batch, 0, batches, step); // warm-up
  step += batches;
  const results: number[] = [];
  for (let r = 0; r < reps; r++) {
    let samples = 0;
    const start = performance.now();
    while (performance.now() - start < 1000) {
      await exec.trainBatches(x, y, indices, w.batch, 0, batches, step);
      step += batches;
      samples += samplesPerCall;
    }
    results.push(samples / ((performance.now() - start) / 1000));
  }
  exec.dispose();
  results.sort((a, b) => a - b);
  return results[Math.floor(results.length / 2)];
}

async function main() {
  const executors: [string, (p: TestPlan) => Executor, number][] = [
    ['native executor', (p) => createNativeExecutor(p.net), Infinity],
    ['executor-js, native kernels', (p) => createJsExecutor(p.net, backends.native!), Infinity],
    ['executor-js, js kernels', (p) => createJsExecutor(p.net, backends.js), 4],
  ];
  for (const w of WORKLOADS) {
    for (const [name, make, maxBatches] of executors) {
      if (only && !name.includes(only)) continue;
      try {
        const sps = await samplesPerSecond(w, make, maxBatches);
        console.log(
          `${w.name.padEnd(28)} ${name.padEnd(30)} ${Math.round(sps).toLocaleString('en-US').padStart(12)} samples/s`,
        );
      } catch (err) {
        console.log(`${w.name.padEnd(28)} ${name.padEnd(30)} unavailable: ${(err as Error).message}`);
      }
    }
  }
}

void main();
