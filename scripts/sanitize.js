#!/usr/bin/env node
// `npm run test:sanitize`: builds the addon with AddressSanitizer + UndefinedBehaviorSanitizer in
// its own folder (build-sanitize/; the normal build/ is untouched), then runs the native-heavy part
// of the test suite and a CLI training run against it. Node itself is not instrumented, so libasan
// is preloaded (LD_PRELOAD) and leak detection is off (Node's own allocations would be reported).
// Any sanitizer report aborts the process, which fails the run. Timing assertions (event-loop
// responsiveness) are not judged under NATIVENN_SANITIZE. Linux with g++ or clang++ only.
// Usage: node scripts/sanitize.js [--build-only] [vitest files or folders…]

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const stage = path.join(root, 'build-sanitize');
const addon = path.join(stage, 'build', 'Release', 'nativenn.node');
// The tests that reach the addon: kernels against their twins, executors, gradient checks, models,
// fuzzing, worker threads and the hostile-input suite. (test/build, the CLI and io tests and the
// examples mostly exercise TypeScript and files; the CLI run below covers the CLI's native path.)
const SUITE = [
  'test/kernels',
  'test/train',
  'test/tape',
  'test/graph',
  'test/gradcheck',
  'test/model',
  'test/hostile',
  'test/fuzz.test.ts',
  'test/worker-threads.test.ts',
];
const GEMM = 'test/kernels/gemm.test.ts';
const FLAGS =
  '-fsanitize=address,undefined -fno-sanitize=vptr -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g';

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.status !== 0) {
    console.error(`test:sanitize: ${cmd} ${args.join(' ')} failed (${r.signal ?? `exit ${r.status}`})`);
    process.exit(1);
  }
}

function compiler() {
  const cxx = process.env.CXX || 'g++';
  const r = spawnSync(cxx, ['-print-file-name=libasan.so'], { encoding: 'utf8' });
  const lib = r.status === 0 ? r.stdout.trim() : '';
  if (!path.isAbsolute(lib)) {
    console.error(`test:sanitize: ${cxx} does not know libasan.so (install the compiler's ASan runtime)`);
    process.exit(1);
  }
  return { cxx, libasan: lib };
}

// A folder that looks like the package to node-gyp (binding.gyp, native/, node_modules/ linked),
// so its build/ is separate from the real one.
function build(cxx) {
  fs.mkdirSync(stage, { recursive: true });
  for (const name of ['binding.gyp', 'native', 'node_modules', 'package.json']) {
    const link = path.join(stage, name);
    if (!fs.existsSync(link)) fs.symlinkSync(path.join(root, name), link);
  }
  const gyp = require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] });
  const env = { ...process.env, CXX: cxx, CXXFLAGS: FLAGS, LDFLAGS: FLAGS.split(' ').slice(0, 2).join(' ') };
  // The Node headers from this Node's own install, as the source build uses them: node-gyp would
  // otherwise download them, and CI has no network for that.
  const prefix = path.resolve(process.execPath, '..', '..');
  if (!env.npm_config_nodedir && fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')))
    env.npm_config_nodedir = prefix;
  // Configure again when the source list changed since (a new .cc would be missing from the link).
  const makefile = path.join(stage, 'build', 'Makefile');
  const sources = path.join(root, 'native', 'sources.json');
  const configured = fs.existsSync(makefile) && fs.statSync(makefile).mtimeMs >= fs.statSync(sources).mtimeMs;
  if (!configured) run(process.execPath, [gyp, 'configure'], { cwd: stage, env });
  run(process.execPath, [gyp, 'build', '-j', String(os.availableParallelism?.() ?? 2)], { cwd: stage, env });
}

const args = process.argv.slice(2);
const buildOnly = args.includes('--build-only');
const files = args.filter((a) => a !== '--build-only');
const { cxx, libasan } = compiler();
const started = Date.now();
build(cxx);
if (buildOnly) process.exit(0);

const env = {
  ...process.env,
  NATIVENN_ADDON_PATH: addon,
  NATIVENN_SANITIZE: '1',
  LD_PRELOAD: libasan,
  // Node's own allocations are not ours to report; abort on the first real error.
  ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=1:allow_user_segv_handler=1',
  UBSAN_OPTIONS: 'halt_on_error=1:abort_on_error=1:print_stacktrace=1',
};
const vitest = require.resolve('vitest/vitest.mjs', { paths: [root] });
if (files.length > 0) {
  run(process.execPath, [vitest, 'run', ...files], { env });
} else {
  run(process.execPath, [vitest, 'run', '--exclude', GEMM, ...SUITE], { env });
  // The GEMM file in parts (one per micro-kernel): whole, it runs for over a minute under ASan
  // without yielding, and its vitest worker's RPC with vitest times out.
  for (const part of ['gemm: ', "gemm 'avx512'", "gemm 'avx2'", "gemm 'generic'"]) {
    run(process.execPath, [vitest, 'run', GEMM, '-t', part], { env });
  }
}

const out = fs.mkdtempSync(path.join(os.tmpdir(), 'nativenn-sanitize-'));
try {
  const cli = path.join(root, 'dist', 'cli', 'main.js');
  const model = path.join(out, 'digits');
  run(process.execPath, [cli, 'train', '--epochs', '5', '--quiet', '--out', model], { env });
  run(process.execPath, [cli, 'predict', '--model', model, '--data', 'digits', '--out', path.join(out, 'p.csv')], {
    env,
  });
  const dropout = ['--epochs', '2', '--dropout', '0.2', '--optimizer', 'rmsprop', '--hidden', '32,16', '--quiet'];
  run(process.execPath, [cli, 'train', ...dropout, '--out', path.join(out, 'dropout')], { env });
} finally {
  fs.rmSync(out, { recursive: true, force: true });
}
console.log(`test:sanitize: clean (${((Date.now() - started) / 1000).toFixed(0)} s)`);
