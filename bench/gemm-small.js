// sgemm GFLOP/s on the small and skinny shapes of training (issue 17): a recurrent layer's step
// (B = 32, 64; U = 64, 128) and its two backward products, with leading dimensions of a sequence
// cache, and the GEMMs of the digits and 784 MLP steps in all transposes. nativenn (the raw
// addon's gemm) against OpenBLAS's cblas_sgemm (same transposes, leading dimensions and beta,
// through ctypes), with 1 and 2 threads, on each CPU path; interleaved rounds (lib/rounds.js),
// medians with min–max.
//   node bench/gemm-small.js                      # this build (build/Release)
//   NATIVENN_GEMM_BASELINE=/tmp/base/nativenn.node node bench/gemm-small.js   # and an older build
// NATIVENN_BENCH_ROUNDS (default 7), NATIVENN_BENCH_PATHS=avx2 (default: avx512,avx2 as the CPU
// runs them), NATIVENN_BENCH_SHAPES=rnn|mlp (default both). Prints a table; saves nothing.
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { findPython } = require('./lib/python');
const { referenceEnv, spread } = require('./lib/rounds');

const ROUNDS = Math.max(7, Number(process.env.NATIVENN_BENCH_ROUNDS) || 7);
const SECONDS = 0.02; // per shape, contender and round

// [op, m, n, k, lda, ldb, ldc, beta]; op: transposes of A and B. Sequence caches are
// [batch, time = 8, width]: h with width 640 (lda 5120), dgates with width 4U.
function rnnShapes() {
  const out = [];
  for (const B of [32, 64]) {
    for (const U of [64, 128]) {
      const G = 4 * U;
      out.push(['NN', B, G, U, 5120, G, G, 1]); // gates += h·R
      out.push(['NT', B, U, G, 8 * G, G, U, 0]); // dh = dgates·Rᵀ
      out.push(['TN', U, G, B, 5120, 8 * G, G, 1]); // dR += hᵀ·dgates
    }
  }
  return out;
}
const dense = (op, m, n, k, beta = 0) => {
  const [ta, tb] = [op[0] === 'T', op[1] === 'T'];
  return [op, m, n, k, ta ? m : k, tb ? k : n, n, beta];
};
const MLP = [
  // digits 64-64-10, batch 32: forward, dX = dY·Wᵀ, dW = Xᵀ·dY
  dense('NN', 32, 64, 64),
  dense('NN', 32, 10, 64),
  dense('NT', 32, 64, 10),
  dense('TN', 64, 64, 32),
  dense('TN', 64, 10, 32),
  // 784-256-128-10, batch 128
  dense('NN', 128, 256, 784),
  dense('NN', 128, 128, 256),
  dense('NN', 128, 10, 128),
  dense('NT', 128, 128, 10),
  dense('NT', 128, 256, 128),
  dense('TN', 784, 256, 128),
  dense('TN', 256, 128, 128),
  dense('TN', 128, 10, 128),
];
const which = process.env.NATIVENN_BENCH_SHAPES;
const SHAPES = [...(which === 'mlp' ? [] : rnnShapes()), ...(which === 'rnn' ? [] : MLP)];
const label = ([op, m, n, k, lda, ldb]) =>
  `${op} ${m}×${n}×${k}${lda > (op[0] === 'T' ? m : k) ? ` lda ${lda}` : ''}${
    ldb > (op[1] === 'T' ? k : n) ? ` ldb ${ldb}` : ''
  }`;
const flops = (s) => 2 * s[1] * s[2] * s[3];

