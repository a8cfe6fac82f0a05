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
import { feedChunks, MAX_RECORD_BYTES } from './csv-chunks';
import { LabelColumn } from './csv-labels';
import { numberEnd, parseNumber, scanNumber, trim, trimmed } from './csv-number';
import { CR, field, fieldText, LF, QUOTE, Scan, scanField } from './csv-scan';
import { grow } from './grow';

export interface CsvOptions {
  /** The label column: its name, its index (negative counts from the end), or null for none. Default: the last column. */
  label?: string | number | null;
  /** Whether the first line holds column names (default true). Without one, columns are named "0", "1", …. */
  header?: boolean;
  /** One ASCII character (default ","). */
  delimiter?: string;
  /** The longest record (header or row) accepted, in bytes (default 16 MiB): beyond it the file is refused. */
  maxRecordBytes?: number;
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
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** The largest finite float32: a bigger cell would become Infinity in x. */
export const FLOAT32_MAX = 3.4028234663852886e38;

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
  private labels: LabelColumn | null = null;
  private pendingLabel = { start: 0, end: 0, escaped: false };

  constructor(
    private readonly path: string,
    private readonly options: Required<Omit<CsvOptions, 'label' | 'maxRecordBytes'>> & {
      label: string | number | null | undefined;
    },
    private readonly fileSize: number,
  ) {}

  private fail(message: string, line?: number, column?: string): never {
    const where = line === undefined ? '' : `, line ${line}${column === undefined ? '' : `, column "${column}"`}`;
    throw new CsvError(`readCsv: ${this.path}${where}: ${message}`, line, column);
  }

