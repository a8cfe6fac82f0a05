// The recurrent recipes of shared/bench/torch_lstm.py (bench/lib/rnn.js): training samples/s of
// nativenn against PyTorch CPU with the same thread count (1 and 2), interleaved A B A B over
// ROUNDS rounds after an untimed warm-up epoch each; against TensorFlow.js (wasm for the digits
// LSTM, cpu for the char model: tfjs-wasm 4.22 cannot train an embedding); and inference, one
// sequence per call (latency) and the test rows at once (samples/s), nativenn 1 thread against
// tfjs-wasm and PyTorch 1 thread. Figures are medians over the rounds with the min–max beside
// them; a ratio is the median of the per-round ratios.
const fs = require('node:fs');
const os = require('node:os');
const { fmt, loadNativenn, median, nativeMissing, runWorkload } = require('./lib/common');
const { findPython } = require('./lib/python');
const { referenceEnv } = require('./lib/rounds');
const rnn = require('./lib/rnn');

const ROUNDS = Math.max(5, Number(process.env.NATIVENN_BENCH_ROUNDS) || 5);
const env = (name, fallback) => process.env[`NATIVENN_BENCH_RNN_${name}`] || fallback;
const TASKS = env('TASKS', 'digits,chars').split(',');
const THREADS = env('THREADS', '1,2').split(',').map(Number);
// A digits epoch is ~1/100 s for nativenn: a round trains DIGITS_EPOCHS epochs in one fit call
// (PyTorch the same epochs in one request), so per-call setup is amortized as in a real run.
const DIGITS_EPOCHS = Number(env('DIGITS_EPOCHS', 10));
const CHAR_WINDOWS = Number(env('CHAR_WINDOWS', 50000)); // the recipe's 50k windows, 90 % train
const CHAR_ROWS = Number(env('CHAR_ROWS', 45000)); // training windows per op (all 45k by default)
// tfjs cpu trains the char model at a few samples/s: 2 ops of TFJS_CHAR_ROWS after a warm-up op.
const TFJS_CHAR_ROWS = Number(env('TFJS_CHAR_ROWS', 128));
const TFJS_ROUNDS = 2;
const INFER_SECONDS = 0.25; // per contender and round: calls for at least this long
// NATIVENN_BENCH_RNN_BACKEND=js: a smoke run of the bench itself while the native build lacks
// the recurrent kernels (its figures are not nativenn's speed).
const BACKEND = env('BACKEND', 'native');

const TASK = {
  digits: {
    workload: 'digits LSTM(64) 8×8 steps, Adam, batch 32',
    torchTarget: 3,
    tfjsBackend: 'wasm',
  },
  chars: {
    workload: 'char LSTM(128) emb 32, 16 steps, Adam, batch 64',
    torchTarget: 1.5,
    tfjsBackend: 'cpu',
  },
};

const loadavg = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
const minMax = (v) => [Math.min(...v), Math.max(...v)];
const spread = (v) => `${fmt(Math.min(...v))}–${fmt(Math.max(...v))}`;
const seconds = async (fn) => {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
};

/** Median seconds of fn() over calls for at least `s` seconds (at least minCalls calls). */
async function perCall(fn, s, minCalls = 3) {
  const times = [];
  const start = performance.now();
  while (times.length < minCalls || performance.now() - start < s * 1000) times.push(await seconds(fn));
  return median(times);
}

/** Runs [{ name, measure }] interleaved for ROUNDS rounds, the order reversed every other round:
 *  Map(name -> one figure per round). */
