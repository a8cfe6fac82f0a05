// sgemm GFLOP/s: nativenn native (1 thread, all threads) on each CPU path against OpenBLAS
// (numpy, 1 thread and all threads, on the same instruction set), square n and the shapes of an
// MLP training step; the js backend alone for scale. An op is one C = A·B (no transposes, alpha
// 1, beta 0). Native and OpenBLAS are interleaved (lib/rounds.js): each round measures every
// shape on every contender, native in this process, OpenBLAS in one python process per contender.
// NATIVENN_GEMM_BASELINE=/path/to/nativenn.node (an older build's raw addon) times it beside this
// one in every round, with its own thread pool and behind this build's argument checks (as the
// backend's gemm is: at n = 64 they take 5% of a call, 3.8 vs 3.6 us): rows "baseline build" and this
// build's per-round speed-up over it.
const os = require('node:os');
const path = require('node:path');
const { loadNativenn, nativeMissing, runWorkload, fmt, nativeThreads } = require('./lib/common');
const { numpyGemm } = require('./lib/python');
const { ROUNDS, benchPaths, interleave, spread, pairedRatio, timeOps } = require('./lib/rounds');

const SQUARE = [64, 128, 256, 512, 1024].map((n) => [n, n, n]);
const MLP = [
  [32, 64, 64],
  [128, 784, 256],
  [256, 512, 512],
]; // batch × inputs × units
const JS_MAX_FLOP = 2 * 512 ** 3; // the js backend (~0.5 GFLOP/s) stops at n = 512
const NATIVE_SECONDS = 0.12; // per shape, contender and round
const BLAS = { batches: 3, seconds: 0.04 };

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

/** f(shape) for every shape in one round: a Map(label -> GFLOP/s). */
async function allShapes(shapes, gflopsOf) {
  const out = new Map();
  for (const shape of shapes) out.set(label(shape), await gflopsOf(shape));
  return out;
}