function randomF32(len, seed) {
  const out = new Float32Array(len);
  let s = seed >>> 0;
  for (let i = 0; i < len; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

const buffers = SHAPES.map(([op, m, n, k, lda, ldb, ldc]) => ({
  a: randomF32((op[0] === 'T' ? k : m) * lda, 1),
  b: randomF32((op[1] === 'T' ? n : k) * ldb, 2),
  c: new Float32Array(m * ldc),
}));

/** GFLOP/s of each shape on a raw addon: one timed batch of at least SECONDS per shape. */
function nativeRound(addon, cpuPath, threads) {
  if (!addon.setCpuPath(cpuPath)) throw new Error(`setCpuPath(${cpuPath}) refused`);
  addon.setNumThreads(threads);
  return SHAPES.map((s, i) => {
    const [op, m, n, k, lda, ldb, ldc, beta] = s;
    const { a, b, c } = buffers[i];
    const ta = op[0] === 'T',
      tb = op[1] === 'T';
    const run = () => addon.gemm(ta, tb, m, n, k, 1, a, lda, b, ldb, beta, c, ldc);
    for (let w = 0; w < 3; w++) run();
    let reps = 0;
    const t0 = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    let dt = 0;
    while (dt < SECONDS || reps < 3) {
      for (let r = 0; r < 16; r++) run();
      reps += 16;
      dt = Number(process.hrtime.bigint() - t0) / 1e9;
    }
    const cpu = process.cpuUsage(cpu0);
    if (beta !== 0) c.fill(0); // keep accumulating cases finite
    return { wall: (flops(s) * reps) / dt / 1e9, cpu: (flops(s) * reps) / ((cpu.user + cpu.system) / 1e6) / 1e9 };
  });
}

function blasRound(python, cpuPath, threads) {
  const cases = SHAPES.map(([op, ...rest]) => [op, ...rest].join(','));
  const script = path.join(__dirname, 'reference', 'gemm_cblas_cases.py');
  const r = spawnSync(python, [script, '--seconds', String(SECONDS), ...cases], {
    env: referenceEnv(cpuPath, threads),
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`gemm_cblas_cases.py failed: ${r.stderr.slice(-300)}`);
  const rows = JSON.parse(r.stdout.trim().split('\n').pop());
  blasRound.core ??= {};
  blasRound.core[cpuPath] = rows[0].corename;
  return rows.map((x) => ({ wall: x.gflops, cpu: x.cpu_gflops }));
}

function main() {
  const addonPath = process.env.NATIVENN_ADDON_PATH || path.join(__dirname, '..', 'build', 'Release', 'nativenn.node');
  const builds = [['new', require(addonPath)]];
  if (process.env.NATIVENN_GEMM_BASELINE)
    builds.push(['base', require(path.resolve(process.env.NATIVENN_GEMM_BASELINE))]);
  const runs = builds[0][1].cpuPaths();
  const wanted = (process.env.NATIVENN_BENCH_PATHS || 'avx512,avx2').split(',').filter((p) => runs.includes(p));
  // Debian's python: its numpy uses the system OpenBLAS, which honours OPENBLAS_CORETYPE.
  const python = process.env.NATIVENN_BENCH_PYTHON || (findPython(['numpy', 'torch']) ?? '/usr/bin/python3');
  const contenders = [];
  for (const p of wanted) {
    for (const threads of [1, 2]) {
      for (const [name, addon] of builds)
        contenders.push({ name: `${name} ${p} ${threads}T`, run: () => nativeRound(addon, p, threads) });
      if (python) contenders.push({ name: `OpenBLAS ${p} ${threads}T`, run: () => blasRound(python, p, threads) });
    }
  }
  const figures = new Map(contenders.map((c) => [c.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? contenders : [...contenders].reverse();
    for (const c of order) figures.get(c.name).push(c.run());
    process.stderr.write(`round ${r + 1}/${ROUNDS}\n`);
  }
  const fmt = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  console.log(`OpenBLAS cores: ${JSON.stringify(blasRound.core ?? {})}; ${ROUNDS} rounds; GFLOP/s median (min–max)`);
  for (const p of wanted) {
    for (const threads of [1, 2]) {
      const names = contenders.filter((c) => c.name.includes(` ${p} ${threads}T`)).map((c) => c.name);
      console.log(`\n## ${p} path, ${threads} thread${threads > 1 ? 's' : ''}`);
      console.log(
        `| shape | ${names.join(' | ')} | ${names
          .slice(1)
          .map((n) => `new/${n.split(' ')[0]}`)
          .join(' | ')} |`,
      );
      console.log(`| --- |${' --- |'.repeat(2 * names.length - 1)}`);
      SHAPES.forEach((s, i) => {
        const cols = names.map((n) => {
          const v = spread(figures.get(n).map((round) => round[i].wall));
          return `${fmt(v.median)} (${fmt(v.min)}–${fmt(v.max)})`;
        });
        // Median of the per-round ratios; by CPU time (process user + system, all threads) beside
        // it: on a loaded machine a 1-thread figure's wall time includes waiting for a core.
        const ratios = names.slice(1).map((n) => {
          const newer = figures.get(names[0]),
            other = figures.get(n);
          const ratio = (kind) => spread(newer.map((round, r) => round[i][kind] / other[r][i][kind])).median.toFixed(2);
          return `${ratio('wall')}× (cpu ${ratio('cpu')}×)`;
        });
        console.log(`| ${label(s)} | ${cols.join(' | ')} | ${ratios.join(' | ')} |`);
      });
    }
  }
}

main();
