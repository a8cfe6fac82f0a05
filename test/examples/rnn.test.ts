/** The recurrent examples: the digits LSTM with the recipe (≥ 0.98 test accuracy, the mean
 *  of seeds 0–2), and the char-LSTM's code path on a small text written here (the Debian word
 *  list is not needed): it trains, reports accuracy, and samples words from the vocabulary. */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as charLstm, parseArgs, sampleIndex } from '../../examples/char-lstm';
import { run as digitsLstm } from '../../examples/digits-lstm';
import { Random } from '../../src/util/random';

describe('digits-lstm example', () => {
  it('reaches ≥ 0.98 mean test accuracy over seeds 0, 1, 2 and prints every epoch', async () => {
    const accuracies: number[] = [];
    const lines: string[] = [];
    for (const seed of [0, 1, 2]) {
      const r = await digitsLstm({ seed, log: (l) => lines.push(l) });
      expect(r.history.epoch.length).toBe(20);
      accuracies.push(r.testAccuracy);
    }
    expect(
      lines.filter((l) =>
        /^epoch \d+\/20: train loss [\d.]+ accuracy [\d.]+, test loss [\d.]+ accuracy [\d.]+$/.test(l),
      ),
    ).toHaveLength(60);
    expect(accuracies.reduce((a, b) => a + b) / 3).toBeGreaterThanOrEqual(0.98);
  }, 180_000);
});

describe('char-lstm example', () => {
  it('learns a small word list and samples words made of its characters', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'nativenn-char-'));
    try {
      const words = ['cat', 'cats', 'dog', 'dogs', 'bird', 'birds', 'fish', 'tree', 'trees', 'bee'];
      const file = path.join(dir, 'words.txt');
      await fsp.writeFile(file, `${Array.from({ length: 300 }, (_, i) => words[(i * 7) % words.length]).join('\n')}\n`);
      const lines: string[] = [];
      const r = await charLstm({ text: file, rows: 3000, epochs: 4, units: 32, words: 6, log: (l) => lines.push(l) });
      expect(r.vocabulary).toBe(new Set(words.join('\n')).size + 0);
      expect(lines.filter((l) => l.startsWith('epoch '))).toHaveLength(4);
      expect(r.testAccuracy).toBeGreaterThan(0.5); // the order is periodic: far above chance (1/14)
      expect(r.samples).toHaveLength(6);
      for (const w of r.samples) expect(w).toMatch(/^[a-z]+$/);
      expect(r.sampleMs).toBeGreaterThan(0);
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('sampling follows the temperature, and options are checked', () => {
    const rng = new Random(1);
    const counts = [0, 0];
    for (let i = 0; i < 2000; i++) counts[sampleIndex([0.75, 0.25], 1, rng)]++;
    expect(counts[0] / 2000).toBeCloseTo(0.75, 1);
    const cold = [0, 0];
    for (let i = 0; i < 2000; i++) cold[sampleIndex([0.75, 0.25], 0.1, rng)]++;
    expect(cold[1]).toBeLessThan(10);
    expect(parseArgs(['--epochs', '2', '--text', 'f'])).toEqual({ epochs: 2, text: 'f' });
    expect(() => parseArgs(['--bogus', '1'])).toThrow(/unknown option --bogus/);
  });
});
