// The Python references (OpenBLAS through numpy, PyTorch CPU), run in the same session as the
// JS workloads. Skipped with a note when no python3 has the modules.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

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

/** The environment of one reference command: threads fixed, and OpenBLAS's core-type overrides
 *  (set on some machines for old OpenBLAS builds, and slow for a current one) removed. */
function referenceEnv(threads) {
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

function runPython(exe, script, args, threads, timeoutMs) {
  const r = spawnSync(exe, [path.join(REFERENCE, script), ...args], {
    env: referenceEnv(threads),
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  if (r.status !== 0) {
    throw new Error(`${script} ${args.join(' ')} failed: ${r.error?.message ?? ''}${(r.stderr || '').slice(-500)}`);
  }
  return r.stdout;
}

/** OpenBLAS sgemm through numpy: [{ m, k, n, gflops, threads, corename, openblas }] (medians). */
function numpyGemm(shapes, threads) {
  const exe = findPython(['numpy']);
  if (!exe) return { skip: 'no python3 with numpy (apt-get install python3-numpy libopenblas-dev)' };
  const out = runPython(
    exe,
    'gemm_numpy_shapes.py',
    shapes.map(([m, k, n]) => `${m}x${k}x${n}`),
    threads,
    300_000,
  );
  return { results: JSON.parse(out.trim().split('\n').pop()) };
}

/** PyTorch MLP training through torch_mlp.py: { samplesPerSec, line }. */
function torchMlp(args) {
  const exe = findPython(['torch', 'numpy']);
  if (!exe) return { skip: 'no python3 with torch (apt-get install python3-torch)' };
  const out = runPython(exe, 'torch_mlp.py', [...args, '--threads', '1'], 1, 300_000).trim();
  const m = /([\d,]+) samples\/s/.exec(out);
  if (!m) throw new Error(`torch_mlp.py printed no samples/s: ${out}`);
  return { samplesPerSec: Number(m[1].replace(/,/g, '')), line: out };
}

module.exports = { findPython, numpyGemm, torchMlp };
