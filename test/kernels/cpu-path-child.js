#!/usr/bin/env node
// One CPU path in its own process (test/kernels/cpu-path.test.ts): NATIVENN_CPU is read once,
// when the addon loads, so each path needs a fresh process. Prints one JSON line: the path in
// use, the GEMM kernel it picks for a small and a large product, the worst GEMM error against
// the js twin relative to the float32 bound (≤ 1 passes), and the losses of a short training run
// on the native and js backends (activations, softmax and Adam on this path, through the tape).
// Usage: NATIVENN_CPU=avx2 node cpu-path-child.js
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const nn = require(path.join(root, 'dist'));
const { addon } = require(path.join(root, 'dist', 'backend', 'native', 'addon'));

// mulberry32, as in test/support/backends.ts
function randomF32(n, seed) {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

// |native − twin| against 2u·((k+3)·Σ|a||b| + 3|beta·c|), the bound of test/kernels/gemm.test.ts.
function gemmWorst(ta, tb, m, n, k, seed) {
  const a = randomF32(m * k, seed);
  const b = randomF32(k * n, seed + 1);
  const c0 = randomF32(m * n, seed + 2);
  const [lda, ldb] = [ta ? m : k, tb ? k : n];
  const cJs = c0.slice();
  const cNative = c0.slice();
  nn.backends.js.gemm(ta, tb, m, n, k, 1.5, a, lda, b, ldb, 0.5, cJs, n);
  nn.backends.native.gemm(ta, tb, m, n, k, 1.5, a, lda, b, ldb, 0.5, cNative, n);
  const abs = new Float32Array(m * n);
  nn.backends.js.gemm(ta, tb, m, n, k, 1, a.map(Math.abs), lda, b.map(Math.abs), ldb, 0, abs, n);
  let worst = 0;
  for (let i = 0; i < m * n; i++) {
    const bound = 2 * 2 ** -24 * ((k + 3) * 1.5 * abs[i] + 3 * Math.abs(0.5 * c0[i])) + 1e-30;
    const err = Math.abs(cNative[i] - cJs[i]);
    worst = Math.max(worst, err <= bound * 1e30 ? err / bound : Infinity);
  }
  return worst;
}

async function trainLosses(backend) {
  nn.setBackend(backend);
  const x = nn.tensor2d(randomF32(96 * 20, 7), [96, 20]);
  const labels = randomF32(96, 8).map((v) => Math.floor((v + 1) * 2.5));
  const y = nn.data.oneHot(Int32Array.from(labels), 5);
  const model = nn.sequential({
    seed: 5,
    layers: [
      nn.layers.dense({ units: 24, activation: 'tanh', inputShape: [20] }),
      nn.layers.dense({ units: 16, activation: 'relu' }),
      nn.layers.dense({ units: 5, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  const h = await model.fit(x, y, { epochs: 3, batchSize: 16, shuffle: false, verbose: 0 });
  return h.history.loss;
}

async function main() {
  const gemm = [];
  for (const [m, n, k] of [
    [32, 64, 64],
    [7, 10, 33],
    [128, 128, 257],
    [200, 300, 130],
  ]) {
    for (const ta of [false, true]) for (const tb of [false, true]) gemm.push(gemmWorst(ta, tb, m, n, k, m + n + k));
  }
  const out = {
    path: nn.cpuPath(),
    paths: addon.cpuPaths(),
    smallKernel: addon._gemmKernelFor(32, 64, 64),
    largeKernel: addon._gemmKernelFor(1024, 1024, 1024),
    gemmWorst: Math.max(...gemm),
    nativeLoss: await trainLosses('native'),
    jsLoss: await trainLosses('js'),
  };
  console.log(JSON.stringify(out));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
