/**
 * csvDataset's epoch work before the shuffle: read the file chunk by chunk, keep the rows of the
 * dataset's part of the split, encode them with preprocess.json's encoder (a fused pass for all-
 * numeric data) and their labels as targets. Runs on the main thread, or in a worker thread
 * (csv-worker.ts) so that parsing overlaps the main thread's shuffling and the executor's training.
 */
import { cellText, encodeTable } from '../pipeline-encode';
import type { Preprocess } from '../pipeline-schema';
import type { Tensor } from '../tensor';
import { type EncodeNumberRows, encodeNumberRowsNative, encodeNumberRowsTwin } from './csv-encode-numbers';
import { type Part, partOf, type SplitSpec, tableChunks } from './csv-stream';
import type { CsvTable, TableOptions } from './csv-table';
import { scalerFromJSON } from './scalers';

/** What an epoch reads: plain data, so that it can cross to a worker. */
export interface EncodeJob {
  path: string;
  table: Required<TableOptions>;
  preprocess: Preprocess;
  split: SplitSpec | null;
  which: Part;
  oneHot: boolean;
}

/** A chunk's encoded rows: x (rows × inputs) and y (rows × target width). */
export interface EncodedChunk {
  x: Float32Array;
  y: Float32Array;
  rows: number;
}

const FN = 'csvDataset';

export async function* encodedChunks(job: EncodeJob, bytes?: { read: number }): AsyncGenerator<EncodedChunk> {
  const p = job.preprocess;
  const label = new LabelEncoder(p, job.oneHot);
  const affine = p.scaler ? scalerFromJSON(p.scaler).coefficients() : null;
  for await (const { table, first } of tableChunks(job.path, job.table, bytes)) {
    const rows = selected(job, table, first);
    if (rows.length === 0) continue;
    const fast = encodeNumbers(p, affine, table, rows);
    const e = fast ?? encodeTable(p, table, rows);
    const x = fast ? fast.x : (e.x as Tensor<Float32Array>).data;
    yield { x, y: label.encode(table, e.rows), rows: e.rows.length };
  }
}

/** Rows of this part of the split whose label is present (the encoder handles missing features). */
function selected(job: EncodeJob, table: CsvTable, first: number): Int32Array {
  const split = job.split;
  const labelCol = table.columns[table.names.indexOf(job.preprocess.labelName)];
  const out = new Int32Array(table.rows);
  let n = 0;
  for (let r = 0; r < table.rows; r++) {
    if ((split ? partOf(first + r, split) : 'train') !== job.which) continue;
    if (Number.isNaN(labelCol.numbers[r]) && cellText(labelCol, r) === null) continue;
    out[n++] = r;
  }
  return out.subarray(0, n);
}

/**
 * encodeTable's result for the common case, in one pass without a closure per cell: every feature
 * numeric and every selected cell a number. null otherwise (then encodeTable does it all, and
 * words any error). Scaling is the scaler's own x · scale + offset on the float32 value, as
 * transform computes it, so the values are identical (a test compares them); the loop is
 * csv-encode-numbers.ts (a native kernel and its twin).
 */
function encodeNumbers(
  p: Preprocess,
  affine: { scale: Float64Array; offset: Float64Array } | null,
  table: CsvTable,
  rows: Int32Array,
): { x: Float32Array; rows: Int32Array } | null {
  if (p.columns.some((c) => c.kind !== 'numeric')) return null;
  const columns = p.columns.map((c) => table.columns[table.names.indexOf(c.name)]);
  if (columns.some((c) => c === undefined || c.ids !== null)) return null;
  const out = new Float32Array(rows.length * columns.length);
  const numbers = columns.map((c) => c.numbers);
  const bad = encodeNumberRows(out, numbers, rows, affine?.scale ?? null, affine?.offset ?? null);
  return bad < 0 ? { x: out, rows } : null;
}

/** The native kernel when the addon is loaded, else its twin (the same values: a test compares). */
const encodeNumberRows: EncodeNumberRows = encodeNumberRowsNative ?? encodeNumberRowsTwin;

/** Labels as the model's targets: class indices (or one-hot rows), or values (scaled if asked). */
class LabelEncoder {
  private readonly index: Map<string, number> | null;
  /** Class index by number, for labels that are numbers (no string made per row). */
  private readonly byNumber = new Map<number, number>();
  constructor(
    private readonly p: Preprocess,
    private readonly oneHot: boolean,
  ) {
    this.index = p.classes ? new Map(p.classes.map((c, i) => [c, i])) : null;
    p.classes?.forEach((c, i) => {
      if (String(Number(c)) === c) this.byNumber.set(Number(c), i);
    });
  }
  encode(table: CsvTable, rows: Int32Array): Float32Array {
    const c = table.columns[table.names.indexOf(this.p.labelName)];
    const classes = this.p.classes;
    const width = this.oneHot && classes ? classes.length : 1;
    const out = new Float32Array(rows.length * width);
    const index = this.index;
    if (index === null) {
      const scale = this.p.targetScaler?.type === 'standard' ? this.p.targetScaler : null;
      for (let i = 0; i < rows.length; i++) {
        const v = c.numbers[rows[i]];
        out[i] = scale ? (v - scale.mean[0]) / (scale.std[0] === 0 ? 1 : scale.std[0]) : v;
      }
      return out;
    }
    const numbers = c.ids === null ? c.numbers : null;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      const k = numbers !== null ? this.byNumber.get(numbers[r]) : index.get(cellText(c, r)!);
      if (k === undefined) throw new Error(`${FN}: label "${cellText(c, r)}" was not seen on the first pass`); // the file changed
      if (width > 1) out[i * width + k] = 1;
      else out[i] = k;
    }
    return out;
  }
}
