// The Fashion-MNIST CNN recipe (bench/lib/cnn.js): training samples/s of nativenn against
// PyTorch CPU with the same thread count (1 and 2), interleaved A B A B over ROUNDS rounds, an op
// being one epoch over ROWS images; against tfjs cpu training (fewer rows: it is slow); and
// inference samples/s against tfjs-backend-wasm. Figures are medians over the rounds with the
// min–max beside them; a ratio to PyTorch is the median of the per-round ratios.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { fmt, loadNativenn, median, nativeMissing, runWorkload } = require('./lib/common');
const { findPython } = require('./lib/python');
const { cnnData, nativennContender, tfjsContender, torchContender } = require('./lib/cnn');
const { MALLOC_TUNABLES, settle } = require('./lib/rounds'); // a pause before each measurement; PyTorch's malloc (rounds.js says why)

// NATIVENN_BENCH_BASELINE=/path/to/other/dist: an older build of nativenn (its dist/, beside its
// build/) trained in the same rounds, right after this one, so before/after share the load.
const ROUNDS = Math.max(5, Number(process.env.NATIVENN_BENCH_ROUNDS) || 5);
const ROWS = Number(process.env.NATIVENN_BENCH_CNN_ROWS) || 2048;
// tfjs cpu trains this CNN at ~1 sample/s (naive JS convolutions): one batch per op, 2 ops, after
// a warm-up fit of 8 images on a twin model (JIT and kernels), keeps it to minutes.
const TFJS_ROWS = 64;
const TFJS_ROUNDS = 2;
const WORKLOAD = 'Fashion-MNIST CNN, Adam, batch 64';

/** The instruction-set path the native kernels run: nn.cpuPath() when the build has it, else
 *  what /proc/cpuinfo says the CPU offers. */
