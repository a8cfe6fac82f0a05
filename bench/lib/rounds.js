// Interleaved measurement (issue 17): every contender of a comparison measured once per round,
// A B A B …, for ROUNDS rounds; a figure is the median over the rounds with its min–max beside it,
// and a ratio is the median of the per-round ratios (two figures taken back to back share the
// machine's load of that moment). Each round gives a contender two figures: by wall time (the
// headline) and by the process's CPU time (for 1-thread contenders on a loaded machine: waiting
// for a core is not counted). The native kernels are measured on each CPU path of
// benchPaths(), switched in-process with the addon's setCpuPath; the Python references get the
// matching instruction set through their environment (referenceEnv).
const path = require('node:path');
const { median } = require('./common');

const ROUNDS = Math.max(5, Number(process.env.NATIVENN_BENCH_ROUNDS) || 5);

/** The raw addon of the nativenn being measured (for setCpuPath), or null. */
function rawAddon() {
  const lib = process.env.NATIVENN_BENCH_LIB || path.join(__dirname, '..', '..', 'dist');
  try {
    return require(path.join(lib, 'backend', 'native', 'addon')).addon ?? null;
  } catch {
    return null;
  }
}

/** The CPU paths to measure: NATIVENN_CPU's alone when set, else NATIVENN_BENCH_PATHS (comma
 *  separated) or every SIMD path this CPU runs (portable only when it has none). Each path is
 *  { name, use() }; use() switches the native kernels to it. */
function benchPaths(nn) {
  const addon = rawAddon();
  const current = typeof nn.cpuPath === 'function' ? nn.cpuPath() : null;
  if (!addon || typeof addon.setCpuPath !== 'function' || !current) {
    return [{ name: current ?? 'default', use: () => {} }];
  }
  const runs = addon.cpuPaths();
  let wanted;
  if (process.env.NATIVENN_CPU) wanted = [current];
  else if (process.env.NATIVENN_BENCH_PATHS) wanted = process.env.NATIVENN_BENCH_PATHS.split(',').map((s) => s.trim());
  else wanted = runs.filter((p) => p !== 'portable').length ? runs.filter((p) => p !== 'portable') : runs;
  const missing = wanted.filter((p) => !runs.includes(p));
  if (missing.length) console.log(`  note: this CPU does not run ${missing.join(', ')}; measuring ${runs[0]} instead`);
  const chosen = [...new Set(wanted.map((p) => (runs.includes(p) ? p : runs[0])))];
  return chosen.map((name) => ({
    name,
    use: () => {
      if (!addon.setCpuPath(name)) throw new Error(`setCpuPath(${name}) refused`);
    },
  }));
}

// OpenBLAS's kernel per path. Set explicitly: OpenBLAS 0.3.21 (DYNAMIC_ARCH) picks its kernel by
// CPU model and falls back to Prescott (SSE3, a third of the AVX2 speed) on models it does not
// know, such as this Xeon (family 6, model 207). SkylakeX is its AVX-512 sgemm kernel (Cooperlake
// adds only bf16 kernels), Haswell its AVX2 + FMA one (what a Zen 3 gets).
const OPENBLAS_CORE = { avx512: 'SkylakeX', avx2: 'Haswell' };

// glibc malloc keeps freed memory instead of returning it to the OS (mmap threshold 32 MiB, its
// maximum; trim threshold 1 GiB). PyTorch allocates every activation, gradient and Adam temporary
// afresh; with glibc's defaults its tensors of hundreds of KiB come from fresh pages each step, and
// a page fault in this KVM guest costs ~7 µs: the 784 MLP (batch 128) took 98,800 page faults and
// 0.73 s of system time in 2.4 s, 27k samples/s, and 96k with these thresholds (as with jemalloc or
// tcmalloc preloaded: 97k/98k; AVX2 path 25k -> 64k). The digits MLP and numpy's sgemm do not
// change. PyTorch's own tuning guide recommends such an allocator; a reference slowed by page
// faults would flatter nativenn, which allocates nothing per step.
const MALLOC_TUNABLES = 'glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824';

