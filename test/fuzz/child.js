#!/usr/bin/env node
// Fuzzes the native addon with seeded random malformed calls, in its own process so that a crash
// (segfault, abort) shows up as a signal or exit code in the parent (test/fuzz.test.ts).
// Every call must return normally or throw a TypeError/RangeError whose message starts with the
// function's name. A call that is certainly invalid must throw, and must leave every buffer it
// was given unchanged (no half-updated model). Anything else: print why and exit 1.
// Pass 1 calls the RAW addon (positional integer codes for enums); pass 2 calls the checked layer
// nn.backends.native (names for enums), loaded from src/ through tsx.
// Usage: node test/fuzz/child.js [--seed N] [--calls N per function] [--checked-calls N]

const path = require('node:path');
const { SPECS, ACTIVATIONS, LOSSES } = require('./specs');

const root = path.join(__dirname, '..', '..');
const opt = { seed: 1, calls: 10000, 'checked-calls': 2000 };
for (let i = 2; i < process.argv.length; i += 2) opt[process.argv[i].replace(/^--/, '')] = Number(process.argv[i + 1]);

// mulberry32, as in test/support/backends.ts
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(opt.seed);
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1)); // inclusive
const pick = (xs) => xs[Math.floor(rand() * xs.length)];

function f32(len, fill) {
  const a = new Float32Array(len);
  for (let i = 0; i < len; i++) a[i] = fill ? fill(i) : rand() * 2 - 1;
  return a;
}
function detachedF32(len) {
  const buf = new ArrayBuffer(len * 4);
  const view = new Float32Array(buf);
  structuredClone(buf, { transfer: [buf] }); // detaches buf: view.length is now 0
  return view;
}

// Values of the wrong type for some argument kind. `ok(kind)` says whether a value would pass.
const WRONG = [
  () => undefined,
  () => null,
  () => 'a string',
  () => '3',
  () => ({}),
  () => ({ length: 8 }),
  () => [],
  () => [1, 2, 3, 4],
  () => new Float64Array(64),
  () => new Int32Array(64),
  () => new Uint8Array(256),
  () => new Float32Array(64),
  () => new BigInt64Array(8),
  () => 10n,
  () => Symbol('s'),
  () => true,
  () => false,
  () => 3,
  () => 0,
  () => new Number(3),
  () => new Boolean(true),
  () => () => 0,
  () => new ArrayBuffer(256),
  () => new DataView(new ArrayBuffer(256)),
  () => new Proxy(new Float32Array(64), {}),
  () => Number.NaN,
];
function wrongFor(kind) {
  for (;;) {
    const v = pick(WRONG)();
    const isF32 = v instanceof Float32Array && !require('node:util').types.isProxy(v);
    if (kind === 'f32' && isF32) continue;
    if (kind === 'i32' && v instanceof Int32Array) continue;
    if (kind === 'bool' && typeof v === 'boolean') continue;
    if (['size', 'num', 'finite', 'code', 'step', 'rate', 'threads'].includes(kind) && typeof v === 'number') continue;
    if (kind === 'name' && typeof v === 'string') continue;
    return v;
  }
}
const BAD_SIZES = [
  -1,
  -0.5,
  0.5,
  1.5,
  3.25,
  Number.NaN,
  Infinity,
  -Infinity,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  2 ** 53 + 2,
  1e300,
  -(2 ** 31),
];
const BAD_CODES = (count) => [count, count + 1, 255, 2 ** 31 - 1, -1, 0.5, Number.NaN, Infinity];
const BAD_CLASSES = (cols) => [-1, cols, cols + 0.5, 0.5, Number.NaN, Infinity, -Infinity, 1e10];

/** A valid call: random dims, buffers long enough, hyper-parameters in range. */
function validCall(spec) {
  const d = spec.dims(rand, int);
  const args = [];
  const meta = [];
  for (const a of spec.args) {
    let v;
    if (a.kind === 'f32' || a.kind === 'i32') {
      const need = a.need(d);
      const len = need + (rand() < 0.7 ? 0 : int(1, 3));
      if (a.kind === 'i32') v = new Int32Array(len);
      else if (a.target && d.sparse) v = f32(len, () => int(0, Math.max(0, d.cols - 1)));
      else v = f32(len, a.prob ? () => 0.01 + 0.98 * rand() : undefined);
      if (rand() < 0.05 && len > 0) v = new Float32Array(new SharedArrayBuffer(len * 4)); // still valid
      meta.push({ kind: a.kind, need, target: a.target });
    } else {
      v = a.value(d, rand, int);
      meta.push({ kind: a.kind });
    }
    args.push(v);
  }
  // Enums cross Node-API by name, in the raw addon as in the checked layer.
  const codeAt = spec.args.findIndex((a) => a.kind === 'code');
  if (codeAt >= 0) {
    args[codeAt] = (spec.args[codeAt].codes === 'activation' ? ACTIVATIONS : LOSSES)[args[codeAt]];
    meta[codeAt] = { kind: 'name' };
  }
  return { args, meta, d };
}

