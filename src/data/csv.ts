/**
 * readCsv: a numeric CSV file into a Tensor (and a label column), streamed chunk by chunk.
 * Cells are parsed from the bytes and written into a growing Float32Array (sized from the file
 * size after the first chunk, doubling when that falls short), so no JS array or string is made
 * per row and 1M rows × 100 columns loads in about the memory of its floats.
 * RFC 4180 quoting ("a,b", "" for a quote, newlines inside quotes), CRLF, a UTF-8 BOM and blank
 * lines are handled. Problems with the file throw CsvError naming the line (as counted in an
 * editor, header included) and the column; problems with the options throw TypeError/RangeError.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Tensor } from '../tensor';
import { describe } from './args';
import { parseNumber, trim, trimmed } from './csv-number';

export interface CsvOptions {
  /** The label column: its name, its index (negative counts from the end), or null for none. Default: the last column. */
  label?: string | number | null;
  /** Whether the first line holds column names (default true). Without one, columns are named "0", "1", …. */
  header?: boolean;
  /** One ASCII character (default ","). */
  delimiter?: string;
}

export interface CsvData {
  /** [rows, features]: every column except the label. */
  x: Tensor;
  /** The label column: numbers → Float32Array; any text → class indices (Int32Array) into `classes`. */
  y: Float32Array | Int32Array | null;
  featureNames: string[];
  labelName: string | null;
  /** The label texts in sorted order (y holds indices into it), or null for a numeric label. */
  classes: string[] | null;
}

/** A problem with the file's contents (or the file itself): the message says where. */
export class CsvError extends Error {
  override readonly name = 'CsvError';
  constructor(message: string, readonly line?: number, readonly column?: string, readonly code?: string) {
    super(message);
  }
}

const LF = 10;
const CR = 13;
const QUOTE = 34;
const SPACE = 32;
const TAB = 9;
/** Beyond this many distinct label texts a numeric label column stops remembering them. */
const MAX_REMEMBERED_LABELS = 65536;

/** Result of scanning one field: content bounds, where the field ends, newlines inside quotes. */
const field = { start: 0, end: 0, next: 0, escaped: false, lines: 0 };
const enum Scan { Ok, NeedMore, Unclosed, TextAfterQuote }

/** Scans the field starting at i; field.next is the delimiter/LF after it or buf.length. */
function scanField(buf: Buffer, i: number, delim: number, final: boolean): Scan {
  const len = buf.length;
  field.escaped = false;
  field.lines = 0;
  if (i < len && buf[i] === QUOTE) {
    let j = i + 1;
    for (;;) {
      const q = buf.indexOf(QUOTE, j);
      if (q === -1) return final ? Scan.Unclosed : Scan.NeedMore;
      if (q + 1 === len && !final) return Scan.NeedMore; // is it "" or the closing quote?
      if (q + 1 < len && buf[q + 1] === QUOTE) {
        field.escaped = true;
        j = q + 2;
        continue;
      }
      field.start = i + 1;
      field.end = q;
      let k = q + 1;
      for (; k < len && buf[k] !== delim && buf[k] !== LF; k++) {
        if (buf[k] !== CR && buf[k] !== SPACE && buf[k] !== TAB) return Scan.TextAfterQuote;
      }
      if (k === len && !final) return Scan.NeedMore;
      field.next = k;
      for (let p = i + 1; p < q; p++) if (buf[p] === LF) field.lines++;
      return Scan.Ok;
    }
  }
  let j = i;
  while (j < len && buf[j] !== delim && buf[j] !== LF) j++;
  if (j === len && !final) return Scan.NeedMore;
  field.start = i;
  field.next = j;
  field.end = j > i && buf[j - 1] === CR && (j === len || buf[j] === LF) ? j - 1 : j;
  return Scan.Ok;
}

function fieldText(buf: Buffer): string {
  const text = buf.toString('utf8', field.start, field.end);
  return field.escaped ? text.replaceAll('""', '"') : text;
}

/** Grows a typed array to `capacity` elements, keeping the first `used`. */
function grow<T extends Float32Array | Int32Array>(a: T, used: number, capacity: number): T {
  const b = new (a.constructor as new (n: number) => T)(capacity);
  b.set(a.subarray(0, used));
  return b;
}

