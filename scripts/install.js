#!/usr/bin/env node
// `npm install` hook, in this order:
//  1. the prebuilt binary for this platform (prebuilds/<platform>-<arch>/, found by node-gyp-build)
//     if it was built from these sources and loads and runs here (a child process tries it, so
//     a glibc too old or a wrong libc is caught now, not at the user's first import);
//  2. else a source build with node-gyp, offline (the Node headers come with Node or npm);
//  3. else one warning, and nativenn runs on its pure-TS backend.
// `npm rebuild nativenn --build-from-source` (or NATIVENN_BUILD_FROM_SOURCE=1) skips step 1.

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const quiet = !process.env.NATIVENN_VERBOSE_BUILD;

function fromSourceRequested() {
  return (
    process.env.npm_config_build_from_source === 'true' ||
    process.env.NATIVENN_BUILD_FROM_SOURCE === '1' ||
    process.argv.includes('--build-from-source')
  );
}

// Run in a child with PREBUILDS_ONLY=1 (node-gyp-build then ignores build/): prints the prebuilt
// binary's path if it matches the sources and runs a kernel, else exits non-zero saying why.
const TRY_PREBUILT = `
  const fs = require('node:fs'), path = require('node:path');
  const root = process.argv[1];
  const file = require('node-gyp-build').resolve(root);
  const info = JSON.parse(fs.readFileSync(path.join(path.dirname(file), 'build-info.json'), 'utf8'));
  const hash = require(path.join(root, 'scripts', 'source-hash.js')).sourceHash(root);
  if (info.sourceHash !== hash) throw new Error(file + ' was built from other sources than these');
  const addon = require(file);
  const x = new Float32Array(3);
  addon.fill(x, 2, 3);
  if (x[2] !== 2) throw new Error(file + ' loads but computes wrong results');
  console.log(file);`;

function prebuilt() {
  const r = spawnSync(process.execPath, ['-e', TRY_PREBUILT, root], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, PREBUILDS_ONLY: '1' },
  });
  if (r.status === 0) return { file: r.stdout.trim() };
  const why = (r.stderr.match(/^\w*Error: .*$/m) || [r.stderr.trim().split('\n')[0]])[0];
  return { why };
}

function sourceBuild() {
  const gyp = process.env.npm_config_node_gyp;
  const [cmd, args] = gyp ? [process.execPath, [gyp, 'rebuild']] : ['node-gyp', ['rebuild']];
  // maxBuffer: spawnSync kills a child whose piped output passes it (1 MiB by default), and a
  // compiler's warnings can (GCC 12 printed ~4 MB for one AVX-512 file): that read as a failed build.
  const result = spawnSync(cmd, args, {
    cwd: root,
    stdio: quiet ? 'pipe' : 'inherit',
    shell: !gyp,
    maxBuffer: 1 << 30,
  });
  if (result.status === 0) return true;
  if (quiet && result.stderr) process.stderr.write(result.stderr.toString().split('\n').slice(-15).join('\n'));
  return false;
}

const forced = fromSourceRequested();
const found = forced ? null : prebuilt();
if (found?.file) {
  // A local build would win over the prebuilt binary at load time (node-gyp-build looks in
  // build/ first): remove the one an earlier source build left.
  fs.rmSync(path.join(root, 'build', 'Release', 'nativenn.node'), { force: true });
  console.log(`nativenn: using the prebuilt binary ${path.relative(root, found.file)}`);
  process.exit(0);
}
if (found) console.log(`nativenn: no usable prebuilt binary (${found.why}); building from source`);
if (!sourceBuild()) {
  // When the source build was forced, the prebuilt binary may still be there and load.
  const fallback = forced ? prebuilt().file : undefined;
  process.stderr.write(
    '\nnativenn: WARNING: the native addon did not build from source (is a C++ compiler installed?). ' +
      (fallback
        ? `nativenn will load its prebuilt binary ${path.relative(root, fallback)} instead.\n`
        : 'nativenn will run on its pure-TypeScript backend, which is much slower. ' +
          'Install g++/clang and python3, then run `npm rebuild nativenn`.\n'),
  );
}
process.exit(0);
