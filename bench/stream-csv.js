// Training on a CSV bigger than memory: nn.data.csvDataset + model.fitDataset against in-memory
// readCsv + fit on a slice of the same file. Generates (once) a CSV of the size asked (16 numeric
// columns, a 0/1 label), then runs each side in its own node process so that each reports its own
// resident-memory peak (process.resourceUsage().maxRSS): one epoch of the CLI's default network
// (16 → 100 relu → 2 softmax, adam, batch 32, standard scaling), native backend.
//
//   npm run build:ts && node bench/stream-csv.js 2GB [--slice 200MB] [--rounds 5] [--dir /tmp] [--generate-only]
//
// Figures: rows/s of the training epoch (each side's own clock; the first pass that fits the
// scaler is reported apart, as readCsv's load is for fit), parse MB/s of the first pass, maxRSS.
// A plain measurement, not a benny suite: streaming and in-memory on the slice alternate over
// --rounds rounds (medians, and the ratio as the median of the per-round ratios); quote the
// figures with the machine's load, which the run prints.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { loadNativenn } = require('./lib/common');

const MB = 1024 * 1024;

function bytesOf(text) {
  const m = /^(\d+(?:\.\d+)?)\s*(KB|MB|GB)?$/i.exec(text);
  if (!m) throw new Error(`a size such as 200MB or 2GB, got ${text}`);
  const unit = { KB: 1024, MB, GB: 1024 * MB }[(m[2] || 'MB').toUpperCase()];
  return Math.round(Number(m[1]) * unit);
}

/** Writes rows until the file holds `bytes` (a seeded generator: the same file every time). */
function generate(file, bytes) {
  if (fs.existsSync(file) && fs.statSync(file).size >= bytes) return;
  const fd = fs.openSync(`${file}.part`, 'w');
  const header = `${Array.from({ length: 16 }, (_, i) => `f${i}`).join(',')},label\n`;
  fs.writeSync(fd, header);
  let written = header.length;
  let s = 12345;
  const rand = () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
    return ((s >>> 0) % 1_000_000) / 1_000_000;
  };
  while (written < bytes) {
    const lines = [];
    for (let r = 0; r < 10_000; r++) {
      const v = Array.from({ length: 16 }, () => (rand() * 20 - 10).toFixed(4));
      const score = Number(v[0]) - 0.5 * Number(v[1]) + 0.25 * Number(v[2]);
      lines.push(`${v.join(',')},${score + (rand() - 0.5) * 4 > 0 ? 1 : 0}\n`);
    }
    const chunk = lines.join('');
    fs.writeSync(fd, chunk);
    written += chunk.length;
  }
  fs.closeSync(fd);
  fs.renameSync(`${file}.part`, file);
}

/** The first `bytes` of `file`, cut at a line end. */
function head(file, out, bytes) {
  if (fs.existsSync(out)) return;
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(bytes);
  const n = fs.readSync(fd, buf, 0, bytes, 0);
  fs.closeSync(fd);
  fs.writeFileSync(out, buf.subarray(0, buf.lastIndexOf(10, n - 1) + 1));
}

