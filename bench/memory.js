// Resident memory over 10,000 training steps of the digits MLP (native backend, Adam, batch 32):
// process.memoryUsage().rss sampled after every fit call of 10 epochs (450 steps), after a gc when
// node runs with --expose-gc (run-all.js does). Growth = last sample − the sample after warm-up
// (the first 1,000 steps). A plain loop, not a benny timing: the figure is bytes, not time.
const fs = require('node:fs');
const path = require('node:path');
const { loadNativenn, nativeMissing, modelApiMissing, runWorkload, RESULTS, fmt } = require('./lib/common');
const { digitsTrain, nativennTrainer } = require('./lib/train');

const TOTAL_STEPS = 10_000;
const WARMUP_STEPS = 1_000;
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
  const base = samples.find((s) => s.steps >= WARMUP_STEPS);
  const last = samples[samples.length - 1];
  const after = samples.filter((s) => s.steps >= WARMUP_STEPS).map((s) => s.rss);
  const growth = (last.rss - base.rss) / MB;
  report.row(
    `resident memory over ${fmt(steps)} training steps (digits MLP, native)`,
    'nativenn native',
    growth,
    'MB growth after warm-up',
    {
      ratio: `rss ${fmt(base.rss / MB)} → ${fmt(last.rss / MB)} MB (range ${fmt((Math.max(...after) - Math.min(...after)) / MB)} MB); heap ${fmt((last.heapUsed - base.heapUsed) / MB)} MB${global.gc ? ', gc before each sample' : ''}`,
      target: { key: 'memory', text: 'flat after warm-up (growth ≤ 2 MB: noise)', met: growth <= 2 },
    },
  );
});
