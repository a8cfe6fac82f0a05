#!/usr/bin/env node
// clang-format check (or --fix) over every C++ file under native/, with the repo's .clang-format.

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const files = [];
(function walk(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (/\.(cc|h|inc)$/.test(e.name)) files.push(path.relative(root, p));
  }
})(path.join(root, 'native'));
const bin = require.resolve('clang-format/index.js');
const args = process.argv.includes('--fix') ? ['-i', ...files] : ['--dry-run', '--Werror', ...files];
try {
  execFileSync(process.execPath, [bin, ...args], { cwd: root, stdio: 'inherit' });
} catch {
  process.exit(1);
}
