// sgemm GFLOP/s: nativenn native (1 thread, all threads) against the js backend and OpenBLAS
// (numpy, 1 thread and all threads), square n and the shapes of an MLP training step.
// One benny suite per shape; an op is one C = A·B (no transposes, alpha 1, beta 0).
const os = require('node:os');
const { loadNativenn, nativeMissing, runSuite, runWorkload, fmtRatio, nativeThreads } = require('./lib/common');
const { numpyGemm } = require('./lib/python');

const SQUARE = [64, 128, 256, 512, 1024].map((n) => [n, n, n]);
const MLP = [
  [32, 64, 64],
  [128, 784, 256],
  [256, 512, 512],
]; // batch × inputs × units
const JS_MAX_FLOP = 2 * 512 ** 3; // the js backend (~0.5 GFLOP/s) stops at n = 512

const label = ([m, k, n]) => (m === k && k === n ? `n=${n}` : `${m}×${k}×${n}`);
const flops = ([m, k, n]) => 2 * m * k * n;

function randomF32(len, seed) {
  const out = new Float32Array(len);
  let s = seed >>> 0;
  for (let i = 0; i < len; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

/** Options by cost: cheap ops get many samples, an op of ~1 s gets a few. */
function optionsFor(flop, gflopsGuess) {
  const seconds = flop / (gflopsGuess * 1e9);
  if (seconds > 0.2) return { minSamples: 3, maxTime: 2, initCount: 1 };
  return { minSamples: 10, maxTime: 1.5 };
}

runWorkload('gemm', async (report) => {
  const nn = loadNativenn();
  let native = nn.backends.native;
  const skipNative = nativeMissing(nn);
  if (skipNative) report.note(`gemm native: skipped, ${skipNative}`);
  if (native) {
    try {
      native.gemm(false, false, 2, 2, 2, 1, new Float32Array(4), 2, new Float32Array(4), 2, 0, new Float32Array(4), 2);
      nn.setNumThreads(Math.max(nativeThreads(nn), os.availableParallelism()));
    } catch (err) {
      report.note(`gemm native: skipped, ${err.message}`);
      native = null;
    }
  }
  const maxThreads = native ? nativeThreads(nn) : 1;

  const shapes = [...SQUARE, ...MLP];
  const measured = new Map(); // label -> { impl -> GFLOP/s }
  for (const shape of shapes) {
    const [m, k, n] = shape;
    const a = randomF32(m * k, 1);
    const b = randomF32(k * n, 2);
    const c = new Float32Array(m * n);
    const gemmOn = (backend, threads) => () => {
      if (threads && nn.getNumThreads() !== threads) nn.setNumThreads(threads);
      backend.gemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n);
    };
    const cases = [];
    if (native) {
      cases.push({ name: 'native 1 thread', fn: gemmOn(native, 1), options: optionsFor(flops(shape), 20) });
      if (maxThreads > 1)
        cases.push({
          name: `native ${maxThreads} threads`,
          fn: gemmOn(native, maxThreads),
          options: optionsFor(flops(shape), 40),
        });
    }
    if (flops(shape) <= JS_MAX_FLOP)
      cases.push({ name: 'js', fn: gemmOn(nn.backends.js), options: optionsFor(flops(shape), 0.5) });
    const medians = await runSuite(`gemm ${label(shape)}`, cases, `gemm-${label(shape).replace(/×/g, 'x')}`);
    const rates = {};
    for (const [name, seconds] of medians) rates[name] = flops(shape) / seconds / 1e9;
    measured.set(label(shape), rates);
  }
  if (native) nn.setNumThreads(maxThreads);

  // OpenBLAS in the same run, after the JS work so the two never share the cores.
  const blas = {};
  for (const threads of [1, maxThreads > 1 ? maxThreads : os.availableParallelism()]) {
    const r = numpyGemm(shapes, threads);
    if (r.skip) {
      report.note(`OpenBLAS: skipped, ${r.skip}`);
      break;
    }
    for (const x of r.results) {
      const key = label([x.m, x.k, x.n]);
      blas[key] = blas[key] ?? {};
      blas[key][threads] = x.gflops;
    }
    if (threads === 1) report.note(`OpenBLAS: ${r.results[0].openblas}; core kernel ${r.results[0].corename}`);
  }

  for (const shape of shapes) {
    const key = label(shape);
    const rates = measured.get(key);
    const one = rates['native 1 thread'];
    const all = rates[`native ${maxThreads} threads`];
    const js = rates.js;
    const blas1 = blas[key]?.[1];
    const blasAll = blas[key] && Object.entries(blas[key]).find(([t]) => t !== '1')?.[1];
    const isSquare = shape[0] === shape[1] && shape[1] === shape[2];
    const n = shape[2];
    if (one !== undefined) {
      report.row(`sgemm ${key}`, 'nativenn native, 1 thread', one, 'GFLOP/s', {
        ratio: [fmtRatio(one, blas1, 'OpenBLAS 1T'), fmtRatio(one, js, 'js')].filter(Boolean).join(', '),
        target:
          isSquare && n >= 256
            ? { key: 'sgemm-1t', text: '≥ 0.9× OpenBLAS 1T', met: blas1 ? one >= 0.9 * blas1 : undefined }
            : undefined,
      });
    }
    if (all !== undefined) {
      report.row(`sgemm ${key}`, `nativenn native, ${maxThreads} threads`, all, 'GFLOP/s', {
        ratio: [fmtRatio(all, one, 'native 1T'), fmtRatio(all, blasAll, 'OpenBLAS all')].filter(Boolean).join(', '),
        target:
          isSquare && n === 1024 ? { key: 'sgemm-2t', text: '≥ 1.8× native 1T', met: all >= 1.8 * one } : undefined,
      });
    }
    if (js !== undefined) {
      report.row(`sgemm ${key}`, 'nativenn js backend', js, 'GFLOP/s', {
        target:
          key === 'n=512' && one !== undefined
            ? { key: 'sgemm-js', text: 'native/js ≥ 100×', met: one / js >= 100 }
            : undefined,
      });
    }
    if (blas1 !== undefined) report.row(`sgemm ${key}`, 'OpenBLAS (numpy), 1 thread', blas1, 'GFLOP/s');
    if (blasAll !== undefined)
      report.row(`sgemm ${key}`, `OpenBLAS (numpy), ${os.availableParallelism()} threads`, blasAll, 'GFLOP/s');
  }
});
