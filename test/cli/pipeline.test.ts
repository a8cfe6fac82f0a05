/** nn.loadModel(runDir) and nn.loadPipeline(runDir) on a `nativenn train` run folder (issue 13
 *  item 13), and preprocess.json read with checks (issue 15 item 10): a FIFO or /dev/zero in its
 *  place, oversized or malformed content, a class list that does not fit the model. */
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { ensureBuilt, runCli } from './support';

let dir: string;
let run: string;
let preprocessText: string;
const rows = Array.from({ length: 60 }, (_, i) => ({
  id: `k${i}`,
  size: (i % 10) + 0.5,
  color: ['red', 'green'][i % 2],
  label: (i % 10) + (i % 2) * 3 > 6 ? 'big' : 'small',
}));

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(path.join(tmpdir(), 'nativenn-pipeline-'));
  const csv = [
    'id;size;color;label',
    ...rows.map((r) => `${r.id};${String(r.size).replace('.', ',')};${r.color};${r.label}`),
  ];
  writeFileSync(path.join(dir, 'data.csv'), `${csv.join('\n')}\n`);
  run = path.join(dir, 'run');
  const r = runCli(
    ['train', '--data', 'data.csv', '--decimal', ',', '--id', 'id', '--epochs', '30', '--quiet', '--out', run],
    {
      cwd: dir,
    },
  );
  expect(r.status, r.stderr).toBe(0);
  preprocessText = readFileSync(path.join(run, 'preprocess.json'), 'utf8');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of the run whose preprocess.json is replaced by `make(path)`. */
function variant(name: string, make: (p: string) => void): string {
  const copy = path.join(dir, name);
  cpSync(run, copy, { recursive: true });
  unlinkSync(path.join(copy, 'preprocess.json'));
  make(path.join(copy, 'preprocess.json'));
  return copy;
}
const edited = (name: string, edit: (p: Record<string, unknown>) => void) =>
  variant(name, (p) => {
    const json = JSON.parse(preprocessText);
    edit(json);
    writeFileSync(p, JSON.stringify(json));
  });

describe('nn.loadModel and nn.loadPipeline on a run folder', () => {
  it('loadModel takes the run folder as well as its model/ folder', async () => {
    const a = await nn.loadModel(run);
    const b = await nn.loadModel(path.join(run, 'model'));
    expect(a.inputSize).toBe(3);
    expect(Array.from(a.getWeights()[0].data)).toEqual(Array.from(b.getWeights()[0].data));
  });

  it('predict(records) and predict(csvPath) give what `nativenn predict` gives', async () => {
    const pipeline = await nn.loadPipeline(run);
    // Strings with decimal commas, as a CSV parser gives them from the ';' file trained on.
    const records = rows.slice(0, 5).map((r) => ({ ...r, size: String(r.size).replace('.', ',') }));
    const fromRecords = await pipeline.predict(records);
    const fromFile = await pipeline.predict(path.join(dir, 'data.csv'));
    expect(fromRecords.classes).toEqual(['big', 'small']);
    expect(fromRecords.ids).toEqual(['k0', 'k1', 'k2', 'k3', 'k4']);
    expect(fromRecords.probabilities).toHaveLength(10);
    const cli = runCli(['predict', '--model', run, '--data', 'data.csv'], { cwd: dir }).stdout.trim().split('\n');
    expect(cli[0]).toBe('id,label,p_big,p_small');
    cli.slice(1).forEach((line, i) => {
      const [id, label, pBig] = line.split(',');
      expect(id).toBe(fromFile.ids![i]);
      expect(label).toBe(fromFile.labels![i]);
      expect(Number(pBig)).toBeCloseTo(fromFile.probabilities![2 * i], 5);
    });
    for (let i = 0; i < 5; i++) {
      expect(fromRecords.labels![i]).toBe(fromFile.labels![i]);
      expect(fromRecords.probabilities![2 * i]).toBeCloseTo(fromFile.probabilities![2 * i], 6);
    }
  });

  it('bad records: a clear TypeError; a missing column names it', async () => {
    const pipeline = await nn.loadPipeline(run);
    await expect(pipeline.predict([{ size: 1, color: {} }] as never)).rejects.toThrow(
      /rows\[0\]\.color must be a string, number or boolean/,
    );
    await expect(pipeline.predict([{ size: 1 }])).rejects.toThrow(
      /missing the column "color" the model was trained on/,
    );
    await expect(pipeline.predict('nope.csv')).rejects.toThrow(/no such file/);
  });
});

