// npm run bench: every workload in its own node process, one after another (never two at once:
// they would share the cores), then ONE markdown table of that run's medians and ratios, printed
// and written to bench/results/summary.md. `node bench/run-all.js gemm memory` runs a subset.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { RESULTS, fmt } = require('./lib/common');

const WORKLOADS = [
  { name: 'gemm', file: 'gemm.js' },
  { name: 'activations', file: 'activations.js' },
  { name: 'train-digits', file: 'train-digits.js' },
  { name: 'train-mlp784', file: 'train-mlp784.js' },
  { name: 'event-loop', file: 'event-loop.js' },
  { name: 'memory', file: 'memory.js', nodeArgs: ['--expose-gc'] },
  { name: 'cnn', file: 'cnn.js' },
  { name: 'rnn', file: 'rnn.js' },
  // Only with NATIVENN_BASELINE=<git ref>: this checkout against that commit, interleaved.
  { name: 'baseline', file: 'baseline.js', optional: true },
];

// The targets (issues 4 and 17); a target no row of this run measured still gets a row saying so.
// A row's target key is one of these keys or starts with it and a dash (one per CPU path).
const TARGETS = [
  { key: 'sgemm-1t', workload: 'sgemm n = 256…1024', text: '1 thread ≥ OpenBLAS 1T' },
  { key: 'sgemm-2t', workload: 'sgemm n=1024', text: "2T/1T ≥ OpenBLAS's own 2T/1T" },
  { key: 'sgemm-js', workload: 'sgemm n=512', text: 'native/js ≥ 100×' },
  { key: 'digits', workload: 'digits MLP 64-64-10, Adam, batch 32', text: '≥ 20× PyTorch' },
  { key: 'mlp784', workload: 'MLP 784-256-128-10, Adam, batch 128', text: '≥ 2× PyTorch' },
  { key: 'event-loop', workload: 'event-loop delay p99 during `await fit`', text: '≤ 10 ms' },
  { key: 'memory', workload: 'resident memory over 10,000 training steps', text: 'flat after warm-up' },
  {
    key: 'cnn-torch-1t',
    workload: 'Fashion-MNIST CNN, Adam, batch 64',
    text: '≥ 3× PyTorch, 1 thread, ≥ 20× tfjs cpu',
  },
  { key: 'cnn-torch-2t', workload: 'Fashion-MNIST CNN, Adam, batch 64', text: '≥ 3× PyTorch, 2 threads' },
  // issue 11: the recurrent recipes of shared/bench/torch_lstm.py (bench/rnn.js)
  {
    key: 'rnn-digits-1t',
    workload: 'digits LSTM(64) 8×8 steps, Adam, batch 32',
    text: '≥ 3× PyTorch, 1 thread, ≥ 20× tfjs wasm',
  },
  { key: 'rnn-digits-2t', workload: 'digits LSTM(64) 8×8 steps, Adam, batch 32', text: '≥ 3× PyTorch, 2 threads' },
  {
    key: 'rnn-chars-1t',
    workload: 'char LSTM(128) emb 32, 16 steps, Adam, batch 64',
    text: '≥ 1.5× PyTorch, 1 thread, ≥ 20× tfjs cpu',
  },
  {
    key: 'rnn-chars-2t',
    workload: 'char LSTM(128) emb 32, 16 steps, Adam, batch 64',
    text: '≥ 1.5× PyTorch, 2 threads',
  },
];

