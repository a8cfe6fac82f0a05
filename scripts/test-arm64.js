#!/usr/bin/env node
// `npm run test:arm64`: the linux-arm64 prebuilt binary under qemu-aarch64, with npm's arm64 Node
// running test/build/native-check.js (kernels and convolutions against the js twins, a training run,
// worker_threads). Needs qemu-user and the cross compiler's sysroot
// (apt-get install g++-aarch64-linux-gnu qemu-user) and dist/ (npm run build:ts). Builds the
// arm64 binary first if prebuilds/linux-arm64 is missing or stale. Takes a few minutes.

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { nodeBinary } = require('./fetch-node');

const root = path.join(__dirname, '..');
const sysroot = '/usr/aarch64-linux-gnu';
if (spawnSync('qemu-aarch64', ['--version']).status !== 0 || !fs.existsSync(sysroot)) {
  console.error(
    'test:arm64 needs qemu-aarch64 and an aarch64 sysroot: apt-get install g++-aarch64-linux-gnu qemu-user',
  );
  process.exit(1);
}
const build = spawnSync(process.execPath, [path.join(__dirname, 'prebuild.js'), 'linux-arm64', '--if-stale'], {
  stdio: 'inherit',
});
if (build.status !== 0 || !fs.existsSync(path.join(root, 'prebuilds', 'linux-arm64'))) process.exit(1);

const node = nodeBinary('linux-arm64', process.versions.node.split('.')[0]);
const check = path.join(root, 'test', 'build', 'native-check.js');
// PREBUILDS_ONLY: node-gyp-build skips build/ (this machine's x64 build) and takes prebuilds/linux-arm64.
const r = spawnSync('qemu-aarch64', ['-L', sysroot, node, check, '--expect-path', 'prebuilds/linux-arm64'], {
  stdio: 'inherit',
  env: { ...process.env, PREBUILDS_ONLY: '1' },
});
process.exit(r.status ?? 1);
