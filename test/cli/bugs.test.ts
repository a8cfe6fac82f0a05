/** End to end, the rough edges of issue 13 (items 1, 2, 5, 6) and issue 15 (items 15, 16): each
 *  failed before its fix. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, MAIN, runCli } from './support';

let dir: string;
let run: string;
const file = (name: string, text: string | Buffer) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};
const good = Array.from({ length: 40 }, (_, i) => `${i},${i % 7},${['p', 'q', 'r'][i % 3]}`).join('\n');

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(path.join(tmpdir(), 'nativenn-cli-bugs-'));
  file('good.csv', `a,b,label\n${good}\n`);
  run = path.join(dir, 'run');
  const r = runCli(['train', '--data', 'good.csv', '--epochs', '2', '--quiet', '--out', run], { cwd: dir });
  expect(r.status, r.stderr).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expectOneLineError(r: ReturnType<typeof runCli>, message: RegExp): void {
  const lines = r.stderr.split('\n').filter(Boolean);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(message);
  expect(r.status).toBe(2);
}

describe('predict --out (issue 13 item 1)', () => {
  it('a folder that does not exist: exit 2, says why, writes nothing', () => {
    const r = runCli(['predict', '--model', run, '--data', 'good.csv', '--out', 'nope/preds.csv'], { cwd: dir });
    expectOneLineError(r, /^nativenn: error: --out nope\/preds\.csv: the folder .*nope does not exist$/);
    expect(r.stdout).not.toContain('wrote');
  });

  it('an existing folder: exit 2, says why', () => {
    const r = runCli(['predict', '--model', run, '--data', 'good.csv', '--out', run], { cwd: dir });
    expectOneLineError(r, /^nativenn: error: --out .*run is a folder; give a file name$/);
  });

  it('writes the file whole, through a temporary sibling that does not stay', () => {
    const out = path.join(dir, 'preds', 'p.csv');
    mkdirSync(path.dirname(out));
    const r = runCli(['predict', '--model', run, '--data', 'good.csv', '--out', out], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(41);
    expect(readdirSync(path.dirname(out))).toEqual(['p.csv']);
  });
});

describe('a value beyond float32 (issue 13 item 2)', () => {
  const huge = () => file('huge.csv', `a,b,label\n${good.replace(/^5,5,/m, '5,1e300,')}\n`);
  it('train names the file, line and column; exit 2', () => {
    expectOneLineError(
      runCli(['train', '--data', huge(), '--out', path.join(dir, 'huge-run')], { cwd: dir }),
      /^nativenn: error: .*huge\.csv, line 7, column "b": 1e\+300 is beyond the float32 range/,
    );
    expect(existsSync(path.join(dir, 'huge-run'))).toBe(false);
  });
  it('predict names the file, line and column; exit 2, no "internal error"', () => {
    expectOneLineError(
      runCli(['predict', '--model', run, '--data', huge()], { cwd: dir }),
      /^nativenn: error: .*huge\.csv, line 7, column "b": 1e\+300 is beyond the float32 range/,
    );
  });
});

describe('Ctrl-C during train (issue 13 item 5)', () => {
  it('stops after the epoch, says so, saves the best weights so far, exits 130', async () => {
    const out = path.join(dir, 'interrupted');
    const child = spawn(
      process.execPath,
      [MAIN, 'train', '--epochs', '100000', '--early-stopping', '0', '--backend', 'js', '--out', out],
      {
        cwd: dir,
        env: { ...process.env, NATIVENN_DEBUG: '' },
      },
    );
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (b) => {
      stdout += b;
      if (!sent && /^epoch\s+3\//m.test(stdout)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (b) => {
      stderr += b;
    });
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
      child.on('close', (c, s) => resolve([c, s])),
    );
    expect(sent).toBe(true);
    expect(signal).toBe(null);
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/interrupted: stopping after this epoch and saving the best weights so far/);
    expect(stderr).toMatch(/interrupted after \d+ epochs; the best weights so far are saved in /);
    expect(stdout).toMatch(/; interrupted, best val_loss at epoch \d+ \(its weights kept\)/);
    for (const f of ['model/model.json', 'preprocess.json', 'history.json', 'loss.svg'])
      expect(existsSync(path.join(out, f)), f).toBe(true);
    const history = JSON.parse(readFileSync(path.join(out, 'history.json'), 'utf8'));
    expect(history.interrupted).toBe(true);
    expect(history.epoch.length).toBeGreaterThanOrEqual(3);
    expect(history.epoch.length).toBeLessThan(100000);
  }, 120_000);

  const hasScript = spawnSync('script', ['--version']).status === 0;
  it.skipIf(!hasScript)(
    'on a terminal (through script(1)): ^C shows the cursor again and exits 130',
    async () => {
      const out = path.join(dir, 'interrupted-tty');
      const command = `'${process.execPath}' '${MAIN}' train --epochs 100000 --early-stopping 0 --backend js --out '${out}'`;
      const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: dir });
      let output = '';
      let sent = false;
      child.stdout.on('data', (b) => {
        output += b;
        if (!sent && /epoch [3-9]\d*\/100000/.test(output)) {
          sent = true;
          child.stdin.write('\u0003'); // the terminal's ^C: SIGINT to the foreground process
        }
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      expect(sent).toBe(true);
      expect(code, output).toBe(130);
      const after = output.slice(output.lastIndexOf('interrupted: stopping'));
      expect(output).toContain('\u001b[?25l'); // the bar hid the cursor
      expect(after).toContain('\u001b[?25h'); // and it is shown again
      expect(existsSync(path.join(out, 'model', 'model.json'))).toBe(true);
    },
    120_000,
  );
});

describe('--quiet, no command, duplicate columns (issue 13 item 6)', () => {
  it('--quiet prints the results, not the summary table', () => {
    const r = runCli(['train', '--data', 'good.csv', '--epochs', '1', '--quiet', '--out', path.join(dir, 'q')], {
      cwd: dir,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/test accuracy/);
    expect(r.stdout).not.toContain('Total params');
    expect(r.stdout).not.toContain('Layer (type)');
  });
  it('nativenn without a command prints the usage and exits 2', () => {
    const r = runCli([]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('nativenn train');
    expect(r.stderr).toMatch(/error: no command given/);
  });
  it('a header naming a column twice is refused', () => {
    expectOneLineError(
      runCli(['train', '--data', file('dup.csv', `a,a,label\n${good}\n`), '--out', path.join(dir, 'dup')], {
        cwd: dir,
      }),
      /^nativenn: error: .*dup\.csv, line 1: the header names the column "a" twice; column names must be unique$/,
    );
  });
});

describe('a diverging run (issue 15 item 15)', () => {
  it('a NaN loss: exit 2 with a clear message, no crash, nothing in --out', () => {
    const rows = Array.from({ length: 60 }, (_, i) => `${(i + 1) * 1e25},${i % 5},${(i * 37) % 100}`).join('\n');
    const out = path.join(dir, 'nan-run');
    const r = runCli(['train', '--data', file('nan.csv', `a,b,y\n${rows}\n`), '--scale', 'none', '--out', out], {
      cwd: dir,
    });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(
      /^nativenn: error: training diverged: the loss became (NaN|Infinity) at epoch \d+; nothing was saved/m,
    );
    expect(existsSync(out)).toBe(false);
  });
});

describe('sizes and labels (issue 15 item 16)', () => {
  it('--batch-size 3000000000: a clear error, exit 2', () => {
    expectOneLineError(
      runCli(['train', '--batch-size', '3000000000', '--out', path.join(dir, 'b')], { cwd: dir }),
      /^nativenn: error: --batch-size must be at least 1 and at most 2147483647, got 3000000000$/,
    );
  });
  it('--hidden 100000000: a clear error, exit 2', () => {
    expectOneLineError(
      runCli(['train', '--hidden', '100000000', '--out', path.join(dir, 'h')], { cwd: dir }),
      /^nativenn: error: --hidden: each size must be at most 1000000, got 100000000$/,
    );
    expectOneLineError(
      runCli(['train', '--hidden', '1000000,1000000', '--out', path.join(dir, 'h')], { cwd: dir }),
      /^nativenn: error: --hidden 1000000,1000000: the network 64 → 1000000 → 1000000 → 10 would have [\d,]+ parameters/,
    );
  });
  it('the labels \\xff and \\xfe are not merged into one class "\ufffd"', () => {
    // The raw bytes 0xff and 0xfe as labels: Latin-1 ÿ and þ, invalid as UTF-8.
    const text = Array.from({ length: 20 }, (_, i) => `${i},${i % 3},${i % 2 ? '\xff' : '\xfe'}`).join('\n');
    const raw = Buffer.from(`a,b,label\n${text}\n`, 'latin1');
    const csv = file('bytes.csv', raw);
    expectOneLineError(
      runCli(['train', '--data', csv, '--out', path.join(dir, 'bytes')], { cwd: dir }),
      /^nativenn: error: .*bytes\.csv, line 2, column "label": the text is not valid UTF-8; if the file is Latin-1 \(Windows-1252\), add --encoding latin1$/,
    );
    const r = runCli(['train', '--data', csv, '--encoding', 'latin1', '--epochs', '1', '--out', path.join(dir, 'b1')], {
      cwd: dir,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('2 classes');
    const pre = JSON.parse(readFileSync(path.join(dir, 'b1', 'preprocess.json'), 'utf8'));
    expect(pre.classes).toEqual(['þ', 'ÿ']);
  });
});
