// Event-loop delay while `await model.fit(...)` runs: perf_hooks.monitorEventLoopDelay at 1 ms
// resolution records how late a 1 ms timer fires during each fit call; the figure is the median
// over the benny ops of each call's p99 (and the worst p99). The native fit runs its batches off
// the main thread; the js backend's fit runs on it, shown for contrast.
const { monitorEventLoopDelay } = require('node:perf_hooks');
const { loadNativenn, nativeMissing, modelApiMissing, runSuite, runWorkload, median, fmt } = require('./lib/common');
const { digitsTrain, nativennTrainer } = require('./lib/train');

const CASES = [
  { name: 'nativenn native', backend: 'native', epochs: 20 },
  { name: 'nativenn js backend', backend: 'js', epochs: 1 },
];

runWorkload('event-loop', async (report) => {
  const nn = loadNativenn();
  const missing = modelApiMissing(nn);
  if (missing) return report.note(`event-loop: skipped, ${missing}`);
  const data = digitsTrain(nn, report);
  const p99s = new Map();
  const cases = [];
  for (const c of CASES) {
    if (c.backend === 'native' && nativeMissing(nn)) {
      report.note(`event-loop native: skipped, ${nativeMissing(nn)}`);
      continue;
    }
    const trainer = nativennTrainer(nn, data, [64], 32, c.backend);
    p99s.set(c.name, []);
    cases.push({
      name: `${c.name}: fit ${c.epochs} epochs of digits`,
      async: true,
      options: c.backend === 'js' ? { minSamples: 2, maxTime: 0, initCount: 1 } : { minSamples: 5, maxTime: 3 },
      fn: async () => {
        const h = monitorEventLoopDelay({ resolution: 1 });
        h.enable();
        await trainer.fit(c.epochs);
        h.disable();
        p99s.get(c.name).push(h.percentile(99) / 1e6);
      },
    });
  }
  await runSuite('event-loop delay during fit', cases, 'event-loop');
  for (const [name, values] of p99s) {
    if (values.length === 0) continue;
    const isNative = name === 'nativenn native';
    report.row('event-loop delay p99 during `await fit` (digits MLP)', name, median(values), 'ms', {
      ratio: `worst fit ${fmt(Math.max(...values))} ms, ${values.length} fits`,
      target: isNative ? { key: 'event-loop', text: '≤ 10 ms', met: median(values) <= 10 } : undefined,
    });
  }
});
