/**
 * The label column of a CSV file, row by row: numbers while every label is a number (a
 * regression target, or numeric classes), texts interned to ids while they are few. At the end,
 * all numbers → Float32Array; any text → classes in sorted order and an Int32Array of indices.
 */

import { isUtf8 } from 'node:buffer';
import { parseNumber } from './csv-number';
import { grow } from './grow';

/** Beyond this many distinct label texts a numeric label column stops remembering them. */
const MAX_REMEMBERED_LABELS = 65536;

export class LabelColumn {
  private numbers: Float32Array | null = new Float32Array(0);
  /** Kept while there are few distinct texts: if a text label appears after numbers, the earlier
   *  rows become classes by their exact text ("1.50" stays "1.50"). */
  private ids: Int32Array | null = new Int32Array(0);
  private texts: Map<string, number> | null = new Map();

  grow(used: number, capacity: number): void {
    if (this.numbers) this.numbers = grow(this.numbers, used, capacity);
    if (this.ids) this.ids = grow(this.ids, used, capacity);
  }

  /** Row r's label from buf[start, end) (trimmed, non-empty); returns a problem to report, or null. */
  add(buf: Buffer, start: number, end: number, escaped: boolean, r: number): string | null {
    const value = this.numbers ? parseNumber(buf, start, end) : Number.NaN;
    if (this.numbers) {
      if (Number.isFinite(value)) this.numbers[r] = value;
      else if (this.texts === null) {
        return `the label "${buf.toString('utf8', start, end)}" is not a number, but the ${r} labels before it held over ${MAX_REMEMBERED_LABELS} distinct numbers`;
      } else this.numbers = null; // text from now on: classes
    }
    if (this.texts && this.ids) {
      // Invalid UTF-8 decodes to U+FFFD: "\xff" and "\xfe" would become one class.
      if (!isUtf8(buf.subarray(start, end))) {
        return `the label is not valid UTF-8 text (bytes ${buf.subarray(start, Math.min(end, start + 8)).toString('hex')}); save the file as UTF-8`;
      }
      let text = buf.toString('utf8', start, end);
      if (escaped) text = text.replaceAll('""', '"');
      let id = this.texts.get(text);
      if (id === undefined) {
        id = this.texts.size;
        this.texts.set(text, id);
      }
      this.ids[r] = id;
      if (this.texts.size > MAX_REMEMBERED_LABELS && this.numbers) {
        this.texts = null; // a numeric target with many values: stop remembering texts
        this.ids = null;
      }
    }
    return null;
  }

  finish(n: number): { y: Float32Array | Int32Array; classes: string[] | null } {
    if (this.numbers) return { y: this.numbers.slice(0, n), classes: null };
    const texts = [...this.texts!.keys()]; // in id order
    const classes = [...texts].sort();
    const rank = new Map(classes.map((c, i) => [c, i]));
    const idToClass = Int32Array.from(texts, (t) => rank.get(t)!);
    const y = new Int32Array(n);
    for (let r = 0; r < n; r++) y[r] = idToClass[this.ids![r]];
    return { y, classes };
  }
}