/** Applies one random malformation. Returns whether the call is now certainly invalid. */
function mutate(call, spec) {
  const { args, meta, d } = call;
  const which = pick([
    'count',
    'type',
    'type',
    'short',
    'empty',
    'badsize',
    'badrange',
    'hugesize',
    'ld',
    'code',
    'sparse',
    'none',
  ]);
  call.which = which;
  // A second malformation must not overwrite the first one's argument (it could repair it).
  call.touched = call.touched ?? new Set();
  const touched = call.touched;
  const at = (pred) => {
    const idx = meta.map((m, i) => (pred(m) && !touched.has(i) && i < args.length ? i : -1)).filter((i) => i >= 0);
    const i = idx.length ? pick(idx) : -1;
    touched.add(i);
    return i;
  };
  switch (which) {
    case 'count': {
      if (rand() < 0.5 && args.length > 0) args.length = int(0, args.length - 1);
      else for (let k = int(1, 3); k > 0; k--) args.push(pick([undefined, 0, new Float32Array(4), true]));
      return false; // judged by the final length: two count changes may cancel out
    }
    case 'type': {
      const i = at(() => true);
      if (i < 0) return false;
      args[i] = wrongFor(meta[i].kind);
      return true;
    }
    case 'short':
    case 'empty': {
      const i = at((m) => (m.kind === 'f32' || m.kind === 'i32') && m.need > 0);
      if (i < 0) return false;
      const len = which === 'short' ? int(0, meta[i].need - 1) : 0;
      const Ctor = meta[i].kind === 'i32' ? Int32Array : Float32Array;
      args[i] = which === 'empty' && rand() < 0.5 && Ctor === Float32Array ? detachedF32(meta[i].need) : new Ctor(len);
      return true;
    }
    case 'badsize': {
      const i = at((m) => ['size', 'step', 'threads', 'code'].includes(m.kind));
      if (i < 0) return false;
      const extra = { step: [0, -0], threads: [0, 257, 1e6, 2 ** 31 - 1] }[meta[i].kind] ?? [];
      args[i] = pick([...BAD_SIZES, ...extra]);
      return true;
    }
    case 'badrange': {
      const i = at((m) => m.kind === 'finite' || m.kind === 'rate');
      if (i < 0) return false;
      args[i] = pick([Number.NaN, Infinity, -Infinity, ...(meta[i].kind === 'rate' ? [-0.1, 1, 1.5, -1e-300] : [])]);
      return true;
    }
    case 'hugesize': {
      // A legal size, far larger than any buffer: must fail on length unless nothing is needed.
      // With another size at 0 nothing would be needed and a kernel could legally spin through
      // 2^31 empty rows for seconds; keep those calls to 65536.
      const i = at((m) => m.kind === 'size');
      const zero = meta.some((m, j) => m.kind === 'size' && j !== i && args[j] === 0);
      if (i >= 0) args[i] = zero ? 65536 : pick([2 ** 31 - 1, 2 ** 30, 65536]);
      return false;
    }
    case 'ld': {
      const choices = spec.ld ? spec.ld(d).filter(([ldAt]) => !touched.has(ldAt)) : [];
      if (!choices.length) return false;
      const [ldAt, cols] = pick(choices);
      touched.add(ldAt);
      args[ldAt] = int(0, Math.max(1, cols) - 1);
      return true;
    }
    case 'code': {
      const i = at((m) => m.kind === 'code' || m.kind === 'name');
      if (i < 0) return false;
      if (meta[i].kind === 'name')
        args[i] = pick(['relu ', 'Relu', '', 'softmax', 'meanSquaredError2', '__proto__', 'toString']);
      else args[i] = pick(BAD_CODES(spec.args[i].codes === 'activation' ? ACTIVATIONS.length : LOSSES.length));
      return true;
    }
    case 'sparse': {
      const i = at((m) => m.target);
      if (i < 0 || !d.sparse || d.rows === 0) return false;
      args[i][int(0, d.rows - 1)] = pick(BAD_CLASSES(d.cols));
      return true;
    }
    default:
      return false;
  }
}

