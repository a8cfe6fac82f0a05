/**
 * The CSV field scanner: finds where one field's content starts and ends in a byte buffer
 * (RFC 4180 quoting: "a,b", "" for a quote, newlines inside quotes; CRLF), without decoding it.
 * Results go into the shared `field` object so that scanning a cell allocates nothing.
 */
export const LF = 10;
export const CR = 13;
export const QUOTE = 34;
const SPACE = 32;
const TAB = 9;
/** Result of scanning one field: content bounds, where the field ends, newlines inside quotes. */
export const field = { start: 0, end: 0, next: 0, escaped: false, lines: 0 };
export const Scan = { Ok: 0, NeedMore: 1, Unclosed: 2, TextAfterQuote: 3 } as const;
export type Scan = (typeof Scan)[keyof typeof Scan];

/** Scans the field starting at i; field.next is the delimiter/LF after it or buf.length. */
export function scanField(buf: Buffer, i: number, delim: number, final: boolean): Scan {
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

export function fieldText(buf: Buffer): string {
  const text = buf.toString('utf8', field.start, field.end);
  return field.escaped ? text.replaceAll('""', '"') : text;
}