class CsvParser {
  private names: string[] | null = null;
  private labelCol = -1;
  private colToFeature = new Int32Array(0);
  private numFeatures = 0;
  private x = new Float32Array(0);
  private capacity = 0; // rows
  private rows = 0;
  private line = 1; // line number of the next record
  private bytesOfRows = 0;
  private estimated = false;
  // The label: numbers while every label is one, and the texts (interned) while they are few.
  private labelNumbers: Float32Array | null = new Float32Array(0);
  private labelIds: Int32Array | null = new Int32Array(0);
  private labelTexts: Map<string, number> | null = new Map();
  private pendingLabel = { start: 0, end: 0, escaped: false };

  constructor(
    private readonly path: string,
    private readonly options: Required<Omit<CsvOptions, 'label'>> & { label: string | number | null | undefined },
    private readonly fileSize: number,
  ) {}

  private fail(message: string, line?: number, column?: string): never {
    const where = line === undefined ? '' : `, line ${line}${column === undefined ? '' : `, column "${column}"`}`;
    throw new CsvError(`readCsv: ${this.path}${where}: ${message}`, line, column);
  }

  /** Parses every complete record in buf; returns how many bytes were used (the rest waits for more). */
  feed(buf: Buffer, final: boolean): number {
    let pos = 0;
    const len = buf.length;
    while (pos < len) {
      // Blank line (also a lone CR before LF): skipped wherever it is.
      if (buf[pos] === LF || (buf[pos] === CR && (pos + 1 < len ? buf[pos + 1] === LF : final))) {
        pos += buf[pos] === LF ? 1 : 2;
        this.line++;
        continue;
      }
      if (buf[pos] === CR && pos + 1 === len) break; // wait: CR may start a CRLF
      if (this.names === null) {
        const end = this.readFirstRecord(buf, pos, final);
        if (end < 0) break;
        pos = end;
        continue;
      }
      const end = this.parseRecord(buf, pos, final);
      if (end < 0) break;
      this.bytesOfRows += end - pos;
      pos = end;
    }
    if (!this.estimated && this.rows > 0 && !final) this.estimateCapacity();
    return Math.min(pos, len);
  }

  /** Splits a record into texts (for the header); null when it is not complete in buf. */
  private splitRecord(buf: Buffer, pos: number, final: boolean): { fields: string[]; end: number; lines: number } | null {
    const fields: string[] = [];
    let lines = 1;
    let i = pos;
    for (;;) {
      const s = scanField(buf, i, this.delimiterCode, final);
      if (s === Scan.NeedMore) return null;
      if (s !== Scan.Ok) this.scanFailure(s, this.line, String(fields.length));
      fields.push(fieldText(buf).trim());
      lines += field.lines;
      if (field.next < buf.length && buf[field.next] !== LF) {
        i = field.next + 1;
        continue;
      }
      return { fields, end: field.next + 1, lines };
    }
  }

  private get delimiterCode(): number {
    return this.options.delimiter.charCodeAt(0);
  }

  /** The header (or, without one, the column count from the first row, which is then parsed as data). */
  private readFirstRecord(buf: Buffer, pos: number, final: boolean): number {
    const rec = this.splitRecord(buf, pos, final);
    if (rec === null) return -1;
    const header = this.options.header;
    this.names = header ? rec.fields : rec.fields.map((_, i) => String(i));
    this.resolveLabel();
    if (!header) return pos; // the same record again, as data
    this.line += rec.lines;
    return rec.end;
  }

  private resolveLabel(): void {
    const names = this.names!;
    const label = this.options.label;
    const n = names.length;
    if (label === null) this.labelCol = -1;
    else if (label === undefined) this.labelCol = n - 1;
    else if (typeof label === 'number') {
      const col = label < 0 ? n + label : label;
      if (col < 0 || col >= n) {
        throw new RangeError(`readCsv: label index ${label} is out of range: ${this.path} has ${n} column${n === 1 ? '' : 's'}`);
      }
      this.labelCol = col;
    } else {
      this.labelCol = names.indexOf(label);
      if (this.labelCol < 0) {
        const shown = names.slice(0, 20).map((s) => `"${s}"`).join(', ');
        const more = n > 20 ? ` … (${n - 20} more)` : '';
        throw new RangeError(`readCsv: no column named "${label}" in ${this.path}; the columns are ${shown}${more}`);
      }
    }
    if (this.labelCol < 0) {
      this.labelNumbers = null;
      this.labelIds = null;
      this.labelTexts = null;
    }
    this.numFeatures = n - (this.labelCol >= 0 ? 1 : 0);
    if (this.numFeatures === 0) this.fail('there are no feature columns besides the label');
    this.colToFeature = new Int32Array(n);
    for (let c = 0, f = 0; c < n; c++) this.colToFeature[c] = c === this.labelCol ? -1 : f++;
    this.ensureCapacity(1024);
  }

