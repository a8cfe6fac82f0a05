/**
 * `nativenn export`: a trained run's model and scalers in one ONNX file. onnxruntime-web fed the
 * raw features predicts what `nativenn` computes from the scaled ones (and, for regression, gives
 * the label's units); bad requests exit 2 and write nothing.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { ensureBuilt, runCli } from '../cli/support';
import { expectClose, ortPredict, values } from './support';

let dir: string;
beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(path.join(tmpdir(), 'nativenn-onnx-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const preprocessOf = (run: string) => JSON.parse(readFileSync(path.join(run, 'preprocess.json'), 'utf8'));

describe('nativenn export', () => {
  it('the digits run with its min-max scaler folded in: raw pixels in, the same probabilities out', async () => {
    const run = path.join(dir, 'digits-run');
    expect(
      runCli(['train', '--epochs', '2', '--dropout', '0.1', '--scale', 'minmax', '--out', run, '--quiet']).status,
    ).toBe(0);
    const file = path.join(dir, 'digits.onnx');
    const r = runCli(['export', '--model', run, '--onnx', file, '--opset', '15']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^wrote .*digits\.onnx \([\d.]+ KiB, ONNX IR 8, opset 15\): input "input" \[batch, 64\]/);
    expect(r.stdout).toContain('folded in: min-max scaler to [0, 1] as Sub, Div');

    const d = nn.datasets.digits();
    const raw = nn.data.take(d.x, d.split.test);
    const model = await nn.loadModel(path.join(run, 'model'));
    const scaler = nn.data.scalerFromJSON(preprocessOf(run).scaler);
    const ours = model.predict(scaler.transform(raw)).data;
    const out = await ortPredict(readFileSync(file), raw.data, raw.shape[0]);
    expectClose(out.data, ours);
  });

  it('a regression run with standard scalers: raw features in, the label in its own units out', async () => {
    const lines = ['a,b,price'];
    const v = values(300, 5, 0, 100);
    for (let i = 0; i < 100; i++)
      lines.push(`${v[3 * i]},${v[3 * i + 1]},${(1000 + 20 * v[3 * i] - v[3 * i + 1]).toFixed(2)}`);
    const csv = path.join(dir, 'houses.csv');
    writeFileSync(csv, `${lines.join('\n')}\n`);
    const run = path.join(dir, 'houses-run');
    const t = runCli([
      'train',
      '--data',
      csv,
      '--label',
      'price',
      '--scale',
      'standard',
      '--epochs',
      '3',
      '--out',
      run,
      '--quiet',
    ]);
    expect(t.status).toBe(0);
    const file = path.join(dir, 'houses.onnx');
    const r = runCli(['export', '--model', path.join(run, 'model'), '--onnx', file]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('standard scaler (x − mean) / std as Sub, Div; the target scaler undone');

    const p = preprocessOf(run);
    const x = nn.tensor2d(
      Float32Array.from({ length: 20 }, (_, i) => v[i + (i >> 1)]),
      [10, 2],
    );
    const model = await nn.loadModel(path.join(run, 'model'));
    const scaled = model.predict(nn.data.scalerFromJSON(p.scaler).transform(x));
    const ours = nn.data.scalerFromJSON(p.targetScaler).inverseTransform(scaled).data;
    expectClose((await ortPredict(readFileSync(file), x.data, 10)).data, ours);
  });

  it('a run with a text column says its one-hot encoding stays outside the graph', () => {
    const lines = ['a,color,label'];
    for (let i = 0; i < 60; i++) lines.push(`${(i % 7) / 7},${['red', 'green', 'blue'][i % 3]},${i % 2}`);
    const data = path.join(dir, 'colors.csv');
    writeFileSync(data, `${lines.join('\n')}\n`);
    const run = path.join(dir, 'colors-run');
    const t = runCli(['train', '--data', data, '--label', 'label', '--epochs', '2', '--out', run, '--quiet']);
    expect(t.status, t.stderr).toBe(0);
    const r = runCli(['export', '--model', run, '--onnx', path.join(dir, 'colors.onnx')]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/feed the encoded features \(one-hot encoding of color stay outside the graph/);
  });

  it('a bare model folder exports without scalers, and says so', async () => {
    const folder = path.join(dir, 'bare');
    const model = nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: 2, inputShape: [3] })] });
    await model.save(folder);
    const file = path.join(dir, 'bare.onnx');
    const r = runCli(['export', '--model', folder, '--onnx', file]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('no preprocessing folded in (no preprocess.json beside the model)');
    const x = values(6, 2);
    expectClose((await ortPredict(readFileSync(file), x, 2)).data, model.predict(nn.tensor2d(x, [2, 3])).data);
  });

  it('bad requests exit 2 with one line and write nothing', () => {
    const before = readdirSync(dir).sort();
    const cases: [string[], RegExp][] = [
      [['export', '--model', path.join(dir, 'bare')], /--onnx is required/],
      [
        ['export', '--model', path.join(dir, 'bare'), '--onnx', path.join(dir, 'x.onnx'), '--opset', '18'],
        /--opset must be at least 13 and at most 17, got 18/,
      ],
      [
        ['export', '--model', path.join(dir, 'nothing'), '--onnx', path.join(dir, 'x.onnx')],
        /--model .*nothing: no model there/,
      ],
      [['export', '--model', path.join(dir, 'bare'), '--onnx', dir], /--onnx .*: exportOnnx: path .* is a folder/],
    ];
    for (const [args, message] of cases) {
      const r = runCli(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(readdirSync(dir).sort()).toEqual(before);
    expect(existsSync(path.join(dir, 'x.onnx'))).toBe(false);
  });
});
