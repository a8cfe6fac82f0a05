// Two builds of nativenn on the Fashion-MNIST CNN recipe (bench/lib/cnn.js) alone, without the
// references: this one (dist/) and NATIVENN_BENCH_BASELINE=/path/to/other/dist, one epoch of 2048
// images each per round, alternating which goes first. With 1 thread each epoch is also timed in
// CPU time (process.cpuUsage: the pool's one thread is the caller), which leaves out the time the
// process waited for a core on a shared machine; the speed-up is the median of the per-round
// ratios, by CPU time and by wall time, with the min–max.
//   NATIVENN_BENCH_BASELINE=../main/dist node bench/cnn-ab.js
// NATIVENN_BENCH_ROUNDS (default 9), NATIVENN_BENCH_THREADS (default 1), NATIVENN_CPU=avx2 (both
// builds read it).
const os = require('node:os');
const path = require('node:path');
const { loadNativenn, nativeMissing } = require('./lib/common');
const { cnnData, nativennContender } = require('./lib/cnn');

const ROUNDS = Math.max(3, Number(process.env.NATIVENN_BENCH_ROUNDS) || 9);
const THREADS = Number(process.env.NATIVENN_BENCH_THREADS) || 1;
const ROWS = 2048;

async function main() {
  if (!process.env.NATIVENN_BENCH_BASELINE) throw new Error('set NATIVENN_BENCH_BASELINE=/path/to/other/dist');
  const nn = loadNativenn();
  const base = require(path.resolve(process.env.NATIVENN_BENCH_BASELINE));
  for (const m of [nn, base]) {
    const missing = nativeMissing(m);
    if (missing) throw new Error(missing);
    m.setBackend('native');
    m.setNumThreads(THREADS);
  }
  const data = await cnnData(nn, ROWS);
  const builds = { this: nativennContender(nn, data), baseline: nativennContender(base, data) };
  for (const b of Object.values(builds)) await b.fit(); // warm-up
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const rate = { this: { cpu: [], wall: [] }, baseline: { cpu: [], wall: [] } };
  console.log(
    `${data.source}; ${THREADS} thread(s), CPU path ${nn.cpuPath?.() ?? '?'}; ${ROUNDS} rounds; load average ${os.loadavg()[0].toFixed(1)} at the start`,
  );
  for (let r = 0; r < ROUNDS; r++) {
    for (const name of r % 2 ? ['baseline', 'this'] : ['this', 'baseline']) {
      const c0 = cpu();
      const w0 = performance.now();
      await builds[name].fit();
      rate[name].wall.push(data.n / ((performance.now() - w0) / 1000));
      rate[name].cpu.push(data.n / (cpu() - c0));
    }
  }
  const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
  const ratio = (clock) => rate.this[clock].map((v, i) => v / rate.baseline[clock][i]);
  const show = (v) => `${median(v).toFixed(2)}× (${Math.min(...v).toFixed(2)}–${Math.max(...v).toFixed(2)})`;
  console.log(
    `samples/s by wall time: this ${median(rate.this.wall).toFixed(0)}, baseline ${median(rate.baseline.wall).toFixed(0)}; speed-up ${show(ratio('wall'))}`,
  );
  if (THREADS === 1) {
    console.log(
      `samples per CPU-second: this ${median(rate.this.cpu).toFixed(0)}, baseline ${median(rate.baseline.cpu).toFixed(0)}; speed-up ${show(ratio('cpu'))}`,
    );
  }
  console.log(`load average ${os.loadavg()[0].toFixed(1)} at the end`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
