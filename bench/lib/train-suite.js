// One training-throughput workload: every contender trains the same data, same architecture and
// same epochs per op; samples/s = samples per op / median op time. nativenn native (1 thread and
// all threads, on each CPU path) and PyTorch (torch_mlp.py, 1 thread, one untimed warm-up epoch,
// the same instruction set) are interleaved over ROUNDS rounds (lib/rounds.js); the other JS
// contenders (slower by one or two orders of magnitude) run once as a benny suite.
const os = require('node:os');
const { loadNativenn, nativeMissing, modelApiMissing, runSuite, fmt, fmtRatio, nativeThreads } = require('./common');
const { torchMlp } = require('./python');
const { ROUNDS, benchPaths, interleave, spread, pairedRatio, timeOps } = require('./rounds');
const { nativennTrainer, tfjsTrainer, brainTrainer } = require('./train');

const NATIVE_SECONDS = 0.6; // of fit calls per contender and round

/**
 * spec: { title, file, data(nn, report), hidden, batchSize, epochsPerOp, brain, torchArgs,
 *         slow: names whose op takes seconds (fewer samples), target(ratio) -> { key, text, met } }
 */
async function trainWorkload(report, spec) {
  const nn = loadNativenn();
  const data = spec.data(nn, report);
  const workload = `${spec.title}, Adam, batch ${spec.batchSize}`;
  const samplesPerOp = data.n * spec.epochsPerOp;
  const apiMissing = modelApiMissing(nn);
  const natMissing = nativeMissing(nn);
  const threads = Math.max(nativeThreads(nn), os.availableParallelism());
  if (apiMissing) report.note(`${spec.title} nativenn: skipped, ${apiMissing}`);
  else if (natMissing) report.note(`${spec.title} nativenn native: skipped, ${natMissing}`);
  const paths = !apiMissing && !natMissing ? benchPaths(nn) : [];

  // Interleaved: nativenn native and PyTorch on each path.
  const contenders = [];
  const torchLines = new Map();
  for (const p of paths) {
    for (const t of threads > 1 ? [1, threads] : [1]) {
      const trainer = nativennTrainer(nn, data, spec.hidden, spec.batchSize, 'native', t);
      let warm = false;
      contenders.push({
        name: `native ${p.name} ${t}T`,
        path: p.name,
        threads: t,
        measure: async () => {
          p.use();
          if (!warm) await trainer.fit(spec.epochsPerOp); // JIT, buffers, compiled network
          warm = true;
          const t = await timeOps(() => trainer.fit(spec.epochsPerOp), NATIVE_SECONDS);
          return { wall: samplesPerOp / t.wall, cpu: samplesPerOp / t.cpu };
        },
      });
    }
  }
  for (const p of paths.length ? paths : [{ name: 'default', use: () => {} }]) {
    contenders.push({
      name: `torch ${p.name}`,
      path: p.name,
      measure: async () => {
        const r = torchMlp(spec.torchArgs, p.name);
        if (r.skip) throw new Error(r.skip);
        torchLines.set(p.name, r.line);
        return { wall: r.samplesPerSec, cpu: r.cpuSamplesPerSec };
      },
    });
  }
  const rounds = await interleave(contenders, {
    onError: (name, err) => report.note(`${spec.title} ${name}: skipped, ${err.message.split('\n')[0]}`),
  });
  paths[0]?.use();
  nn.setNumThreads(threads);

  const wall = (name) => rounds.get(name)?.map((f) => f.wall);
  const cpu = (name) => rounds.get(name)?.map((f) => f.cpu);
  const fmtR = (r) => `${fmt(r.median)}× (${fmt(r.min)}–${fmt(r.max)})`;
  for (const c of contenders) {
    const values = wall(c.name);
    if (!values?.length || c.name.startsWith('torch')) continue;
    const torch = `torch ${c.path}`;
    const vsTorch = pairedRatio(values, wall(torch));
    // By CPU time only for 1 thread: with 2 the CPU time counts both cores (and spinning).
    const cpuVsTorch = c.threads === 1 ? pairedRatio(cpu(c.name), cpu(torch)) : undefined;
    const s = spread(values);
    const target = c.threads === 1 && spec.target ? spec.target(vsTorch) : undefined;
    report.row(
      workload,
      `nativenn native, ${c.path}, ${c.threads} thread${c.threads > 1 ? 's' : ''}`,
      s.median,
      'samples/s',
      {
        spread: [s.min, s.max],
        ratio: [vsTorch ? `${fmtR(vsTorch)} PyTorch` : null, cpuVsTorch ? `by CPU time ${fmtR(cpuVsTorch)}` : null]
          .filter(Boolean)
          .join('; '),
        target: target && {
          ...target,
          key: `${target.key}-${c.path}`,
          also: cpuVsTorch ? `by CPU time: ${spec.target(cpuVsTorch).met ? 'met' : 'NOT met'}` : undefined,
        },
      },
    );
  }
  for (const [name, values] of rounds) {
    if (!name.startsWith('torch') || !values.length) continue;
    const p = name.slice('torch '.length);
    const s = spread(wall(name));
    report.row(workload, `PyTorch CPU, ${p}, 1 thread (torch_mlp.py)`, s.median, 'samples/s', {
      spread: [s.min, s.max],
    });
    report.note(`PyTorch ${spec.title}, ${p} path (last round): ${torchLines.get(p)}`);
  }
  report.note(
    `${spec.title}: ${ROUNDS} interleaved rounds; per round nativenn's figure is the median fit call over ≥ ${NATIVE_SECONDS} s (after one untimed call), PyTorch's one torch_mlp.py run after an untimed warm-up epoch`,
  );

  // Once, for scale: the other JS contenders (NATIVENN_BENCH_OTHERS=0 leaves them out).
  const others = [];
  if (process.env.NATIVENN_BENCH_OTHERS === '0') {
    report.note(`${spec.title}: js backend, tfjs and brain.js left out (NATIVENN_BENCH_OTHERS=0)`);
    return;
  }
  if (!apiMissing)
    others.push(['nativenn js backend', () => nativennTrainer(nn, data, spec.hidden, spec.batchSize, 'js')]);
  others.push(['@tensorflow/tfjs (cpu)', () => tfjsTrainer(data, spec.hidden, spec.batchSize, 'cpu')]);
  others.push(['@tensorflow/tfjs-backend-wasm', () => tfjsTrainer(data, spec.hidden, spec.batchSize, 'wasm')]);
  if (spec.brain) {
    others.push(['brain.js 1.6 (per-sample Adam, MSE)', () => brainTrainer(data, spec.hidden, 'adam')]);
    others.push(['brain.js 1.6 (per-sample SGD+momentum, its default)', () => brainTrainer(data, spec.hidden, null)]);
  }
  const cases = [];
  for (const [name, make] of others) {
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
  const native1 = wall(`native ${paths[0]?.name} 1T`);
  for (const [name, s] of medians) {
    const rate = samplesPerOp / s;
    report.row(workload, name, rate, 'samples/s', {
      ratio: native1 ? fmtRatio(spread(native1).median, rate, `(nativenn ${paths[0].name} 1T / this)`) : undefined,
    });
  }
  if (!native1 && spec.target) report.note(`${spec.title}: target not measured (no native figure)`);
}

module.exports = { trainWorkload };
