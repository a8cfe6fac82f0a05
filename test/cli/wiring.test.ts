/** The CLI uses what the library provides: the save-target check before training (issue 15 item
 *  11), the optimizers' learning-rate range (issue 15 item 5: --lr 5e6 was an "internal error"),
 *  and the task metrics of nn.metrics in the test report (issue 13 item 14). */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from './support';

let dir = '';
beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(path.join(tmpdir(), 'nativenn-cli-wiring-'));
});

function csv(name: string, rows: number, classes: number): string {
  const lines = ['a,b,label'];
  for (let i = 0; i < rows; i++) {
    const a = Math.sin(i * 1.7);
    const b = Math.cos(i * 0.9);
    const label = classes === 0 ? (a * 3 + b).toFixed(4) : String((a > 0 ? 1 : 0) + (classes > 2 && b > 0 ? 1 : 0));
    lines.push(`${a.toFixed(4)},${b.toFixed(4)},${label}`);
  }
  const file = path.join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('the CLI wired to the library', () => {
  it('train --out under /proc is refused before training, exit 2', () => {
    const r = runCli(['train', '--data', 'digits', '--epochs', '1', '--out', '/proc/nativenn-run']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/proc/);
    expect(r.stdout).not.toMatch(/epoch/);
  });

  it('--lr above the optimizers range is refused with exit 2, not an internal error', () => {
    const r = runCli(['train', '--data', 'digits', '--epochs', '1', '--lr', '5e6', '--out', path.join(dir, 'lr')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--lr/);
    expect(r.stderr).not.toMatch(/internal error/);
  });

  it('a binary task reports precision, recall, f1 and auc; a regression mape and r2', () => {
    const out = path.join(dir, 'binary');
    const r = runCli([
      'train',
      '--data',
      csv('binary.csv', 200, 2),
      '--label',
      'label',
      '--epochs',
      '30',
      '--out',
      out,
      '--seed',
      '1',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/test precision [\d.]+, recall [\d.]+, f1 [\d.]+, auc [\d.]+ \(class "1"\)/);
    const reg = path.join(dir, 'regression');
    const s = runCli([
      'train',
      '--data',
      csv('reg.csv', 200, 0),
      '--label',
      'label',
      '--epochs',
      '30',
      '--out',
      reg,
      '--seed',
      '1',
    ]);
    expect(s.status, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/test mape [\d.e+-]+, r2 [\d.e+-]+/);
    expect(existsSync(path.join(reg, 'preprocess.json'))).toBe(true);
    const pre = JSON.parse(readFileSync(path.join(reg, 'preprocess.json'), 'utf8'));
    expect(typeof pre.test.r2).toBe('number');
  });
});
