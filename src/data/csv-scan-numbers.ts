/**
 * readCsvTable's bulk path for rows of plain numbers: parses the records at the front of a buffer
 * whose every field is a number csv-number.ts's fast path takes (the per-record fast path of
 * TableParser.record, csv-table.ts), and stops at the first record that is anything else, which
 * TableParser.record then parses with its own checks and messages. The native kernel
 * (native/kernels/csv_scan.cc) does the same in C++; this twin is its specification.
 */
import { addon } from '../backend/native/addon';
import { numberEnd, scanNumber } from './csv-number';
import { CR, LF } from './csv-scan';

/** Where scanning stopped (a record start), records parsed, and the file line after them. */
export type ScanEnd = [pos: number, rows: number, line: number];

/**
 * columns[c][r] = field c of record r and lines[r] = its line, for rows row … at most rowEnd − 1,
 * from buf[start …]; blank lines (LF, CRLF) are skipped and counted.
 */
export type ScanNumberRecords = (
  columns: Float64Array[],
  lines: Int32Array,
  buf: Uint8Array,
  start: number,
  delimiter: number,
  row: number,
  rowEnd: number,
  line: number,
) => ScanEnd;

export const scanNumberRecordsTwin: ScanNumberRecords = (columns, lines, buf, start, delimiter, row, rowEnd, line) => {
  const len = buf.length;
  let pos = start;
  let r = row;
  while (pos < len) {
    if (buf[pos] === LF) {
      pos++;
      line++;
      continue;
    }
    if (buf[pos] === CR && pos + 1 < len && buf[pos + 1] === LF) {
      pos += 2;
      line++;
      continue;
    }
    if (r === rowEnd) break;
    const next = numberRecord(columns, buf, pos, delimiter, r);
    if (next < 0) break;
    lines[r++] = line++;
    pos = next;
  }
  return [pos, r - row, line];
};

/** One record of plain numbers into row `row`: the index after its line end, or −1 when the record
 *  is not one for this path (the values written so far are overwritten by whoever parses it). */
function numberRecord(columns: Float64Array[], buf: Uint8Array, pos: number, delimiter: number, row: number): number {
  const len = buf.length;
  const last = columns.length - 1;
  let i = pos;
  for (let c = 0; c <= last; c++) {
    const v = scanNumber(buf, i, len);
    const j = numberEnd;
    if (Number.isNaN(v) || j >= len) return -1;
    const b = buf[j];
    columns[c][row] = v;
    if (c < last) {
      if (b !== delimiter) return -1;
      i = j + 1;
    } else if (b === delimiter)
      return -1; // more fields than columns
    else if (b === LF) return j + 1;
    else if (b === CR && j + 1 < len && buf[j + 1] === LF) return j + 2;
    else return -1;
  }
  return -1;
}

/** The addon's kernel, when the addon is loaded. */
export const scanNumberRecordsNative: ScanNumberRecords | null = addon
  ? (addon.csvScanNumbers as ScanNumberRecords)
  : null;
