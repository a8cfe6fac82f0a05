#!/usr/bin/env node
// The native addon's checks as a plain Node script (no vitest: its esbuild has no binary under
// qemu-aarch64, and other Node versions need no dev tools): the addon nativenn loads must be the
// native backend, agree with the js twins on every kernel over several shapes, train a network,
// and run in worker_threads. Needs dist/ (npm run build:ts). Prints one JSON line and ends with
// "N passed, N failed"; exits 1 on any failure.
//   node test/build/native-check.js [--expect-path SUBSTRING]
// scripts/test-arm64.js runs it under qemu-aarch64, scripts/test-node-versions.js on Node 20/22/24.

const path = require('node:path');
const { Worker } = require('node:worker_threads');

const root = path.join(__dirname, '..', '..');
const nn = require(root);
const { addonPath } = require(path.join(root, 'dist', 'backend', 'native', 'addon.js'));

const results = [];
function check(name, fn) {
  try {
    fn();
    results.push({ name, ok: true });
  } catch (err) {
    results.push({ name, ok: false, error: err.message });
  }
}
function assert(cond, message) {
  if (!cond) throw new Error(message);
}

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function random(n, seed, lo = -1, hi = 1) {
  const next = rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * next());
}
/** Asserts |a−b| ≤ atol + rtol·|b| everywhere (NaN only where both are NaN). */
function close(a, b, atol, rtol, what) {
  assert(a.length === b.length, `${what}: length ${a.length} != ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) && Number.isNaN(b[i])) continue;
    const d = Math.abs(a[i] - b[i]);
    assert(d <= atol + rtol * Math.abs(b[i]), `${what}: [${i}] native ${a[i]} vs js ${b[i]}`);
  }
}

const native = nn.backends.native;
const js = nn.backends.js;
const SHAPES = [
  [1, 1],
  [3, 7],
  [17, 33],
  [64, 10],
  [129, 65],
  [300, 333],
];

check('load', () => {
  assert(native && nn.getBackend().name === 'native', `native backend not active: ${nn.nativeLoadError()?.message}`);
  const want = process.argv[process.argv.indexOf('--expect-path') + 1];
  if (process.argv.includes('--expect-path'))
    assert(addonPath()?.includes(want), `loaded ${addonPath()}, want ${want}`);
});

check('gemm', () => {
  const cases = [
    [1, 1, 1],
    [7, 13, 5],
    [17, 33, 65],
    [64, 64, 64],
    [129, 31, 257],
    [200, 300, 100],
  ];
  let seed = 1;
  for (const [m, n, k] of cases) {
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ]) {
      for (const [alpha, beta] of [
        [1, 0],
        [0.5, 1],
      ]) {
        const a = random(m * k, seed++);
        const b = random(k * n, seed++);
        const c0 = beta === 0 ? new Float32Array(m * n).fill(Number.NaN) : random(m * n, seed++);
        const [lda, ldb] = [ta ? m : k, tb ? k : n];
        const cn = c0.slice();
        const cj = c0.slice();
        native.gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, cn, n);
        js.gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, cj, n);
        // float32 accumulation errs by at most k·2^-24·Σ|a||b| (plus a few roundings): bound it per element.
        const bound = new Float32Array(m * n);
        js.gemm(ta, tb, m, n, k, 1, a.map(Math.abs), lda, b.map(Math.abs), ldb, 0, bound, n);
        for (let i = 0; i < m * n; i++) {
          const tol = 2 * (k + 4) * 2 ** -24 * (Math.abs(alpha) * bound[i] + Math.abs(beta * (c0[i] || 0))) + 1e-30;
          assert(Math.abs(cn[i] - cj[i]) <= tol, `gemm ${m}x${n}x${k} ta=${ta} tb=${tb}: [${i}] ${cn[i]} vs ${cj[i]}`);
        }
      }
    }
  }
});

check('elementwise', () => {
  for (const [rows, cols] of SHAPES) {
    const n = rows * cols;
    const x = random(n, n);
    const y = random(n, n + 1);
    const bias = random(cols, n + 2);
    const run = (b) => {
      const out = { fill: new Float32Array(n), scale: x.slice(), axpy: y.slice(), mul: new Float32Array(n) };
      b.fill(out.fill, 0.25, n);
      b.scale(out.scale, -1.5, n);
      b.axpy(out.axpy, 0.75, x, n);
      b.mul(out.mul, x, y, n);
      out.bias = x.slice();
      b.addBias(out.bias, bias, rows, cols);
      out.sums = new Float32Array(cols);
      b.addColumnSums(out.sums, x, rows, cols);
      out.argmax = new Int32Array(rows);
      b.argmaxRows(out.argmax, x, rows, cols);
      return out;
    };
    const a = run(native);
    const b = run(js);
    for (const k of Object.keys(a)) close(a[k], b[k], k === 'sums' ? 1e-5 * rows : 1e-7, 1e-6, `${k} ${rows}x${cols}`);
  }
});

check('activations', () => {
  for (const kind of ['linear', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'elu', 'gelu', 'silu', 'hardSigmoid']) {
    for (const n of [1, 7, 33, 1000, 70000]) {
      const x = random(n, n, -8, 8);
      const dy = random(n, n + 1);
      const yn = new Float32Array(n);
      const yj = new Float32Array(n);
      native.activationForward(kind, yn, x, n, 0.2);
      js.activationForward(kind, yj, x, n, 0.2);
      close(yn, yj, 1e-6, 1e-5, `${kind} forward n=${n}`);
      const dn = new Float32Array(n);
      const dj = new Float32Array(n);
      native.activationBackward(kind, dn, dy, x, yj, n, 0.2);
      js.activationBackward(kind, dj, dy, x, yj, n, 0.2);
      close(dn, dj, 1e-6, 1e-5, `${kind} backward n=${n}`);
    }
  }
});

check('softmax and losses', () => {
  for (const [rows, cols] of SHAPES) {
    const n = rows * cols;
    const logits = random(n, n, -5, 5);
    const dy = random(n, n + 1);
    const [pn, pj, dn, dj] = [0, 0, 0, 0].map(() => new Float32Array(n));
    native.softmaxForward(pn, logits, rows, cols);
    js.softmaxForward(pj, logits, rows, cols);
    close(pn, pj, 1e-7, 1e-5, `softmax ${rows}x${cols}`);
    native.softmaxBackward(dn, dy, pj, rows, cols);
    js.softmaxBackward(dj, dy, pj, rows, cols);
    close(dn, dj, 1e-6, 1e-5, `softmax backward ${rows}x${cols}`);

    const onehot = new Float32Array(n);
    const sparse = new Float32Array(rows);
    for (let r = 0; r < rows; r++) {
      sparse[r] = (r * 7) % cols;
      onehot[r * cols + sparse[r]] = 1;
    }
    const bits = random(n, n + 2, 0, 1).map((v) => (v > 0.5 ? 1 : 0));
    const pred = random(n, n + 3, 0.01, 0.99);
    const losses = [
      ['meanSquaredError', pred, random(n, n + 4)],
      ['binaryCrossentropy', pred, bits],
      ['binaryCrossentropyFromLogits', logits, bits],
      ['categoricalCrossentropy', pj, onehot],
      ['sparseCategoricalCrossentropy', pj, sparse],
    ];
    for (const [kind, p, t] of losses) {
      const ln = native.lossForward(kind, p, t, rows, cols);
      const lj = js.lossForward(kind, p, t, rows, cols);
      assert(Math.abs(ln - lj) <= 1e-5 * Math.abs(lj) + 1e-7, `${kind} ${rows}x${cols}: ${ln} vs ${lj}`);
      const [gn, gj] = [new Float32Array(n), new Float32Array(n)];
      native.lossBackward(kind, gn, p, t, rows, cols);
      js.lossBackward(kind, gj, p, t, rows, cols);
      close(gn, gj, 1e-7, 1e-5, `${kind} backward ${rows}x${cols}`);
    }
    for (const [t, isSparse] of [
      [onehot, false],
      [sparse, true],
    ]) {
      const o = [0, 0, 0, 0].map(() => new Float32Array(n));
      const ln = native.softmaxCrossEntropy(o[0], o[1], logits, t, rows, cols, isSparse);
      const lj = js.softmaxCrossEntropy(o[2], o[3], logits, t, rows, cols, isSparse);
      assert(Math.abs(ln - lj) <= 1e-5 * Math.abs(lj) + 1e-7, `softmaxCrossEntropy ${rows}x${cols}: ${ln} vs ${lj}`);
      close(o[1], o[3], 1e-7, 1e-5, `softmaxCrossEntropy grad ${rows}x${cols}`);
    }
    const o = [0, 0, 0, 0].map(() => new Float32Array(n));
    const ln = native.sigmoidCrossEntropy(o[0], o[1], logits, bits, rows, cols);
    const lj = js.sigmoidCrossEntropy(o[2], o[3], logits, bits, rows, cols);
    assert(Math.abs(ln - lj) <= 1e-5 * Math.abs(lj) + 1e-7, `sigmoidCrossEntropy ${rows}x${cols}: ${ln} vs ${lj}`);
    close(o[1], o[3], 1e-7, 1e-5, `sigmoidCrossEntropy grad ${rows}x${cols}`);
  }
});

check('optimizers', () => {
  for (const n of [1, 7, 33, 1000, 70000]) {
    const g = random(n, n);
    const run = (b) => {
      const p = Array.from({ length: 5 }, () => random(n, n + 1));
      const s = Array.from({ length: 6 }, () => new Float32Array(n));
      for (let step = 1; step <= 3; step++) {
        b.sgdUpdate(p[0], g, n, 0.1);
        b.momentumUpdate(p[1], g, s[0], n, 0.1, 0.9, step === 2);
        b.adamUpdate(p[2], g, s[1], s[2], n, 0.01, 0.9, 0.999, 1e-7, step, 0.01);
        b.rmspropUpdate(p[3], g, s[3], s[4], n, 0.01, 0.9, 0.5, 1e-7);
        b.adagradUpdate(p[4], g, s[5], n, 0.1, 1e-7);
      }
      return p;
    };
    const a = run(native);
    const b = run(js);
    a.forEach((p, i) => close(p, b[i], 1e-6, 1e-5, `optimizer ${i} n=${n}`));
  }
});

check('dropout', () => {
  for (const n of [1, 33, 70000]) {
    const x = random(n, n);
    const [on, mn, oj, mj] = [0, 0, 0, 0].map(() => new Float32Array(n));
    native.dropoutForward(on, mn, x, n, 0.3, 42);
    js.dropoutForward(oj, mj, x, n, 0.3, 42);
    close(mn, mj, 0, 0, `dropout mask n=${n}`);
    close(on, oj, 0, 1e-7, `dropout out n=${n}`);
  }
});

// Convolutions (NHWC, 3×3 unless said) by every native algorithm the shapes select: the direct
// loops (a 1-channel first layer on the SIMD paths), im2col, Winograd F(2×2) (the 8×8 forward) and
// F(4×4) (13×13 with 32 → 64 channels, the Fashion-MNIST CNN's second layer). Winograd F(4×4)
// rounds about ten times more than a plain sum, so the bound is relative to the largest value.
check('convolution', () => {
  const cases = [
    // [batch, inH, inW, inC, outC, k, pad]
    [2, 9, 8, 1, 8, 3, 1],
    [2, 7, 6, 5, 7, 2, 0],
    [3, 8, 8, 32, 16, 3, 0],
    [2, 13, 13, 32, 64, 3, 0],
  ];
  let seed = 1;
  for (const [batch, h, w, inC, outC, k, pad] of cases) {
    const shape = [batch, h, w, inC, outC, k, k, 1, 1, 1, 1, pad, pad, pad, pad];
    const outH = h + 2 * pad - k + 1;
    const outW = w + 2 * pad - k + 1;
    const x = random(batch * h * w * inC, seed++);
    const filter = random(k * k * inC * outC, seed++);
    const dy = random(batch * outH * outW * outC, seed++);
    const run = (b) => {
      const ws = new Float32Array(batch * outH * outW * k * k * inC);
      const out = new Float32Array(batch * outH * outW * outC);
      b.conv2dForward(out, x, filter, ws, ...shape);
      const dx = new Float32Array(x.length);
      b.conv2dBackwardData(dx, dy, filter, ws, ...shape);
      const df = new Float32Array(filter.length);
      b.conv2dBackwardFilter(df, x, dy, ws, ...shape);
      return [out, dx, df];
    };
    const a = run(native);
    run(js).forEach((want, i) => {
      const top = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      close(a[i], want, 1e-4 * top, 1e-5, `conv ${['forward', 'backward-data', 'filter gradient'][i]} ${shape}`);
    });
  }
});

async function training() {
  const { x, y, split } = nn.datasets.digits();
  const xs = nn.data.minMaxScaler().fitTransform(nn.data.take(x, split.train));
  const ys = nn.data.oneHot(nn.data.take(y, split.train), 10);
  const model = nn.sequential([
    nn.layers.dense({ units: 32, activation: 'relu', inputShape: [64] }),
    nn.layers.dense({ units: 10, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const h = await model.fit(xs, ys, { epochs: 10, batchSize: 32, seed: 1, verbose: 0 });
  const loss = h.history.loss;
  assert(loss.at(-1) < loss[0] / 2, `training loss did not fall: ${loss.join(', ')}`);
  assert(h.history.accuracy.at(-1) > 0.8, `training accuracy ${h.history.accuracy.at(-1)}`);
}

function workers() {
  const body = `
    const { parentPort, workerData } = require('node:worker_threads');
    const nn = require(workerData.root);
    const n = 5000, p = new Float32Array(n).fill(1), g = new Float32Array(n), m = new Float32Array(n), v = new Float32Array(n);
    for (let i = 0; i < n; i++) g[i] = Math.sin(i + workerData.id);
    for (let step = 1; step <= 50; step++) nn.backends.native.adamUpdate(p, g, m, v, n, 1e-3, 0.9, 0.999, 1e-7, step, 0);
    parentPort.postMessage({ name: nn.getBackend().name, p });`;
  const one = (id) =>
    new Promise((resolve, reject) => {
      const w = new Worker(body, { eval: true, workerData: { root, id } });
      w.once('message', resolve);
      w.once('error', reject);
    });
  return Promise.all([1, 2, 3].map(one)).then((outs) => {
    outs.forEach((out, i) => {
      assert(out.name === 'native', `worker ${i + 1} runs on ${out.name}`);
      const n = 5000;
      const [p, g, m, v] = [new Float32Array(n).fill(1), new Float32Array(n), new Float32Array(n), new Float32Array(n)];
      for (let j = 0; j < n; j++) g[j] = Math.sin(j + i + 1);
      for (let step = 1; step <= 50; step++) js.adamUpdate(p, g, m, v, n, 1e-3, 0.9, 0.999, 1e-7, step, 0);
      close(out.p, p, 1e-6, 1e-5, `worker ${i + 1}`);
    });
  });
}

async function main() {
  for (const [name, fn] of [
    ['training', training],
    ['worker_threads', workers],
  ]) {
    if (!native) break;
    try {
      await fn();
      results.push({ name, ok: true });
    } catch (err) {
      results.push({ name, ok: false, error: err.message });
    }
  }
  const failed = results.filter((r) => !r.ok);
  console.log(JSON.stringify({ node: process.version, arch: process.arch, addon: addonPath(), results }));
  console.log(`${results.length - failed.length} passed, ${failed.length} failed`);
  process.exitCode = failed.length ? 1 : 0;
}
main();
