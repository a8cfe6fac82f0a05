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

// A compiled network as the addon takes it: the tape (plain data, written by the tape builder
// from a real model: dense relu, dense softmax, sparse categorical cross-entropy, Adam) and its
// weight and slot arenas.
const nn = require(path.join(__dirname, '..', '..', '..', 'dist'));
function plan(inputs = 8, hidden = 64, outputs = 3) {
  const model = nn.sequential({
    seed: 7,
    layers: [
      nn.layers.dense({ units: hidden, activation: 'relu', inputShape: [inputs] }),
      nn.layers.dense({ units: outputs, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const net = model.compiledNetwork();
  return { tape: net.tape, params: net.weights.data.slice(), slots: net.slots.data.slice() };
}
const NO_STATE = new Float32Array(0);
function create(p) {
  const arena = A.createArena(p.params, NO_STATE);
  return { arena, h: A.createTape(p.tape, arena, p.slots) };
}

function data(rows, inputs = 8) {
  const x = Float32Array.from({ length: rows * inputs }, (_, i) => Math.sin(i));
  const y = Float32Array.from({ length: rows }, (_, i) => i % 3);
  const idx = Int32Array.from({ length: rows }, (_, i) => i);
  return { x, y, idx };
}

const detach = (typed) => structuredClone(typed.buffer, { transfer: [typed.buffer] });
const finite = (arrays) => arrays.every((a) => a.every(Number.isFinite));
// The weights the addon holds after a run (the JS arrays keep only what was copied in).
function trained(p, arena) {
  const out = new Float32Array(p.tape.arena.params);
  A.arenaRead(arena, out, NO_STATE);
  return out;
}

// Enough batches that the worker is still running when the main thread acts right after queueing.
const ROWS = 20000;

const scenarios = {
  // Indices and labels are checked on the main thread, then changed while the batches run.
  async 'indices-changed-while-running'() {
    const p = plan();
    const { h, arena } = create(p);
    const { x, y, idx } = data(ROWS);
    const run = A.tapeTrainBatches(h, x, y, idx, 4, 0, ROWS / 4, 0, 0.01);
    idx.fill(1 << 29);
    const out = await run;
    return { ok: out.length === (ROWS / 4) * 2 && finite([trained(p, arena)]) };
  },
  async 'labels-changed-while-running'() {
    const p = plan();
    const { h, arena } = create(p);
    const { x, y, idx } = data(ROWS);
    const run = A.tapeTrainBatches(h, x, y, idx, 4, 0, ROWS / 4, 0, 0.01);
    y.fill(-1e9);
    const out = await run;
    return { ok: out.length === (ROWS / 4) * 2 && finite([trained(p, arena)]) };
  },
  // x's buffer transferred away (and its memory freed) while the batches run.
  async 'x-detached-while-running'() {
    const p = plan();
    const { h, arena } = create(p);
    const { x, y, idx } = data(ROWS);
    const run = A.tapeTrainBatches(h, x, y, idx, 4, 0, ROWS / 4, 0, 0.01);
    detach(x);
    detach(y);
    gc();
    const out = await run;
    return { ok: out.length === (ROWS / 4) * 2 && finite([trained(p, arena)]) };
  },
  // The JS weight arena transferred away while the batches run: the addon trains on its own copy,
  // and copying the result out into the detached array is refused with a clear error.
  async 'weights-detached-while-running'() {
    const p = plan();
    const { h, arena } = create(p);
    const { x, y, idx } = data(ROWS);
    const run = A.tapeTrainBatches(h, x, y, idx, 4, 0, ROWS / 4, 0, 0.01);
    detach(p.params);
    gc();
    const out = await run;
    const fresh = new Float32Array(p.tape.arena.params);
    let message = '';
    try {
      A.arenaRead(arena, p.params, NO_STATE);
    } catch (e) {
      message = e.message;
    }
    A.arenaRead(arena, fresh, NO_STATE);
    return { ok: out.length === (ROWS / 4) * 2 && message !== '' && finite([fresh]), message };
  },
  // Weights or optimizer slots detached between calls: copying them in or out throws.
  async 'weights-detached-between-calls'() {
    const p = plan();
    const { h, arena } = create(p);
    detach(p.params);
    detach(p.slots);
    gc();
    const messages = [];
    for (const call of [
      () => A.arenaWrite(arena, p.params, NO_STATE),
      () => A.arenaRead(arena, p.params, NO_STATE),
      () => A.tapeWriteSlots(h, p.slots),
      () => A.tapeReadSlots(h, p.slots),
    ]) {
      try {
        await call();
        messages.push('returned');
      } catch (e) {
        messages.push(`${e.constructor.name}: ${e.message}`);
      }
    }
    return { ok: messages.every((m) => /^(TypeError|RangeError)/.test(m)), messages };
  },
  // Reading the tape runs a getter that disposes the arena and detaches the slots: createTape
  // refuses or succeeds, it never reads freed memory.
  async 'tape-getter-disposes'() {
    const p = plan();
    const arena = A.createArena(p.params, NO_STATE);
    const tape = { ...p.tape };
    Object.defineProperty(tape, 'update', {
      enumerable: true,
      get() {
        try {
          A.disposeArena(arena);
        } catch {}
        detach(p.slots);
        gc();
        return p.tape.update;
      },
    });
    try {
      const h = A.createTape(tape, arena, p.slots);
      const { x, y, idx } = data(16);
      await A.tapeTrainBatches(h, x, y, idx, 4, 0, 4, 0, 0.01);
      return { ok: true, note: 'created and ran on its own copies' };
    } catch (e) {
      return {
        ok: e instanceof TypeError || e instanceof RangeError || /disposed|detached/.test(e.message),
        message: e.message,
      };
    }
  },
  // A workspace too large to allocate: a clean error, then the tape still works for small calls.
  async 'allocation-failure'() {
    const units = 1 << 24;
    const model = nn.sequential({
      seed: 1,
      layers: [
        nn.layers.dense({ units, inputShape: [1], useBias: false }),
        nn.layers.dense({ units: 1, useBias: false }),
      ],
    });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const net = model.compiledNetwork();
    const arena = A.createArena(net.weights.data, NO_STATE);
    const h = A.createTape(net.tape, arena, net.slots.data);
    const rows = 1 << 22; // a workspace of rows · 2^24 floats: more than any address space
    const x = new Float32Array(rows);
    const attempt = async () => {
      const messages = [];
      try {
        A.tapeGradients(h, x, x, rows, 0, new Float32Array(net.tape.arena.params));
        messages.push('returned');
      } catch (e) {
        messages.push(e.constructor.name);
      }
      try {
        const idx = Int32Array.from({ length: rows }, (_, i) => i);
        await A.tapeTrainBatches(h, x, x, idx, rows, 0, 1, 0, 0.01);
        messages.push('resolved');
      } catch (e) {
        messages.push(e.constructor.name);
      }
      return messages.join();
    };
    // Refused up front by the memory limit (a RangeError); with the limit lifted, the allocation
    // itself fails (std::bad_alloc, reported as a RangeError; not tried under ASan, which aborts on
    // such a request).
    const limited = await attempt();
    const before = A.getMemoryLimit();
    A.setMemoryLimit(2 ** 53 - 1);
    const unlimited = process.env.NATIVENN_SANITIZE ? 'RangeError,RangeError' : await attempt();
    A.setMemoryLimit(before);
    const out = new Float32Array(2);
    A.tapePredict(h, Float32Array.of(1, 2), 2, out);
    const ok =
      limited === 'RangeError,RangeError' && unlimited === 'RangeError,RangeError' && out.every(Number.isFinite);
    return { ok, limited, unlimited };
  },
  // firstBatch = lastBatch = the number of batches: nothing to run.
  async 'empty-run-at-the-end'() {
    const { h } = create(plan());
    const { x, y, idx } = data(5);
    const out = await A.tapeTrainBatches(h, x, y, idx, 2, 3, 3, 0, 0.01);
    return { ok: out.length === 0 };
  },
  // dispose and GC while a run is pending.
  async 'dispose-while-running'() {
    let { h } = create(plan());
    const { x, y, idx } = data(ROWS);
    const run = A.tapeTrainBatches(h, x, y, idx, 4, 0, ROWS / 4, 0, 0.01);
    let message = '';
    try {
      A.disposeTape(h);
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
      const arena = A.createArena(p.params, new Float32Array(0));
      A.tapeTrainBatches(A.createTape(p.tape, arena, p.slots), x, y, idx, 4, 0, rows / 4, 0, 0.01);
      parentPort.postMessage('started');`;
    const desc = plan(); // the tape is plain data: it crosses to the worker by structured clone
    for (let i = 0; i < 4; i++) {
      const w = new Worker(src, { eval: true, workerData: desc });
      await new Promise((resolve) => w.once('message', resolve));
      await new Promise((resolve) => setTimeout(resolve, 10));
      await w.terminate();
    }
    gc();
    const { x, y, idx } = data(64);
    const out = await A.tapeTrainBatches(create(plan()).h, x, y, idx, 4, 0, 16, 0, 0.01);
    return { ok: out.length === 32 };
  },
};

require('../../support/run-scenario').runScenario(scenarios);
