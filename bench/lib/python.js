// The Python references (OpenBLAS through numpy, PyTorch CPU), run in the same session as the
// JS workloads. Skipped with a note when no python3 has the modules.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { referenceEnv } = require('./rounds');

const REFERENCE = path.join(__dirname, '..', 'reference');
const CANDIDATES = [process.env.NATIVENN_BENCH_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean);

/** The first python3 that imports all the modules, or null. */
function findPython(modules) {
  for (const exe of CANDIDATES) {
    const r = spawnSync(exe, ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore' });
    if (r.status === 0) return exe;
  }
  return null;
}

function runPython(exe, script, args, env, timeoutMs) {
  const r = spawnSync(exe, [path.join(REFERENCE, script), ...args], { env, encoding: 'utf8', timeout: timeoutMs });
  if (r.status !== 0) {
    throw new Error(`${script} ${args.join(' ')} failed: ${r.error?.message ?? ''}${(r.stderr || '').slice(-500)}`);
  }
  return r.stdout;
}

/** OpenBLAS sgemm through numpy with `threads` threads on the kernel of `cpuPath`:
 *  [{ m, k, n, gflops, threads, corename, openblas }], each the median of `batches` timed batches
 *  of at least `seconds`. */
function numpyGemm(shapes, threads, cpuPath, { batches = 7, seconds = 0.1 } = {}) {
  // Preferably the python of the PyTorch reference: its numpy uses the OpenBLAS that PyTorch
  // uses (a pip numpy bundles its own, which ignores OPENBLAS_CORETYPE).
  const exe = findPython(['numpy', 'torch']) ?? findPython(['numpy']);
  if (!exe) return { skip: 'no python3 with numpy (apt-get install python3-numpy libopenblas-dev)' };
  const args = [
    '--batches',
    String(batches),
    '--seconds',
    String(seconds),
    ...shapes.map(([m, k, n]) => `${m}x${k}x${n}`),
  ];
  const out = runPython(exe, 'gemm_numpy_shapes.py', args, referenceEnv(cpuPath, threads), 300_000);
  return { results: JSON.parse(out.trim().split('\n').pop()) };
}

/** PyTorch MLP training through torch_mlp.py (1 thread, one untimed warm-up epoch, the
 *  instruction set of `cpuPath`): { samplesPerSec, cpuSamplesPerSec (by process CPU time), line }. */
function torchMlp(args, cpuPath) {
  const exe = findPython(['torch', 'numpy']);
  if (!exe) return { skip: 'no python3 with torch (apt-get install python3-torch)' };
  const out = runPython(
    exe,
    'torch_mlp.py',
    [...args, '--threads', '1', '--warmup', '1'],
    referenceEnv(cpuPath, 1),
    300_000,
  ).trim();
  const m = /([\d,]+) samples\/s/.exec(out);
  const cpu = /cpu time ([\d,]+) samples\/s/.exec(out);
  if (!m) throw new Error(`torch_mlp.py printed no samples/s: ${out}`);
  const num = (x) => Number(x.replace(/,/g, ''));
  return { samplesPerSec: num(m[1]), cpuSamplesPerSec: cpu ? num(cpu[1]) : undefined, line: out };
}

module.exports = { findPython, numpyGemm, torchMlp };
