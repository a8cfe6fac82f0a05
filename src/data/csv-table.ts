/**
 * readCsvTable: a CSV file as typed columns, for files that are not all numbers (the CLI and
 * nn.loadPipeline read with it). Each column keeps every row's number (NaN where the cell is
 * missing or text) and, once any cell in it is text, every row's text as an id into a small
 * dictionary: 8–12 bytes a cell, no string per cell. Handles what real files hold: `,` `;` or tab
 * (detected from the header), decimal commas, Latin-1, quotes, CRLF, a BOM, missing cells
 * ("", NA, N/A, NaN, null, ?). Problems throw CsvError naming the file, line and column.
 */
import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { describe } from './args';
import { CsvError } from './csv';
import { feedChunks, MAX_RECORD_BYTES } from './csv-chunks';
import { numberEnd, scanNumber, trim, trimmed } from './csv-number';
import { CR, field, LF, QUOTE, Scan, scanField } from './csv-scan';
import { type ScanNumberRecords, scanNumberRecordsNative, scanNumberRecordsTwin } from './csv-scan-numbers';
import { grow } from './grow';

export interface TableOptions {
  /** One ASCII character, or 'auto' (default): `,` unless the header holds none and holds `;` or tabs. */
  delimiter?: string;
  /** The decimal separator of numbers: '.' (default) or ',' (then the delimiter cannot be ','). */
  decimal?: '.' | ',';
  /** How text is decoded: 'utf8' (default; invalid UTF-8 is an error) or 'latin1'. */
  encoding?: 'utf8' | 'latin1';
  /** The longest record accepted, in bytes (default 16 MiB). */
  maxRecordBytes?: number;
}

/** Cells read as missing (after trimming spaces), besides the empty cell. */
export const MISSING_TOKENS: readonly string[] = ['NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', '?'];

export interface TableColumn {
  name: string;
  /** Each row's number; NaN where the cell is missing or text. */
  numbers: Float64Array;
  /** Each row's text as an index into `texts` (−1: missing); null while no cell is text. */
  ids: Int32Array | null;
  texts: string[];
  /** How many cells are missing. */
  missing: number;
}

export interface CsvTable {
  source: string;
  names: string[];
  rows: number;
  columns: TableColumn[];
  /** The file line (1-based, as an editor counts, header included) where each row starts. */
  lines: Int32Array;
  delimiter: string;
}

const COMMA = 44;
const SEMICOLON = 59;
const TAB = 9;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

interface Interner {
  index: Map<string, number>;
}

/** The bulk path for rows of plain numbers (csv-scan-numbers.ts): the native kernel when the addon
 *  is loaded, else its twin. */
let bulkScanner: ScanNumberRecords | null = scanNumberRecordsNative ?? scanNumberRecordsTwin;

/** Tests: parse with the given bulk scanner, or with none (TableParser.record alone, the reference). */
export function setBulkScanner(s: ScanNumberRecords | null): void {
  bulkScanner = s;
}

export class TableParser {
  names: string[] | null = null;
  columns: TableColumn[] = [];
  private interners: Interner[] = [];
  rows = 0;
  private capacity = 0;
  lines = new Int32Array(0);
  private line = 1;
  delimiter = -1;
  private readonly missing = new Set(MISSING_TOKENS);
  /** The columns' numbers arrays (the bulk scanner's output), and how many columns hold text. */
  private numberArrays: Float64Array[] = [];
  private textColumns = 0;
  /** After a record the bulk scanner could not take, record() alone parses the rows up to here:
   *  a file of such records then costs little more than without the bulk path. */
  private bulkFrom = 0;
  private bulkSkip = 0;

  constructor(
    private readonly source: string,
    private readonly o: Required<TableOptions>,
  ) {
    if (o.delimiter !== 'auto') this.delimiter = o.delimiter.charCodeAt(0);
  }

  fail(message: string, line?: number, column?: string): never {
    const where = line === undefined ? '' : `, line ${line}${column === undefined ? '' : `, column "${column}"`}`;
    throw new CsvError(`${this.source}${where}: ${message}`, line, column);
  }

  recordTooLong(bytes: number, limit: number): never {
    this.fail(
      `a record is longer than ${limit} bytes (${bytes} bytes without a line end so far); is this a CSV file?`,
      this.line,
    );
  }

