// conv2d forward, backward-data and filter gradient: Winograd F(2×2, 3×3) and F(4×4, 3×3) against
// im2col + GEMM on one build (the raw addon's hidden _convWinograd switch: 1 = never, 2 = F(2×2)
// wherever it can run, 3 = F(4×4) where its tiles fit), with the tape's workspace (a column slot
// per image), on 3×3 stride-1 shapes with channel counts around the threshold
// (native/kernels/conv_winograd.cc: kWinogradMinChannels) and the Fashion-MNIST CNN's second layer.
// Interleaved: each round times the three paths back to back, in turning order; a figure is the
// median time per call with the median over the rounds of the per-round im2col/Winograd time ratio
// (> 1: Winograd faster) and its min–max. With 1 thread the times are CPU time (see CPU_CLOCK).
//   node bench/conv-winograd.js                 # 1 thread; NATIVENN_BENCH_THREADS=2 for 2
// NATIVENN_BENCH_ROUNDS (default 11), NATIVENN_BENCH_SHAPES=cnn (the CNN's layer alone),
// NATIVENN_CPU=avx2 for the AVX2 path. Prints a table; saves nothing.
const os = require('node:os');
const path = require('node:path');

const addon = require(path.join(__dirname, '..', 'build', 'Release', 'nativenn.node'));
const ROUNDS = Math.max(5, Number(process.env.NATIVENN_BENCH_ROUNDS) || 11);
const THREADS = Number(process.env.NATIVENN_BENCH_THREADS) || 1;
const OPS = ['fwd', 'bwd', 'filter'];
if (process.env.NATIVENN_CPU) addon.setCpuPath?.(process.env.NATIVENN_CPU);

// [batch, size, inC, outC, padding]
const CNN = [64, 13, 32, 64, 'valid'];
const GRID = [];
for (const [batch, size] of [
  [64, 13],
  [16, 28],
])
  for (const [inC, outC] of [
    [4, 4],
    [8, 8],
    [8, 16],
    [16, 8],
    [16, 16],
    [16, 32],
    [24, 24],
    [32, 16],
    [32, 32],
    [32, 64],
    [64, 32],
    [64, 64],
  ])
    GRID.push([batch, size, inC, outC, size === 13 ? 'valid' : 'same']);
const SHAPES = process.env.NATIVENN_BENCH_SHAPES === 'cnn' ? [CNN] : [CNN, ...GRID];

function random(n) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() * 2 - 1;
  return a;
}

// With 1 thread, the process's CPU time (user + system): on a machine shared with other jobs it
// leaves out the time this process waited for a core, which wall time counts. With more threads,
// wall time (CPU time would add the threads up).
const CPU_CLOCK = THREADS === 1;
const clock = CPU_CLOCK
  ? () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1e6;
    }
  : () => Number(process.hrtime.bigint()) / 1e9;

/** Seconds per call of fn: the calls fill at least `seconds`. */
function perCall(fn, seconds = 0.05) {
  let reps = 0;
  const t0 = clock();
  let t = t0;
  do {
    fn();
    reps++;
    t = clock();
  } while (t - t0 < seconds);
  return (t - t0) / reps;
}

const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
const us = (s) => `${(s * 1e6).toFixed(0)}`;

function bench([batch, size, inC, outC, padding]) {
  const pad = padding === 'same' ? 1 : 0;
  const out = size + 2 * pad - 2;
  const shape = [batch, size, size, inC, outC, 3, 3, 1, 1, 1, 1, pad, pad, pad, pad];
  const x = random(batch * size * size * inC);
  const filter = random(9 * inC * outC);
  const dy = random(batch * out * out * outC);
  const y = new Float32Array(batch * out * out * outC);
  const dx = new Float32Array(x.length);
  const dfilter = new Float32Array(filter.length);
  const ws = new Float32Array(batch * out * out * 9 * inC);
  const ops = {
    fwd: () => addon.conv2dForward(y, x, filter, ws, ...shape),
    bwd: () => addon.conv2dBackwardData(dx, dy, filter, ws, ...shape),
    // the filter gradient as the tape runs it after a Winograd forward: no columns ready
    filter: () => addon.conv2dBackwardFilter(dfilter, x, dy, ws, ...shape),
  };
  const modes = [1, 2, 3];
  const times = Object.fromEntries(OPS.map((op) => [op, { 1: [], 2: [], 3: [] }]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const op of OPS) {
      for (let k = 0; k < modes.length; k++) {
        const mode = modes[(k + r) % modes.length];
        addon._convWinograd(mode);
        ops[op](); // warm: the filter scratch, the caches
        times[op][mode].push(perCall(ops[op]));
      }
    }
  }
  addon._convWinograd(0);
  const row = [`${batch}×${size}×${size}×${inC}→${outC} ${padding}`];
  for (const op of OPS) {
    const cell = [`${us(median(times[op][1]))}`];
    for (const mode of [2, 3]) {
      const ratios = times[op][1].map((t, i) => t / times[op][mode][i]);
      cell.push(
        `${us(median(times[op][mode]))} ${median(ratios).toFixed(2)}× (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
      );
    }
    row.push(cell.join(' / '));
  }
  return row;
}

addon.setNumThreads(THREADS);
const saved = addon._convWinograd();
console.log(
  `conv2d 3×3 stride 1, µs per call (${CPU_CLOCK ? 'CPU' : 'wall'} time): im2col / F(2×2) with the im2col÷F(2×2) ratio / F(4×4) with the im2col÷F(4×4) ratio; ${THREADS} thread(s), ${ROUNDS} rounds, CPU path ${addon.cpuPath?.() ?? '?'}, load average ${os.loadavg()[0].toFixed(1)}`,
);
console.log('shape | forward | backward-data | filter gradient');
try {
  for (const s of SHAPES) console.log(bench(s).join(' | '));
} finally {
  addon._convWinograd(saved);
}
console.log(`load average ${os.loadavg()[0].toFixed(1)} at the end`);
