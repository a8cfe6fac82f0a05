/** The rows of the recurrent benchmark (bench/lib/rnn.js): the char windows follow the text, every
 *  contender gets the same rows (PyTorch through the files written for it), and the digits are
 *  the article's split as 8 steps of 8 pixels. A small text stands in for the Debian word list. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';

const rnn = createRequire(import.meta.url)('../../bench/lib/rnn.js');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nativenn-rnn-data-'));
const words = path.join(dir, 'words');
const TEXT = 'Apple\napricot\nBanana\nbandana\ncherry\nCherub\ndate\nDaisy\n'.repeat(20);
fs.writeFileSync(words, TEXT);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('bench rnn data', () => {
  it('char windows are 16 lowercased characters and the one that follows, 90 % for training', () => {
    const data = rnn.charsData({ file: words, windows: 200, seed: 3 });
    const text = TEXT.toLowerCase();
    const vocab = [...new Set(text)].sort();
    expect(data.classes).toBe(vocab.length);
    expect([data.train.n, data.test.n]).toEqual([180, 20]);
    const decode = (ids: ArrayLike<number>) => Array.from(ids, (i) => vocab[i]).join('');
    for (const part of [data.train, data.test]) {
      for (let w = 0; w < part.n; w++) {
        const window = decode(part.x.subarray(w * 16, (w + 1) * 16)) + vocab[part.y[w]];
        expect(text.includes(window)).toBe(true);
      }
    }
  });

  it('the same seed gives the same windows, another seed others; a missing file gives null', () => {
    const a = rnn.charsData({ file: words, windows: 50, seed: 1 });
    expect(rnn.charsData({ file: words, windows: 50, seed: 1 }).train.x).toEqual(a.train.x);
    expect(rnn.charsData({ file: words, windows: 50, seed: 2 }).train.x).not.toEqual(a.train.x);
    expect(rnn.charsData({ file: path.join(dir, 'none') })).toBeNull();
  });

  it('digits are the split as 8 steps × 8 pixels in [0, 1]', () => {
    const data = rnn.digitsData(nn);
    const { x, y, split } = nn.datasets.digits();
    expect([data.train.n, data.test.n, data.steps, data.features]).toEqual([1437, 360, 8, 8]);
    const row = split.test[5];
    expect(Array.from(data.test.x.subarray(5 * 64, 6 * 64))).toEqual(
      Array.from(x.data.subarray(row * 64, (row + 1) * 64), (v) => Math.fround(v / 16)),
    );
    expect(data.test.y[5]).toBe(y[row]);
    const first = rnn.firstRows(data, 100);
    expect([first.train.n, first.train.x.length, first.test.n]).toEqual([100, 6400, 360]);
  });

  it('PyTorch reads back exactly the rows written for it', () => {
    const data = rnn.firstRows(rnn.charsData({ file: words, windows: 100, seed: 4 }), 30);
    const out = rnn.writeForTorch(data);
    try {
      const read = (name: string, Type: Float32ArrayConstructor | Int32ArrayConstructor) => {
        const b = fs.readFileSync(path.join(out, name));
        return new Type(b.buffer, b.byteOffset, b.byteLength / 4);
      };
      expect(read('x_train.f32', Float32Array)).toEqual(data.train.x);
      expect(read('y_train.i32', Int32Array)).toEqual(data.train.y);
      expect(read('x_test.f32', Float32Array)).toEqual(data.test.x);
      expect(read('y_test.i32', Int32Array)).toEqual(data.test.y);
      const meta = JSON.parse(fs.readFileSync(path.join(out, 'meta.json'), 'utf8'));
      expect(meta).toEqual({ task: 'chars', steps: 16, features: 1, vocab: data.classes });
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  const python = ['python3', '/usr/bin/python3'].find(
    (exe) => spawnSync(exe, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0,
  );
  it.skipIf(!python)('torch_lstm_rounds.py trains, scores and times on those rows, request by request', async () => {
    const data = rnn.firstRows(rnn.digitsData(nn), 64);
    const out = rnn.writeForTorch(data);
    const torch = await rnn.torchContender(python, { ...process.env, OMP_NUM_THREADS: '1' }, 1, out);
    try {
      expect(torch.banner).toMatch(/^ready torch .* digits threads 1 train 64 test 360/);
      const { wall, cpu } = await torch.epochs(2);
      expect(wall).toBeGreaterThan(0);
      expect(cpu).toBeGreaterThan(0);
      const accuracy = await torch.accuracy();
      expect(accuracy).toBeGreaterThanOrEqual(0);
      expect(accuracy).toBeLessThanOrEqual(1);
      expect(await torch.latency(0.01)).toBeGreaterThan(0);
    } finally {
      torch.close();
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
