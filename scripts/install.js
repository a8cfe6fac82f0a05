#!/usr/bin/env node
// `npm install` hook: build the native addon with node-gyp. If that fails (no C++ compiler,
// no Python), say so once and succeed anyway: nativenn then runs on its pure-TS backend.

const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');
const gyp = process.env.npm_config_node_gyp;
const [cmd, args] = gyp ? [process.execPath, [gyp, 'rebuild']] : ['node-gyp', ['rebuild']];
const quiet = !process.env.NATIVENN_VERBOSE_BUILD;
const result = spawnSync(cmd, args, { cwd: root, stdio: quiet ? 'pipe' : 'inherit', shell: !gyp });
if (result.status !== 0) {
  if (quiet && result.stderr) process.stderr.write(result.stderr.toString().split('\n').slice(-15).join('\n'));
  process.stderr.write(
    '\nnativenn: WARNING: the native addon did not build (is a C++ compiler installed?). ' +
      'nativenn will run on its pure-TypeScript backend, which is much slower. ' +
      'Install g++/clang and python3, then run `npm rebuild nativenn`.\n',
  );
}
process.exit(0);
