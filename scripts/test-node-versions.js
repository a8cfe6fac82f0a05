#!/usr/bin/env node
// `npm run test:node-versions`: test/build/native-check.js (load, every kernel against its js
// twin, a training run, worker_threads) on Node 20, 22 and 24 (linux-x64 binaries from npm,
// fetched once by scripts/fetch-node.js), with the addon a source build made (build/Release)
// and, when prebuilds/linux-x64 exists, with the prebuilt binary. Needs dist/ (npm run build:ts).

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { nodeBinary } = require('./fetch-node');

const root = path.join(__dirname, '..');
const check = path.join(root, 'test', 'build', 'native-check.js');
const target = `${process.platform}-${process.arch}`;
const runs = [];
if (fs.existsSync(path.join(root, 'build', 'Release', 'nativenn.node'))) runs.push(['build/Release', {}]);
if (fs.existsSync(path.join(root, 'prebuilds', target))) runs.push([`prebuilds/${target}`, { PREBUILDS_ONLY: '1' }]);
if (!runs.length) {
  console.error('no addon to test: run `npm run build:native` or `npm run prebuilds` first');
  process.exit(1);
}
let failed = 0;
for (const major of [20, 22, 24]) {
  const node = process.versions.node.split('.')[0] === String(major) ? process.execPath : nodeBinary(target, major);
  for (const [addon, env] of runs) {
    const r = spawnSync(node, [check, '--expect-path', addon], { encoding: 'utf8', env: { ...process.env, ...env } });
    const summary = r.stdout.trim().split('\n').at(-1);
    console.log(`Node ${major}, ${addon}: ${summary}`);
    if (r.status !== 0) {
      failed++;
      process.stderr.write(r.stdout + r.stderr);
    }
  }
}
process.exit(failed ? 1 : 0);
