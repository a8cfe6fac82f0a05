/** Every bad input, end to end: one line on stderr naming the problem, exit code 2, no stack
 *  trace, and nothing written to --out. Unexpected errors: exit 1, the stack only on request. */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/errors';
import { fail } from '../../src/cli/run';
import { ensureBuilt, runCli } from './support';

let dir: string;
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(path.join(tmpdir(), 'nativenn-cli-err-'));
  file('empty.csv', '');
  file('header.csv', 'a,b,label\n');
  file('nonnum.csv', 'a,b,label\n1,2,x\n3,oops,y\n');
  file('ragged.csv', 'a,b,label\n1,2,x\n3,4\n');
  file('single.csv', 'a,b,label\n1,2,x\n3,4,x\n5,6,x\n7,8,x\n');
  file(
    'good.csv',
    `a,b,label\n${Array.from({ length: 40 }, (_, i) => `${i},${i % 7},${['p', 'q', 'r'][i % 3]}`).join('\n')}\n`,
  );
  file('a-file', 'not a folder');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** [name, arguments after `train`, the message expected on stderr] */
const trainCases: [string, string[], RegExp][] = [
  ['missing file', ['--data', 'missing.csv'], /^nativenn: error: no such file: missing\.csv$/],
  ['empty file', ['--data', 'empty.csv'], /^nativenn: error: empty\.csv: the file is empty$/],
  ['header only', ['--data', 'header.csv'], /^nativenn: error: header\.csv: the file has a header but no data rows$/],
  [
    'non-numeric cell (row and column)',
    ['--data', 'nonnum.csv'],
    /^nativenn: error: nonnum\.csv, line 3, column "b": "oops" is not a number \(to treat the column as text: --categorical b; to leave it out: --ignore b\)$/,
  ],
  [
    'ragged rows',
    ['--data', 'ragged.csv'],
    /^nativenn: error: ragged\.csv, line 3: expected 3 fields \(as in the header\), got 2$/,
  ],
  [
    'unknown label column',
    ['--data', 'good.csv', '--label', 'target'],
    /^nativenn: error: --label target: good\.csv has no column "target" \(columns: a, b, label\)$/,
  ],
  [
    'label index out of range',
    ['--data', 'good.csv', '--label', '9'],
    /^nativenn: error: --label 9: the column index is out of range: good\.csv has 3 columns \(0 to 2\)$/,
  ],
  [
    'a single class',
    ['--data', 'single.csv'],
    /^nativenn: error: single\.csv: the label column "label" holds a single class \("x"\); classification needs at least two$/,
  ],
  ['--epochs 0', ['--epochs', '0'], /^nativenn: error: --epochs must be at least 1/],
  ['--epochs negative', ['--epochs', '-3'], /^nativenn: error: --epochs must be at least 1.*got -3$/],
  [
    '--batch-size negative',
    ['--batch-size', '-32'],
    /^nativenn: error: --batch-size must be at least 1 and at most 2147483647, got -32$/,
  ],
  ['--lr negative', ['--lr', '-0.1'], /^nativenn: error: --lr must be greater than 0 and at most 1000000, got -0\.1$/],
  [
    '--dropout out of range',
    ['--dropout', '1.5'],
    /^nativenn: error: --dropout must be at least 0 and at most 0\.95, got 1\.5$/,
  ],
  [
    '--hidden not a list',
    ['--hidden', '64,abc'],
    /^nativenn: error: --hidden must be a comma-separated list of positive integers/,
  ],
  ['--epochs not a number', ['--epochs', 'ten'], /^nativenn: error: --epochs must be an integer, got "ten"$/],
  [
    'unknown option with a suggestion',
    ['--epoch', '5'],
    /^nativenn: error: unknown option --epoch; did you mean --epochs\? \(see --help\)$/,
  ],
  [
    'a choice not offered',
    ['--scale', 'log'],
    /^nativenn: error: --scale must be one of minmax, standard, none, got "log"$/,
  ],
  ['a value missing', ['--epochs'], /^nativenn: error: --epochs needs a value$/],
  ['--label on the digits', ['--label', 'x'], /^nativenn: error: --label applies to CSV files/],
  [
    'a binary loss for three classes',
    ['--data', 'good.csv', '--loss', 'binaryCrossentropy'],
    /^nativenn: error: --loss binaryCrossentropy needs exactly 2 classes, the label has 3/,
  ],
  [
    'a regression loss for classes',
    ['--data', 'good.csv', '--loss', 'mse'],
    /^nativenn: error: --loss mse is for regression/,
  ],
  [
    'regression on text labels',
    ['--data', 'good.csv', '--task', 'regression'],
    /^nativenn: error: --task regression needs a numeric label, but column "label" holds text \(e\.g\. "p"\)$/,
  ],
  [
    'early stopping without validation',
    ['--early-stopping', '3', '--validation-split', '0'],
    /^nativenn: error: --early-stopping watches val_loss: it needs --validation-split above 0$/,
  ],
  ['--out is a file', ['--out', 'a-file'], /^nativenn: error: --out a-file exists and is not a folder$/],
];