  recordTooLong(bytes: number, limit: number): never {
    this.fail(
      `a record is longer than ${limit} bytes (${bytes} bytes without a line end so far); is this a CSV file? (maxRecordBytes raises the limit)`,
      this.line,
    );
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
  private splitRecord(
    buf: Buffer,
    pos: number,
    final: boolean,
  ): { fields: string[]; end: number; lines: number } | null {
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
    const seen = new Set<string>();
    for (const name of this.names) {
      if (seen.has(name))
        this.fail(`the header names the column "${name}" twice; column names must be unique`, this.line);
      seen.add(name);
    }
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
        throw new RangeError(
          `readCsv: label index ${label} is out of range: ${this.path} has ${n} column${n === 1 ? '' : 's'}`,
        );
      }
      this.labelCol = col;
    } else {
      this.labelCol = names.indexOf(label);
      if (this.labelCol < 0) {
        const shown = names
          .slice(0, 20)
          .map((s) => `"${s}"`)
          .join(', ');
        const more = n > 20 ? ` … (${n - 20} more)` : '';
        throw new RangeError(`readCsv: no column named "${label}" in ${this.path}; the columns are ${shown}${more}`);
      }
    }
    if (this.labelCol >= 0) this.labels = new LabelColumn();
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
    const len = buf.length;
    for (;;) {
      // Fast path, one pass: a plain number ended by the delimiter, LF or CRLF.
      const f = col < ncols ? this.colToFeature[col] : -1;
      if (f >= 0) {
        const v = scanNumber(buf, i, len);
        const j = numberEnd;
        if (j < len && !Number.isNaN(v)) {
          const c = buf[j];
          if (c === delim || c === LF || (c === CR && j + 1 < len && buf[j + 1] === LF)) {
            x[base + f] = v;
            col++;
            const next = c === CR ? j + 1 : j;
            if (c === delim) {
              i = next + 1;
              continue;
            }
            field.next = next;
            break;
          }
        }
      }
      const s = scanField(buf, i, delim, final);
      if (s === Scan.NeedMore) return -1;
      if (s !== Scan.Ok) this.scanFailure(s, this.line, names[Math.min(col, ncols - 1)]);
      lines += field.lines;
      if (col < ncols) {
        if (f >= 0) {
          trim(buf, field.start, field.end);
          const v = trimmed.start < trimmed.end ? parseNumber(buf, trimmed.start, trimmed.end) : Number.NaN;
          if (!(Math.abs(v) <= FLOAT32_MAX)) this.badCell(buf, names[col]);
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
      this.fail(
        `expected ${ncols} fields${this.options.header ? ' (as in the header)' : ' (as in the first row)'}, got ${col}`,
        this.line,
      );
    }
    if (this.labelCol >= 0) this.commitLabel(buf);
    this.rows++;
    this.line += lines;
    if (this.rows === this.capacity) this.ensureCapacity(this.capacity * 2);
    return field.next + 1;
  }

  private badCell(buf: Buffer, column: string): never {
    trim(buf, field.start, field.end);
    if (trimmed.start === trimmed.end)
      this.fail('the cell is empty (feature columns must hold numbers)', this.line, column);
    const text = fieldText(buf).trim();
    const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
    const v = Number(text);
    if (Number.isFinite(v)) this.fail(`${shown} is beyond the float32 range (±3.4e38)`, this.line, column);
    this.fail(`"${shown}" is not a ${Number.isNaN(v) ? '' : 'finite '}number`, this.line, column);
  }

  private commitLabel(buf: Buffer): void {
    const { start, end, escaped } = this.pendingLabel;
    trim(buf, start, end);
    const column = this.names![this.labelCol];
    if (trimmed.start === trimmed.end) this.fail('the label is empty', this.line, column);
    const problem = this.labels!.add(buf, trimmed.start, trimmed.end, escaped, this.rows);
    if (problem !== null) this.fail(problem, this.line, column);
  }

  private ensureCapacity(rows: number): void {
    if (rows <= this.capacity) return;
    this.x = grow(this.x, this.rows * this.numFeatures, rows * this.numFeatures);
    this.labels?.grow(this.rows, rows);
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
    if (this.rows === 0)
      this.fail(this.options.header ? 'the file has a header but no data rows' : 'the file is empty');
    const n = this.rows;
    const nf = this.numFeatures;
    // Within 1/8 of the presized capacity, keep a view rather than copy: copying would double the
    // peak memory of a large file. (x.data.buffer may then be a little longer than x.data.)
    const x = this.x.length - n * nf <= this.x.length / 8 ? this.x.subarray(0, n * nf) : this.x.slice(0, n * nf);
    this.x = new Float32Array(0);
    const names = this.names;
    const featureNames = names.filter((_, c) => c !== this.labelCol);
    if (this.labelCol < 0) return { x: new Tensor(x, [n, nf]), y: null, featureNames, labelName: null, classes: null };
    const { y, classes } = this.labels!.finish(n);
    return { x: new Tensor(x, [n, nf]), y, featureNames, labelName: names[this.labelCol], classes };
  }
}

function checkOptions(path: unknown, options: unknown): asserts path is string {
  if (typeof path !== 'string' || path.length === 0)
    throw new TypeError(`readCsv: path must be a non-empty string, got ${describe(path)}`);
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`readCsv: options must be an object, got ${describe(options)}`);
  const { label, header, delimiter, maxRecordBytes } = options as CsvOptions;
  if (
    maxRecordBytes !== undefined &&
    (typeof maxRecordBytes !== 'number' ||
      !Number.isInteger(maxRecordBytes) ||
      maxRecordBytes < 1 ||
      maxRecordBytes > 2 ** 30)
  )
    throw new RangeError(`readCsv: maxRecordBytes must be an integer from 1 to 2^30, got ${describe(maxRecordBytes)}`);
  if (label !== undefined && label !== null && typeof label !== 'string' && typeof label !== 'number') {
    throw new TypeError(`readCsv: label must be a column name, a column index or null, got ${describe(label)}`);
  }
  if (typeof label === 'number' && !Number.isInteger(label))
    throw new RangeError(`readCsv: label index must be an integer, got ${label}`);
  if (header !== undefined && typeof header !== 'boolean')
    throw new TypeError(`readCsv: header must be a boolean, got ${describe(header)}`);
  if (delimiter !== undefined) {
    if (typeof delimiter !== 'string')
      throw new TypeError(`readCsv: delimiter must be a string, got ${describe(delimiter)}`);
    const code = delimiter.charCodeAt(0);
    if (delimiter.length !== 1 || code > 127 || code === QUOTE || code === LF || code === CR) {
      throw new RangeError(
        `readCsv: delimiter must be one ASCII character other than a quote or newline, got ${describe(delimiter)}`,
      );
    }
  }
}

/** Reads a numeric CSV file; see CsvOptions and CsvData. */
export async function readCsv(path: string, options: CsvOptions = {}): Promise<CsvData> {
  checkOptions(path, options);
  let size: number;
  try {
    const st = await stat(path);
    if (st.isDirectory())
      throw new CsvError(`readCsv: ${path} is a directory, not a CSV file`, undefined, undefined, 'EISDIR');
    size = st.size;
  } catch (e) {
    if (e instanceof CsvError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new CsvError(`readCsv: ${what}: ${path}`, undefined, undefined, code);
  }
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    return await parseCsvChunks(stream as AsyncIterable<Buffer>, options, path, size);
  } finally {
    stream.destroy();
  }
}

/**
 * The parser behind readCsv, fed any sequence of byte chunks (split anywhere, even inside a
 * UTF-8 character or a CRLF). `name` appears in messages; `sizeHint` (total bytes) presizes x.
 */
export async function parseCsvChunks(
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
  options: CsvOptions,
  name: string,
  sizeHint = 0,
): Promise<CsvData> {
  checkOptions(name, options);
  const parser = new CsvParser(
    name,
    { header: options.header ?? true, delimiter: options.delimiter ?? ',', label: options.label },
    sizeHint,
  );
  await feedChunks(chunks, parser, options.maxRecordBytes ?? MAX_RECORD_BYTES);
  return parser.finish();
}