function snapshot(args) {
  // Indexing (not Array.from) so that a detached view reads as empty instead of throwing.
  const copy = (a) => Array.from({ length: a.length }, (_, i) => a[i]);
  return args.map((a) => (ArrayBuffer.isView(a) && !(a instanceof DataView) ? copy(a) : null));
}
function sameBuffers(before, args) {
  for (let i = 0; i < before.length; i++) {
    if (!before[i]) continue;
    const now = args[i];
    if (now.length !== before[i].length) return i;
    for (let j = 0; j < now.length; j++) if (!Object.is(now[j], before[i][j])) return i;
  }
  return -1;
}

function fail(msg) {
  process.stderr.write(`fuzz: ${msg}\n`);
  process.exit(1);
}

function show(args) {
  return args
    .map((a) => {
      if (ArrayBuffer.isView(a)) return `${a.constructor.name}(${a.length})`;
      if (typeof a === 'symbol' || typeof a === 'bigint') return String(a);
      try {
        return JSON.stringify(a) ?? String(a);
      } catch {
        return typeof a;
      }
    })
    .join(', ');
}

const threwTotal = { raw: 0, checked: 0 };
function fuzz(label, target, callsPerFn, only) {
  const counts = {};
  for (const spec of SPECS) {
    const fn = target[spec.name];
    if (typeof fn !== 'function' || !only.has(spec.name)) continue; // not in this build yet
    counts[spec.name] = 0;
    for (let c = 0; c < callsPerFn; c++) {
      const call = validCall(spec);
      let invalid = mutate(call, spec);
      const done = [call.which];
      if (rand() < 0.2) {
        invalid = mutate(call, spec) || invalid;
        done.push(call.which);
      }
      if (call.args.length !== spec.args.length) invalid = true;
      const before = snapshot(call.args);
      let threw = null;
      try {
        fn(...call.args);
      } catch (err) {
        threw = err;
      }
      counts[spec.name]++;
      const where = `${label} ${spec.name}(${show(call.args)}) [${done.join(', ')}]`;
      if (threw) {
        threwTotal[label]++;
        if (!(threw instanceof TypeError || threw instanceof RangeError))
          fail(`${where} threw ${threw?.constructor?.name}: ${threw?.message}`);
        if (!String(threw.message).startsWith(`${spec.name}:`))
          fail(`${where}: message does not name the function: ${threw.message}`);
        const changed = sameBuffers(before, call.args);
        if (changed >= 0) fail(`${where} threw (${threw.message}) but changed argument ${changed}`);
      } else if (invalid) {
        fail(`${where} is invalid but returned normally`);
      }
    }
  }
  return counts;
}

function loadChecked() {
  try {
    require('tsx/cjs/api').register();
    return require(path.join(root, 'src', 'index.ts'));
  } catch (err) {
    fail(`could not load src/index.ts through tsx: ${err.message}`);
  }
}

// NATIVENN_ADDON_PATH: another build (the ASan+UBSan one of `npm run test:sanitize`).
const addon = process.env.NATIVENN_ADDON_PATH
  ? require(path.resolve(process.env.NATIVENN_ADDON_PATH))
  : require('node-gyp-build')(root);
const exported = new Set(Object.keys(addon).filter((k) => typeof addon[k] === 'function'));
const raw = fuzz('raw', addon, opt.calls, exported);
// The checked layer: the Backend methods this build provides (a partial addon's missing ones are
// stubs that throw Error, so they are left out; setNumThreads lives on nn, not on the Backend).
let checked = null;
const nn = loadChecked();
const methods = new Set([...exported].filter((k) => k !== 'setNumThreads' && k !== 'getNumThreads'));
if (nn.backends.native) checked = fuzz('checked', nn.backends.native, opt['checked-calls'], methods);
const total = (c) => (c ? Object.values(c).reduce((s, x) => s + x, 0) : 0);
const summary = {
  rawCalls: total(raw),
  rawThrew: threwTotal.raw,
  checkedCalls: total(checked),
  checkedThrew: threwTotal.checked,
};
process.stdout.write(`${JSON.stringify({ ...summary, raw, checked })}\n`);
