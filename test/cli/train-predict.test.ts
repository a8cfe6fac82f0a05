/** End to end: `nativenn train` and `predict` as child processes on the digits, a string-label
 *  CSV and a regression CSV: exit codes, what they print, the files they write. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { assertWellFormed, ensureBuilt, runCli } from './support';

let dir: string;
beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(path.join(tmpdir(), 'nativenn-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** mulberry32: a small seeded generator so the CSVs are the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const percent = (text: string, re: RegExp) => Number(re.exec(text)?.[1]);

describe('nativenn train on the digits, then predict', () => {
  let out: string;
  let trained: ReturnType<typeof runCli>;
  beforeAll(() => {
    out = path.join(dir, 'digits-run');
    trained = runCli(['train', '--epochs', '3', '--out', out]);
  });

  it('trains, reports test accuracy, a confusion matrix and the summary, one line per epoch without a terminal', () => {
    expect(trained.stderr.split('\n').filter((l) => l && !l.startsWith('note:'))).toEqual([]);
    expect(trained.status).toBe(0);
    const o = trained.stdout;
    expect(o).toContain("rows: 1293 train, 144 validation, 360 test (the article's split)");
    for (let e = 1; e <= 3; e++)
      expect(o).toMatch(
        new RegExp(
          `^epoch ${e}/3 - \\d+ ms - loss [\\d.]+ - accuracy [\\d.]+ - val_loss [\\d.]+ - val_accuracy [\\d.]+$`,
          'm',
        ),
      );
    expect(o).toMatch(/test loss [\d.]+, test accuracy [\d.]+% \(360 rows\)/);
    expect(o).toContain('confusion matrix');
    expect(o).toMatch(/^9 +(\d+ +){9}\d+$/m); // the last row of the 10×10 matrix
    expect(o).toContain('Total params: 7,510');
    expect(o).not.toContain('\u001b['); // no terminal escapes into a pipe
  });

  it('writes the model (model.save format), preprocess.json, history.json and a valid loss.svg', async () => {
    for (const f of ['model/model.json', 'model/weights.bin', 'preprocess.json', 'history.json', 'loss.svg']) {
      expect(existsSync(path.join(out, f)), f).toBe(true);
    }
    const model = await nn.loadModel(path.join(out, 'model'));
    expect(model.inputSize).toBe(64);
    expect(model.outputSize).toBe(10);
    const history = JSON.parse(readFileSync(path.join(out, 'history.json'), 'utf8'));
    expect(history.epoch).toEqual([0, 1, 2]);
    expect(Object.keys(history.history).sort()).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    const pre = JSON.parse(readFileSync(path.join(out, 'preprocess.json'), 'utf8'));
    expect(pre.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(pre.scaler.type).toBe('standard');
    expect(pre.split.testRows).toHaveLength(360);
    const svg = readFileSync(path.join(out, 'loss.svg'), 'utf8');
    assertWellFormed(svg);
    for (const label of ['train loss', 'validation loss', 'train accuracy', 'validation accuracy', 'epoch'])
      expect(svg).toContain(`>${label}<`);
  });

  it('predict --data digits reproduces the reported test accuracy, one row of probabilities per test row', () => {
    const reported = percent(trained.stdout, /test accuracy ([\d.]+)%/);
    const preds = path.join(dir, 'digits-preds.csv');
    const r = runCli(['predict', '--model', out, '--data', 'digits', '--out', preds]);
    expect(r.status).toBe(0);
    expect(percent(r.stdout, /accuracy ([\d.]+)%/)).toBe(reported);
    const lines = readFileSync(preds, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('digit,p_0,p_1,p_2,p_3,p_4,p_5,p_6,p_7,p_8,p_9');
    expect(lines).toHaveLength(361);
    const probs = lines[1].split(',').slice(1).map(Number);
    expect(Math.abs(probs.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-4); // softmax rows sum to 1 (6 printed decimals)
  });

  it('predict finds the run from its model/ folder too and writes to stdout without --out', () => {
    const r = runCli(['predict', '--model', path.join(out, 'model'), '--data', 'digits']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(361);
    expect(r.stderr).toMatch(/accuracy [\d.]+% \(\d+ of 360 rows\)/);
  });
});

describe('nativenn train on CSV files', () => {
  it('a string label column: guessed classification, trained, predicted (label column optional, any column order)', () => {
    const random = rng(7);
    const species = ['setosa', 'versicolor', 'virginica'];
    const lines = ['width,length,species,height'];
    for (let i = 0; i < 240; i++) {
      const c = i % 3;
      const v = () => (c * 3 + random() * 1.5).toFixed(3);
      lines.push(`${v()},${v()},${species[c]},${v()}`);
    }
    const csv = path.join(dir, 'flowers.csv');
    writeFileSync(csv, `${lines.join('\n')}\n`);
    const out = path.join(dir, 'flowers-run');
    const r = runCli([
      'train',
      '--data',
      csv,
      '--label',
      'species',
      '--epochs',
      '60',
      '--hidden',
      '16',
      '--backend',
      'js',
      '--out',
      out,
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('task: classification ("species" holds text)');
    expect(r.stdout).toMatch(/^setosa +\d+ +\d+ +\d+$/m);
    const reported = percent(r.stdout, /test accuracy ([\d.]+)%/);
    expect(reported).toBeGreaterThanOrEqual(90); // three well-separated clusters

    // Without the label and with the columns in another order.
    const unlabeled = path.join(dir, 'flowers-new.csv');
    writeFileSync(unlabeled, 'height,length,width\n0.5,0.5,0.5\n7.5,7.5,7.5\n');
    const p = runCli(['predict', '--model', out, '--data', unlabeled, '--backend', 'js']);
    expect(p.status).toBe(0);
    const rows = p.stdout.trim().split('\n');
    expect(rows[0]).toBe('species,p_setosa,p_versicolor,p_virginica');
    expect(rows.slice(1).map((l) => l.split(',')[0])).toEqual(['setosa', 'virginica']);
    expect(p.stderr).toBe(''); // nothing to score against
  });

  it('a regression CSV: guessed regression, values predicted in the label units', () => {
    const random = rng(11);
    const lines = ['a,b,price'];
    const ys: number[] = [];
    for (let i = 0; i < 400; i++) {
      const a = random() * 10;
      const b = random() * 5;
      const y = 1000 + 300 * a - 200 * b + random() * 20;
      ys.push(y);
      lines.push(`${a.toFixed(4)},${b.toFixed(4)},${y.toFixed(2)}`);
    }
    const csv = path.join(dir, 'houses.csv');
    writeFileSync(csv, `${lines.join('\n')}\n`);
    const out = path.join(dir, 'houses-run');
    const r = runCli([
      'train',
      '--data',
      csv,
      '--label',
      'price',
      '--epochs',
      '80',
      '--lr',
      '0.01',
      '--out',
      out,
      '--backend',
      'js',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /task: regression \("price" holds 400 distinct numbers; --task classification to change\)/,
    );
    const mean = ys.reduce((s, y) => s + y, 0) / ys.length;
    const std = Math.sqrt(ys.reduce((s, y) => s + (y - mean) ** 2, 0) / ys.length);
    const rmse = Number(/rmse ([\d.e+]+)/.exec(r.stdout)?.[1]);
    expect(rmse).toBeLessThan(0.2 * std); // a constant guess has rmse = std; a linear target is learned far better

    const preds = path.join(dir, 'houses-preds.csv');
    const p = runCli(['predict', '--model', out, '--data', csv, '--out', preds]);
    expect(p.status).toBe(0);
    expect(p.stdout).toMatch(/mae [\d.e+]+, rmse [\d.e+]+ \(400 rows\)/);
    const values = readFileSync(preds, 'utf8').trim().split('\n');
    expect(values[0]).toBe('price');
    expect(values).toHaveLength(401);
    expect(Math.abs(Number(values[1]) - ys[0])).toBeLessThan(0.5 * std); // in the label's units, not standardized
  });

  it('numeric labels with few values are guessed as classes, and --task overrides the guess', () => {
    const random = rng(3);
    const lines = ['x1,x2,y'];
    for (let i = 0; i < 120; i++) {
      const c = i % 2;
      lines.push(`${(c * 4 + random()).toFixed(3)},${(random() * 2).toFixed(3)},${c}`);
    }
    const csv = path.join(dir, 'binary.csv');
    writeFileSync(csv, `${lines.join('\n')}\n`);
    const guessed = runCli([
      'train',
      '--data',
      csv,
      '--epochs',
      '5',
      '--quiet',
      '--out',
      path.join(dir, 'bin-run'),
      '--backend',
      'js',
    ]);
    expect(guessed.status).toBe(0);
    expect(guessed.stdout).toMatch(/test accuracy/);
    const asked = runCli([
      'train',
      '--data',
      csv,
      '--task',
      'regression',
      '--epochs',
      '5',
      '--out',
      path.join(dir, 'bin-reg'),
      '--backend',
      'js',
    ]);
    expect(asked.status).toBe(0);
    expect(asked.stdout).toContain('task: regression (as asked)');
    const bce = runCli([
      'train',
      '--data',
      csv,
      '--loss',
      'binaryCrossentropy',
      '--epochs',
      '20',
      '--quiet',
      '--out',
      path.join(dir, 'bin-bce'),
      '--backend',
      'js',
    ]);
    expect(bce.status).toBe(0);
    const p = runCli(['predict', '--model', path.join(dir, 'bin-bce'), '--data', csv]);
    expect(p.stdout.split('\n')[0]).toBe('y,p_0,p_1');
  });
});

describe('nativenn help and bench', () => {
  it('prints the commands and each command’s options', () => {
    const main = runCli(['--help']);
    expect(main.status).toBe(0);
    expect(main.stdout).toMatch(/nativenn train .*\n.*nativenn predict .*\n.*nativenn bench/);
    const help = runCli(['train', '--help']);
    expect(help.status).toBe(0);
    for (const option of [
      '--data',
      '--label',
      '--task',
      '--hidden',
      '--early-stopping',
      '--scale',
      '--backend',
      '--threads',
      '--out',
      '--quiet',
    ]) {
      expect(help.stdout).toContain(option);
    }
  });

  it('bench prints both figures and the ratio column', () => {
    const r = runCli(['bench', '--seconds', '0.05']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/gemm n=256 \(GFLOP\/s\) +(n\/a|[\d.]+) +[\d.]+ +(n\/a|[\d.]+×)/);
    expect(r.stdout).toMatch(/digits training \(samples\/s\) +(n\/a|[\d.]+) +[\d.]+ +(n\/a|[\d.]+×)/);
    expect(r.stdout).toMatch(/digits CNN training \(samples\/s\) +(n\/a|[\d.]+) +[\d.]+ +(n\/a|[\d.]+×)/);
  });
});