describe('preprocess.json is read with checks (issue 15 item 10)', () => {
  const predictWith = (runDir: string) => runCli(['predict', '--model', runDir, '--data', 'data.csv'], { cwd: dir });
  const expectRefused = (runDir: string, message: RegExp) => {
    const r = predictWith(runDir);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.status).toBe(2);
  };

  it('a FIFO in its place is refused, not waited on', () => {
    const fifo = variant('fifo', (p) => execFileSync('mkfifo', [p]));
    expectRefused(fifo, /preprocess\.json is not a regular file/);
  });

  it('/dev/zero in its place is refused without reading it', () => {
    expectRefused(
      variant('zero', (p) => symlinkSync('/dev/zero', p)),
      /preprocess\.json is not a regular file/,
    );
  });

  it('an oversized file is refused by its size', () => {
    const big = variant('big', (p) => {
      writeFileSync(p, '');
      truncateSync(p, 65 * 1024 * 1024);
    });
    expectRefused(big, /preprocess\.json is 68157440 bytes; a preprocess file is at most 67108864/);
  });

  it.each([
    ['not JSON', () => variant('nojson', (p) => writeFileSync(p, '{ nope')), /is not valid JSON/],
    [
      'another format',
      () =>
        edited('format', (p) => {
          p.format = 'x';
        }),
      /is not a nativenn preprocess file/,
    ],
    [
      'no version',
      () =>
        edited('noversion', (p) => {
          delete p.version;
        }),
      /has no "version"; nativenn writes 1 or 2/,
    ],
    [
      'a future version',
      () =>
        edited('version', (p) => {
          p.version = 9;
        }),
      /version 9 is not one this nativenn reads \(1 or 2\)/,
    ],
    [
      'a bad task',
      () =>
        edited('task', (p) => {
          p.task = 'clustering';
        }),
      /"task" must be one of classification, regression, got "clustering"/,
    ],
    [
      'a bad column',
      () =>
        edited('column', (p) => {
          (p.columns as unknown[])[0] = { name: 'size', kind: 'numeric', fill: 'x' };
        }),
      /"columns\[0\]\.fill" must be a finite number or null/,
    ],
    [
      'feature names that do not match',
      () =>
        edited('names', (p) => {
          p.featureNames = ['a', 'b', 'c'];
        }),
      /"featureNames" must be the inputs its columns make/,
    ],
    [
      'a scaler of the wrong width',
      () =>
        edited('scaler', (p) => {
          p.scaler = { type: 'standard', mean: [0], std: [1] };
        }),
      /"scaler" must be a scaler of 3 columns/,
    ],
    [
      'test rows out of range',
      () =>
        edited('rows', (p) => {
          (p.split as { testRows: number[] }).testRows = [1e9];
        }),
      /"split\.testRows" must be an array of row indices below 60/,
    ],
    [
      'three classes for a two-output model',
      () =>
        edited('classes', (p) => {
          p.classes = ['a', 'b', 'c'];
        }),
      /lists 3 classes \(softmax output\), so the model should have 3 outputs; it has 2/,
    ],
  ] as [string, () => string, RegExp][])('%s: a clear error, exit 2', (_name, make, message) => {
    expectRefused(make(), message);
  });

  it('loadPipeline refuses the same with PreprocessError', async () => {
    const bad = edited('lib', (p) => {
      p.classes = ['a'];
    });
    await expect(nn.loadPipeline(bad)).rejects.toThrow(nn.PreprocessError);
  });

  it('a version 1 file (older nativenn) is read as numeric columns', async () => {
    const p = path.join(dir, 'v1.json');
    writeFileSync(
      p,
      JSON.stringify({
        format: 'nativenn-preprocess',
        version: 1,
        task: 'regression',
        featureNames: ['a', 'b'],
        labelName: 'y',
        classes: null,
        output: 'linear',
        scaler: null,
        targetScaler: { type: 'standard', mean: [2], std: [1] },
        data: 'x.csv',
        testRows: null,
        test: { mae: 1 },
      }),
    );
    const v = await nn.readPreprocess(p);
    expect(v.version).toBe(2);
    expect(v.columns).toEqual([
      { name: 'a', kind: 'numeric', fill: null },
      { name: 'b', kind: 'numeric', fill: null },
    ]);
    expect(v.csv).toEqual({ delimiter: ',', decimal: '.', encoding: 'utf8' });
  });
});
