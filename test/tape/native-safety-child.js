#!/usr/bin/env node
// Hostile scenarios against the native tape executor, each in its own process so that a crash
// (segfault, abort, std::terminate) shows as a signal or exit code in the parent
// (test/tape/native-safety.test.ts). Prints one JSON line { ok, ... }; exits 0 when the scenario
// ended as it should. Usage: node --expose-gc native-safety-child.js <scenario> <tape.json>

const fs = require('node:fs');
const path = require('node:path');
const { Worker } = require('node:worker_threads');

const addonPath = path.join(__dirname, '..', '..', 'build', 'Release', 'nativenn.node');
const A = require(addonPath);
const gc = global.gc || (() => {});
const tape = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));

function make() {
  const arena = A.createArena(new Float32Array(tape.arena.params).fill(0.1), new Float32Array(tape.arena.state));
  return { arena, handle: A.createTape(tape, arena, new Float32Array(tape.arena.params * tape.arena.slotCount)) };
}
function data(rows) {
  const xw = tape.buffers[tape.x].width;
  return {
    x: Float32Array.from({ length: rows * xw }, (_, i) => Math.sin(i)),
    y: Float32Array.from({ length: rows }, (_, i) => i % 2),
    idx: Int32Array.from({ length: rows }, (_, i) => i),
  };
}

const scenarios = {
  async 'worker-terminated-while-running'() {
    const src = `
      const A = require(${JSON.stringify(addonPath)});
      const { parentPort, workerData: tape } = require('node:worker_threads');
      const arena = A.createArena(new Float32Array(tape.arena.params).fill(0.1), new Float32Array(tape.arena.state));
      const handle = A.createTape(tape, arena, new Float32Array(tape.arena.params * tape.arena.slotCount));
      const rows = 40000, x = new Float32Array(rows * tape.buffers[tape.x].width).fill(0.5), y = new Float32Array(rows).fill(1);
      const idx = Int32Array.from({ length: rows }, (_, i) => i);
      A.tapeTrainBatches(handle, x, y, idx, 4, 0, rows / 4, 0, 0.01);
      parentPort.postMessage('started');`;
    for (let i = 0; i < 4; i++) {
      const w = new Worker(src, { eval: true, workerData: tape });
      await new Promise((resolve) => w.once('message', resolve));
      await new Promise((resolve) => setTimeout(resolve, 10));
      await w.terminate();
    }
    gc();
    const { handle } = make();
    const { x, y, idx } = data(64);
    const out = await A.tapeTrainBatches(handle, x, y, idx, 4, 0, 16, 0, 0.01);
    return { ok: out.length === 16 * tape.results.length };
  },

  async 'inputs-changed-or-detached-while-running'() {
    const { handle } = make();
    const { x, y, idx } = data(4000);
    const run = A.tapeTrainBatches(handle, x, y, idx, 8, 0, 500, 0, 0.01);
    idx.fill(1 << 30); // out of range now: the run has its own copy
    y.fill(99); // not a class any more
    structuredClone(x.buffer, { transfer: [x.buffer] }); // detached
    const out = await run;
    return { ok: out.length === 500 * tape.results.length && out.every(Number.isFinite) };
  },

  // A call whose extent does not scale with rows (copy of 8 values of x) on zero-row passes:
  // every pass must give it memory for one row, never a null or empty copy of the rows.
  async 'constant-extent-calls-on-zero-rows'() {
    const z = tape.buffers.findIndex((b) => b.name === 'dense_0/z');
    const t = structuredClone(tape);
    t.forward.unshift({ kernel: 'copy', args: [z, t.x], attrs: { n: t.buffers[t.x].width } });
    t.loss.unshift({ kernel: 'copy', args: [z, t.y], attrs: { n: 1 } });
    const arena = A.createArena(new Float32Array(t.arena.params).fill(0.1), new Float32Array(0));
    const handle = A.createTape(t, arena, new Float32Array(t.arena.params * t.arena.slotCount));
    const empty = new Float32Array(0);
    const loss = A.tapeGradients(handle, empty, empty, 0, 0, new Float32Array(t.arena.params));
    const results = A.tapeEvaluate(handle, empty, empty, 0);
    A.tapePredict(handle, empty, 0, empty);
    const trained = await A.tapeTrainBatches(handle, empty, empty, new Int32Array(0), 4, 0, 0, 0, 0.01);
    return { ok: Number.isFinite(loss) && results.every(Number.isFinite) && trained.length === 0 };
  },

  async 'handles-collected-while-running'() {
    let { arena, handle } = make();
    const { x, y, idx } = data(4000);
    const run = A.tapeTrainBatches(handle, x, y, idx, 4, 0, 1000, 0, 0.01);
    arena = null;
    handle = null;
    gc();
    const out = await run;
    gc();
    return { ok: out.length === 1000 * tape.results.length, arena, handle };
  },
};

require('../support/run-scenario').runScenario(scenarios);
