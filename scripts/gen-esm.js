#!/usr/bin/env node
// Writes dist/index.mjs, the ES-module entry: it re-exports every name of the CommonJS build,
// so `import * as nn from 'nativenn'` and `import { sequential } from 'nativenn'` both work.

const fs = require('node:fs');
const path = require('node:path');

const dist = path.join(__dirname, '..', 'dist');
const names = Object.keys(require(path.join(dist, 'index.js'))).filter((n) => n !== 'default');
const lines = [
  "import cjs from './index.js';",
  ...names.map((n) => `export const ${n} = cjs.${n};`),
  'export default cjs;',
  '',
];
fs.writeFileSync(path.join(dist, 'index.mjs'), lines.join('\n'));