runWorkload('gemm', async (report) => {
  const nn = loadNativenn();
  const native = nn.backends.native;
  const skipNative = nativeMissing(nn);
  if (skipNative) report.note(`gemm native: skipped, ${skipNative}`);
  const maxThreads = native ? Math.max(nativeThreads(nn), os.availableParallelism()) : os.availableParallelism();
  const shapes = [...SQUARE, ...MLP];
  const buffers = new Map(
    shapes.map((s) => [
      label(s),
      { a: randomF32(s[0] * s[1], 1), b: randomF32(s[1] * s[2], 2), c: new Float32Array(s[0] * s[2]) },
    ]),
  );
  const paths = native ? benchPaths(nn) : [{ name: 'default', use: () => {} }];
  const basePath = native ? process.env.NATIVENN_GEMM_BASELINE : undefined;
  const base = basePath ? require(path.resolve(basePath)) : null;
  const { validators } = require(
    path.join(process.env.NATIVENN_BENCH_LIB || path.join(__dirname, '..', 'dist'), 'backend', 'validate'),
  );
  const baseGemm = (...args) => {
    validators.gemm(...args);
    return base.gemm(...args);
  };
  if (base) report.note(`gemm: baseline build ${path.resolve(basePath)}, timed beside this one in every round`);

  // The js backend, for scale only (not interleaved: it is no reference, and n = 512 takes 0.4 s).
  const jsRates = new Map();
  for (const shape of shapes.filter((s) => flops(s) <= JS_MAX_FLOP)) {
    const { a, b, c } = buffers.get(label(shape));
    const [m, k, n] = shape;
    const t = await timeOps(() => nn.backends.js.gemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n), 0.5);
    jsRates.set(label(shape), flops(shape) / t.wall / 1e9);
  }

  // Contenders, one figure per shape per round: a round's figure is a Map(label -> GFLOP/s); the
  // interleaving runs over whole rounds of shapes, so each contender yields one Map per round.
  const contenders = [];
  const threadCounts = maxThreads > 1 ? [1, maxThreads] : [1];
  for (const p of paths) {
    for (const threads of native ? threadCounts : []) {
      contenders.push({
        name: `native ${p.name} ${threads}T`,
        measure: () => {
          p.use();
          nn.setNumThreads(threads);
          return allShapes(shapes, async (shape) => {
            const { a, b, c } = buffers.get(label(shape));
            const [m, k, n] = shape;
            const t = await timeOps(() => native.gemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n), NATIVE_SECONDS);
            return { wall: flops(shape) / t.wall / 1e9, cpu: flops(shape) / t.cpu / 1e9 };
          });
        },
      });
    }
    for (const threads of base ? threadCounts : []) {
      contenders.push({
        name: `baseline ${p.name} ${threads}T`,
        measure: () => {
          if (!base.setCpuPath(p.name)) throw new Error(`baseline: setCpuPath(${p.name}) refused`);
          base.setNumThreads(threads);
          return allShapes(shapes, async (shape) => {
            const { a, b, c } = buffers.get(label(shape));
            const [m, k, n] = shape;
            const t = await timeOps(() => baseGemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n), NATIVE_SECONDS);
            return { wall: flops(shape) / t.wall / 1e9, cpu: flops(shape) / t.cpu / 1e9 };
          });
        },
      });
    }
    for (const threads of threadCounts) {
      contenders.push({
        name: `OpenBLAS ${p.name} ${threads}T`,
        measure: async () => {
          const r = numpyGemm(shapes, threads, p.name, BLAS);
          if (r.skip) throw new Error(r.skip);
          if (threads === 1 && !report.notes.some((n) => n.startsWith(`OpenBLAS on the ${p.name} path`)))
            report.note(
              `OpenBLAS on the ${p.name} path: ${r.results[0].openblas}; core kernel ${r.results[0].corename}`,
            );
          return new Map(r.results.map((x) => [label([x.m, x.k, x.n]), { wall: x.gflops, cpu: x.cpu_gflops }]));
        },
      });
    }
  }
  const rounds = await interleave(contenders, {
    show: (m) => `n=1024 ${m?.get('n=1024')?.wall.toFixed(1)} (cpu ${m?.get('n=1024')?.cpu.toFixed(1)})`,
    onError: (name, err) => report.note(`${name}: skipped, ${err.message.split('\n')[0]}`),
  });
  if (native) nn.setNumThreads(maxThreads);
  paths[0]?.use();

  // Per shape: the series of each contender over the rounds.
  const series = (name, key, kind = 'wall') => rounds.get(name)?.map((m) => m.get(key)[kind]);
  const fmtR = (r, what) => (r ? `${fmt(r.median)}× ${what} (${fmt(r.min)}–${fmt(r.max)})` : null);
  for (const shape of shapes) {
    const key = label(shape);
    const isSquare = shape[0] === shape[1] && shape[1] === shape[2];
    for (const p of paths) {
      const n1 = series(`native ${p.name} 1T`, key);
      const nT = series(`native ${p.name} ${maxThreads}T`, key);
      const b1 = series(`OpenBLAS ${p.name} 1T`, key);
      const bT = series(`OpenBLAS ${p.name} ${maxThreads}T`, key);
      const scaleNative = pairedRatio(nT, n1);
      const scaleBlas = pairedRatio(bT, b1);
      const vsBlas1 = pairedRatio(n1, b1);
      const cpuVsBlas1 = pairedRatio(
        series(`native ${p.name} 1T`, key, 'cpu'),
        series(`OpenBLAS ${p.name} 1T`, key, 'cpu'),
      );
      if (n1) {
        report.row(`sgemm ${key}`, `nativenn native, ${p.name}, 1 thread`, spread(n1).median, 'GFLOP/s', {
          spread: [spread(n1).min, spread(n1).max],
          ratio: [
            fmtR(vsBlas1, 'OpenBLAS 1T'),
            fmtR(cpuVsBlas1, 'OpenBLAS 1T by CPU time'),
            jsRates.has(key) ? `${fmt(spread(n1).median / jsRates.get(key))}× js` : null,
          ]
            .filter(Boolean)
            .join(', '),
          target:
            isSquare && shape[0] >= 256
              ? {
                  key: `sgemm-1t-${p.name}`,
                  text: '≥ OpenBLAS 1T (median of round ratios)',
                  also: cpuVsBlas1 ? `by CPU time: ${cpuVsBlas1.median >= 1 ? 'met' : 'NOT met'}` : undefined,
                  met: vsBlas1 ? vsBlas1.median >= 1 : undefined,
                }
              : undefined,
        });
      }
      if (nT) {
        report.row(`sgemm ${key}`, `nativenn native, ${p.name}, ${maxThreads} threads`, spread(nT).median, 'GFLOP/s', {
          spread: [spread(nT).min, spread(nT).max],
          ratio: [fmtR(scaleNative, 'native 1T'), fmtR(pairedRatio(nT, bT), `OpenBLAS ${maxThreads}T`)]
            .filter(Boolean)
            .join(', '),
          target:
            isSquare && shape[0] === 1024
              ? {
                  key: `sgemm-2t-${p.name}`,
                  text: `${maxThreads}T/1T ≥ OpenBLAS's own ${maxThreads}T/1T (${scaleBlas ? fmt(scaleBlas.median) : 'n/a'}×)`,
                  met: scaleNative && scaleBlas ? scaleNative.median >= scaleBlas.median : undefined,
                }
              : undefined,
        });
      }
      for (const threads of base ? threadCounts : []) {
        const old = series(`baseline ${p.name} ${threads}T`, key);
        const now = series(`native ${p.name} ${threads}T`, key);
        const oldScale = threads > 1 ? pairedRatio(old, series(`baseline ${p.name} 1T`, key)) : undefined;
        if (old)
          report.row(
            `sgemm ${key}`,
            `nativenn native, baseline build, ${p.name}, ${threads} thread${threads > 1 ? 's' : ''}`,
            spread(old).median,
            'GFLOP/s',
            {
              spread: [spread(old).min, spread(old).max],
              ratio: [fmtR(pairedRatio(now, old), 'this build over the baseline'), fmtR(oldScale, 'baseline 1T')]
                .filter(Boolean)
                .join(', '),
            },
          );
      }
      if (b1)
        report.row(`sgemm ${key}`, `OpenBLAS (numpy), ${p.name}, 1 thread`, spread(b1).median, 'GFLOP/s', {
          spread: [spread(b1).min, spread(b1).max],
        });
      if (bT)
        report.row(`sgemm ${key}`, `OpenBLAS (numpy), ${p.name}, ${maxThreads} threads`, spread(bT).median, 'GFLOP/s', {
          spread: [spread(bT).min, spread(bT).max],
          ratio: fmtR(scaleBlas, 'OpenBLAS 1T') ?? undefined,
        });
    }
    if (jsRates.has(key)) {
      const best1 = series(`native ${paths[0].name} 1T`, key);
      report.row(`sgemm ${key}`, 'nativenn js backend', jsRates.get(key), 'GFLOP/s', {
        target:
          key === 'n=512' && best1
            ? { key: 'sgemm-js', text: 'native/js ≥ 100×', met: spread(best1).median / jsRates.get(key) >= 100 }
            : undefined,
      });
    }
  }
  report.note(
    `gemm: ${ROUNDS} interleaved rounds; per round each native figure is the median op over ≥ ${NATIVE_SECONDS} s, each OpenBLAS figure the median of ${BLAS.batches} batches of ≥ ${BLAS.seconds} s (gemm_numpy_shapes.py); spread = min–max over the rounds; ratios are medians (min–max) of the per-round ratios`,
  );
});