  feed(buf: Buffer, final: boolean): number {
    let pos = 0;
    const len = buf.length;
    while (pos < len) {
      if (buf[pos] === LF || (buf[pos] === CR && (pos + 1 < len ? buf[pos + 1] === LF : final))) {
        pos += buf[pos] === LF ? 1 : 2;
        this.line++;
        continue;
      }
      if (buf[pos] === CR && pos + 1 === len) break;
      if (this.delimiter < 0 && !this.detectDelimiter(buf, pos, final)) break;
      if (bulkScanner && this.names !== null && this.textColumns === 0 && this.rows >= this.bulkFrom) {
        if (this.rows === this.capacity) this.reserve(Math.max(1024, this.capacity * 2));
        const [next, rows, line] = bulkScanner(
          this.numberArrays,
          this.lines,
          buf,
          pos,
          this.delimiter,
          this.rows,
          this.capacity,
          this.line,
        );
        this.rows += rows;
        this.line = line;
        if (rows > 0) this.bulkSkip = 0;
        else if (next === pos) {
          this.bulkSkip = Math.min(256, 2 * this.bulkSkip || 1);
          this.bulkFrom = this.rows + this.bulkSkip;
        }
        if (next !== pos) {
          pos = next;
          continue;
        }
      }
      const end = this.record(buf, pos, final);
      if (end < 0) break;
      pos = end;
    }
    return Math.min(pos, len);
  }

  /** `,` unless the first line holds none outside quotes; then `;` or tab, whichever is more frequent. */
  private detectDelimiter(buf: Buffer, pos: number, final: boolean): boolean {
    const counts = new Map([
      [COMMA, 0],
      [SEMICOLON, 0],
      [TAB, 0],
    ]);
    let quoted = false;
    let i = pos;
    for (; i < buf.length && (quoted || buf[i] !== LF); i++) {
      if (buf[i] === QUOTE) quoted = !quoted;
      else if (!quoted && counts.has(buf[i])) counts.set(buf[i], counts.get(buf[i])! + 1);
    }
    if (i === buf.length && !final) return false;
    const [semi, tab] = [counts.get(SEMICOLON)!, counts.get(TAB)!];
    this.delimiter = counts.get(COMMA)! > 0 || semi + tab === 0 ? COMMA : semi >= tab ? SEMICOLON : TAB;
    return true;
  }

  /** One record (the header first); the index after it, or −1 when it is not complete in buf. */
  private record(buf: Buffer, pos: number, final: boolean): number {
    const header = this.names === null;
    const ncols = header ? Number.POSITIVE_INFINITY : this.names!.length;
    if (!header && this.rows === this.capacity) this.reserve(Math.max(1024, this.capacity * 2));
    let col = 0;
    let lines = 1;
    let i = pos;
    const headerCells: string[] = [];
    const columns = this.columns;
    const delimiter = this.delimiter;
    const row = this.rows;
    const len = buf.length;
    for (;;) {
      // Fast path, one pass: a plain number ended by the delimiter, LF or CRLF, in a numeric column.
      if (!header && col < ncols && !columns[col].ids) {
        const v = scanNumber(buf, i, len);
        const j = numberEnd;
        const c = buf[j];
        if (!Number.isNaN(v) && j < len && (c === delimiter || c === LF || (c === CR && buf[j + 1] === LF))) {
          columns[col++].numbers[row] = v;
          if (c === delimiter) {
            i = j + 1;
            continue;
          }
          field.next = c === CR ? j + 1 : j;
          break;
        }
      }
      const s = scanField(buf, i, this.delimiter, final);
      if (s === Scan.NeedMore) return -1;
      const name = header ? String(col) : this.names![Math.min(col, ncols - 1)];
      if (s === Scan.Unclosed) this.fail('a quoted field is not closed', this.line, name);
      if (s !== Scan.Ok) this.fail('text after the closing quote of a field', this.line, name);
      lines += field.lines;
      if (header) headerCells.push(this.text(buf, field.start, field.end, field.escaped, name));
      else if (col < ncols) this.cell(buf, col);
      col++;
      if (field.next < buf.length && buf[field.next] !== LF) {
        i = field.next + 1;
        continue;
      }
      break;
    }
    if (header) this.setHeader(headerCells);
    else {
      if (col !== ncols) this.fail(`expected ${ncols} fields (as in the header), got ${col}`, this.line);
      this.lines[this.rows++] = this.line;
    }
    this.line += lines;
    return field.next + 1;
  }

