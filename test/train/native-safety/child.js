#!/usr/bin/env node
// One hostile scenario against the native executor's glue, in its own process, so that a crash
// (segfault, abort, std::terminate) shows as a signal or exit code in the parent
// (test/train/native-safety.test.ts). Prints one JSON line { ok, ... } and exits 0 when the
// scenario ended as it should (resolved, or threw/rejected with the expected message).
// Usage: node --expose-gc child.js <scenario>

const path = require('node:path');
const { Worker } = require('node:worker_threads');

// NATIVENN_ADDON_PATH: another build (the ASan+UBSan one of `npm run test:sanitize`).
const addonPath = process.env.NATIVENN_ADDON_PATH
  ? path.resolve(process.env.NATIVENN_ADDON_PATH)
  : path.join(__dirname, '..', '..', '..', 'build', 'Release', 'nativenn.node');
const A = require(addonPath);
const gc = global.gc || (() => {});

// A raw plan description (codes as in src/train/executor-native.ts): dense relu, dense softmax,
// sparse categorical cross-entropy, Adam.
function plan(inputs = 8, hidden = 64, outputs = 3) {
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 4294967296 - 0.5;
  };
  const k1 = Float32Array.from({ length: inputs * hidden }, rand);
  const b1 = new Float32Array(hidden);
  const k2 = Float32Array.from({ length: hidden * outputs }, rand);
  const b2 = new Float32Array(outputs);
  const params = [k1, b1, k2, b2];
  return {
    inputs,
    outputs,
    loss: 4,
    metrics: [0],
    layers: [
      { kind: 0, inputs, units: hidden, kernel: k1, bias: b1, activation: 3, alpha: 0, l1: 0, l2: 0 },
      { kind: 0, inputs: hidden, units: outputs, kernel: k2, bias: b2, activation: 8, alpha: 0, l1: 0, l2: 0 },
    ],
    optimizer: {
      kind: 2,
      learningRate: 0.01,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-7,
      momentum: 0,
      nesterov: false,
      rho: 0.9,
      weightDecay: 0,
    },
    slots: params.map((p) => [new Float32Array(p.length), new Float32Array(p.length)]),
    params,
  };
}

function data(rows, inputs = 8) {
  const x = Float32Array.from({ length: rows * inputs }, (_, i) => Math.sin(i));
  const y = Float32Array.from({ length: rows }, (_, i) => i % 3);
  const idx = Int32Array.from({ length: rows }, (_, i) => i);
  return { x, y, idx };
}

const detach = (typed) => structuredClone(typed.buffer, { transfer: [typed.buffer] });
const finite = (arrays) => arrays.every((a) => a.every(Number.isFinite));
// Enough batches that the worker is still running when the main thread acts right after queueing.
const ROWS = 20000;

