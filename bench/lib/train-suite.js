// One training-throughput workload: every contender trains the same data, same architecture and
// same epochs per op; samples/s = samples per op / median op time. PyTorch (torch_mlp.py) runs
// in the same session right after.
const os = require('node:os');
const { loadNativenn, nativeMissing, modelApiMissing, runSuite, fmtRatio, nativeThreads } = require('./common');
const { torchMlp } = require('./python');
const { nativennTrainer, tfjsTrainer, brainTrainer } = require('./train');

/**
 * spec: { title, file, data(nn, report), hidden, batchSize, epochsPerOp, brain, torchArgs,
 *         slow: names whose op takes seconds (fewer samples), target(native1, torch) }
 */
async function trainWorkload(report, spec) {
  const nn = loadNativenn();
  const data = spec.data(nn, report);
  const workload = `${spec.title}, Adam, batch ${spec.batchSize}`;
  const contenders = []; // [name, () => Promise<trainer>]

  const apiMissing = modelApiMissing(nn);
  const natMissing = nativeMissing(nn);
  const threads = Math.max(nativeThreads(nn), os.availableParallelism());
  if (apiMissing) report.note(`${spec.title} nativenn: skipped, ${apiMissing}`);
  else {
    if (natMissing) report.note(`${spec.title} nativenn native: skipped, ${natMissing}`);
    else {
      contenders.push([
        'nativenn native, 1 thread',
        () => nativennTrainer(nn, data, spec.hidden, spec.batchSize, 'native', 1),
      ]);
      if (threads > 1) {
        contenders.push([
          `nativenn native, ${threads} threads`,
          () => nativennTrainer(nn, data, spec.hidden, spec.batchSize, 'native', threads),
        ]);
      }
    }
    contenders.push(['nativenn js backend', () => nativennTrainer(nn, data, spec.hidden, spec.batchSize, 'js')]);
  }
  contenders.push(['@tensorflow/tfjs (cpu)', () => tfjsTrainer(data, spec.hidden, spec.batchSize, 'cpu')]);
  contenders.push(['@tensorflow/tfjs-backend-wasm', () => tfjsTrainer(data, spec.hidden, spec.batchSize, 'wasm')]);
  if (spec.brain) {
    contenders.push(['brain.js 1.6 (per-sample Adam, MSE)', () => brainTrainer(data, spec.hidden, 'adam')]);
    contenders.push([
      'brain.js 1.6 (per-sample SGD+momentum, its default)',
      () => brainTrainer(data, spec.hidden, null),
    ]);
  }

  const cases = [];
  for (const [name, make] of contenders) {
    try {
      const trainer = await make();
      const slow = spec.slow.some((s) => name.includes(s));
      cases.push({
        name,
        async: true,
        fn: () => trainer.fit(spec.epochsPerOp),
        // an op of the slow ones takes seconds: 2 samples after the warm-up op keep the run short
        options: slow ? { minSamples: 2, maxTime: 0, initCount: 1 } : { minSamples: 5, maxTime: 3 },
      });
    } catch (err) {
      report.note(`${spec.title} ${name}: skipped, ${err.message}`);
    }
  }
  const medians = await runSuite(`${spec.title} training`, cases, spec.file);
  const samplesPerOp = data.n * spec.epochsPerOp;
  const rates = new Map([...medians].map(([name, s]) => [name, samplesPerOp / s]));

  let torch;
  try {
    const r = torchMlp(spec.torchArgs);
    if (r.skip) report.note(`PyTorch: skipped, ${r.skip}`);
    else {
      torch = r.samplesPerSec;
      report.note(`PyTorch ${spec.title}: ${r.line}`);
    }
  } catch (err) {
    report.note(`PyTorch ${spec.title}: failed, ${err.message}`);
  }

  const native1 = rates.get('nativenn native, 1 thread');
  for (const [name, rate] of rates) {
    const isNative = name.startsWith('nativenn native');
    report.row(workload, name, rate, 'samples/s', {
      ratio: isNative
        ? [fmtRatio(rate, torch, 'PyTorch'), fmtRatio(rate, rates.get('@tensorflow/tfjs-backend-wasm'), 'tfjs-wasm')]
            .filter(Boolean)
            .join(', ')
        : undefined,
      target: name === 'nativenn native, 1 thread' && spec.target ? spec.target(rate, torch) : undefined,
    });
  }
  if (torch !== undefined) report.row(workload, 'PyTorch CPU, 1 thread (torch_mlp.py)', torch, 'samples/s');
  if (native1 === undefined && spec.target) report.note(`${spec.title}: target not measured (no native figure)`);
}

module.exports = { trainWorkload };
