// examples/digits-gan.ts (a conditional GAN stepped with trainOnBatch: 3 training calls and a
// predict per batch) against the same GAN in PyTorch (bench/reference/torch_cgan.py), both on 1
// thread, interleaved A B A B over ROUNDS rounds of EPOCHS epochs; each side's own training-loop
// seconds (no start-up, no data loading). Prints the medians, the spread, and the median of the
// per-round ratios. Needs Debian's python3-torch; nativenn built (npm run build).
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { findPython } = require('./lib/python');
const { MALLOC_TUNABLES } = require('./lib/rounds'); // PyTorch's malloc (rounds.js says why)

const ROUNDS = Number(process.env.NATIVENN_BENCH_ROUNDS) || 5;
const EPOCHS = Number(process.env.NATIVENN_BENCH_GAN_EPOCHS) || 50;
const root = path.join(__dirname, '..');
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

function seconds(cmd, args, pattern, env = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });
  const m = pattern.exec(r.stdout ?? '');
  if (r.status !== 0 || !m)
    throw new Error(`${cmd} ${args.join(' ')} failed: ${(r.stderr || r.stdout || '').slice(-400)}`);
  return Number(m[1]);
}

const python = findPython(['torch', 'numpy']);
if (!python) {
  console.log('gan: skipped (no python3 with torch and numpy: apt-get install python3-torch python3-numpy)');
  process.exit(0);
}
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const ours = [];
const theirs = [];
console.log(
  `gan: ${ROUNDS} rounds of ${EPOCHS} epochs, 1 thread each; load average ${require('node:os')
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
for (let r = 0; r < ROUNDS; r++) {
  ours.push(
    seconds(
      tsx,
      [
        'examples/digits-gan.ts',
        '--epochs',
        String(EPOCHS),
        '--threads',
        '1',
        '--out',
        path.join(require('node:os').tmpdir(), 'nativenn-gan-bench.png'),
      ],
      / epochs in ([\d.]+) s/,
    ),
  );
  theirs.push(
    seconds(python, [path.join(__dirname, 'reference', 'torch_cgan.py'), String(EPOCHS), '1'], /seconds ([\d.]+)/, {
      OMP_NUM_THREADS: '1',
      OPENBLAS_NUM_THREADS: '1',
      GLIBC_TUNABLES: MALLOC_TUNABLES,
    }),
  );
  console.log(`  round ${r + 1}: nativenn ${ours[r].toFixed(2)} s, PyTorch ${theirs[r].toFixed(2)} s`);
}
const ratios = ours.map((s, i) => theirs[i] / s);
const spread = (v) => `${Math.min(...v).toFixed(2)}–${Math.max(...v).toFixed(2)}`;
console.log(
  `gan: nativenn ${median(ours).toFixed(2)} s (${spread(ours)}), PyTorch ${median(theirs).toFixed(2)} s (${spread(theirs)}): ${median(ratios).toFixed(2)}× faster (per-round ratios ${spread(ratios)}); load average ${require('node:os')
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