  private scanFailure(s: Scan, line: number, column: string): never {
    if (s === Scan.Unclosed) this.fail('a quoted field is not closed', line, column);
    this.fail('text after the closing quote of a field', line, column);
  }

  /** Parses one data record into row `rows`; returns the index after it, or −1 if it is incomplete. */
  private parseRecord(buf: Buffer, pos: number, final: boolean): number {
    const delim = this.delimiterCode;
    const names = this.names!;
    const ncols = names.length;
    const nf = this.numFeatures;
    const base = this.rows * nf;
    const x = this.x;
    let col = 0;
    let lines = 1;
    let i = pos;
    for (;;) {
      const s = scanField(buf, i, delim, final);
      if (s === Scan.NeedMore) return -1;
      if (s !== Scan.Ok) this.scanFailure(s, this.line, names[Math.min(col, ncols - 1)]);
      lines += field.lines;
      if (col < ncols) {
        const f = this.colToFeature[col];
        if (f >= 0) {
          trim(buf, field.start, field.end);
          const v = trimmed.start < trimmed.end ? parseNumber(buf, trimmed.start, trimmed.end) : Number.NaN;
          if (!Number.isFinite(v)) this.badCell(buf, names[col]);
          x[base + f] = v;
        } else {
          this.pendingLabel.start = field.start;
          this.pendingLabel.end = field.end;
          this.pendingLabel.escaped = field.escaped;
        }
      }
      col++;
      if (field.next < buf.length && buf[field.next] !== LF) {
        i = field.next + 1;
        continue;
      }
      break;
    }
    if (col !== ncols) {
      this.fail(`expected ${ncols} fields${this.options.header ? ' (as in the header)' : ' (as in the first row)'}, got ${col}`, this.line);
    }
    if (this.labelCol >= 0) this.commitLabel(buf);
    this.rows++;
    this.line += lines;
    if (this.rows === this.capacity) this.ensureCapacity(this.capacity * 2);
    return field.next + 1;
  }

  private badCell(buf: Buffer, column: string): never {
    trim(buf, field.start, field.end);
    if (trimmed.start === trimmed.end) this.fail('the cell is empty (feature columns must hold numbers)', this.line, column);
    const text = fieldText(buf).trim();
    const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
    this.fail(`"${shown}" is not a ${Number.isNaN(Number(text)) ? '' : 'finite '}number`, this.line, column);
  }

  private commitLabel(buf: Buffer): void {
    const { start, end, escaped } = this.pendingLabel;
    trim(buf, start, end);
    const column = this.names![this.labelCol];
    if (trimmed.start === trimmed.end) this.fail('the label is empty', this.line, column);
    const r = this.rows;
    const value = this.labelNumbers ? parseNumber(buf, trimmed.start, trimmed.end) : Number.NaN;
    if (this.labelNumbers && !Number.isFinite(value) && this.labelTexts === null) {
      this.fail(
        `the label "${buf.toString('utf8', trimmed.start, trimmed.end)}" is not a number, but the ${r} labels before it held over ${MAX_REMEMBERED_LABELS} distinct numbers`,
        this.line, column,
      );
    }
    if (this.labelNumbers) {
      if (Number.isFinite(value)) this.labelNumbers[r] = value;
      else this.labelNumbers = null; // text from now on: classes
    }
    if (this.labelTexts && this.labelIds) {
      let text = buf.toString('utf8', trimmed.start, trimmed.end);
      if (escaped) text = text.replaceAll('""', '"');
      let id = this.labelTexts.get(text);
      if (id === undefined) {
        id = this.labelTexts.size;
        this.labelTexts.set(text, id);
      }
      this.labelIds[r] = id;
      if (this.labelTexts.size > MAX_REMEMBERED_LABELS && this.labelNumbers) {
        this.labelTexts = null; // a numeric target with many values: stop remembering texts
        this.labelIds = null;
      }
    }
  }

  private ensureCapacity(rows: number): void {
    if (rows <= this.capacity) return;
    this.x = grow(this.x, this.rows * this.numFeatures, rows * this.numFeatures);
    if (this.labelNumbers) this.labelNumbers = grow(this.labelNumbers, this.rows, rows);
    if (this.labelIds) this.labelIds = grow(this.labelIds, this.rows, rows);
    this.capacity = rows;
  }