function expectUserError(r: ReturnType<typeof runCli>, message: RegExp): void {
  const lines = r.stderr.split('\n').filter(Boolean);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(message);
  expect(r.stderr).not.toMatch(/^\s+at /m); // no stack trace
  expect(r.status).toBe(2);
}

describe('nativenn train: bad input', () => {
  it.each(trainCases)('%s → one line, exit 2, nothing in --out', (_name, args, message) => {
    const out = path.join(dir, `out-${_name.replace(/\W+/g, '-')}`);
    const r = runCli(['train', '--out', out, ...args], { cwd: dir });
    expectUserError(r, message);
    if (!args.includes('--out')) expect(existsSync(out)).toBe(false);
  });

  it('an unknown command suggests the nearest', () => {
    expectUserError(runCli(['trian']), /^nativenn: error: unknown command "trian"; did you mean "train"\?/);
  });

  it('an existing --out that holds a foreign model/ folder is refused before training', () => {
    const out = path.join(dir, 'taken');
    mkdirSync(path.join(out, 'model'), { recursive: true });
    writeFileSync(path.join(out, 'model', 'notes.txt'), 'mine');
    expectUserError(
      runCli(['train', '--out', out]),
      /^nativenn: error: --out .*taken.*holds files that are not a saved model \(notes\.txt\)$/,
    );
    expect(existsSync(path.join(out, 'preprocess.json'))).toBe(false);
  });
});

describe('nativenn predict: bad input', () => {
  let run: string;
  beforeAll(() => {
    run = path.join(dir, 'run');
    const r = runCli(['train', '--data', 'good.csv', '--epochs', '2', '--quiet', '--backend', 'js', '--out', run], {
      cwd: dir,
    });
    expect(r.status).toBe(0);
  });

  it.each([
    ['no --data', () => ['--model', run], /^nativenn: error: --data is required/],
    [
      'a folder that is not a run',
      () => ['--model', dir, '--data', 'good.csv'],
      /^nativenn: error: --model .*: no preprocess\.json in /,
    ],
    [
      'a missing column',
      () => ['--model', run, '--data', file('nob.csv', 'a,label\n1,p\n')],
      /^nativenn: error: .*nob\.csv: missing the column "b" the model was trained on$/,
    ],
    [
      'a non-numeric cell',
      () => ['--model', run, '--data', 'nonnum.csv'],
      /^nativenn: error: nonnum\.csv, line 3, column "b": "oops" is not a number$/,
    ],
    [
      'digits for a CSV model',
      () => ['--model', run, '--data', 'digits'],
      /^nativenn: error: --data digits: this model was trained on good\.csv/,
    ],
  ] as [string, () => string[], RegExp][])('%s → one line, exit 2', (_name, args, message) => {
    expectUserError(runCli(['predict', ...args()], { cwd: dir }), message);
  });

  it('a damaged model file → exit 2 naming it', () => {
    const broken = path.join(dir, 'broken');
    runCli(['train', '--data', 'good.csv', '--epochs', '1', '--quiet', '--backend', 'js', '--out', broken], {
      cwd: dir,
    });
    writeFileSync(path.join(broken, 'model', 'model.json'), '{ not json');
    expectUserError(
      runCli(['predict', '--model', broken, '--data', 'good.csv'], { cwd: dir }),
      /^nativenn: error: --model .*broken.*model\.json/,
    );
  });
});

describe('unexpected errors', () => {
  it('exit 1 with the message; the stack only with NATIVENN_DEBUG=1', () => {
    const debug = process.env.NATIVENN_DEBUG;
    const write = process.stderr.write;
    let text = '';
    process.stderr.write = ((chunk: string) => {
      text += chunk;
      return true;
    }) as typeof process.stderr.write;
    try {
      process.env.NATIVENN_DEBUG = '';
      fail(new Error('a bug'));
      expect(process.exitCode).toBe(1);
      expect(text).toMatch(/^nativenn: internal error: a bug\n\(set NATIVENN_DEBUG=1 for the stack trace\)\n$/);
      text = '';
      process.env.NATIVENN_DEBUG = '1';
      fail(new Error('a bug'));
      expect(text).toMatch(/^\s+at /m);
      text = '';
      fail(new CliError('your mistake'));
      expect(process.exitCode).toBe(2);
      expect(text).toMatch(/^nativenn: error: your mistake\n/);
    } finally {
      process.stderr.write = write;
      process.env.NATIVENN_DEBUG = debug;
      process.exitCode = 0;
    }
  });
});
