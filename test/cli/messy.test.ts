/** End to end on messy CSVs (issue 13 items 7-10, 12 and the "Done when" command): delimiters,
 *  decimal commas, Latin-1, chosen columns, an id carried through, missing values, text columns,
 *  and the held-out test rows scored by the suggested predict command. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from './support';

let dir: string;
const file = (name: string, text: string | Buffer) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};
const readCsvLines = (p: string) => readFileSync(p, 'utf8').trim().split('\n');
const preprocessOf = (run: string) => JSON.parse(readFileSync(path.join(run, 'preprocess.json'), 'utf8'));

/** A seeded generator so the files are the same on every run. */
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

const COLORS = ['red', 'green', 'blue'];
/** id;color;size;weight;label with a BOM, CRLF, decimal commas, empty and NA cells: the label
 *  depends on size, weight and color, so a model can learn it. */
function messyCsv(rows: number, seed: number): string {
  const r = rng(seed);
  const lines = ['\ufeffid;color;size;weight;label'];
  for (let i = 0; i < rows; i++) {
    const color = COLORS[Math.floor(r() * 3)];
    const size = r() * 10;
    const weight = 40 + r() * 20;
    const big = size + (weight - 50) / 5 + (color === 'red' ? 2 : color === 'blue' ? -2 : 0) > 5;
    const cell = (v: number) => (r() < 0.05 ? (r() < 0.5 ? '' : 'NA') : v.toFixed(2).replace('.', ','));
    lines.push(`row${i};${r() < 0.05 ? '' : color};${cell(size)};${cell(weight)};${big ? 'big' : 'small'}`);
  }
  return `${lines.join('\r\n')}\r\n`;
}

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(path.join(tmpdir(), 'nativenn-cli-messy-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the messy CSV of the README, end to end', () => {
  let run: string;
  let trained: ReturnType<typeof runCli>;
  beforeAll(() => {
    file('messy.csv', messyCsv(300, 7));
    run = path.join(dir, 'messy-run');
    trained = runCli(
      ['train', '--data', 'messy.csv', '--decimal', ',', '--id', 'id', '--missing', 'mean', '--out', run],
      {
        cwd: dir,
      },
    );
  });

  it('trains: ";" detected, the id kept out of the features, the text column one-hot encoded, missing cells filled', () => {
    expect(trained.status, trained.stderr).toBe(0);
    expect(trained.stdout).toContain(
      'data: messy.csv: 300 rows × 5 features (3 columns, text ones one-hot encoded), 2 classes; label "label", id "id"',
    );
    expect(trained.stdout).toMatch(/epochs: up to 1000, stopping early after 20 epochs without a better val_loss/);
    expect(Number(/test accuracy ([\d.]+)%/.exec(trained.stdout)?.[1])).toBeGreaterThan(80);
    const p = preprocessOf(run);
    expect(p.version).toBe(2);
    expect(p.csv).toEqual({ delimiter: ';', decimal: ',', encoding: 'utf8' });
    expect(p.idColumn).toBe('id');
    expect(p.featureNames).toEqual(['color=blue', 'color=green', 'color=red', 'size', 'weight']);
    expect(p.columns[0]).toMatchObject({ kind: 'categorical', categories: ['blue', 'green', 'red'] });
    expect(COLORS).toContain(p.columns[0].fill);
    expect(p.columns[1].fill).toBeGreaterThan(3);
    expect(p.columns[1].fill).toBeLessThan(7);
  });

  it('the suggested predict command scores exactly the held-out test rows, ids carried through', () => {
    const suggested =
      /predict with \(scores the (\d+) test rows held out of training.*\): nativenn predict (.*)$/m.exec(
        trained.stdout,
      );
    expect(suggested).not.toBe(null);
    const args = suggested![2].split(' ');
    expect(args).toEqual(['--model', run, '--data', 'messy.csv', '--rows', 'test']);
    const out = path.join(dir, 'messy-preds.csv');
    const r = runCli(['predict', ...args, '--out', out], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `wrote ${suggested![1]} predictions (the ${suggested![1]} test rows held out of training)`,
    );
    const lines = readCsvLines(out);
    expect(lines[0]).toBe('id,label,p_big,p_small');
    const testIds = preprocessOf(run).split.testRows.map((row: number) => `row${row}`);
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(testIds);
    const reported = /test accuracy ([\d.]+)%/.exec(trained.stdout)![1];
    expect(r.stdout).toContain(`accuracy ${reported}%`);
  });

  it('new rows: columns in any order, an extra column noted, a missing cell filled, an unseen category warned about', () => {
    const p = preprocessOf(run);
    const fill = String(p.columns[1].fill).replace('.', ',');
    const news = file(
      'new.csv',
      'weight;note;size;id;color\r\n55,5;x;3,25;n1;red\r\n55,5;y;;n2;red\r\n55,5;z;' +
        `${fill};n3;red\r\n48;w;2;n4;purple\r\n`,
    );
    const r = runCli(['predict', '--model', run, '--data', news], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('note: ignored the column "note" (not used in training)');
    expect(r.stderr).toContain('warning: column "color" holds 1 category not seen in training ("purple")');
    const lines = r.stdout.trim().split('\n');
    expect(lines.map((l) => l.split(',')[0])).toEqual(['id', 'n1', 'n2', 'n3', 'n4']);
    // n2's empty size is filled with the saved mean: the same prediction as n3, which holds it.
    expect(lines[2].split(',').slice(1)).toEqual(lines[3].split(',').slice(1));
  });
});

describe('delimiters, decimal commas and encodings (item 7)', () => {
  const rows = Array.from({ length: 30 }, (_, i) => [i / 4, (i * 7) % 5, ['Zürich', 'Genève'][i % 2]]);
  it('a tab-separated file is detected; --delimiter overrides', () => {
    const tsv = file('t.tsv', `a\tb\tcity\n${rows.map((r) => r.join('\t')).join('\n')}\n`);
    const r = runCli(['train', '--data', tsv, '--epochs', '2', '--quiet', '--out', path.join(dir, 'tsv')], {
      cwd: dir,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(preprocessOf(path.join(dir, 'tsv')).csv.delimiter).toBe('\t');
    const pipe = file('p.csv', `a|b|city\n${rows.map((r) => r.join('|')).join('\n')}\n`);
    const r2 = runCli(
      ['train', '--data', pipe, '--delimiter', '|', '--epochs', '2', '--quiet', '--out', path.join(dir, 'pipe')],
      {
        cwd: dir,
      },
    );
    expect(r2.status, r2.stderr).toBe(0);
  });

  it('decimal commas without --decimal: a hint; Latin-1 text with --encoding latin1', () => {
    const semi = file(
      's.csv',
      `a;b;city\n${rows.map((r) => `${String(r[0]).replace('.', ',')};${r[1]};${r[2]}`).join('\n')}\n`,
    );
    const r = runCli(['train', '--data', semi, '--out', path.join(dir, 's')], { cwd: dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/column "a": "0,25" \(line 3\) looks like a decimal comma; add --decimal ,/);
    const latin = file('l.csv', Buffer.from(readFileSync(semi, 'utf8'), 'latin1'));
    const bad = runCli(['train', '--data', latin, '--decimal', ',', '--out', path.join(dir, 'l')], { cwd: dir });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/line 2, column "city": the text is not valid UTF-8; .*--encoding latin1/);
    const ok = runCli(
      [
        'train',
        '--data',
        latin,
        '--decimal',
        ',',
        '--encoding',
        'latin1',
        '--epochs',
        '2',
        '--quiet',
        '--out',
        path.join(dir, 'l'),
      ],
      { cwd: dir },
    );
    expect(ok.status, ok.stderr).toBe(0);
    expect(preprocessOf(path.join(dir, 'l')).classes).toEqual(['Genève', 'Zürich']);
    expect(preprocessOf(path.join(dir, 'l')).csv).toEqual({ delimiter: ';', decimal: ',', encoding: 'latin1' });
  });
});

describe('choosing columns (item 8)', () => {
  const csv = () =>
    file(
      'cols.csv',
      `id,a,b,name,label\n${Array.from({ length: 40 }, (_, i) => `k${i},${i},${i % 7},n${i},${['p', 'q'][i % 2]}`).join('\n')}\n`,
    );
  it('--features and --ignore choose the inputs; a text column with a name per row must be --id or --ignore', () => {
    const one = path.join(dir, 'f');
    expect(
      runCli(['train', '--data', csv(), '--features', 'a,b', '--epochs', '1', '--quiet', '--out', one], { cwd: dir })
        .status,
    ).toBe(0);
    expect(preprocessOf(one).featureNames).toEqual(['a', 'b']);
    const two = path.join(dir, 'i');
    expect(
      runCli(['train', '--data', csv(), '--ignore', 'id,name', '--epochs', '1', '--quiet', '--out', two], { cwd: dir })
        .status,
    ).toBe(0);
    expect(preprocessOf(two).featureNames).toEqual(['a', 'b']);
    const r = runCli(['train', '--data', csv(), '--id', 'id', '--out', path.join(dir, 'n')], { cwd: dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /column "name" holds 40 distinct texts: too many to be categories\. Mark it --id name, or --ignore name/,
    );
    const typo = runCli(['train', '--data', csv(), '--features', 'a,c', '--out', path.join(dir, 'n')], { cwd: dir });
    expect(typo.stderr).toMatch(/^nativenn: error: --features c: .*cols\.csv has no column "c"/);
  });
});

describe('missing values (item 9)', () => {
  const rows = Array.from(
    { length: 40 },
    (_, i) => `${i % 9 === 0 ? '' : i},${i % 4 === 1 ? 'NA' : i % 5},${['p', 'q'][i % 2]}`,
  );
  it('error by default (line and column), drop removes the rows, median fills', () => {
    const csv = file('miss.csv', `a,b,label\n${rows.join('\n')}\n`);
    const r = runCli(['train', '--data', csv, '--out', path.join(dir, 'm0')], { cwd: dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /miss\.csv, line 2, column "a": the cell is empty \(or NA\); --missing mean\|median\|mostFrequent\|drop/,
    );
    const drop = runCli(['train', '--data', csv, '--missing', 'drop', '--epochs', '1', '--out', path.join(dir, 'm1')], {
      cwd: dir,
    });
    expect(drop.status, drop.stderr).toBe(0);
    expect(drop.stdout).toContain('note: dropped 14 row(s) with missing cells (--missing drop)');
    expect(drop.stdout).toMatch(/data: .*: 26 rows × 2 features/);
    const median = runCli(
      ['train', '--data', csv, '--missing', 'median', '--epochs', '1', '--out', path.join(dir, 'm2')],
      {
        cwd: dir,
      },
    );
    expect(median.status, median.stderr).toBe(0);
    const p = preprocessOf(path.join(dir, 'm2'));
    expect(p.missing).toBe('median');
    expect(Number.isInteger(p.columns[1].fill * 2)).toBe(true); // a median of whole numbers
    const pred = runCli(['predict', '--model', path.join(dir, 'm2'), '--data', file('mp.csv', 'a,b\n,\n3,NA\n')], {
      cwd: dir,
    });
    expect(pred.status, pred.stderr).toBe(0);
    expect(pred.stdout.trim().split('\n')).toHaveLength(3);
  });
});

describe('text columns (item 10)', () => {
  it('--categorical COLUMNS one-hot encodes a numeric code; the categories are saved and an unseen one warned about', () => {
    const rows = Array.from({ length: 40 }, (_, i) => `${[10115, 80331, 20095][i % 3]},${i},${['p', 'q'][i % 2]}`);
    const run = path.join(dir, 'zip');
    const r = runCli(
      [
        'train',
        '--data',
        file('zip.csv', `zip,a,label\n${rows.join('\n')}\n`),
        '--categorical',
        'zip',
        '--epochs',
        '1',
        '--quiet',
        '--out',
        run,
      ],
      { cwd: dir },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(preprocessOf(run).columns[0]).toEqual({
      name: 'zip',
      kind: 'categorical',
      categories: ['10115', '20095', '80331'],
      fill: null,
    });
    const pred = runCli(['predict', '--model', run, '--data', file('zp.csv', 'zip,a\n99999,3\n10115,4\n')], {
      cwd: dir,
    });
    expect(pred.status, pred.stderr).toBe(0);
    expect(pred.stderr).toContain('warning: column "zip" holds 1 category not seen in training ("99999")');
  });
});

describe('the test split (item 12)', () => {
  it('--rows test on another file is refused', () => {
    const run = path.join(dir, 'split');
    const csv = file('sp.csv', `a,label\n${Array.from({ length: 30 }, (_, i) => `${i},${i % 2}`).join('\n')}\n`);
    expect(runCli(['train', '--data', csv, '--epochs', '1', '--quiet', '--out', run], { cwd: dir }).status).toBe(0);
    const other = file('sp2.csv', 'a,label\n1,0\n');
    const r = runCli(['predict', '--model', run, '--data', other, '--rows', 'test'], { cwd: dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--rows test: .*sp2\.csv has 1 rows, the file trained on had 30/);
  });
});
