// Runs bench/reference/torch_lstm_chars.py (PyTorch's char-LSTM recipe) on the windows that
// examples/char-lstm.ts draws for a seed: for bench/char-lstm-seeds.ts and char-lstm-same-start.ts.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { charWindows, WORD_LIST } from '../../examples/char-lstm';

export const ROWS = 50_000;
export const WINDOW = 16;

/** Writes the start of each window the example draws with `seed` (one a line); returns the file. */
export function writeStarts(text: string, seed: number, dir: string): string {
  const file = path.join(dir, `starts-${seed}.txt`);
  fs.writeFileSync(file, `${Array.from(charWindows(text, WINDOW, ROWS, seed).starts).join('\n')}\n`);
  return file;
}

/** Trains PyTorch (1 thread) on those windows; prints its epoch lines with `name`; returns its
 *  summary ({ testAccuracy, ... }). */
export function torchChars(
  python: string,
  o: { seed: number; epochs: number; startsFile: string; extra?: string[]; name: string },
) {
  const p = spawnSync(
    python,
    [
      path.join(__dirname, '..', 'reference', 'torch_lstm_chars.py'),
      ...['--seed', String(o.seed), '--epochs', String(o.epochs), '--steps', String(WINDOW)],
      ...['--starts', o.startsFile, '--text', WORD_LIST, ...(o.extra ?? [])],
    ],
    { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' } },
  );
  if (p.status !== 0) throw new Error(`torch_lstm_chars.py failed: ${p.stderr.slice(-800)}`);
  const lines = p.stdout.trim().split('\n');
  for (const l of lines.slice(0, -1)) console.log(`${o.name} seed ${o.seed}: ${l}`);
  const summary = JSON.parse(lines[lines.length - 1]);
  if (summary.rows !== ROWS) throw new Error(`torch_lstm_chars.py read ${summary.rows} windows, not ${ROWS}`);
  return summary as { testAccuracy: number; epochSeconds: number };
}
