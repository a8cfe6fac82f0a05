// Shared plumbing for the workloads: loading nativenn from dist/, running one benny suite and
// saving its JSON and chart, and the rows each workload hands to run-all.js for the summary.
const fs = require('node:fs');
const path = require('node:path');
const b = require('benny');

const RESULTS = path.join(__dirname, '..', 'results');

/** The compiled library (npm run bench runs build:ts first); NATIVENN_BENCH_LIB points elsewhere
 *  (an installed copy, or a stand-in when checking the bench itself). */
function loadNativenn() {
  return require(process.env.NATIVENN_BENCH_LIB || path.join(__dirname, '..', '..', 'dist'));
}

/** Why the native backend cannot be benchmarked, or null when it can. */
function nativeMissing(nn) {
  if (nn.backends.native) return null;
  const why = nn.nativeLoadError?.();
  return `native backend not available (${why ? why.message : 'addon not loaded'})`;
}

/** Why the model API (issue 3) cannot be benchmarked, or null when it can. */
function modelApiMissing(nn) {
  const needed = {
    'nn.sequential': nn.sequential,
    'nn.layers.dense': nn.layers?.dense,
    'nn.datasets.digits': nn.datasets?.digits,
    'nn.data.minMaxScaler': nn.data?.minMaxScaler,
    'nn.data.oneHot': nn.data?.oneHot,
  };
  const missing = Object.entries(needed)
    .filter(([, f]) => typeof f !== 'function')
    .map(([k]) => k);
  return missing.length ? `model API not in this build yet (${missing.join(', ')})` : null;
}

/** The native thread pool's size; 1 when the addon has no pool yet. */
function nativeThreads(nn) {
  try {
    return nn.getNumThreads();
  } catch {
    return 1;
  }
}

function slug(text) {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/**
 * Runs one benny suite. cases: [{ name, fn, options, async }] where fn is one op (sync, or async
 * when `async` is set). Saves <file>.json and <file>.chart.html in bench/results/ and returns
 * Map(name -> median seconds per op).
 *
 * benny probes every case while it builds the suite: it calls an async fn twice, all cases at
 * once, the first call not awaited. Two fits of one model overlapping (or a tfjs backend switch
 * in the middle of another case's fit) would corrupt the run, so async ops stay no-ops until the
 * suite starts; each case gets one awaited warm-up op here instead, one case after another.
 */
async function runSuite(title, cases, file = slug(title)) {
  if (cases.length === 0) return new Map();
  let armed = false;
  const ops = [];
  for (const c of cases) {
    if (c.async) {
      await c.fn(); // warm-up: JIT, buffers, backend switch
      ops.push(b.add(c.name, () => (armed ? c.fn() : Promise.resolve()), c.options ?? {}));
    } else {
      ops.push(b.add(c.name, c.fn, c.options ?? {}));
    }
  }
  const arm = async () => (suiteObj) =>
    suiteObj.on('start', () => {
      armed = true;
    });
  const summary = await b.suite(
    title,
    arm,
    ...ops,
    b.save({ file, folder: RESULTS, format: 'json', details: true }),
    b.save({ file, folder: RESULTS, format: 'chart.html' }),
  );
  const medians = new Map();
  for (const r of summary.results) {
    medians.set(r.name, r.details.median);
    console.log(`  ${r.name}: median ${fmtTime(r.details.median)}/op, ${r.samples} samples, ±${r.margin}%`);
  }
  return medians;
}

function fmtTime(s) {
  if (s >= 1) return `${s.toFixed(2)} s`;
  if (s >= 1e-3) return `${(s * 1e3).toFixed(2)} ms`;
  return `${(s * 1e6).toFixed(1)} us`;
}

/** Formats a figure with 3 significant digits and thousands separators. */
function fmt(x) {
  if (x === undefined || x === null || !Number.isFinite(x)) return 'n/a';
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(x) || 1)));
  return x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

function ratio(a, b) {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return undefined;
  return a / b;
}

function fmtRatio(a, b, label) {
  const r = ratio(a, b);
  return r === undefined ? null : `${fmt(r)}× ${label}`;
}

function median(values) {
  const v = [...values].sort((x, y) => x - y);
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/**
 * What a workload hands to run-all.js: rows of the summary table and notes (skips).
 * row: { workload, impl, value, unit, ratio?, target? } — value is a median of this run.
 */
class Report {
  constructor(name) {
    this.name = name;
    this.rows = [];
    this.notes = [];
  }
  row(workload, impl, value, unit, extra = {}) {
    this.rows.push({ workload, impl, value, unit, ...extra });
    console.log(`  -> ${workload} | ${impl}: ${fmt(value)} ${unit}`);
  }
  note(text) {
    this.notes.push(text);
    console.log(`  note: ${text}`);
  }
  save() {
    fs.mkdirSync(RESULTS, { recursive: true });
    fs.writeFileSync(path.join(RESULTS, `${this.name}.rows.json`), `${JSON.stringify(this, null, 2)}\n`);
  }
}

/** Runs main() and turns a crash into a saved note, so one broken suite does not lose the run. */
function runWorkload(name, main) {
  const report = new Report(name);
  main(report)
    .catch((err) => {
      report.note(`${name} failed: ${err?.stack ? err.stack.split('\n').slice(0, 3).join(' ') : err}`);
      process.exitCode = 1;
    })
    .finally(() => {
      report.save();
      // tfjs and the addon's thread pool may keep handles open; the results are saved.
      setImmediate(() => process.exit());
    });
}

module.exports = {
  RESULTS,
  loadNativenn,
  nativeMissing,
  modelApiMissing,
  runSuite,
  runWorkload,
  fmt,
  fmtRatio,
  ratio,
  median,
  slug,
  fmtTime,
  nativeThreads,
};
