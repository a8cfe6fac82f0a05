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
