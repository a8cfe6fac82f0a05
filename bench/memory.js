// Resident memory over 100,000 training steps of the digits MLP (native backend, Adam, batch 32):
// process.memoryUsage().rss sampled after every fit call of 10 epochs (450 steps), after a gc when
// node runs with --expose-gc (run-all.js does). Growth = the least-squares trend of the samples
// after warm-up (the first 10,000 steps, over which RSS rises by ~2 MB as V8 and malloc settle)
// times the steps they span. RSS moves in steps of 0.1–0.5 MB as V8 and malloc take pages, so a
// last-minus-first difference over 10,000 steps read 2.5 MB in one run and 0.1 MB in another,
// while a leak of 20 bytes a step would add a trend of 1.8 MB over the 90,000 steps measured. A plain loop, not a benny timing.
const fs = require('node:fs');
const path = require('node:path');
const { loadNativenn, nativeMissing, modelApiMissing, runWorkload, RESULTS, fmt } = require('./lib/common');
const { digitsTrain, nativennTrainer } = require('./lib/train');

const TOTAL_STEPS = 100_000;
const WARMUP_STEPS = 10_000;
const EPOCHS_PER_CALL = 10;
const MB = 1024 * 1024;

runWorkload('memory', async (report) => {
  const nn = loadNativenn();
  const missing = modelApiMissing(nn) ?? nativeMissing(nn);
  if (missing) return report.note(`memory: skipped, ${missing}`);
  const data = digitsTrain(nn, report);
  const trainer = nativennTrainer(nn, data, [64], 32, 'native');
  const stepsPerCall = Math.ceil(data.n / 32) * EPOCHS_PER_CALL;
  const samples = []; // { steps, rss, heapUsed, external }
  let steps = 0;
  while (steps < TOTAL_STEPS) {
    await trainer.fit(EPOCHS_PER_CALL);
    steps += stepsPerCall;
    global.gc?.();
    const m = process.memoryUsage();
    samples.push({ steps, rss: m.rss, heapUsed: m.heapUsed, external: m.external + m.arrayBuffers });
  }
  fs.writeFileSync(path.join(RESULTS, 'memory.json'), `${JSON.stringify({ gc: !!global.gc, samples }, null, 2)}\n`);
  const after = samples.filter((s) => s.steps >= WARMUP_STEPS);
  const base = after[0];
  const last = after[after.length - 1];
  const growth = (trendPerStep(after, 'rss') * (last.steps - base.steps)) / MB;
  const heapGrowth = (trendPerStep(after, 'heapUsed') * (last.steps - base.steps)) / MB;
  const rss = after.map((s) => s.rss);
  report.row(
    `resident memory over ${fmt(steps)} training steps (digits MLP, native)`,
    'nativenn native',
    growth,
    'MB growth after warm-up (trend)',
    {
      ratio: `least-squares trend over ${after.length} samples; rss ${fmt(base.rss / MB)} → ${fmt(last.rss / MB)} MB (range ${fmt((Math.max(...rss) - Math.min(...rss)) / MB)} MB); heap trend ${fmt(heapGrowth)} MB${global.gc ? ', gc before each sample' : ''}`,
      target: { key: 'memory', text: 'flat after warm-up (growth ≤ 2 MB: noise)', met: growth <= 2 },
    },
  );
});

/** The least-squares slope of samples' `key` against their steps (bytes per step). */
function trendPerStep(samples, key) {
  const n = samples.length;
  if (n < 2) return 0;
  const mx = samples.reduce((a, s) => a + s.steps, 0) / n;
  const my = samples.reduce((a, s) => a + s[key], 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const s of samples) {
    sxy += (s.steps - mx) * (s[key] - my);
    sxx += (s.steps - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : 0;
}
