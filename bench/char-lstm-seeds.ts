/**
 * Accuracy of examples/char-lstm.ts against its PyTorch recipe, seed by seed, on the same windows:
 *   npx tsx bench/char-lstm-seeds.ts [--seeds 0,1,2] [--only nativenn|torch] [--epochs 3] [--one-bias]
 * For each seed, nativenn's example trains first (its windows drawn by nn.data.slidingWindows
 * with that seed), then bench/reference/torch_lstm_chars.py trains on the same window starts
 * (torch.manual_seed(seed) for its own initialization and shuffles), one after the other, 1
 * thread for PyTorch. With --one-bias PyTorch trains a second time, its LSTM bias kept as one
 * (torch_lstm_chars.py --one-bias: the same start, Adam stepping b_ih + b_hh as one weight, as
 * nativenn and Keras do). Prints both sides' per-epoch lines, then every seed's test accuracy and the
 * medians; writes them to bench/results/char-lstm-seeds.json.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run, WORD_LIST } from '../examples/char-lstm';
import { findPython } from './lib/python';
import { ROWS, torchChars, WINDOW, writeStarts } from './lib/torch-chars';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const seeds = option('--seeds', '0,1,2').split(',').map(Number);
const only = option('--only', '');
const epochs = Number(option('--epochs', '3'));
const oneBias = args.includes('--one-bias');

interface SeedResult {
  seed: number;
  nativenn?: number;
  nativennSeconds?: number;
  torch?: number;
  torchSeconds?: number;
  torchOneBias?: number;
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length === 0
    ? Number.NaN
    : s.length % 2
      ? s[(s.length - 1) / 2]
      : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main() {
  const python = only === 'nativenn' ? null : findPython(['torch', 'numpy']);
  if (only !== 'nativenn' && !python)
    throw new Error('no python3 with torch and numpy (apt-get install python3-torch)');
  const text = fs.readFileSync(WORD_LIST, 'utf8').toLowerCase();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nativenn-char-seeds-'));
  const results: SeedResult[] = [];
  try {
    for (const seed of seeds) {
      const r: SeedResult = { seed };
      if (only !== 'torch') {
        const t = performance.now();
        const out = await run({
          seed,
          epochs,
          rows: ROWS,
          window: WINDOW,
          words: 1,
          log: (l) => console.log(`nativenn seed ${seed}: ${l}`),
        });
        r.nativenn = out.testAccuracy;
        r.nativennSeconds = (performance.now() - t) / 1000;
      }
      if (python) {
        const startsFile = writeStarts(text, seed, dir);
        const t = performance.now();
        r.torch = torchChars(python, { seed, epochs, startsFile, name: 'torch' }).testAccuracy;
        r.torchSeconds = (performance.now() - t) / 1000;
        if (oneBias) {
          r.torchOneBias = torchChars(python, {
            seed,
            epochs,
            startsFile,
            extra: ['--one-bias'],
            name: 'torch one bias',
          }).testAccuracy;
        }
      }
      results.push(r);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const f = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(4));
  const column = (key: 'nativenn' | 'torch' | 'torchOneBias') =>
    results.flatMap((r) => (r[key] === undefined ? [] : [r[key] as number]));
  console.log(
    '\n| seed | nativenn | PyTorch | PyTorch, one bias | seconds (nativenn / PyTorch, whole run) |\n| --- | --- | --- | --- | --- |',
  );
  for (const r of results) {
    const seconds = `${r.nativennSeconds?.toFixed(0) ?? '—'} / ${r.torchSeconds?.toFixed(0) ?? '—'}`;
    console.log(`| ${r.seed} | ${f(r.nativenn)} | ${f(r.torch)} | ${f(r.torchOneBias)} | ${seconds} |`);
  }
  const medians = (['nativenn', 'torch', 'torchOneBias'] as const).map((k) => f(median(column(k))));
  console.log(`| median | ${medians.join(' | ')} | |`);
  const file = path.join(__dirname, 'results', 'char-lstm-seeds.json');
  const record = { date: new Date().toISOString(), epochs, rows: ROWS, window: WINDOW, load: os.loadavg(), results };
  fs.writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  console.log(`written to ${path.relative(process.cwd(), file)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
