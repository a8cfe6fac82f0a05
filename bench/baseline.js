// This checkout's training throughput against another commit built beside it, interleaved:
//   NATIVENN_BASELINE=<git ref> npm run bench baseline
// The commit is checked out as a git worktree in .bench-baseline/<sha> and built there with
// `npm ci` (once). Then, for each workload and thread count, ROUNDS rounds each measure the
// baseline and this checkout in separate processes, alternating which goes first; a side's figure
// is the median of its rounds, and the ratio compares the two medians of this run.
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { median, runWorkload } = require('./lib/common');

const ROOT = path.join(__dirname, '..');
const ROUNDS = Number(process.env.NATIVENN_BASELINE_ROUNDS) || 5;
const CASES = [
  { workload: 'digits', threads: 1, label: 'digits MLP 64-64-10, Adam, batch 32, 1 thread' },
  { workload: 'mlp784', threads: 1, label: 'MLP 784-256-128-10, Adam, batch 128, 1 thread' },
  { workload: 'mlp784', threads: 2, label: 'MLP 784-256-128-10, Adam, batch 128, 2 threads' },
];

function prepare(ref) {
  const sha = execFileSync('git', ['rev-parse', '--verify', `${ref}^{commit}`], { cwd: ROOT, encoding: 'utf8' }).trim();
  const dir = path.join(ROOT, '.bench-baseline', sha.slice(0, 12));
  if (!fs.existsSync(path.join(dir, 'dist', 'index.js'))) {
    fs.rmSync(dir, { recursive: true, force: true });
    execFileSync('git', ['worktree', 'prune'], { cwd: ROOT });
    execFileSync('git', ['worktree', 'add', '--detach', dir, sha], { cwd: ROOT, stdio: 'inherit' });
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'inherit' });
  }
  return { sha, dist: path.join(dir, 'dist') };
}

function measure(dist, c) {
  const r = spawnSync(
    process.execPath,
    [path.join(__dirname, 'lib', 'fit-throughput.js'), dist, c.workload, String(c.threads)],
    {
      encoding: 'utf8',
      timeout: 300_000,
    },
  );
  const line = r.stdout.trim().split('\n').pop();
  if (r.status !== 0 || !line) throw new Error(`${c.label}: ${dist} exited ${r.status}: ${r.stderr.slice(-400)}`);
  return JSON.parse(line).samplesPerSecond;
}

runWorkload('baseline', async (report) => {
  const ref = process.env.NATIVENN_BASELINE;
  if (!ref) {
    report.note('baseline: set NATIVENN_BASELINE=<git ref> to compare with another commit (skipped)');
    return;
  }
  const base = prepare(ref);
  const here = path.join(ROOT, 'dist');
  for (const c of CASES) {
    const mine = [];
    const theirs = [];
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? [here, base.dist] : [base.dist, here];
      for (const dist of order) (dist === here ? mine : theirs).push(measure(dist, c));
    }
    const a = median(mine);
    const b = median(theirs);
    report.row(c.label, `baseline ${base.sha.slice(0, 9)}`, b, 'samples/s', {
      spread: [Math.min(...theirs), Math.max(...theirs)],
    });
    report.row(c.label, 'this checkout', a, 'samples/s', {
      ratio: `${(a / b).toFixed(2)}× baseline`,
      spread: [Math.min(...mine), Math.max(...mine)],
    });
  }
  report.note(`baseline: ${ROUNDS} interleaved rounds per case, each a median of 5 fit calls in a fresh process`);
});
