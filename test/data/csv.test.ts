import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { parseCsvChunks } from '../../src/data/csv';
import { Random } from '../../src/util/random';

const dir = mkdtempSync(join(tmpdir(), 'nativenn-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
function csvFile(text: string | Buffer): string {
  const path = join(dir, `f${fileCount++}.csv`);
  writeFileSync(path, text);
  return path;
}

/** The error readCsv rejects with (fails the test if it resolves). */
async function csvError(path: string, options: nn.data.CsvOptions = {}): Promise<Error> {
  try {
    await nn.data.readCsv(path, options);
  } catch (e) {
    return e as Error;
  }
  throw new Error(`readCsv(${path}) did not fail`);
}

describe('nn.data.readCsv: contents', () => {
  it('maps string labels to integers in sorted order and returns the classes', async () => {
    const path = csvFile(
      'sepal,petal,species\n5.1,1.4,setosa\n7.0,4.7,versicolor\n6.3,6.0,virginica\n4.9,1.4,setosa\n',
    );
    const d = await nn.data.readCsv(path, { label: 'species' });
    expect(d.x.shape).toEqual([4, 2]);
    expect(Array.from(d.x.data)).toEqual(Array.from(Float32Array.of(5.1, 1.4, 7.0, 4.7, 6.3, 6.0, 4.9, 1.4)));
    expect(d.y).toBeInstanceOf(Int32Array);
    expect(Array.from(d.y!)).toEqual([0, 1, 2, 0]);
    expect(d.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(d.featureNames).toEqual(['sepal', 'petal']);
    expect(d.labelName).toBe('species');
  });

  it('sorts classes even when first seen out of order, and switches to classes after numeric-looking labels', async () => {
    const d = await nn.data.readCsv(csvFile('a,c\n1,zebra\n2,10\n3,apple\n4,10\n'));
    expect(d.classes).toEqual(['10', 'apple', 'zebra']);
    expect(Array.from(d.y!)).toEqual([2, 0, 1, 0]);
  });

  it('keeps the exact text of numeric labels seen before the first text label', async () => {
    const d = await nn.data.readCsv(csvFile('a,y\n1,1.50\n2,2\n3,x\n4,1.50\n'));
    expect(d.classes).toEqual(['1.50', '2', 'x']);
    expect(Array.from(d.y!)).toEqual([0, 1, 2, 0]);
  });

  it('refuses a text label after more than 65536 distinct numeric labels', async () => {
    const rows = Array.from({ length: 70_000 }, (_, i) => `${i},${i / 4}`);
    const text = Buffer.from(`a,y\n${rows.join('\n')}\n70000,oops\n`);
    await expect(parseCsvChunks([text], {}, 'mem')).rejects.toThrow(
      /line 70002, column "y": the label "oops" is not a number, but the 70000 labels before it held over 65536 distinct numbers/,
    );
  });

  it('gives a Float32Array for a numeric label (regression), by name or index, default the last column', async () => {
    const path = csvFile('x1,target,x2\n1,0.5,2\n3,-1.25,4\n5,1e3,6\n');
    const byName = await nn.data.readCsv(path, { label: 'target' });
    expect(byName.y).toBeInstanceOf(Float32Array);
    expect(Array.from(byName.y!)).toEqual([0.5, -1.25, 1000]);
    expect(byName.classes).toBeNull();
    expect(byName.featureNames).toEqual(['x1', 'x2']);
    expect(byName.x.toArray()).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const byIndex = await nn.data.readCsv(path, { label: 1 });
    expect(Array.from(byIndex.y!)).toEqual([0.5, -1.25, 1000]);
    const last = await nn.data.readCsv(path);
    expect(last.labelName).toBe('x2');
    expect(Array.from(last.y!)).toEqual([2, 4, 6]);
    const fromEnd = await nn.data.readCsv(path, { label: -2 });
    expect(fromEnd.labelName).toBe('target');
  });

  it('label: null makes every column a feature', async () => {
    const d = await nn.data.readCsv(csvFile('a,b\n1,2\n3,4\n'), { label: null });
    expect(d.x.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect([d.y, d.labelName, d.classes]).toEqual([null, null, null]);
  });

  it('handles quoted fields: delimiters, doubled quotes and newlines inside quotes', async () => {
    const text = '"f,1","f ""2"""\t,"label"\n"1.5",2,"big, red"\n3,"4","say ""hi""\nthere"\n5,6,plain\n';
    const d = await nn.data.readCsv(csvFile(text.replace('\t', '')));
    expect(d.featureNames).toEqual(['f,1', 'f "2"']);
    expect(d.x.toArray()).toEqual([
      [1.5, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(d.classes).toEqual(['big, red', 'plain', 'say "hi"\nthere']);
    // line numbers count the newline inside the quotes: the bad cell is on line 6
    const bad = await csvError(csvFile('a,b\n1,"x\ny"\n2,3\nz,4\n'), { label: 'b' });
    expect(bad.message).toMatch(/line 5, column "a": "z" is not a number/);
  });

  it('accepts CRLF, a BOM, blank lines, spaces around numbers, other delimiters', async () => {
    const crlf = await nn.data.readCsv(csvFile('\ufeffa,b,y\r\n1, 2 ,p\r\n\r\n 3,4,q\r\n\r\n\r\n'));
    expect(crlf.featureNames).toEqual(['a', 'b']);
    expect(crlf.x.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(crlf.classes).toEqual(['p', 'q']);
    const semi = await nn.data.readCsv(csvFile('a;b\n1.5;2\n'), { delimiter: ';', label: null });
    expect(semi.x.toArray()).toEqual([[1.5, 2]]);
    const tab = await nn.data.readCsv(csvFile('a\tb\n1\t2\n'), { delimiter: '\t' });
    expect(Array.from(tab.y!)).toEqual([2]);
    const noNewlineAtEnd = await nn.data.readCsv(csvFile('a,b\n1,2\n3,4'));
    expect(noNewlineAtEnd.x.rows).toBe(2);
  });

  it('reads files without a header, naming columns by index', async () => {
    const path = csvFile('1,2,0\n3,4,1\n');
    const d = await nn.data.readCsv(path, { header: false });
    expect(d.featureNames).toEqual(['0', '1']);
    expect(d.labelName).toBe('2');
    expect(d.x.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(Array.from(d.y!)).toEqual([0, 1]);
    const byName = await nn.data.readCsv(path, { header: false, label: '0' });
    expect(Array.from(byName.y!)).toEqual([1, 3]);
  });

  it('parses numbers exactly as Number() does (then rounds to float32)', async () => {
    const cells = [
      '0',
      '-0',
      '+7',
      '1.',
      '.5',
      '-.25',
      '3.14159265358979',
      '123456789012345',
      '1234567890123456789',
      '0.1',
      '1e-7',
      '6.02214076e23',
      '1E+2',
      '9.999999999999999e22',
      '2.2250738585072014e-308',
      '0x10',
      '0.000000000000000000000000123',
      '00012.50',
    ];
    const rng = new Random(12345);
    const rnd = () => rng.next();
    for (let i = 0; i < 500; i++) {
      const digits = 1 + Math.floor(rnd() * 17);
      const exp = Math.floor(rnd() * 60) - 30;
      cells.push(`${rnd() < 0.5 ? '-' : ''}${(rnd() * 10).toFixed(digits)}e${exp}`);
      cells.push((rnd() * 1000 - 500).toFixed(Math.floor(rnd() * 8)));
    }
    const d = await nn.data.readCsv(csvFile(`v\n${cells.join('\n')}\n`), { label: null });
    const expected = Float32Array.from(cells, Number);
    expect(Array.from(d.x.data)).toEqual(Array.from(expected));
  });

  it('gives the same result however the bytes are split into chunks', async () => {
    const text = Buffer.from(
      '\ufeff"a",b,label\r\n1.25,"2.5","é ""x"""\r\n\r\n3,4e1,ß\n5,6,"multi\nline"\r\n7,8,é "x"',
    );
    const whole = await parseCsvChunks([text], { label: 'label' }, 'mem');
    expect(whole.x.toArray()).toEqual([
      [1.25, 2.5],
      [3, 40],
      [5, 6],
      [7, 8],
    ]);
    expect(whole.classes).toEqual(['multi\nline', 'ß', 'é "x"']); // code-unit order: ß (U+DF) < é (U+E9)
    expect(Array.from(whole.y!)).toEqual([2, 1, 0, 2]);
    for (let size = 1; size <= text.length; size++) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < text.length; i += size) chunks.push(text.subarray(i, i + size));
      const d = await parseCsvChunks(chunks, { label: 'label' }, 'mem');
      expect(Array.from(d.x.data)).toEqual(Array.from(whole.x.data));
      expect(Array.from(d.y!)).toEqual(Array.from(whole.y!));
      expect(d.classes).toEqual(whole.classes);
    }
  });
});

describe('nn.data.readCsv: errors', () => {
  it('missing file, directory, empty file, header only', async () => {
    const missing = await csvError(join(dir, 'nope.csv'));
    expect(missing).toBeInstanceOf(nn.data.CsvError);
    expect(missing.message).toBe(`readCsv: no such file: ${join(dir, 'nope.csv')}`);
    const sub = join(dir, 'sub.csv');
    mkdirSync(sub);
    expect((await csvError(sub)).message).toMatch(/is a directory/);
    expect((await csvError(csvFile(''))).message).toMatch(/: the file is empty$/);
    expect((await csvError(csvFile('\n\r\n\n'))).message).toMatch(/the file is empty/);
    expect((await csvError(csvFile('a,b,c\n'))).message).toMatch(/has a header but no data rows/);
    expect((await csvError(csvFile('a,b,c\n\n'))).message).toMatch(/has a header but no data rows/);
  });

  it('non-numeric or empty cell: names the line (as counted in the file) and the column', async () => {
    const e = await csvError(csvFile('age,height,y\n30,170,a\n31,tall,b\n'));
    expect(e).toBeInstanceOf(nn.data.CsvError);
    expect(e.message).toMatch(/, line 3, column "height": "tall" is not a number$/);
    expect((e as nn.data.CsvError).line).toBe(3);
    expect((e as nn.data.CsvError).column).toBe('height');
    expect((await csvError(csvFile('a,y\n1,p\n,q\n'))).message).toMatch(/line 3, column "a": the cell is empty/);
    expect((await csvError(csvFile('a,y\n1,p\nInfinity,q\n'))).message).toMatch(/"Infinity" is not a finite number/);
    expect((await csvError(csvFile('a,y\n1,\n'))).message).toMatch(/line 2, column "y": the label is empty/);
    expect((await csvError(csvFile('1,2\nx,3\n'), { header: false })).message).toMatch(
      /line 2, column "0": "x" is not a number/,
    );
  });

  it('ragged rows: line, expected and got', async () => {
    expect((await csvError(csvFile('a,b,c\n1,2,3\n4,5\n'))).message).toMatch(
      /line 3: expected 3 fields \(as in the header\), got 2$/,
    );
    expect((await csvError(csvFile('a,b,c\n1,2,3\n\n4,5,6,7\n'))).message).toMatch(
      /line 4: expected 3 fields \(as in the header\), got 4$/,
    );
    expect((await csvError(csvFile('1,2\n3\n'), { header: false })).message).toMatch(
      /line 2: expected 2 fields \(as in the first row\), got 1/,
    );
  });

  it('unknown label column lists the available names; bad index is a RangeError', async () => {
    const path = csvFile('alpha,beta,gamma\n1,2,3\n');
    const e = await csvError(path, { label: 'delta' });
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toBe(`readCsv: no column named "delta" in ${path}; the columns are "alpha", "beta", "gamma"`);
    expect((await csvError(path, { label: 3 })).message).toMatch(/label index 3 is out of range: .* has 3 columns/);
    expect((await csvError(csvFile('only\n1\n'))).message).toMatch(/no feature columns besides the label/);
  });

  it('unclosed quote and text after a closing quote', async () => {
    expect((await csvError(csvFile('a,b\n1,"2\n3,4\n'))).message).toMatch(
      /line 2, column "b": a quoted field is not closed/,
    );
    expect((await csvError(csvFile('a,b\n1,"2"x\n'))).message).toMatch(
      /line 2, column "b": text after the closing quote/,
    );
  });

  it('bad options are TypeError/RangeError before the file is read', async () => {
    await expect(nn.data.readCsv(42 as unknown as string)).rejects.toThrow(TypeError);
    await expect(nn.data.readCsv('x.csv', { delimiter: ';;' })).rejects.toThrow(
      /delimiter must be one ASCII character/,
    );
    await expect(nn.data.readCsv('x.csv', { delimiter: '"' })).rejects.toThrow(RangeError);
    await expect(nn.data.readCsv('x.csv', { header: 'yes' as unknown as boolean })).rejects.toThrow(
      /header must be a boolean/,
    );
    await expect(nn.data.readCsv('x.csv', { label: 1.5 })).rejects.toThrow(/label index must be an integer/);
    await expect(nn.data.readCsv('x.csv', { label: {} as unknown as string })).rejects.toThrow(TypeError);
  });
});