function machine() {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const flags = fs.existsSync('/proc/cpuinfo')
    ? (/^flags\s*:(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '')
    : '';
  const isa = ['avx2', 'fma', 'avx512f'].filter((f) => flags.split(' ').includes(f)).join('+') || os.arch();
  return `${cpu} (${isa}), ${os.availableParallelism()} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, ${os.platform()} ${os.arch()}, load average at start ${os.loadavg()[0].toFixed(1)}`;
}

/** The CPU paths of the native kernels: the default one and those the interleaved workloads measure. */
function cpuPaths() {
  try {
    const nn = require(process.env.NATIVENN_BENCH_LIB || path.join(__dirname, '..', 'dist'));
    const { addon } = require(
      path.join(process.env.NATIVENN_BENCH_LIB || path.join(__dirname, '..', 'dist'), 'backend', 'native', 'addon'),
    );
    const runs = addon?.cpuPaths?.() ?? [];
    return `native CPU path ${nn.cpuPath?.() ?? 'unknown'}${process.env.NATIVENN_CPU ? ` (NATIVENN_CPU=${process.env.NATIVENN_CPU})` : ''}; this CPU runs ${runs.join(', ') || 'unknown'}`;
  } catch (err) {
    return `native CPU path unknown (${err.message})`;
  }
}

function table(reports) {
  const lines = [
    '| workload | implementation | median | spread (min–max) | ratio (same run) | target |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of reports) {
    for (const row of r.rows) {
      const target = row.target
        ? `${row.target.text}: ${row.target.met === undefined ? 'not measured' : row.target.met ? 'met' : 'NOT met'}${row.target.also ? ` (${row.target.also})` : ''}`
        : '';
      const range = row.spread ? `${fmt(row.spread[0])}–${fmt(row.spread[1])}` : '';
      lines.push(
        `| ${row.workload} | ${row.impl} | ${fmt(row.value)} ${row.unit} | ${range} | ${row.ratio ?? ''} | ${target} |`,
      );
    }
  }
  const seen = reports.flatMap((r) => r.rows.map((row) => row.target?.key ?? ''));
  for (const t of TARGETS.filter((x) => !seen.some((k) => k === x.key || k.startsWith(`${x.key}-`)))) {
    lines.push(`| ${t.workload} | nativenn native | not measured (see notes) | | | ${t.text}: not measured |`);
  }
  return lines.join('\n');
}

function main() {
  const only = process.argv.slice(2);
  const chosen = only.length
    ? WORKLOADS.filter((w) => only.includes(w.name))
    : WORKLOADS.filter((w) => !w.optional || process.env.NATIVENN_BASELINE);
  if (chosen.length === 0) throw new Error(`unknown workload; valid: ${WORKLOADS.map((w) => w.name).join(', ')}`);
  fs.mkdirSync(RESULTS, { recursive: true });
  const started = Date.now();
  const where = machine();
  const reports = [];
  for (const w of chosen) {
    const rowsFile = path.join(RESULTS, `${w.name}.rows.json`);
    fs.rmSync(rowsFile, { force: true });
    console.log(`\n=== ${w.name} ===`);
    const t = Date.now();
    const r = spawnSync(process.execPath, [...(w.nodeArgs ?? []), path.join(__dirname, w.file)], { stdio: 'inherit' });
    const seconds = (Date.now() - t) / 1000;
    if (fs.existsSync(rowsFile)) reports.push({ ...JSON.parse(fs.readFileSync(rowsFile, 'utf8')), seconds });
    else
      reports.push({
        name: w.name,
        rows: [],
        notes: [`${w.name} exited with ${r.status ?? r.signal} and saved nothing`],
        seconds,
      });
  }
  const notes = reports.flatMap((r) => r.notes.map((n) => `- ${n}`));
  const timing = reports.map((r) => `${r.name} ${Math.round(r.seconds)} s`).join(', ');
  const summary = [
    `# nativenn benchmark run, ${new Date().toISOString()}`,
    '',
    `Machine: ${where}; load average at the end ${os.loadavg()[0].toFixed(1)}.`,
    `CPU paths: ${cpuPaths()}.`,
    'Every figure is a median measured in this run. gemm, train-digits and train-mlp784 measure nativenn and its',
    'references interleaved (A B A B …, NATIVENN_BENCH_ROUNDS ≥ 5 rounds, on each CPU path): their spread is the',
    'min–max over the rounds and their ratios the median (min–max) of the per-round ratios. Other figures are',
    'benny medians of one suite.',
    '',
    table(reports),
    '',
    'Notes (skipped work and reference details):',
    '',
    ...(notes.length ? notes : ['- none']),
    '',
    `Time: ${timing}; total ${Math.round((Date.now() - started) / 1000)} s.`,
    '',
  ].join('\n');
  fs.writeFileSync(path.join(RESULTS, 'summary.md'), summary);
  console.log(`\n${summary}`);
  console.log(`Saved to ${path.relative(process.cwd(), path.join(RESULTS, 'summary.md'))}`);
  if (reports.some((r) => r.rows.length === 0 && r.notes.some((n) => n.includes('failed')))) process.exitCode = 1;
}

main();