  /** After the first chunk: room for the rows the whole file probably holds (+5%), in one allocation. */
  private estimateCapacity(): void {
    this.estimated = true;
    const perRow = this.bytesOfRows / this.rows;
    const estimate = Math.ceil((this.fileSize / perRow) * 1.05) + 16;
    if (estimate * this.numFeatures < 2 ** 31) this.ensureCapacity(estimate);
  }

  finish(): CsvData {
    if (this.names === null) this.fail('the file is empty', undefined);
    if (this.rows === 0) this.fail(this.options.header ? 'the file has a header but no data rows' : 'the file is empty');
    const n = this.rows;
    const nf = this.numFeatures;
    const x = this.x.length === n * nf ? this.x : this.x.slice(0, n * nf);
    this.x = new Float32Array(0);
    const names = this.names;
    const featureNames = names.filter((_, c) => c !== this.labelCol);
    if (this.labelCol < 0) return { x: new Tensor(x, [n, nf]), y: null, featureNames, labelName: null, classes: null };
    let y: Float32Array | Int32Array;
    let classes: string[] | null = null;
    if (this.labelNumbers) {
      y = this.labelNumbers.slice(0, n);
    } else {
      const texts = [...this.labelTexts!.keys()]; // in id order
      classes = [...texts].sort();
      const rank = new Map(classes.map((c, i) => [c, i]));
      const idToClass = Int32Array.from(texts, (t) => rank.get(t)!);
      y = new Int32Array(n);
      for (let r = 0; r < n; r++) y[r] = idToClass[this.labelIds![r]];
    }
    return { x: new Tensor(x, [n, nf]), y, featureNames, labelName: names[this.labelCol], classes };
  }
}

function checkOptions(path: unknown, options: unknown): asserts path is string {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError(`readCsv: path must be a non-empty string, got ${describe(path)}`);
  if (typeof options !== 'object' || options === null) throw new TypeError(`readCsv: options must be an object, got ${describe(options)}`);
  const { label, header, delimiter } = options as CsvOptions;
  if (label !== undefined && label !== null && typeof label !== 'string' && typeof label !== 'number') {
    throw new TypeError(`readCsv: label must be a column name, a column index or null, got ${describe(label)}`);
  }
  if (typeof label === 'number' && !Number.isInteger(label)) throw new RangeError(`readCsv: label index must be an integer, got ${label}`);
  if (header !== undefined && typeof header !== 'boolean') throw new TypeError(`readCsv: header must be a boolean, got ${describe(header)}`);
  if (delimiter !== undefined) {
    if (typeof delimiter !== 'string') throw new TypeError(`readCsv: delimiter must be a string, got ${describe(delimiter)}`);
    const code = delimiter.charCodeAt(0);
    if (delimiter.length !== 1 || code > 127 || code === QUOTE || code === LF || code === CR) {
      throw new RangeError(`readCsv: delimiter must be one ASCII character other than a quote or newline, got ${describe(delimiter)}`);
    }
  }
}

/** Reads a numeric CSV file; see CsvOptions and CsvData. */
export async function readCsv(path: string, options: CsvOptions = {}): Promise<CsvData> {
  checkOptions(path, options);
  let size: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new CsvError(`readCsv: ${path} is a directory, not a CSV file`, undefined, undefined, 'EISDIR');
    size = st.size;
  } catch (e) {
    if (e instanceof CsvError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new CsvError(`readCsv: ${what}: ${path}`, undefined, undefined, code);
  }
  const parser = new CsvParser(path, { header: options.header ?? true, delimiter: options.delimiter ?? ',', label: options.label }, size);
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  let leftover: Buffer | null = null;
  let first = true;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let buf: Buffer = leftover ? Buffer.concat([leftover, chunk]) : chunk;
      if (first) {
        if (buf.length < 3 && buf.length > 0) {
          leftover = buf; // too short to tell whether it starts with a BOM
          continue;
        }
        first = false;
        if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
      }
      const used = parser.feed(buf, false);
      leftover = used < buf.length ? buf.subarray(used) : null;
    }
    let rest = leftover ?? Buffer.alloc(0);
    if (first && rest[0] === 0xef && rest[1] === 0xbb && rest[2] === 0xbf) rest = rest.subarray(3);
    parser.feed(rest, true);
  } finally {
    stream.destroy();
  }
  return parser.finish();
}
