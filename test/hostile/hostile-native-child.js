#!/usr/bin/env node
// One hostile native scenario in its own process (test/hostile/hostile-native-*.test.ts), so that
// an abort, a segfault or an ASan report shows as a signal or an exit code in the parent. Prints
// one JSON line { ok, ... } and exits 0 when the scenario ended as it should.
// Usage: node hostile-native-child.js <scenario> [rounds]
// NATIVENN_ADDON_PATH (set by `npm run test:sanitize`) picks another build of the addon.

const path = require('node:path');
const { Worker } = require('node:worker_threads');

const root = path.join(__dirname, '..', '..');
const addonPath = process.env.NATIVENN_ADDON_PATH || path.join(root, 'build', 'Release', 'nativenn.node');
const A = require(addonPath);
const rounds = Number(process.argv[3] || 0);

// A compiled network as the addon takes it (the tape of src/graph, from a real model: inputs →
// hidden (relu) → classes (softmax), sparse categorical cross-entropy, Adam) with its arenas.
const nn = require(path.join(root, 'dist'));
function plan(inputs, hidden, classes) {
  const model = nn.sequential({
    seed: 3,
    layers: [
      nn.layers.dense({ units: hidden, activation: 'relu', inputShape: [inputs] }),
      nn.layers.dense({ units: classes, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const net = model.compiledNetwork();
  return { tape: net.tape, params: net.weights.data.slice(), slots: net.slots.data.slice() };
}
// createArena + createTape (the worker source below repeats these two lines).
const CREATE_SRC = `
function create(A, p) {
  const arena = A.createArena(p.params, new Float32Array(0));
  return { arena, h: A.createTape(p.tape, arena, p.slots) };
}`;
const create = new Function(`${CREATE_SRC}; return create;`)();

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const scenarios = {
  // Workers whose addon calls throw again and again (predict on a network busy with the worker's
  // own trainBatches; a public fit with predict calls in between) are terminated by this thread
  // at random moments. A throw into a stopping environment used to escape as a C++ exception
  // (std::terminate, SIGABRT); the process must live on, and the addon still work.
  async 'worker-terminated-mid-throw'() {
    const src = `
      const { parentPort, workerData } = require('node:worker_threads');
      const A = require(workerData.addonPath);
      ${CREATE_SRC}
      const rows = 4096, x = new Float32Array(rows * 8).fill(0.5), y = new Float32Array(rows).fill(1);
      const idx = Int32Array.from({ length: rows }, (_, i) => i);
      const out = new Float32Array(3);
      let told = false, busy = 0;
      (async () => {
        for (;;) {
          const { h } = create(A, workerData.net);
          const run = A.tapeTrainBatches(h, x, y, idx, 4, 0, rows / 4, 0, 0.01);
          for (let i = 0; i < 2000; i++) {
            try { A.tapePredict(h, x, 1, out); } catch (e) { if (/busy/.test(e.message)) busy++; }
            try { A.fill(out, 0); } catch {}
          }
          if (!told) { told = true; parentPort.postMessage(busy); }
          await run;
        }
      })();`;
    const nn = path.join(root, 'dist', 'index.js');
    const fitSrc = `
      const { parentPort, workerData } = require('node:worker_threads');
      const nn = require(workerData.nn);
      const model = nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: 32, activation: 'relu', inputShape: [8] }),
        nn.layers.dense({ units: 3, activation: 'softmax' })] });
      model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
      const x = nn.tensor2d(new Float32Array(4096 * 8).fill(0.5), [4096, 8]);
      const y = new Int32Array(4096).fill(1);
      let told = false;
      (async () => {
        for (;;) {
          const fit = model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
          for (let i = 0; i < 200; i++) { try { model.predict(x); } catch {} }
          if (!told) { told = true; parentPort.postMessage(1); }
          await fit;
        }
      })();`;
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 4294967296;
    };
    let busySeen = 0;
    const net = plan(8, 32, 3); // plain data: it crosses to the workers by structured clone
    for (let i = 0; i < rounds; i++) {
      const publicApi = i % 4 === 3;
      const w = publicApi
        ? new Worker(fitSrc, { eval: true, workerData: { nn } })
        : new Worker(src, { eval: true, workerData: { addonPath, net } });
      w.on('error', () => {});
      const first = await new Promise((resolve) => w.once('message', resolve));
      if (!publicApi) busySeen += first > 0 ? 1 : 0;
      await sleep(random() * 20);
      await w.terminate();
    }
    const { h } = create(A, plan(8, 32, 3));
    const x = new Float32Array(64 * 8).fill(0.5);
    const y = new Float32Array(64).fill(1);
    const out = await A.tapeTrainBatches(
      h,
      x,
      y,
      Int32Array.from({ length: 64 }, (_, i) => i),
      4,
      0,
      16,
      0,
      0.01,
    );
    return { ok: out.length === 32 && busySeen > 0, rounds, busySeen };
  },

  // Labels and row indices on SharedArrayBuffers, flipped between valid and far out of range by
  // another thread in a tight loop while this one calls every glue function that checks them. The
  // glue must check a copy and compute on that copy: each call returns, or throws a RangeError
  // naming the bad value; none reads or writes out of bounds.
  async 'sab-labels-raced'() {
    const rows = 4096;
    const classes = 10;
    const shared = (T, n) => new T(new SharedArrayBuffer(n * T.BYTES_PER_ELEMENT));
    const y = shared(Float32Array, rows);
    const idx = shared(Int32Array, rows);
    const stop = shared(Int32Array, 1);
    for (let i = 0; i < rows; i++) {
      y[i] = i % classes;
      idx[i] = i;
    }
    const writer = new Worker(
      `const { parentPort, workerData: { y, idx, stop, classes } } = require('node:worker_threads');
      // The last rows flip between valid and out of range: a check of the JS array (which reaches
      // them last) then often passes, and a second read after it often does not.
      for (let n = 0; Atomics.load(stop, 0) === 0; n++) {
        const bad = n % 2 === 1;
        for (let i = y.length - 4; i < y.length; i++) {
          y[i] = bad ? 3e9 : i % classes;
          idx[i] = bad ? 1 << 30 : i;
        }
        // Vary the pace (0 to 50 µs a phase) so that some calls meet a phase as long as themselves.
        for (const end = performance.now() + ((n * 7919) % 50) / 1000; performance.now() < end; );
        if (n === 0) parentPort.postMessage('running');
      }`,
      { eval: true, workerData: { y, idx, stop, classes } },
    );
    const exited = new Promise((resolve) => writer.once('exit', resolve));
    await new Promise((resolve) => writer.once('message', resolve));
    const logits = Float32Array.from({ length: rows * classes }, (_, i) => Math.sin(i));
    const probs = new Float32Array(rows * classes);
    const grad = new Float32Array(rows * classes);
    const x = Float32Array.from({ length: rows * 8 }, (_, i) => Math.cos(i));
    const p = plan(8, 16, classes);
    const { h, arena } = create(A, p);
    const grads = new Float32Array(p.params.length);
    const column = Float64Array.from({ length: rows }, (_, i) => i / rows);
    const encoded = new Float32Array(rows * 2);
    const [shuffled, shuffleBuf, shuffleIn] = [0, 1, 2].map(() => new Float32Array(rows * 2));
    const calls = {
      softmaxCrossEntropy: () => A.softmaxCrossEntropy(probs, grad, logits, y, rows, classes, true),
      lossForward: () => A.lossForward('sparseCategoricalCrossentropy', probs, y, rows, classes),
      lossBackward: () => A.lossBackward('sparseCategoricalCrossentropy', grad, probs, y, rows, classes),
      tapeEvaluate: () => A.tapeEvaluate(h, x, y, rows),
      tapeGradients: () => A.tapeGradients(h, x, y, rows, 0, grads),
      tapeTrainBatches: () => A.tapeTrainBatches(h, x, y, idx, 64, 0, rows / 64, 0, 0.01),
      // csvDataset's encoder and shuffle buffer: the row indices and slots address memory.
      csvEncodeNumbers: () => A.csvEncodeNumbers(encoded, [column, column], idx, null, null),
      csvShuffleRows: () => A.csvShuffleRows(shuffled, shuffleBuf, shuffleIn, idx, 2),
    };
    const counts = Object.fromEntries(Object.keys(calls).map((fn) => [fn, { returned: 0, refused: 0 }]));
    for (let round = 0; round < rounds; round++) {
      for (const [fn, call] of Object.entries(calls)) {
        const c = counts[fn];
        try {
          await call();
          c.returned++;
        } catch (e) {
          if (
            !(
              e instanceof RangeError &&
              /class index|not a row|must index every column|must be a row of buf/.test(e.message)
            )
          )
            throw e;
          c.refused++;
        }
      }
    }
    Atomics.store(stop, 0, 1);
    await exited;
    const weights = new Float32Array(p.params.length);
    A.arenaRead(arena, weights, new Float32Array(0));
    const finite = weights.every(Number.isFinite);
    return { ok: finite, counts };
  },
};

require('../support/run-scenario').runScenario(scenarios);
