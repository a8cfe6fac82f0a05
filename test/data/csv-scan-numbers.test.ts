/** The bulk path for rows of plain numbers (src/data/csv-scan-numbers.ts): the native kernel equals
 *  its twin on many inputs, readCsvTable gives the same tables and the same errors with the native
 *  kernel, the twin, or neither (TableParser.record alone, the reference), and the glue refuses bad
 *  arguments with a TypeError/RangeError naming them. */
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ScanNumberRecords,
  scanNumberRecordsNative,
  scanNumberRecordsTwin,
} from '../../src/data/csv-scan-numbers';
import { type CsvTable, parseCsvTable, setBulkScanner } from '../../src/data/csv-table';

// mulberry32
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cells that the fast path takes, that it leaves to the slow path, and garbage. */
const CELLS = [
  '0',
  '-0',
  '+0',
  '+1',
  '-1',
  '1.5',
  '.5',
  '5.',
  '-.5',
  '+.5e1',
  '1e5',
  '1E-5',
  '1e+22',
  '1e22',
  '1e23',
  '1e-22',
  '1e-23',
  '0e999999',
  '-0.0e-400',
  '1e99999',
  '1e0000000000000000000001',
  '123456789012345',
  '1234567890123456',
  '999999999999999e7',
  '0.000000000000000000001',
  '0.0000000000000000000001',
  '00012',
  '1.000000000000000',
  '1.00000000000000',
  '9007199254740993',
  '12345.678901234',
  '3.14159265358979',
  '1e',
  '1e+',
  '1e-',
  'e5',
  '-',
  '+',
  '.',
  '-.',
  '+-1',
  '--1',
  '1..2',
  '1.2.3',
  '',
  ' ',
  ' 1',
  '1 ',
  '\t2',
  '1\t',
  'NaN',
  'nan',
  'NA',
  'N/A',
  '?',
  'null',
  'inf',
  'Infinity',
  '-Infinity',
  'INF',
  '0x10',
  '0b1',
  '1_000',
  '1,5',
  '"1"',
  '""',
  '"a,b"',
  '"x""y"',
  '"1\n2"',
  'abc',
  'é',
  '١',
  '1é',
  '\u00a01',
  'true',
];
/** Line ends: the fast path takes LF and CRLF; a lone CR, none, or blank lines are for the others. */
const ENDS = ['\n', '\n', '\n', '\r\n', '\r\n', '\r', '', '\n\n', '\r\n\r\n', '\n\r\n', ' \n'];

function numberCell(rand: () => number): string {
  const v = (rand() - 0.5) * 10 ** Math.floor(rand() * 12 - 4);
  const k = rand();
  // Mostly within the fast path; String(v) often has 16–17 digits, which is beyond it.
  return k < 0.7 ? v.toFixed(Math.floor(rand() * 7)) : k < 0.98 ? v.toExponential(Math.floor(rand() * 9)) : String(v);
}

function cell(rand: () => number, messy: number): string {
  if (rand() < messy) return CELLS[Math.floor(rand() * CELLS.length)];
  if (rand() < messy / 4) return String.fromCharCode(Math.floor(rand() * 256));
  return numberCell(rand);
}

function records(rand: () => number, ncols: number, rows: number, delimiter: string, messy: number): string {
  let text = '';
  for (let r = 0; r < rows; r++) {
    const n = rand() < messy / 4 ? ncols + Math.floor(rand() * 3) - 1 : ncols;
    const cells = Array.from({ length: Math.max(1, n) }, () => cell(rand, messy));
    text += cells.join(delimiter) + (rand() < messy ? ENDS[Math.floor(rand() * ENDS.length)] : '\n');
  }
  return text;
}

function scan(s: ScanNumberRecords, buf: Uint8Array, ncols: number, args: number[]) {
  const [start, delimiter, row, rowEnd, line] = args;
  const columns = Array.from({ length: ncols }, () => new Float64Array(rowEnd + 2).fill(7.25));
  const lines = new Int32Array(rowEnd + 2).fill(-5);
  const end = s(columns, lines, buf, start, delimiter, row, rowEnd, line);
  return { end, columns, lines };
}

