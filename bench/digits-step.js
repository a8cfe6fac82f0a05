// The digits training step alone (MLP 64-64-10, Adam, batch 32, the train split: 45 batches an
// epoch): microseconds per batch of `fit` (10 epochs per call, so per-call costs count as in
// train-digits.js), 1 thread, on each CPU path; and the same for other builds, each in its own
// process, alternated round by round (A B A B …, the order reversed every other round). For
// before/after figures while working on the step; `npm run bench` (train-digits.js) has the
// comparison with PyTorch.
//   node bench/digits-step.js                         # this build (dist/ and its addon)
//   node bench/digits-step.js /tmp/base/dist dist     # an older build against this one
// NATIVENN_BENCH_ROUNDS (default 5), NATIVENN_BENCH_PATHS=avx2 (default: every SIMD path),
// NATIVENN_BENCH_PRETRAIN: untimed epochs first (default 2000: train-digits.js trains one model
// for thousands of epochs over its rounds, and a model that far along has subnormal
// probabilities and gradients; 0 times a fresh model).
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const EPOCHS_PER_CALL = 10;
const SECONDS = 0.4; // of fit calls per path and round
const PRETRAIN = Math.max(1, Number(process.env.NATIVENN_BENCH_PRETRAIN ?? 2000));

async function child(lib) {
  process.env.NATIVENN_BENCH_LIB = path.resolve(lib); // benchPaths switches this build's addon
  const nn = require(path.resolve(lib));
  const { digitsTrain, nativennTrainer } = require('./lib/train');
  const { benchPaths, timeOps } = require('./lib/rounds');
  const data = digitsTrain(nn);
  const batches = Math.ceil(data.n / 32) * EPOCHS_PER_CALL;
  const out = {};
  for (const p of benchPaths(nn)) {
    p.use();
    const trainer = nativennTrainer(nn, data, [64], 32, 'native', 1);
    await trainer.fit(PRETRAIN); // untimed: JIT, workspace, and the model as far along as in train-digits
    const t = await timeOps(() => trainer.fit(EPOCHS_PER_CALL), SECONDS);
    out[p.name] = { wall: (t.wall / batches) * 1e6, cpu: (t.cpu / batches) * 1e6 };
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

function main() {
  const libs = process.argv.slice(2);
  if (libs.length === 0) libs.push(path.join(__dirname, '..', 'dist'));
  const rounds = Math.max(1, Number(process.env.NATIVENN_BENCH_ROUNDS) || 5);
  const { spread } = require('./lib/rounds');
  const results = libs.map(() => []);
  for (let r = 0; r < rounds; r++) {
    const order = libs.map((_, i) => i);
    if (r % 2) order.reverse();
    for (const i of order) {
      const res = spawnSync(process.execPath, [__filename, '--child', libs[i]], { encoding: 'utf8' });
      if (res.status !== 0) throw new Error(`${libs[i]}: ${res.stderr}`);
      results[i].push(JSON.parse(res.stdout.trim().split('\n').pop()));
    }
  }
  const os = require('node:os');
  console.log(`digits step, µs per batch of 32 (fit, 1 thread), ${rounds} rounds; load ${os.loadavg()[0].toFixed(2)}`);
  for (const p of Object.keys(results[0][0])) {
    libs.forEach((lib, i) => {
      const wall = spread(results[i].map((r) => r[p].wall));
      const cpu = spread(results[i].map((r) => r[p].cpu));
      let line = `  ${p.padEnd(7)} ${lib.padEnd(28)} ${wall.median.toFixed(2)} µs (${wall.min.toFixed(2)}–${wall.max.toFixed(2)}), CPU ${cpu.median.toFixed(2)}`;
      if (i > 0) {
        const ratios = spread(results[0].map((r, k) => r[p].wall / results[i][k][p].wall));
        line += `, ${libs[0]} / this ${ratios.median.toFixed(3)}× (${ratios.min.toFixed(3)}–${ratios.max.toFixed(3)})`;
      }
      console.log(line);
    });
  }
}

if (process.argv[2] === '--child') {
  child(process.argv[3]).catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main();
}
