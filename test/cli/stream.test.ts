/** `nativenn train --stream`: csvDataset + fitDataset behind the CLI, then predict on the run. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/util/random';
import { ensureBuilt, runCli } from './support';

let dir: string;
beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(path.join(tmpdir(), 'nativenn-stream-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 3 numeric features, a text category and a two-class text label that depends on them. */
function writeCsv(file: string, rows: number): void {
  const rng = new Random(3);
  const lines = ['a,b,c,shade,label'];
  for (let r = 0; r < rows; r++) {
    const [a, b, c] = [rng.uniform(-2, 2), rng.uniform(-2, 2), rng.uniform(0, 10)];
    const shade = ['light', 'dark'][rng.int(2)];
    const label = a + b + (shade === 'dark' ? 1 : -1) > 0 ? 'yes' : 'no';
    lines.push(`${a.toFixed(3)},${b.toFixed(3)},${c.toFixed(2)},${shade},${label}`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

describe('nativenn train --stream', () => {
  it('trains from disk with a hash split, reports rows/s and the test part, and the run predicts', () => {
    const data = path.join(dir, 'rows.csv');
    writeCsv(data, 3000);
    const out = path.join(dir, 'run');
    const r = runCli(['train', '--data', data, '--stream', '--epochs', '4', '--seed', '7', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /3000 rows × 5 features \(4 columns, text ones one-hot encoded\), 2 classes; label "label", streamed from disk/,
    );
    const parts = /rows: (\d+) train, (\d+) validation, (\d+) test \(a hash of each row decides its part\)/.exec(
      r.stdout,
    )!;
    const [train, validation, test] = parts.slice(1).map(Number);
    expect(train + validation + test).toBe(3000);
    expect(test).toBeGreaterThan(500);
    expect(validation).toBeGreaterThan(150);
    expect(r.stdout.match(/^epoch \d\/4 - \d+ ms - loss .* - [\d,]+ rows\/s$/gm)).toHaveLength(4);
    const accuracy = Number(/test accuracy ([\d.]+)% \((\d+) rows\)/.exec(r.stdout)?.[1]);
    expect(/test accuracy [\d.]+% \((\d+) rows\)/.exec(r.stdout)?.[1]).toBe(String(test));
    expect(accuracy).toBeGreaterThan(85);
    const p = JSON.parse(readFileSync(path.join(out, 'preprocess.json'), 'utf8'));
    expect(p.version).toBe(2);
    expect(p.split).toBeNull();
    expect(p.featureNames).toEqual(['a', 'b', 'c', 'shade=dark', 'shade=light']);
    expect(p.scaler.type).toBe('standard');
    const predicted = runCli(['predict', '--model', out, '--data', data]);
    expect(predicted.status).toBe(0);
    expect(predicted.stdout.trim().split('\n').length).toBeGreaterThan(3000);
  });

  it('gives the same weights for the same seed, and refuses --stream on the digits', () => {
    const data = path.join(dir, 'again.csv');
    writeCsv(data, 800);
    const run = (name: string) => {
      const out = path.join(dir, name);
      const r = runCli(['train', '--data', data, '--stream', '--epochs', '2', '--seed', '5', '--quiet', '--out', out]);
      expect(r.status).toBe(0);
      return readFileSync(path.join(out, 'model', 'weights.bin'));
    };
    expect(run('a').equals(run('b'))).toBe(true);
    const digits = runCli(['train', '--stream', '--out', path.join(dir, 'digits')]);
    expect(digits.status).toBe(2);
    expect(digits.stderr).toMatch(/--stream applies to CSV files/);
  });
});