/** Every written value, bit for bit (−0, and values written for a record that was then refused). */
const bits = (a: Float64Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

describe.skipIf(!scanNumberRecordsNative)('csvScanNumbers: the native kernel equals its twin', () => {
  const native = scanNumberRecordsNative!;

  it('on 3000 buffers: numbers, quotes, CRLF, empty fields, exponents, NaN/inf spellings and garbage', () => {
    const rand = rng(1);
    let parsed = 0;
    for (let t = 0; t < 3000; t++) {
      const ncols = 1 + Math.floor(rand() * 6);
      const delimiter = [',', ';', '\t', '|', '.', 'e', '-', '1'][Math.floor(rand() * (rand() < 0.9 ? 3 : 8))];
      const messy = [0, 0.01, 0.05, 0.3][t % 4];
      const text = records(rand, ncols, Math.floor(rand() * 40), delimiter, messy);
      const latin = rand() < 0.5;
      const buf = Buffer.from(text, latin ? 'latin1' : 'utf8');
      const start = rand() < 0.7 ? 0 : Math.floor(rand() * (buf.length + 1));
      const rowEnd = Math.floor(rand() * 50);
      const row = rand() < 0.7 ? 0 : Math.floor(rand() * (rowEnd + 1));
      const line = [1, 17, 2 ** 31 - 3, 2 ** 32 - 2, 2 ** 40][Math.floor(rand() * 5)];
      const args = [start, delimiter.charCodeAt(0), row, rowEnd, line];
      const a = scan(native, buf, ncols, args);
      const b = scan(scanNumberRecordsTwin, buf, ncols, args);
      const what = `case ${t}: ${JSON.stringify(text.slice(0, 200))} ${JSON.stringify(args)}`;
      expect(a.end, what).toEqual(b.end);
      expect(a.columns.map(bits), what).toEqual(b.columns.map(bits));
      expect(bits(a.lines), what).toEqual(bits(b.lines));
      parsed += a.end[1];
    }
    expect(parsed).toBeGreaterThan(5_000); // records were taken, not only refused
  });

  it('takes whole clean buffers (the path is not idle): every record of plain numbers', () => {
    const rand = rng(2);
    const row = () => Array.from({ length: 17 }, () => ((rand() - 0.5) * 20).toFixed(4)).join(',');
    const text = Array.from({ length: 500 }, row).join('\n') + '\n';
    const a = scan(native, Buffer.from(text), 17, [0, 44, 0, 500, 1]);
    expect(a.end).toEqual([text.length, 500, 501]);
    expect(a.columns[16][499]).toBe(Number(text.trimEnd().split('\n')[499].split(',')[16]));
  });

  it('each cell alone: equal results for every spelling in the list, in each position of a record', () => {
    for (const c of CELLS)
      for (const text of [`${c}\n`, `${c},1\n`, `1,${c}\n`, `${c}\r\n`, c, `${c},`]) {
        const buf = Buffer.from(text);
        const ncols = text.includes(',') ? 2 : 1;
        const a = scan(native, buf, ncols, [0, 44, 0, 3, 1]);
        const b = scan(scanNumberRecordsTwin, buf, ncols, [0, 44, 0, 3, 1]);
        expect(a.end, JSON.stringify(text)).toEqual(b.end);
        expect(a.columns.map(bits), JSON.stringify(text)).toEqual(b.columns.map(bits));
      }
  });
});

/** A table as comparable plain data (numbers bit for bit). */
function plain(t: CsvTable) {
  return {
    names: t.names,
    rows: t.rows,
    delimiter: t.delimiter,
    lines: Array.from(t.lines),
    columns: t.columns.map((c) => ({
      name: c.name,
      numbers: bits(c.numbers),
      ids: c.ids ? Array.from(c.ids) : null,
      texts: c.texts,
      missing: c.missing,
    })),
  };
}

async function parse(s: ScanNumberRecords | null, chunks: Buffer[], decimal: '.' | ',') {
  setBulkScanner(s);
  try {
    return { table: plain(await parseCsvTable(chunks, { decimal, delimiter: decimal === ',' ? ';' : 'auto' }, 'f')) };
  } catch (e) {
    return { error: `${(e as Error).name}: ${(e as Error).message}` };
  }
}

describe('readCsvTable: the same tables and errors with the bulk path (native, twin) as without it', () => {
  afterEach(() => setBulkScanner(scanNumberRecordsNative ?? scanNumberRecordsTwin));

  it('on 160 generated files cut into random chunks', async () => {
    const rand = rng(3);
    let errors = 0;
    for (let t = 0; t < 160; t++) {
      const ncols = 1 + Math.floor(rand() * 5);
      const decimal = rand() < 0.1 ? ',' : '.';
      const delimiter = decimal === ',' ? ';' : [',', ';', '\t'][Math.floor(rand() * 3)];
      const header = Array.from({ length: ncols }, (_, i) => `c${i}`).join(delimiter);
      const messy = [0, 0.002, 0.01, 0.05][t % 4];
      const text = `${rand() < 0.1 ? '\ufeff' : ''}${header}${rand() < 0.2 ? '\r\n' : '\n'}${records(rand, ncols, Math.floor(rand() * 2000), delimiter, messy)}`;
      const buf = Buffer.from(text);
      const chunks: Buffer[] = [];
      for (let at = 0; at < buf.length; ) {
        const n = rand() < 0.5 ? 1 + Math.floor(rand() * 64) : 1 + Math.floor(rand() * 8192);
        chunks.push(buf.subarray(at, at + n));
        at += n;
      }
      const reference = await parse(null, chunks, decimal);
      if ('error' in reference) errors++;
      const what = `file ${t}: ${JSON.stringify(text.slice(0, 300))}`;
      expect(await parse(scanNumberRecordsTwin, chunks, decimal), what).toEqual(reference);
      if (scanNumberRecordsNative)
        expect(await parse(scanNumberRecordsNative, chunks, decimal), what).toEqual(reference);
    }
    expect(errors).toBeGreaterThan(10); // the errors were compared too, not only clean files
    expect(errors).toBeLessThan(150);
  }, 120_000);
});

describe.skipIf(!scanNumberRecordsNative)('csvScanNumbers glue: bad arguments are refused by name', () => {
  const call = scanNumberRecordsNative as unknown as (...args: unknown[]) => unknown;
  const cols = () => [new Float64Array(4), new Float64Array(4)];
  const ok = () => [cols(), new Int32Array(4), Buffer.from('1,2\n'), 0, 44, 0, 4, 1];
  const bad = (i: number, v: unknown) => {
    const args = ok();
    args[i] = v;
    return () => call(...args);
  };

  it('a valid call works (the cases below differ from it in one argument)', () => {
    expect(call(...ok())).toEqual([4, 1, 2]);
  });

  it('wrong types are TypeErrors naming the argument', () => {
    expect(() => call(...ok().slice(0, 7))).toThrow(/^csvScanNumbers: expected 8 arguments, got 7/);
    expect(bad(0, new Float64Array(4))).toThrow(TypeError);
    expect(bad(0, new Float64Array(4))).toThrow(/columns must be an array/);
    expect(bad(0, [new Float64Array(4), new Float32Array(4)])).toThrow(/columns\[1\] must be a Float64Array/);
    expect(bad(0, [new Float64Array(4), 3])).toThrow(TypeError);
    expect(bad(1, new Float64Array(4))).toThrow(/lines must be a Int32Array/);
    expect(bad(2, '1,2\n')).toThrow(/buf must be a Uint8Array/);
    expect(bad(2, new Uint16Array(4))).toThrow(TypeError);
    expect(bad(3, '0')).toThrow(/start must be a number/);
    expect(bad(7, 1n)).toThrow(/line must be a number/);
  });

  it('bad sizes are RangeErrors naming the argument', () => {
    expect(bad(0, [])).toThrow(RangeError);
    expect(bad(0, [])).toThrow(/columns must hold 1 to 2\^23 arrays/);
    expect(bad(0, [new Float64Array(4), new Float64Array(3)])).toThrow(/columns\[1\] is too short/);
    expect(bad(1, new Int32Array(3))).toThrow(/lines is too short/);
    expect(bad(3, 5)).toThrow(/start must be at most buf's length/);
    expect(bad(3, -1)).toThrow(/start must be an integer/);
    expect(bad(3, 1.5)).toThrow(RangeError);
    expect(bad(4, 256)).toThrow(/delimiter must be a byte/);
    expect(bad(5, 5)).toThrow(/row must be at most rowEnd/);
    expect(bad(6, 2 ** 31)).toThrow(/rowEnd must be an integer/);
    for (const line of [-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])
      expect(bad(7, line)).toThrow(/line must be an integer from 0 to 2\^53/);
  });

  it('a column detached by a getter of a later element is caught (elements are read before pointers)', () => {
    const first = new Float64Array(4);
    const list: Float64Array[] = [first];
    Object.defineProperty(list, 1, {
      get() {
        structuredClone(first.buffer, { transfer: [first.buffer] }); // detaches columns[0]
        return new Float64Array(4);
      },
    });
    const args = ok();
    args[0] = list;
    expect(() => call(...args)).toThrow(/columns\[0\] is too short/);
  });

  it('a detached buf reads as empty: nothing is parsed', () => {
    const buf = Buffer.from(new ArrayBuffer(8));
    structuredClone(buf.buffer, { transfer: [buf.buffer as ArrayBuffer] });
    expect(bad(2, buf)()).toEqual([0, 0, 1]);
  });
});
