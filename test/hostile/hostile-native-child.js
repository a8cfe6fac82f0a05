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

// The raw plan description of src/train/executor-native.ts: inputs → hidden (relu) → classes
// (softmax), sparse categorical cross-entropy, Adam.
const PLAN_SRC = `
function plan(inputs, hidden, classes) {
  const dense = (i, u, act) => ({ kind: 0, inputs: i, units: u, kernel: new Float32Array(i * u).fill(0.01),
    bias: new Float32Array(u), activation: act, alpha: 0, l1: 0, l2: 0 });
  const layers = [dense(inputs, hidden, 3), dense(hidden, classes, 8)];
  const params = layers.flatMap((l) => [l.kernel, l.bias]);
  return { inputs, outputs: classes, loss: 4, metrics: [0], layers,
    optimizer: { kind: 2, learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, momentum: 0,
      nesterov: false, rho: 0.9, weightDecay: 0 },
    slots: params.map((p) => [new Float32Array(p.length), new Float32Array(p.length)]) };
}`;
const plan = new Function(`${PLAN_SRC}; return plan;`)();

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
      ${PLAN_SRC}
      const rows = 4096, x = new Float32Array(rows * 8).fill(0.5), y = new Float32Array(rows).fill(1);
      const idx = Int32Array.from({ length: rows }, (_, i) => i);
      const out = new Float32Array(3);
      let told = false, busy = 0;
      (async () => {
        for (;;) {
          const h = A.createNetwork(plan(8, 32, 3));
          const run = A.trainBatches(h, x, y, idx, 4, 0, rows / 4, 0, 0.01);
          for (let i = 0; i < 2000; i++) {
            try { A.predictNetwork(h, x, 1, out); } catch (e) { if (/busy/.test(e.message)) busy++; }
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
    for (let i = 0; i < rounds; i++) {
      const publicApi = i % 4 === 3;
      const w = publicApi
        ? new Worker(fitSrc, { eval: true, workerData: { nn } })
        : new Worker(src, { eval: true, workerData: { addonPath } });
      w.on('error', () => {});
      const first = await new Promise((resolve) => w.once('message', resolve));
      if (!publicApi) busySeen += first > 0 ? 1 : 0;
      await sleep(random() * 20);
      await w.terminate();
    }
    const h = A.createNetwork(plan(8, 32, 3));
    const x = new Float32Array(64 * 8).fill(0.5);
    const y = new Float32Array(64).fill(1);
    const out = await A.trainBatches(
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
    const h = A.createNetwork(p);
    const grads = p.layers.flatMap((l) => [new Float32Array(l.kernel.length), new Float32Array(l.bias.length)]);
    const calls = {
      softmaxCrossEntropy: () => A.softmaxCrossEntropy(probs, grad, logits, y, rows, classes, true),
      lossForward: () => A.lossForward(4, probs, y, rows, classes),
      lossBackward: () => A.lossBackward(4, grad, probs, y, rows, classes),
      evaluateNetwork: () => A.evaluateNetwork(h, x, y, rows),
      networkGradients: () => A.networkGradients(h, x, y, rows, 0, grads),
      trainBatches: () => A.trainBatches(h, x, y, idx, 64, 0, rows / 64, 0, 0.01),
    };
    const counts = Object.fromEntries(Object.keys(calls).map((fn) => [fn, { returned: 0, refused: 0 }]));
    for (let round = 0; round < rounds; round++) {
      for (const [fn, call] of Object.entries(calls)) {
        const c = counts[fn];
        try {
          await call();
          c.returned++;
        } catch (e) {
          if (!(e instanceof RangeError && /class index|not a row/.test(e.message))) throw e;
          c.refused++;
        }
      }
    }
    Atomics.store(stop, 0, 1);
    await exited;
    const finite = p.layers.every((l) => l.kernel.every(Number.isFinite) && l.bias.every(Number.isFinite));
    return { ok: finite, counts };
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