async function interleave(contenders, show) {
  const figures = new Map(contenders.map((c) => [c.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of r % 2 ? [...contenders].reverse() : contenders) figures.get(c.name).push(await c.measure());
    console.log(`  round ${r + 1}/${ROUNDS}: ${[...figures].map(([n, v]) => `${n} ${show(v[r])}`).join('; ')}`);
  }
  return figures;
}

/** Training: nativenn and PyTorch with `threads` threads, A B A B; adds the rows and returns
 *  { ours, torch } (still open) for the inference rounds. */
async function versusTorch(nn, report, ctx, threads) {
  const { data, python, dir, path, impl } = ctx;
  const label = `${threads} thread${threads > 1 ? 's' : ''}`;
  const epochs = data.task === 'digits' ? DIGITS_EPOCHS : 1;
  const samples = data.train.n * epochs;
  nn.setNumThreads(threads);
  const ours = rnn.nativennContender(nn, data);
  await ours.fit(1); // untimed warm-up epoch, as PyTorch's
  const torch = python ? await rnn.torchContender(python, referenceEnv(path, threads), threads, dir) : null;
  if (torch) console.log(`  ${torch.banner}`);
  const contenders = [
    {
      name: 'nativenn',
      measure: async () => {
        nn.setNumThreads(threads);
        const cpu0 = process.cpuUsage();
        const wall = await seconds(() => ours.fit(epochs));
        const cpu = process.cpuUsage(cpu0);
        return { wall: samples / wall, cpu: samples / ((cpu.user + cpu.system) / 1e6) };
      },
    },
  ];
  if (torch)
    contenders.push({
      name: 'PyTorch',
      measure: async () => {
        const { wall, cpu } = await torch.epochs(epochs);
        return { wall: samples / wall, cpu: samples / cpu };
      },
    });
  const figures = await interleave(contenders, (f) => `${fmt(f.wall)} samples/s`);
  const a = figures.get('nativenn');
  const b = figures.get('PyTorch');
  const wall = (v) => v.map((f) => f.wall);
  const spec = TASK[data.task];
  let ratioText;
  let met;
  if (b) {
    const perRound = a.map((f, i) => f.wall / b[i].wall);
    met = median(perRound) >= spec.torchTarget;
    ratioText = `${fmt(median(perRound))}× PyTorch (per-round ${spread(perRound)})`;
    if (threads === 1) {
      const byCpu = a.map((f, i) => f.cpu / b[i].cpu);
      ratioText += `; by CPU time ${fmt(median(byCpu))}× (${spread(byCpu)})`;
    }
  }
  report.row(spec.workload, `${impl}, ${path}, ${label}`, median(wall(a)), 'samples/s', {
    ratio: ratioText,
    spread: minMax(wall(a)),
    target: { key: `rnn-${data.task}-${threads}t`, text: `≥ ${spec.torchTarget}× PyTorch, ${label}`, met },
  });
  if (b)
    report.row(spec.workload, `PyTorch CPU, ${path}, ${label}`, median(wall(b)), 'samples/s', {
      spread: minMax(wall(b)),
    });
  const trained = 1 + ROUNDS * epochs;
  const accOurs = ours.accuracy();
  const accTorch = torch ? await torch.accuracy() : undefined;
  report.note(
    `rnn ${data.task}, ${label}: test accuracy after ${trained} epochs of ${data.train.n} rows: nativenn ${accOurs.toFixed(4)}${torch ? `, PyTorch ${accTorch.toFixed(4)}` : ''}`,
  );
  return { ours, torch, rate1t: median(wall(a)) };
}

/** tfjs training on the task's backend (few rows and ops when slow), against nativenn 1 thread. */
async function versusTfjs(report, ctx, tf, native1t) {
  const { data } = ctx;
  const spec = TASK[data.task];
  const rows = data.task === 'chars' ? TFJS_CHAR_ROWS : data.train.n;
  const sub = rnn.firstRows(data, rows);
  const them = await rnn.tfjsContender(tf, spec.tfjsBackend, sub);
  await them.fit(1); // warm-up: kernels, JIT
  const rates = [];
  for (let r = 0; r < TFJS_ROUNDS; r++) rates.push(sub.train.n / (await seconds(() => them.fit(1))));
  const rate = median(rates);
  const name = `@tensorflow/tfjs-backend-${spec.tfjsBackend === 'wasm' ? 'wasm' : 'cpu'}`;
  report.row(spec.workload, `${name} (${sub.train.n} rows, ${TFJS_ROUNDS} ops)`, rate, 'samples/s', {
    spread: minMax(rates),
  });
  const first = report.rows.find((row) => row.target?.key === `rnn-${data.task}-1t`);
  if (first) {
    first.ratio = [first.ratio, `${fmt(native1t / rate)}× tfjs ${spec.tfjsBackend}`].filter(Boolean).join('; ');
    first.target.text += `, ≥ 20× tfjs ${spec.tfjsBackend}`;
    if (native1t < 20 * rate) first.target.met = false;
  }
  if (data.task === 'digits')
    report.note(
      `rnn digits: tfjs-wasm test accuracy after ${1 + TFJS_ROUNDS} epochs ${(await them.accuracy()).toFixed(4)}`,
    );
}

/** Inference with 1 thread, nativenn / tfjs-wasm / PyTorch interleaved: one sequence per call
 *  (median latency) and the test rows per call (samples/s). */
async function inference(nn, report, ctx, tf, ours, torch) {
  const { data, impl, path } = ctx;
  const spec = TASK[data.task];
  const contenders = [{ name: 'nativenn', one: ours.predictOne, all: ours.predictTest }];
  if (tf) {
    const wasm = await rnn.tfjsContender(tf, 'wasm', rnn.firstRows(data, 1));
    wasm.predictOne();
    wasm.predictTest();
    contenders.push({ name: 'tfjs-wasm', one: wasm.predictOne, all: wasm.predictTest });
  }
  const measured = contenders.map((c) => ({
    name: c.name,
    measure: async () => {
      if (c.name === 'nativenn') nn.setNumThreads(1);
      return { one: await perCall(c.one, INFER_SECONDS), all: await perCall(c.all, INFER_SECONDS, 1) };
    },
  }));
  if (torch)
    measured.push({
      name: 'PyTorch',
      measure: async () => ({ one: await torch.latency(INFER_SECONDS), all: await torch.batch(INFER_SECONDS) }),
    });
  const figures = await interleave(measured, (f) => `${fmt(f.one * 1e6)} µs, ${fmt(data.test.n / f.all)} samples/s`);
  const ours1 = figures.get('nativenn');
  const title = `${spec.workload.split(',')[0]} inference`;
  const names = {
    nativenn: `${impl}, ${path}, 1 thread`,
    'tfjs-wasm': '@tensorflow/tfjs-backend-wasm',
    PyTorch: 'PyTorch CPU, 1 thread',
  };
  for (const [name, v] of figures) {
    const us = v.map((f) => f.one * 1e6);
    const rate = v.map((f) => data.test.n / f.all);
    const vs =
      name === 'nativenn'
        ? [...figures.keys()]
            .filter((k) => k !== name)
            .map((k) => {
              const r = figures.get(k).map((f, i) => f.one / ours1[i].one);
              return `${fmt(median(r))}× vs ${k} (${spread(r)})`;
            })
            .join(', ')
        : '';
    report.row(`${title}, one sequence per call`, names[name], median(us), 'µs', {
      ratio: vs || undefined,
      spread: minMax(us),
    });
    report.row(`${title}, ${data.test.n} test rows per call`, names[name], median(rate), 'samples/s', {
      spread: minMax(rate),
    });
  }
}

function cpuPath(nn) {
  return typeof nn.cpuPath === 'function' ? nn.cpuPath() : 'unknown (this build has no nn.cpuPath)';
}

async function runTask(nn, report, data, python, tf) {
  const path = cpuPath(nn);
  const impl = BACKEND === 'js' ? 'nativenn js backend (smoke run)' : 'nativenn native';
  const ctx = { data, python, dir: python ? rnn.writeForTorch(data) : null, path, impl };
  report.note(`rnn ${data.task}: ${data.source}; ${data.train.n} training rows per epoch, ${data.test.n} test rows`);
  try {
    let rate1t;
    for (const threads of THREADS) {
      const { ours, torch, rate1t: r } = await versusTorch(nn, report, ctx, threads);
      try {
        if (threads === 1) {
          rate1t = r;
          await inference(nn, report, ctx, tf, ours, torch);
        }
      } finally {
        torch?.close();
      }
    }
    if (tf && rate1t !== undefined) await versusTfjs(report, ctx, tf, rate1t);
  } finally {
    if (ctx.dir) fs.rmSync(ctx.dir, { recursive: true, force: true });
  }
}

/** Why this build cannot train an LSTM on BACKEND, or null. */
async function recurrentMissing(nn) {
  if (typeof nn.layers?.lstm !== 'function' || typeof nn.layers?.embedding !== 'function')
    return 'no nn.layers.lstm / nn.layers.embedding in this build';
  const probe = rnn.nativennContender(nn, rnn.firstRows(rnn.digitsData(nn), 32));
  try {
    await probe.fit(1);
    return null;
  } catch (err) {
    return `the ${BACKEND} backend cannot train an LSTM in this build (${err.message})`;
  }
}

runWorkload('rnn', async (report) => {
  const nn = loadNativenn();
  const missing = BACKEND === 'native' ? nativeMissing(nn) : null;
  if (missing) {
    report.note(`rnn: ${missing}`);
    return;
  }
  nn.setBackend(BACKEND);
  const notTrainable = await recurrentMissing(nn);
  if (notTrainable) {
    report.note(`rnn: ${notTrainable}; NATIVENN_BENCH_RNN_BACKEND=js runs the bench on the js backend (smoke)`);
    return;
  }
  const python = findPython(['torch', 'numpy']);
  if (!python) report.note('rnn: no python3 with torch (apt-get install python3-torch): PyTorch rows skipped');
  let tf = null;
  try {
    tf = require('@tensorflow/tfjs');
    require('@tensorflow/tfjs-backend-wasm');
  } catch (e) {
    report.note(`rnn: tfjs not installed (${e.message}); tfjs rows skipped`);
  }
  report.note(
    `rnn: CPU path ${cpuPath(nn)}${process.env.NATIVENN_CPU ? ` (NATIVENN_CPU=${process.env.NATIVENN_CPU})` : ''}; ${ROUNDS} interleaved rounds per thread count (${THREADS.join(', ')}); PyTorch via reference/torch_lstm_rounds.py (one process per thread count, untimed warm-up epoch) with the path's instruction set (referenceEnv); load average ${loadavg()} at the start`,
  );
  for (const task of TASKS) {
    if (task === 'digits') await runTask(nn, report, rnn.digitsData(nn), python, tf);
    else if (task === 'chars') {
      const data = rnn.charsData({ windows: CHAR_WINDOWS });
      if (!data) report.note(`rnn chars: ${rnn.WORDS} missing (apt-get install wamerican): char rows skipped`);
      else await runTask(nn, report, CHAR_ROWS < data.train.n ? rnn.firstRows(data, CHAR_ROWS) : data, python, tf);
    } else report.note(`rnn: unknown task ${task} (digits, chars)`);
  }
  report.note(`rnn: load average ${loadavg()} at the end`);
});
