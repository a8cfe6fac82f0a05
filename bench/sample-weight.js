// What sample weights cost: the digits MLP 64-64-10 (Adam, batch 32, 10 epochs per op) trained by
// fit without weights, with sampleWeight (all 1) and with classWeight, native backend, interleaved
// for ROUNDS rounds. Weights run the weighted tape (y one column wider, the targets and weights
// copied out per batch, the weighted loss kernels); without them the tape is the plain one.
// `npm run build:ts && node bench/sample-weight.js` (not part of run-all).
const { loadNativenn, nativeMissing, runWorkload } = require('./lib/common');
const { interleave, pairedRatio, spread, timeOps } = require('./lib/rounds');
const { digitsTrain } = require('./lib/train');

runWorkload('sample-weight', async (report) => {
  const nn = loadNativenn();
  const missing = nativeMissing(nn);
  if (missing) return report.note(missing);
  nn.setBackend('native');
  const d = digitsTrain(nn, report);
  const x = nn.tensor2d(d.x, [d.n, d.d]);
  const y = nn.tensor2d(d.y, [d.n, d.classes]);
  const ones = new Float32Array(d.n).fill(1);
  const classWeight = Object.fromEntries(Array.from({ length: d.classes }, (_, c) => [c, 1 + c / 10]));
  const model = () => {
    const m = nn.sequential({
      seed: 1,
      layers: [
        nn.layers.dense({ units: 64, activation: 'relu', inputShape: [d.d] }),
        nn.layers.dense({ units: d.classes, activation: 'softmax' }),
      ],
    });
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    return m;
  };
  const contender = (name, extra) => {
    const m = model();
    const op = () => m.fit(x, y, { epochs: 10, batchSize: 32, seed: 1, verbose: 0, ...extra });
    return { name, measure: async () => (await timeOps(op, 2)).wall * 1000 };
  };
  const figures = await interleave([
    contender('no weights', {}),
    contender('sampleWeight', { sampleWeight: ones }),
    contender('classWeight', { classWeight }),
  ]);
  const workload = 'digits MLP 64-64-10, Adam, batch 32, 10 epochs per fit';
  for (const [name, values] of figures) {
    const s = spread(values);
    report.row(workload, `fit, ${name}`, s.median, 'ms per fit', { min: s.min, max: s.max });
  }
  for (const name of ['sampleWeight', 'classWeight']) {
    const r = pairedRatio(figures.get(name), figures.get('no weights'));
    if (r) report.row(workload, `${name} / no weights`, r.median, '× time (median of round ratios)', r);
  }
  report.note(
    `load average at the end: ${require('node:os')
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}`,
  );
});
