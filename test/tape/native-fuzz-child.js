#!/usr/bin/env node
// The tape validator fuzz (test/tape/native-fuzz.test.ts): mutates valid tapes at random (ids,
// widths, offsets, aliases, roles, dtypes, shapes, attrs, kernel names, types, sections) and
// hands each mutant to createTape. Every createTape must return a handle or throw a TypeError or
// RangeError; every handle must then run tapePredict, tapeEvaluate, tapeTrainBatches and
// tapeGradients, each returning or throwing a TypeError/RangeError. Any other outcome exits 1; a
// crash shows as a signal. Prints one JSON line of counts.
// Usage: node native-fuzz-child.js <tapes.json> <iterations> <seed>

const fs = require('node:fs');
const path = require('node:path');

const A = require(path.join(__dirname, '..', '..', 'build', 'Release', 'nativenn.node'));
const bases = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const iterations = Number(process.argv[3]);
let seed = Number(process.argv[4]) >>> 0;

function rand() {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (n) => Math.floor(rand() * n);
const pick = (a) => a[int(a.length)];

const KERNELS = A.tapeKernels();
const NAMES = A.tapeNames();
const SECTIONS = ['forward', 'loss', 'metrics', 'backward', 'update'];
const ROLES = ['x', 'y', 'activation', 'gradient', 'scratch', 'param', 'grad', 'slot', 'state'];

// A value that is wrong, odd or just different, biased towards plausible ones.
function number(old) {
  const o = typeof old === 'number' ? old : 1;
  return pick([
    o + 1,
    o - 1,
    o * 2,
    0,
    -1,
    -2,
    1,
    2,
    3,
    2 ** 31 - 1,
    2 ** 31,
    2 ** 32,
    2 ** 53,
    -(2 ** 31),
    0.5,
    1e-300,
    1e300,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    Math.floor(o / 2),
    o + int(8),
  ]);
}
function anything(old) {
  const r = rand();
  if (r < 0.55) return number(old);
  if (r < 0.7) return { rows: pick([0, 1, 2, 3, 4, 8, -1, 0.5, 2 ** 31, old?.rows + 1 || 1]) };
  return pick([
    true,
    false,
    'relu',
    'softmax',
    'sparseCategoricalCrossentropy',
    'mse',
    'threshold',
    'nope',
    '',
    null,
    undefined,
    [],
    [1],
    {},
    { rows: 'x' },
    pick(NAMES.activations),
    pick(NAMES.losses),
    pick(NAMES.metrics),
    pick(NAMES.cells ?? ['lstm']),
  ]);
}

function allCalls(t) {
  return SECTIONS.flatMap((s) =>
    Array.isArray(t[s]) ? t[s].map((c, i) => ({ s, i, c })).filter(({ c }) => c && typeof c === 'object') : [],
  );
}

function mutate(t) {
  const nb = Array.isArray(t.buffers) ? t.buffers.length : 0;
  const calls = allCalls(t);
  const r = int(100);
  if (r < 30 && nb > 0) {
    const b = t.buffers[int(nb)];
    if (!b || typeof b !== 'object') return;
    const field = pick([
      'width',
      'width',
      'offset',
      'offset',
      'alias',
      'alias',
      'role',
      'dtype',
      'shape',
      'name',
      'whole',
    ]);
    if (field === 'alias') b.alias = pick([-1, int(nb), int(nb + 2) - 1, nb, 0, number(b.alias)]);
    else if (field === 'role') b.role = rand() < 0.9 ? pick(ROLES) : anything(b.role);
    else if (field === 'dtype') b.dtype = pick(['float32', 'int32', 'float64', 3]);
    else if (field === 'shape') {
      if (rand() < 0.5 && Array.isArray(b.shape) && b.shape.length) b.shape[int(b.shape.length)] = number(b.shape[0]);
      else b.shape = pick([[], [-1], [-1, b.width], [b.width], 'x', [-1, -1]]);
    } else if (field === 'name') b.name = pick([5, '', null]);
    else if (field === 'whole') t.buffers[int(nb)] = pick([null, 1, {}, []]);
    else {
      b[field] = number(b[field]);
      // keep the shape consistent half the time, so width changes reach the bound checks
      if (field === 'width' && rand() < 0.5 && Number.isInteger(b.width) && b.width >= 0)
        b.shape = b.offset === -1 ? [-1, b.width] : [b.width];
    }
  } else if (r < 75 && calls.length > 0) {
    const { s, i, c } = pick(calls);
    const what = int(10);
    if (what < 3 && Array.isArray(c.args) && c.args.length)
      c.args[int(c.args.length)] = pick([int(nb), int(nb), -1, nb, -2, number(0)]);
    else if (what < 6 && c.attrs && typeof c.attrs === 'object') {
      const keys = Object.keys(c.attrs);
      if (rand() < 0.85 && keys.length) c.attrs[pick(keys)] = anything(c.attrs[pick(keys)]);
      else if (rand() < 0.5 && keys.length) delete c.attrs[pick(keys)];
      else c.attrs[pick(['extra', 'n', 'rows'])] = anything(1);
    } else if (what === 6) c.kernel = rand() < 0.8 ? pick(KERNELS) : pick(['gemm2', '', 3, null]);
    else if (what === 7)
      c.when = pick([undefined, ['train'], ['eval'], ['predict'], [], ['train', 'eval', 'predict'], ['x'], 'train']);
    else if (what === 8)
      c.result = pick([
        undefined,
        { index: 0, reduce: 'mean' },
        { index: 1, reduce: 'sum' },
        { index: 0, reduce: 'once' },
        { index: 99, reduce: 'mean' },
        { index: 0, reduce: 'max' },
        5,
      ]);
    else {
      // move or duplicate the call into another section, or drop it
      const target = pick(SECTIONS);
      if (rand() < 0.4) t[s].splice(i, 1);
      if (Array.isArray(t[target])) t[target].splice(int(t[target].length + 1), 0, structuredClone(c));
    }
  } else if (r < 85) {
    const field = pick(['x', 'y', 'output', 'version']);
    t[field] = pick([int(nb), nb, -1, number(t[field])]);
  } else if (r < 92) {
    t.arena = t.arena && typeof t.arena === 'object' ? t.arena : {};
    const field = pick(['params', 'slotCount', 'state']);
    t.arena[field] = number(t.arena[field]);
  } else if (r < 96) {
    t.results = pick([[], ['loss'], ['loss', 'a', 'b', 'c'], [1], 'loss']);
  } else {
    t[pick(SECTIONS)] = pick([[], undefined, {}, [null], [{}]]);
  }
}

function expected(e) {
  return e instanceof TypeError || e instanceof RangeError;
}

const counts = { iterations, created: 0, rejected: 0, ranOk: 0, runRejected: 0, unexpected: 0 };
const examples = [];

function unexpected(stage, e, t) {
  counts.unexpected++;
  if (examples.length < 5) examples.push({ stage, error: String(e?.stack), tape: JSON.stringify(t).slice(0, 2000) });
}

async function attempt(label, t, fn) {
  try {
    await fn();
    counts.ranOk++;
  } catch (e) {
    if (expected(e)) counts.runRejected++;
    else unexpected(label, e, t);
  }
}

const width = (t, id) => {
  const w = t.buffers?.[id]?.width;
  return Number.isInteger(w) && w >= 0 && w < 1e6 ? w : 1;
};

async function main() {
  for (let it = 0; it < iterations; it++) {
    const base = pick(bases);
    const t = structuredClone(base);
    const n = rand() < 0.6 ? 1 : 2 + int(2);
    for (let k = 0; k < n; k++) mutate(t);
    const params = Number.isInteger(base.arena.params) ? base.arena.params : 0;
    const slotCount = base.arena.slotCount;
    let arena;
    let handle;
    try {
      arena = A.createArena(
        new Float32Array(params).map(() => rand() - 0.5),
        new Float32Array(base.arena.state),
      );
      handle = A.createTape(t, arena, new Float32Array(params * slotCount));
      counts.created++;
    } catch (e) {
      if (expected(e)) counts.rejected++;
      else unexpected('createTape', e, t);
      continue;
    }
    const rows = rand() < 0.05 ? 1030 : int(7);
    const xw = width(t, t.x);
    const yw = width(t, t.y);
    const ow = width(t, t.output);
    const x = Float32Array.from({ length: rows * xw }, () => rand() * 4 - 2);
    const y = Float32Array.from({ length: rows * yw }, () => int(3));
    await attempt('tapePredict', t, () => A.tapePredict(handle, x, rows, new Float32Array(rows * ow)));
    await attempt('tapeEvaluate', t, () => A.tapeEvaluate(handle, x, y, rows));
    const batch = 1 + int(4);
    const idx = Int32Array.from({ length: rows }, () => int(rows));
    await attempt('tapeTrainBatches', t, () =>
      A.tapeTrainBatches(handle, x, y, idx, batch, 0, Math.ceil(rows / batch), int(5), 0.01),
    );
    await attempt('tapeGradients', t, () => A.tapeGradients(handle, x, y, rows, int(5), new Float32Array(params)));
    A.disposeTape(handle);
    A.disposeArena(arena);
  }
  console.log(JSON.stringify({ counts, examples }));
  process.exit(counts.unexpected === 0 ? 0 : 1);
}

main().catch((e) => {
  console.log(JSON.stringify({ counts, fatal: String(e?.stack) }));
  process.exit(1);
});