  private setHeader(cells: string[]): void {
    const seen = new Set<string>();
    this.names = cells.map((c, i) => c.trim() || `column${i}`);
    for (const n of this.names) {
      if (seen.has(n)) this.fail(`the header names the column "${n}" twice; column names must be unique`, this.line);
      seen.add(n);
    }
    this.columns = this.names.map((name) => ({ name, numbers: new Float64Array(0), ids: null, texts: [], missing: 0 }));
    this.numberArrays = this.columns.map((c) => c.numbers);
    this.interners = this.names.map(() => ({ index: new Map() }));
  }

  private reserve(rows: number): void {
    for (const c of this.columns) {
      c.numbers = grow(c.numbers, this.rows, rows);
      if (c.ids) c.ids = grow(c.ids, this.rows, rows);
    }
    this.lines = grow(this.lines, this.rows, rows);
    this.capacity = rows;
    this.numberArrays = this.columns.map((c) => c.numbers);
  }

  private text(buf: Buffer, start: number, end: number, escaped: boolean, column: string): string {
    const bytes = buf.subarray(start, end);
    if (this.o.encoding === 'utf8' && !isUtf8(bytes)) {
      this.fail(
        'the text is not valid UTF-8; if the file is Latin-1 (Windows-1252), add --encoding latin1',
        this.line,
        column,
      );
    }
    const text = bytes.toString(this.o.encoding);
    return escaped ? text.replaceAll('""', '"') : text;
  }

  private number(buf: Buffer, start: number, end: number): number {
    if (this.o.decimal === '.') {
      const fast = scanNumber(buf, start, end); // most cells: no string made
      if (!Number.isNaN(fast) && numberEnd === end) return fast;
      const text = buf.toString('latin1', start, end);
      return NUMBER.test(text) ? Number(text) : Number.NaN;
    }
    const t = buf.toString('latin1', start, end).replace(',', '.');
    return NUMBER.test(t) ? Number(t) : Number.NaN;
  }

  private cell(buf: Buffer, col: number): void {
    const c = this.columns[col];
    const r = this.rows;
    trim(buf, field.start, field.end);
    const [start, end] = [trimmed.start, trimmed.end];
    if (start === end) {
      this.setMissing(c, r);
      return;
    }
    const v = field.escaped ? Number.NaN : this.number(buf, start, end);
    c.numbers[r] = v;
    if (!Number.isNaN(v) && !c.ids) return;
    const text = this.text(buf, start, end, field.escaped, c.name);
    if (Number.isNaN(v) && this.missing.has(text)) {
      this.setMissing(c, r);
      return;
    }
    if (!c.ids) this.startTexts(c, this.interners[col]);
    c.ids![r] = this.intern(c, this.interners[col], text);
  }

  private setMissing(c: TableColumn, r: number): void {
    c.numbers[r] = Number.NaN;
    if (c.ids) c.ids[r] = -1;
    c.missing++;
  }

  private intern(c: TableColumn, interner: Interner, text: string): number {
    let id = interner.index.get(text);
    if (id === undefined) {
      id = c.texts.length;
      c.texts.push(text);
      interner.index.set(text, id);
    }
    return id;
  }

  /** The first text cell of a column: the rows before it get their numbers as texts. */
  private startTexts(c: TableColumn, interner: Interner): void {
    this.textColumns++;
    c.ids = new Int32Array(this.capacity);
    for (let r = 0; r < this.rows; r++) {
      c.ids[r] = Number.isNaN(c.numbers[r]) ? -1 : this.intern(c, interner, String(c.numbers[r]));
    }
  }

