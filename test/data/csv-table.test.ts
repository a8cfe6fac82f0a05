/** nn.data.readCsvTable / parseCsvTable: the typed-column reader behind the CLI and loadPipeline. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';

const dir = mkdtempSync(path.join(tmpdir(), 'nativenn-csv-table-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const parse = (text: string | Buffer, options: nn.data.TableOptions = {}, chunk = 0) => {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  const chunks =
    chunk > 0
      ? Array.from({ length: Math.ceil(bytes.length / chunk) }, (_, i) => bytes.subarray(i * chunk, (i + 1) * chunk))
      : [bytes];
  return nn.data.parseCsvTable(chunks, options, 't.csv');
};
const texts = (c: nn.data.TableColumn) => Array.from(c.ids!, (id) => (id < 0 ? null : c.texts[id]));

describe('readCsvTable: delimiters and numbers', () => {
  it('detects ";" and tab when the header has no comma; "," otherwise', async () => {
    expect((await parse('a;b\n1;2\n')).delimiter).toBe(';');
    expect((await parse('a\tb\n1\t2\n')).delimiter).toBe('\t');
    expect((await parse('a,b;c\n1,2;3\n')).delimiter).toBe(',');
    expect((await parse('"x;y",b\n1,2\n')).names).toEqual(['x;y', 'b']);
    expect((await parse('a|b\n1|2\n', { delimiter: '|' })).names).toEqual(['a', 'b']);
  });

  it('reads decimal commas with decimal ","', async () => {
    const t = await parse('a;b\n3,25;-0,5\n1e3;2\n', { decimal: ',' });
    expect(Array.from(t.columns[0].numbers)).toEqual([3.25, 1000]);
    expect(Array.from(t.columns[1].numbers)).toEqual([-0.5, 2]);
    await expect(parse('a,b\n1,2\n', { decimal: ',' })).rejects.toThrow(
      /delimiter is ',' so the decimal separator cannot be ','/,
    );
  });

  it('keeps text cells as ids (numbers before the first text become texts), and missing cells', async () => {
    const t = await parse('id,x\n1,2\n7,NA\nabc,\nabc,?\n', {});
    expect(texts(t.columns[0])).toEqual(['1', '7', 'abc', 'abc']);
    expect(t.columns[1].ids).toBe(null);
    expect(Array.from(t.columns[1].numbers)).toEqual([2, Number.NaN, Number.NaN, Number.NaN]);
    expect(t.columns[1].missing).toBe(3);
    expect(Array.from(t.lines)).toEqual([2, 3, 4, 5]);
  });

  it('strict numbers: hex, Infinity and "1 2" are text', async () => {
    const t = await parse('a\n0x10\nInfinity\n1 2\n5\n');
    expect(texts(t.columns[0])).toEqual(['0x10', 'Infinity', '1 2', '5']);
  });
});

describe('readCsvTable: messy files', () => {
  const messy = '\ufeffid;name;v\r\n"a;1";"say ""hi""";1,5\r\n\r\nb;"two\nlines";\r\n';
  it.each([0, 1, 2, 3, 7])(
    'BOM, CRLF, quotes, a blank line, a newline in quotes (chunks of %i bytes)',
    async (chunk) => {
      const t = await parse(messy, { decimal: ',' }, chunk);
      expect(t.names).toEqual(['id', 'name', 'v']);
      expect(texts(t.columns[0])).toEqual(['a;1', 'b']);
      expect(texts(t.columns[1])).toEqual(['say "hi"', 'two\nlines']);
      expect(Array.from(t.columns[2].numbers)).toEqual([1.5, Number.NaN]);
      expect(Array.from(t.lines)).toEqual([2, 4]);
    },
  );

  it.each([1, 2, 3, 5])('numbers across chunk boundaries (chunks of %i bytes) read as whole numbers', async (chunk) => {
    const t = await parse('a,b,c\r\n1.5,-2,x\r\n30,4e2,y\r\n 7 ,8,z', {}, chunk);
    expect(Array.from(t.columns[0].numbers)).toEqual([1.5, 30, 7]);
    expect(Array.from(t.columns[1].numbers)).toEqual([-2, 400, 8]);
    expect(texts(t.columns[2])).toEqual(['x', 'y', 'z']);
  });

  it('Latin-1 with encoding latin1; invalid UTF-8 refused otherwise, naming line and column', async () => {
    const bytes = Buffer.from('name,x\nZürich,1\nMünchen,2\n', 'latin1');
    expect(texts((await parse(bytes, { encoding: 'latin1' })).columns[0])).toEqual(['Zürich', 'München']);
    await expect(parse(bytes)).rejects.toThrow(
      /^t\.csv, line 2, column "name": the text is not valid UTF-8; .*--encoding latin1$/,
    );
  });

  it('refuses duplicate names, ragged rows, unclosed quotes, with the line', async () => {
    await expect(parse('a,a\n1,2\n')).rejects.toThrow(/line 1: the header names the column "a" twice/);
    await expect(parse('a,b\n1,2\n3\n')).rejects.toThrow(/line 3: expected 2 fields \(as in the header\), got 1/);
    await expect(parse('a,b\n1,"2\n')).rejects.toThrow(/line 2, column "b": a quoted field is not closed/);
    await expect(parse('')).rejects.toThrow(/the file is empty/);
  });

  it('bounds a record: a long line is refused with its line, in chunks as a stream gives them', async () => {
    const line = Buffer.alloc(5 << 20, 0x61);
    const chunks = Array.from({ length: 5 * 16 }, (_, i) => line.subarray(i << 16, (i + 1) << 16));
    await expect(
      nn.data.parseCsvTable([Buffer.from('a\n1\n'), ...chunks], { maxRecordBytes: 1 << 20 }, 'long.csv'),
    ).rejects.toThrow(/^long\.csv, line 3: a record is longer than 1048576 bytes/);
  });

  it('reads a file; options are checked', async () => {
    const p = path.join(dir, 'f.csv');
    writeFileSync(p, 'a;b\n1;x\n');
    const t = await nn.data.readCsvTable(p);
    expect(t.rows).toBe(1);
    await expect(nn.data.readCsvTable(path.join(dir, 'none.csv'))).rejects.toThrow(/no such file/);
    await expect(nn.data.readCsvTable(dir)).rejects.toThrow(/is a directory/);
    await expect(nn.data.readCsvTable(p, { decimal: ';' as ',' })).rejects.toThrow(RangeError);
    await expect(nn.data.readCsvTable(p, { encoding: 'utf16' as 'utf8' })).rejects.toThrow(RangeError);
  });
});