const scenarios = {
  // Indices and labels are checked on the main thread, then changed while the batches run.
  async 'indices-changed-while-running'() {
    const p = plan();
    const h = A.createNetwork(p);
    const { x, y, idx } = data(ROWS);
    const run = A.trainBatches(h, x, y, idx, 4, 0, ROWS / 4, 0, 0.01);
    idx.fill(1 << 29);
    const out = await run;
    return { ok: out.length === (ROWS / 4) * 2 && finite(p.params) };
  },
  async 'labels-changed-while-running'() {
    const p = plan();
    const h = A.createNetwork(p);
    const { x, y, idx } = data(ROWS);
    const run = A.trainBatches(h, x, y, idx, 4, 0, ROWS / 4, 0, 0.01);
    y.fill(-1e9);
    const out = await run;
    return { ok: out.length === (ROWS / 4) * 2 && finite(p.params) };
  },
  // x's buffer transferred away (and its memory freed) while the batches run.
  async 'x-detached-while-running'() {
    const p = plan();
    const h = A.createNetwork(p);
    const { x, y, idx } = data(ROWS);
    const run = A.trainBatches(h, x, y, idx, 4, 0, ROWS / 4, 0, 0.01);
    detach(x);
    detach(y);
    gc();
    const out = await run;
    return { ok: out.length === (ROWS / 4) * 2 && finite(p.params) };
  },
  // A weight's buffer transferred away while the batches run: the run rejects, nothing is written.
  async 'weights-detached-while-running'() {
    const p = plan();
    const h = A.createNetwork(p);
    const { x, y, idx } = data(ROWS);
    const run = A.trainBatches(h, x, y, idx, 4, 0, ROWS / 4, 0, 0.01);
    const before = p.params[2].slice();
    detach(p.params[0]);
    gc();
    try {
      await run;
      return { ok: false, why: 'resolved' };
    } catch (e) {
      // The other arrays hold what they held before the run: it was not written back.
      const same = p.params[2].every((v, i) => v === before[i]);
      return { ok: /detached/.test(e.message) && same, message: e.message };
    }
  },
  // Weights or optimizer slots detached between calls: every later call throws.
  async 'weights-detached-between-calls'() {
    const p = plan();
    const h = A.createNetwork(p);
    const { x, y, idx } = data(64);
    for (const s of p.slots) for (const b of s) detach(b);
    gc();
    const messages = [];
    for (const call of [
      () => A.predictNetwork(h, x, 64, new Float32Array(64 * 3)),
      () => A.evaluateNetwork(h, x, y, 64),
      () => A.trainBatches(h, x, y, idx, 4, 0, 16, 0, 0.01),
    ]) {
      try {
        await call();
        messages.push('returned');
      } catch (e) {
        messages.push(e.message);
      }
    }
    return { ok: messages.every((m) => /detached/.test(m)), messages };
  },
  // Reading the grads list runs a getter that detaches x and disposes the network.
  async 'gradients-getter-disposes'() {
    const p = plan();
    const h = A.createNetwork(p);
    const { x, y } = data(4096);
    const grads = p.params.map((q) => new Float32Array(q.length));
    const list = [...grads];
    Object.defineProperty(list, 3, {
      get() {
        detach(x);
        A.disposeNetwork(h);
        gc();
        return grads[3];
      },
    });
    try {
      A.networkGradients(h, x, y, 4096, 0, list);
      return { ok: false, why: 'returned' };
    } catch (e) {
      return { ok: /disposed/.test(e.message), message: e.message };
    }
  },
  // A workspace too large to allocate: a JS Error, then the network still works for small calls.
  async 'allocation-failure'() {
    const units = 1 << 24;
    const desc = {
      inputs: 1,
      outputs: 1,
      loss: 0,
      metrics: [],
      layers: [
        {
          kind: 0,
          inputs: 1,
          units,
          kernel: new Float32Array(units),
          bias: null,
          activation: 0,
          alpha: 0,
          l1: 0,
          l2: 0,
        },
        {
          kind: 0,
          inputs: units,
          units: 1,
          kernel: new Float32Array(units),
          bias: null,
          activation: 0,
          alpha: 0,
          l1: 0,
          l2: 0,
        },
      ],
      optimizer: {
        kind: 0,
        learningRate: 0.01,
        beta1: 0,
        beta2: 0,
        epsilon: 0,
        momentum: 0,
        nesterov: false,
        rho: 0,
        weightDecay: 0,
      },
      slots: [[], []],
    };
    const h = A.createNetwork(desc);
    const rows = 1 << 22; // a workspace of rows · 2^24 floats: more than any address space
    const x = new Float32Array(rows);
    const attempt = async () => {
      const messages = [];
      try {
        A.networkGradients(h, x, x, rows, 0, [new Float32Array(units), new Float32Array(units)]);
        messages.push('returned');
      } catch (e) {
        messages.push(e.constructor.name);
      }
      try {
        const idx = Int32Array.from({ length: rows }, (_, i) => i);
        await A.trainBatches(h, x, x, idx, rows, 0, 1, 0, 0.01);
        messages.push('resolved');
      } catch (e) {
        messages.push(e.constructor.name);
      }
      return messages.join();
    };
    // Refused up front by the memory limit (a RangeError); with the limit lifted, the allocation
    // itself fails (an Error from std::bad_alloc; not under ASan, which aborts on such a request).
    const limited = await attempt();
    const before = A.getMemoryLimit();
    A.setMemoryLimit(2 ** 53 - 1);
    const unlimited = process.env.NATIVENN_SANITIZE ? 'Error,Error' : await attempt();
    A.setMemoryLimit(before);
    const out = new Float32Array(2);
    A.predictNetwork(h, Float32Array.of(1, 2), 2, out);
    const ok = limited === 'RangeError,RangeError' && unlimited === 'Error,Error' && out.every((v) => v === 0);
    return { ok, limited, unlimited };
  },
  // firstBatch = lastBatch = the number of batches: nothing to run.
  async 'empty-run-at-the-end'() {
    const h = A.createNetwork(plan());
    const { x, y, idx } = data(5);
    const out = await A.trainBatches(h, x, y, idx, 2, 3, 3, 0, 0.01);
    return { ok: out.length === 0 };
  },
  // dispose and GC while a run is pending.
  async 'dispose-while-running'() {
    let h = A.createNetwork(plan());
    const { x, y, idx } = data(ROWS);
    const run = A.trainBatches(h, x, y, idx, 4, 0, ROWS / 4, 0, 0.01);
    let message = '';
    try {
      A.disposeNetwork(h);
    } catch (e) {
      message = e.message;
    }
    h = null;
    gc();
    const out = await run;
    return { ok: /busy/.test(message) && out.length === (ROWS / 4) * 2 };
  },
  // worker_threads terminated while their trainBatches runs; the process goes on.
  async 'worker-terminated-while-running'() {
    const src = `
      const A = require(${JSON.stringify(addonPath)});
      const { parentPort, workerData } = require('node:worker_threads');
      const p = workerData;
      const rows = 40000, x = new Float32Array(rows * 8).fill(0.5), y = new Float32Array(rows).fill(1);
      const idx = Int32Array.from({ length: rows }, (_, i) => i);
      A.trainBatches(A.createNetwork(p), x, y, idx, 4, 0, rows / 4, 0, 0.01);
      parentPort.postMessage('started');`;
    const { params, ...desc } = plan();
    for (let i = 0; i < 4; i++) {
      const w = new Worker(src, { eval: true, workerData: desc });
      await new Promise((resolve) => w.once('message', resolve));
      await new Promise((resolve) => setTimeout(resolve, 10));
      await w.terminate();
    }
    gc();
    const { x, y, idx } = data(64);
    const out = await A.trainBatches(A.createNetwork(plan()), x, y, idx, 4, 0, 16, 0, 0.01);
    return { ok: out.length === 32 };
  },
};

const name = process.argv[2];
if (!scenarios[name]) {
  console.error(`unknown scenario ${name}; known: ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}
scenarios[name]().then(
  (r) => {
    console.log(JSON.stringify(r));
    process.exit(r.ok ? 0 : 1);
  },
  (e) => {
    console.log(JSON.stringify({ ok: false, error: String(e?.stack) }));
    process.exit(1);
  },
);