  /** The rows parsed since the last take as a table, and room for the next rows in the same
   *  arrays: csvDataset reads a file chunk by chunk through this. The table's arrays are views that
   *  the next feed overwrites: use them before feeding more. Text columns start a new dictionary. */
  take(): CsvTable {
    const n = this.rows;
    const table: CsvTable = {
      source: this.source,
      names: this.names ?? [],
      rows: n,
      columns: this.columns.map((c) => ({
        ...c,
        numbers: c.numbers.subarray(0, n),
        ids: c.ids ? c.ids.subarray(0, n) : null,
      })),
      lines: this.lines.subarray(0, n),
      delimiter: String.fromCharCode(this.delimiter),
    };
    for (const [i, c] of this.columns.entries()) {
      c.ids = null;
      c.texts = [];
      c.missing = 0;
      this.interners[i] = { index: new Map() };
    }
    this.textColumns = 0;
    this.bulkFrom = 0;
    this.rows = 0;
    return table;
  }

  finish(): CsvTable {
    if (this.names === null) this.fail('the file is empty');
    if (this.rows === 0) this.fail('the file has a header but no data rows');
    const n = this.rows;
    for (const c of this.columns) {
      c.numbers = c.numbers.slice(0, n);
      if (c.ids) c.ids = c.ids.slice(0, n);
    }
    return {
      source: this.source,
      names: this.names,
      rows: n,
      columns: this.columns,
      lines: this.lines.slice(0, n),
      delimiter: String.fromCharCode(this.delimiter),
    };
  }
}

export function checkTableOptions(o: unknown): Required<TableOptions> {
  if (typeof o !== 'object' || o === null)
    throw new TypeError(`readCsvTable: options must be an object, got ${describe(o)}`);
  const { delimiter = 'auto', decimal = '.', encoding = 'utf8', maxRecordBytes = MAX_RECORD_BYTES } = o as TableOptions;
  if (delimiter !== 'auto') {
    const code = typeof delimiter === 'string' ? delimiter.charCodeAt(0) : -1;
    if (
      typeof delimiter !== 'string' ||
      delimiter.length !== 1 ||
      code > 127 ||
      code === QUOTE ||
      code === LF ||
      code === CR
    )
      throw new RangeError(
        `delimiter must be 'auto' or one ASCII character other than a quote or newline, got ${describe(delimiter)}`,
      );
  }
  if (decimal !== '.' && decimal !== ',') throw new RangeError(`decimal must be '.' or ',', got ${describe(decimal)}`);
  if (decimal === ',' && delimiter === ',')
    throw new RangeError("decimal ',' needs another delimiter than ',' (e.g. ';')");
  if (encoding !== 'utf8' && encoding !== 'latin1')
    throw new RangeError(`encoding must be 'utf8' or 'latin1', got ${describe(encoding)}`);
  if (!Number.isInteger(maxRecordBytes) || maxRecordBytes < 1 || maxRecordBytes > 2 ** 30)
    throw new RangeError(`maxRecordBytes must be an integer from 1 to 2^30, got ${describe(maxRecordBytes)}`);
  return { delimiter, decimal, encoding, maxRecordBytes };
}

/** The parser behind readCsvTable, fed any sequence of byte chunks; `name` appears in messages. */
export async function parseCsvTable(
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
  options: TableOptions,
  name: string,
): Promise<CsvTable> {
  const o = checkTableOptions(options);
  const parser = new TableParser(name, o);
  await feedChunks(chunks, parser, o.maxRecordBytes);
  if (o.decimal === ',' && parser.delimiter === COMMA)
    throw new CsvError(
      `${name}: the delimiter is ',' so the decimal separator cannot be ','; give the delimiter (e.g. ';')`,
    );
  return parser.finish();
}

/** Reads a CSV file into typed columns; see TableOptions. */
export async function readCsvTable(path: string, options: TableOptions = {}): Promise<CsvTable> {
  if (typeof path !== 'string' || path.length === 0)
    throw new TypeError(`readCsvTable: path must be a non-empty string, got ${describe(path)}`);
  checkTableOptions(options);
  try {
    if ((await stat(path)).isDirectory()) throw new CsvError(`${path} is a directory, not a CSV file`);
  } catch (e) {
    if (e instanceof CsvError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new CsvError(`${what}: ${path}`, undefined, undefined, code);
  }
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    return await parseCsvTable(stream as AsyncIterable<Buffer>, options, path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (e instanceof CsvError || code === undefined) throw e;
    throw new CsvError(`${path}: ${(e as Error).message}`, undefined, undefined, code);
  } finally {
    stream.destroy();
  }
}