/** The environment of a Python reference: `threads` threads, glibc malloc keeping its memory
 *  (MALLOC_TUNABLES), and the instruction set of `cpuPath` for OpenBLAS (numpy and PyTorch's BLAS),
 *  ATen and oneDNN; a path without one (portable) leaves each library to its own choice. */
function referenceEnv(cpuPath, threads) {
  const env = {
    ...process.env,
    OPENBLAS_NUM_THREADS: String(threads),
    OMP_NUM_THREADS: String(threads),
    GLIBC_TUNABLES: MALLOC_TUNABLES,
  };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  delete env.ATEN_CPU_CAPABILITY;
  delete env.ONEDNN_MAX_CPU_ISA;
  if (OPENBLAS_CORE[cpuPath]) env.OPENBLAS_CORETYPE = OPENBLAS_CORE[cpuPath];
  if (cpuPath === 'avx2') {
    env.ATEN_CPU_CAPABILITY = 'avx2';
    env.ONEDNN_MAX_CPU_ISA = 'AVX2';
  }
  return env;
}

/** Pause after each measurement, ms (NATIVENN_BENCH_SETTLE_MS). A reference's OpenMP threads
 *  keep spinning after its work returns (PyTorch with 2 threads: ~80 ms of CPU in the 200 ms after
 *  a CNN epoch), so a contender measured right after it shared the cores with them: nativenn's
 *  2-thread CNN epoch ran 15–20% slower right after a PyTorch epoch than after a pause. Every
 *  contender waits alike. */
const SETTLE_MS = Math.max(0, Number(process.env.NATIVENN_BENCH_SETTLE_MS ?? 300));
const settle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

/** Runs contenders [{ name, measure: async () => figure }] interleaved for ROUNDS rounds, the order
 *  reversed every other round (no contender always runs right after the same one). Returns
 *  Map(name -> figures, one per round). A contender that throws is dropped with its error.
 *  show(figure) formats a figure for the progress line. */
async function interleave(contenders, { rounds = ROUNDS, onError, show = fmt3 } = {}) {
  const figures = new Map(contenders.map((c) => [c.name, []]));
  let live = [...contenders];
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? live : [...live].reverse();
    for (const c of order) {
      try {
        await settle();
        figures.get(c.name).push(await c.measure());
      } catch (err) {
        onError?.(c.name, err);
        figures.delete(c.name);
        live = live.filter((x) => x !== c);
      }
    }
    console.log(
      `  round ${r + 1}/${rounds}: ${[...figures].map(([n, v]) => `${n} ${show(v[v.length - 1])}`).join('; ')}`,
    );
  }
  return figures;
}

function fmt3(x) {
  if (x === undefined) return '-';
  if (typeof x === 'object') return `${fmt3(x.wall)} (cpu ${fmt3(x.cpu)})`;
  return Number(x.toPrecision(3)).toLocaleString('en-US');
}

/** { median, min, max } of a list of figures. */
function spread(values) {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** The per-round ratios a[i] / b[i] as { median, min, max }, or undefined without both. */
function pairedRatio(a, b) {
  if (!a?.length || !b?.length || a.length !== b.length) return undefined;
  return spread(a.map((x, i) => x / b[i]));
}

/** Runs op() until `seconds` have passed (at least `minOps` times): { wall, cpu }, the median
 *  wall time of one op and the process's CPU time (user + system, all threads) per op, in seconds.
 *  Awaits op() when it returns a promise. On a machine shared with other jobs a single-threaded
 *  op's CPU time moves far less than its wall time (time waiting for a core is not counted). */
async function timeOps(op, seconds, minOps = 3) {
  const times = [];
  const start = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  while (times.length < minOps || Number(process.hrtime.bigint() - start) / 1e9 < seconds) {
    const t = process.hrtime.bigint();
    const r = op();
    if (r && typeof r.then === 'function') await r;
    times.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  const cpu = process.cpuUsage(cpu0);
  return { wall: median(times), cpu: (cpu.user + cpu.system) / 1e6 / times.length };
}

module.exports = {
  ROUNDS,
  MALLOC_TUNABLES,
  benchPaths,
  referenceEnv,
  interleave,
  settle,
  spread,
  pairedRatio,
  timeOps,
};