function network(nn) {
  const m = nn.sequential({
    seed: 42,
    layers: [
      nn.layers.dense({ units: 100, activation: 'relu', inputShape: [16] }),
      nn.layers.dense({ units: 2, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

const maxRssMB = () => process.resourceUsage().maxRSS / 1024;
/** CPU seconds of the whole process (all threads: parsing worker, executor) since `from`. */
const cpuSeconds = (from) => {
  const c = process.cpuUsage(from);
  return (c.user + c.system) / 1e6;
};

async function child(mode, file) {
  const nn = loadNativenn();
  nn.setBackend('native');
  const size = fs.statSync(file).size;
  const out = { mode, fileMB: size / MB };
  if (mode === 'stream') {
    let t = performance.now();
    const ds = await nn.data.csvDataset(file, {
      scale: 'standard',
      oneHot: true,
      batchSize: 32,
      shuffleBuffer: 10_000,
      seed: 1,
    });
    out.firstPassS = (performance.now() - t) / 1000;
    out.parseMBs = size / MB / out.firstPassS;
    const model = network(nn);
    t = performance.now();
    const cpu = process.cpuUsage();
    await model.fitDataset(ds, { epochs: 1, verbose: 0 });
    out.epochS = (performance.now() - t) / 1000;
    out.epochCpuS = cpuSeconds(cpu);
    out.rows = ds.rows;
  } else {
    let t = performance.now();
    const d = await nn.data.readCsv(file, { label: 'label' });
    const x = nn.data.standardScaler().fitTransform(d.x);
    const y = nn.data.oneHot(Int32Array.from(d.y), 2);
    out.firstPassS = (performance.now() - t) / 1000;
    out.parseMBs = size / MB / out.firstPassS;
    const model = network(nn);
    t = performance.now();
    const cpu = process.cpuUsage();
    await model.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0, seed: 1 });
    out.epochS = (performance.now() - t) / 1000;
    out.epochCpuS = cpuSeconds(cpu);
    out.rows = x.shape[0];
  }
  out.rowsPerS = out.rows / out.epochS;
  out.maxRssMB = maxRssMB();
  process.stdout.write(JSON.stringify(out));
}

function run(mode, file) {
  const text = execFileSync(process.execPath, [__filename, '--child', mode, file], { encoding: 'utf8', maxBuffer: MB });
  return JSON.parse(text);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const load = () => os.loadavg()[0].toFixed(1);

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1], args[2]);
  const opt = (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : fallback;
  };
  const bytes = bytesOf(args[0] || '200MB');
  const slice = Math.min(bytes, bytesOf(opt('--slice', '200MB')));
  const dir = opt('--dir', '/tmp');
  const rounds = Number(opt('--rounds', '5'));
  const file = path.join(dir, `nativenn-stream-${bytes}.csv`);
  const sliceFile = slice === bytes ? file : path.join(dir, `nativenn-stream-${bytes}-head-${slice}.csv`);
  const t = performance.now();
  generate(file, bytes);
  if (sliceFile !== file) head(file, sliceFile, slice);
  if (args.includes('--generate-only')) return;
  console.log(
    `data: ${file} (${(fs.statSync(file).size / MB).toFixed(0)} MB; ready in ${((performance.now() - t) / 1000).toFixed(1)} s); ${rounds} rounds; load average ${load()} at the start`,
  );
  // Streaming and in-memory on the slice, interleaved (the order alternates), so that both see
  // the same load; the ratio is the median of the per-round ratios.
  const runs = { stream: [], memory: [], ratio: [], cpuRatio: [] };
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? ['stream', 'memory'] : ['memory', 'stream'];
    const got = {};
    for (const mode of order) got[mode] = run(mode, sliceFile);
    runs.stream.push(got.stream);
    runs.memory.push(got.memory);
    runs.ratio.push(got.stream.rowsPerS / got.memory.rowsPerS);
    runs.cpuRatio.push(got.memory.epochCpuS / got.stream.epochCpuS);
    console.log(
      `  round ${r + 1}: stream ${Math.round(got.stream.rowsPerS)} rows/s, in memory ${Math.round(got.memory.rowsPerS)} rows/s (${(100 * runs.ratio[r]).toFixed(0)}%); epoch CPU s ${got.stream.epochCpuS.toFixed(2)} against ${got.memory.epochCpuS.toFixed(2)}; load ${load()}`,
    );
  }
  const rows = [
    ['stream (csvDataset + fitDataset), the slice', runs.stream],
    ['in memory (readCsv + fit), the slice', runs.memory],
  ];
  if (sliceFile !== file) rows.unshift(['stream, whole file (once)', [run('stream', file)]]);
  const m = (rs, k) => median(rs.map((r) => r[k]));
  const range = (rs, k) =>
    `${Math.round(Math.min(...rs.map((r) => r[k])))}–${Math.round(Math.max(...rs.map((r) => r[k])))}`;
  console.log('\nmedians over the rounds (min–max for rows/s; maxRSS: the largest)');
  console.log('| run | MB | rows | first pass / load s | parse MB/s | epoch s | epoch CPU s | rows/s | maxRSS MB |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const [name, rs] of rows) {
    console.log(
      `| ${name} | ${rs[0].fileMB.toFixed(0)} | ${rs[0].rows} | ${m(rs, 'firstPassS').toFixed(1)} | ${m(rs, 'parseMBs').toFixed(1)} | ${m(rs, 'epochS').toFixed(2)} | ${m(rs, 'epochCpuS').toFixed(2)} | ${Math.round(m(rs, 'rowsPerS'))} (${range(rs, 'rowsPerS')}) | ${Math.max(...rs.map((r) => r.maxRssMB)).toFixed(0)} |`,
    );
  }
  const ratios = runs.ratio.map((x) => `${(100 * x).toFixed(0)}%`).join(', ');
  console.log(
    `\nstreaming trains at ${(100 * median(runs.ratio)).toFixed(0)}% of in-memory fit's rows/s (median of the per-round ratios: ${ratios}); load average ${load()} at the end`,
  );
  // On a loaded machine the wall-clock ratio says more about the scheduler than about the code:
  // the CPU an epoch costs (all threads) is steadier.
  console.log(
    `an epoch costs in-memory fit ${(100 * median(runs.cpuRatio)).toFixed(0)}% of the CPU time that streaming takes (median of the per-round ratios)`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