function cpuPath(nn) {
  if (typeof nn.cpuPath === 'function') return nn.cpuPath();
  const flags = fs.existsSync('/proc/cpuinfo')
    ? (/^flags\s*:(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '').split(' ')
    : [];
  const best = flags.includes('avx512f')
    ? 'avx512'
    : flags.includes('avx2') && flags.includes('fma')
      ? 'avx2'
      : 'portable';
  return `${best} (from /proc/cpuinfo; this build has no nn.cpuPath)`;
}

const spread = (v) => `${fmt(Math.min(...v))}–${fmt(Math.max(...v))}`;
const timed = async (fn) => {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
};

/** nativenn and PyTorch with `threads` threads, one epoch each per round, A B A B. */
async function versusTorch(nn, report, data, threads, python, synthetic, base) {
  const env = {
    ...process.env,
    OMP_NUM_THREADS: String(threads),
    OPENBLAS_NUM_THREADS: String(threads),
    GLIBC_TUNABLES: MALLOC_TUNABLES,
  };
  nn.setNumThreads(threads);
  const ours = nativennContender(nn, data);
  await ours.fit(); // warm-up, as PyTorch's
  base?.setNumThreads(threads);
  const older = base ? nativennContender(base, data) : null;
  await older?.fit();
  const torch = python ? await torchContender(python, env, threads, data.n, synthetic) : null;
  if (torch) console.log(`  ${torch.banner}`);
  const rates = { ours: [], torch: [], ratio: [], base: [], speedup: [] };
  try {
    for (let r = 0; r < ROUNDS; r++) {
      nn.setNumThreads(threads);
      await settle();
      const a = data.n / (await timed(ours.fit));
      rates.ours.push(a);
      if (older) {
        base.setNumThreads(threads);
        await settle();
        const c = data.n / (await timed(older.fit));
        rates.base.push(c);
        rates.speedup.push(a / c);
      }
      if (torch) {
        await settle();
        const b = data.n / (await torch.epoch());
        rates.torch.push(b);
        rates.ratio.push(a / b);
      }
      console.log(
        `  round ${r + 1}, ${threads} thread(s): nativenn ${fmt(a)}${older ? `, baseline ${fmt(rates.base[r])}` : ''}${torch ? `, PyTorch ${fmt(rates.torch[r])}` : ''} samples/s`,
      );
    }
  } finally {
    torch?.close();
  }
  const label = `${threads} thread${threads > 1 ? 's' : ''}`;
  const ratio = torch ? median(rates.ratio) : undefined;
  report.row(WORKLOAD, `nativenn native, ${label}`, median(rates.ours), 'samples/s', {
    ratio: torch
      ? `${fmt(ratio)}× PyTorch (per-round ${spread(rates.ratio)}); range ${spread(rates.ours)}`
      : `range ${spread(rates.ours)}`,
    target: { key: `cnn-torch-${threads}t`, text: `≥ 3× PyTorch, ${label}`, met: torch ? ratio >= 3 : undefined },
  });
  if (torch)
    report.row(WORKLOAD, `PyTorch CPU, ${label}`, median(rates.torch), 'samples/s', {
      ratio: `range ${spread(rates.torch)}`,
    });
  if (older)
    report.row(WORKLOAD, `nativenn baseline build, ${label}`, median(rates.base), 'samples/s', {
      ratio: `this build ${fmt(median(rates.speedup))}× it (per-round ${spread(rates.speedup)})${
        torch ? `; ${fmt(median(rates.base.map((c, i) => c / rates.torch[i])))}× PyTorch` : ''
      }; range ${spread(rates.base)}`,
    });
  return median(rates.ours);
}

async function versusTfjs(nn, report, data, native1t) {
  let tf;
  try {
    tf = require('@tensorflow/tfjs');
    require('@tensorflow/tfjs-backend-wasm');
  } catch (e) {
    report.note(`tfjs not installed (${e.message}); tfjs rows skipped`);
    return;
  }
  await (await tfjsContender(tf, 'cpu', data, 8)).fit();
  const cpu = await tfjsContender(tf, 'cpu', data, TFJS_ROWS);
  const cpuRates = [];
  for (let r = 0; r < TFJS_ROUNDS; r++) cpuRates.push(TFJS_ROWS / (await timed(cpu.fit)));
  const cpuRate = median(cpuRates);
  report.row(WORKLOAD, `@tensorflow/tfjs cpu (${TFJS_ROWS} rows)`, cpuRate, 'samples/s', {
    ratio: `range ${spread(cpuRates)}`,
  });
  report.rows[0].ratio += `; ${fmt(native1t / cpuRate)}× tfjs cpu`;
  report.rows[0].target.text += ', ≥ 20× tfjs cpu';
  report.rows[0].target.met = report.rows[0].target.met !== false && native1t >= 20 * cpuRate;

  // Inference: the whole ROWS images per op, interleaved nativenn (1 thread) / tfjs-wasm (1 thread).
  const wasm = await tfjsContender(tf, 'wasm', data, data.n);
  nn.setNumThreads(1);
  const ours = nativennContender(nn, data);
  await wasm.predict();
  ours.predict();
  const rates = { ours: [], wasm: [], ratio: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const a = data.n / (await timed(ours.predict));
    const b = data.n / (await timed(wasm.predict));
    rates.ours.push(a);
    rates.wasm.push(b);
    rates.ratio.push(a / b);
  }
  const name = 'Fashion-MNIST CNN inference';
  report.row(name, 'nativenn native, 1 thread', median(rates.ours), 'samples/s', {
    ratio: `${fmt(median(rates.ratio))}× tfjs-wasm (per-round ${spread(rates.ratio)}); range ${spread(rates.ours)}`,
  });
  report.row(name, '@tensorflow/tfjs-backend-wasm, 1 thread', median(rates.wasm), 'samples/s', {
    ratio: `range ${spread(rates.wasm)}`,
  });
}

runWorkload('cnn', async (report) => {
  const nn = loadNativenn();
  const missing =
    nativeMissing(nn) ?? (typeof nn.layers?.conv2d === 'function' ? null : 'no nn.layers.conv2d in this build');
  if (missing) {
    report.note(`cnn: ${missing}`);
    return;
  }
  nn.setBackend('native');
  const data = await cnnData(nn, ROWS);
  const synthetic = data.source.startsWith('random');
  const python = findPython(['torch', 'numpy']);
  report.note(
    `cnn: ${data.source}; CPU path ${cpuPath(nn)}; ${ROUNDS} rounds, an op = 1 epoch of ${data.n} images; load average ${os.loadavg()[0].toFixed(1)} at the start; PyTorch via reference/torch_cnn_rounds.py after an untimed warm-up epoch`,
  );
  if (!python) report.note('cnn: no python3 with torch (apt-get install python3-torch): PyTorch rows skipped');
  const base = process.env.NATIVENN_BENCH_BASELINE ? require(path.resolve(process.env.NATIVENN_BENCH_BASELINE)) : null;
  if (base) {
    base.setBackend('native');
    report.note(`cnn: baseline build ${process.env.NATIVENN_BENCH_BASELINE}, trained right after this one each round`);
  }
  const native1t = await versusTorch(nn, report, data, 1, python, synthetic, base);
  await versusTorch(nn, report, data, 2, python, synthetic, base);
  await versusTfjs(nn, report, data, native1t);
  report.note(`cnn: load average ${os.loadavg()[0].toFixed(1)} at the end`);
});
