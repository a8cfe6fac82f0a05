/** `nativenn train --arch cnn` and `predict` on IDX images the test writes (12×12 pixels, 4
 *  classes: a bright square in one quadrant), and the byte-sized predict chunks. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkRows, cnnNetwork, describeCnn } from '../../src/cli/images';
import { gzip, idxBytes } from '../support/idx-files';
import { ensureBuilt, runCli } from './support';

let dir: string;
const file = (name: string) => path.join(dir, name);

function squares(n: number, seed: number): { pixels: number[]; labels: number[] } {
  let s = seed;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const pixels: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const k = i % 4;
    labels.push(k + 3); // class values 3..6: the classes are the label values, not 0..k-1
    const [top, left] = [k < 2 ? 1 : 7, k % 2 ? 7 : 1];
    for (let r = 0; r < 12; r++)
      for (let c = 0; c < 12; c++) {
        const inside = r >= top && r < top + 4 && c >= left && c < left + 4;
        pixels.push(inside ? 180 + Math.floor(next() * 75) : Math.floor(next() * 70));
      }
  }
  return { pixels, labels };
}

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(path.join(tmpdir(), 'nativenn-cli-images-'));
  const train = squares(200, 1);
  const test = squares(60, 2);
  writeFileSync(file('train-images.gz'), gzip(idxBytes('uint8', [200, 12, 12], train.pixels)));
  writeFileSync(file('train-labels.gz'), gzip(idxBytes('uint8', [200], train.labels)));
  writeFileSync(file('test-images'), idxBytes('uint8', [60, 12, 12], test.pixels));
  writeFileSync(file('test-labels'), idxBytes('uint8', [60], test.labels));
  writeFileSync(file('short-labels'), idxBytes('uint8', [59], test.labels.slice(0, 59)));
  writeFileSync(file('not-idx'), 'label\n1\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const trainArgs = ['train', '--data', '', '--label-file', '', '--arch', 'cnn', '--epochs', '8', '--seed', '1'];
const withData = (args: string[], images: string, labels: string) => {
  const a = [...args];
  a[2] = file(images);
  a[4] = file(labels);
  return a;
};

describe('nativenn train --arch cnn on IDX images, then predict', () => {
  let out: string;
  let trained: ReturnType<typeof runCli>;
  beforeAll(() => {
    out = path.join(dir, 'run');
    trained = runCli([
      ...withData(trainArgs, 'train-images.gz', 'train-labels.gz'),
      '--test-data',
      file('test-images'),
      '--test-label-file',
      file('test-labels'),
      '--validation-split',
      '0',
      '--out',
      out,
    ]);
  });

  it('trains the default CNN on the images scaled to [0, 1] and reports the test images', () => {
    expect(trained.stderr).toBe('');
    expect(trained.status).toBe(0);
    expect(trained.stdout).toContain('200 rows × 144 features, 4 classes');
    expect(trained.stdout).toContain('note: pixels scaled by 1/255 to [0, 1]');
    expect(trained.stdout).toContain('rows: 200 train, 0 validation, 60 test');
    expect(trained.stdout).toContain(
      'network: 12×12×1 → conv2d 10×10×32 → max_pooling2d 5×5×32 → conv2d 3×3×64 → max_pooling2d 1×1×64 → flatten 64 → dense 128 → dense 4',
    );
    const accuracy = Number(/test accuracy ([\d.]+)%/.exec(trained.stdout)?.[1]);
    expect(accuracy).toBeGreaterThan(60); // chance is 25%
    expect(existsSync(path.join(out, 'model', 'model.json'))).toBe(true);
    const p = JSON.parse(readFileSync(path.join(out, 'preprocess.json'), 'utf8'));
    expect(p.classes).toEqual(['3', '4', '5', '6']);
    expect(p.csv).toBeNull();
    expect(trained.stdout).toContain(
      `predict with (scores every image with labels): nativenn predict --model ${out} --data ${file('test-images')} --label-file ${file('test-labels')}`,
    );
  });

  it('predict scores the same images as train did, with the saved classes', () => {
    const preds = file('preds.csv');
    const r = runCli([
      'predict',
      '--model',
      out,
      '--data',
      file('test-images'),
      '--label-file',
      file('test-labels'),
      '--out',
      preds,
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('wrote 60 predictions');
    const trainAccuracy = /test accuracy ([\d.]+%)/.exec(trained.stdout)?.[1];
    expect(r.stdout).toContain(`accuracy ${trainAccuracy} (`);
    const lines = readFileSync(preds, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('label,p_3,p_4,p_5,p_6');
    expect(lines.length).toBe(61);
    expect(lines[1]).toMatch(/^[3-6](,0\.\d{6}|,1\.000000){4}$/);
  });

  it('predict refuses images of another size', () => {
    writeFileSync(file('big-images'), idxBytes('uint8', [2, 13, 13], new Array(338).fill(0)));
    const r = runCli(['predict', '--model', out, '--data', file('big-images')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('images of 13×13×1 (169 values); the model takes 12×12×1');
  });
});

describe('nativenn train on IDX images: splits and errors', () => {
  it('holds out --test-split of the images when no --test-data is given, and trains an mlp by default', () => {
    const r = runCli([
      ...withData(trainArgs.slice(0, 5), 'train-images.gz', 'train-labels.gz'),
      '--test-split',
      '0.25',
      '--hidden',
      '16',
      '--epochs',
      '2',
      '--out',
      path.join(dir, 'mlp-run'),
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/rows: 135 train, 15 validation, 50 test/);
    expect(r.stdout).toContain('network: 144 → 16 → 4 (relu, softmax output)');
  });

  it('names the file and the problem', () => {
    const fail = (args: string[]) => {
      const r = runCli([...args, '--out', path.join(dir, 'never')]);
      expect(r.status).toBe(2);
      expect(existsSync(path.join(dir, 'never'))).toBe(false);
      return r.stderr;
    };
    expect(fail(['train', '--arch', 'cnn'])).toContain(
      '--arch cnn trains on images: IDX files given as --data and --label-file',
    );
    expect(fail(withData(trainArgs, 'train-images.gz', 'not-idx'))).toMatch(/--label-file .*not-idx/);
    expect(fail([...withData(trainArgs, 'test-images', 'short-labels')])).toContain(
      'holds 59 labels for the 60 images of --data',
    );
    expect(
      fail([...withData(trainArgs, 'train-images.gz', 'train-labels.gz'), '--test-data', file('test-images')]),
    ).toContain('--test-data');
    expect(fail([...withData(trainArgs, 'train-images.gz', 'nope.gz')])).toMatch(
      /--label-file no such file: .*nope\.gz/,
    );
  });
});

describe('predict chunks sized by bytes', () => {
  it('fits the input and every layer output of a chunk in the byte budget', () => {
    const model = cnnNetwork([28, 28, 1], 10, 1);
    expect(describeCnn(model)).toBe(
      '28×28×1 → conv2d 26×26×32 → max_pooling2d 13×13×32 → conv2d 11×11×64 → max_pooling2d 5×5×64 → flatten 1600 → dense 128 → dense 10',
    );
    const perImage = 4 * (784 + 26 * 26 * 32 + 13 * 13 * 32 + 11 * 11 * 64 + 5 * 5 * 64 + 1600 + 128 + 10);
    expect(chunkRows(model, 64 * 2 ** 20)).toBe(Math.floor((64 * 2 ** 20) / perImage));
    expect(chunkRows(model, 100)).toBe(1); // never 0 rows
    const small = cnnNetwork([8, 8, 1], 10, 1); // under 10 pixels: 'same' padding, one pooling
    expect(describeCnn(small)).toBe(
      '8×8×1 → conv2d 8×8×32 → max_pooling2d 4×4×32 → flatten 512 → dense 128 → dense 10',
    );
  });
});
