/**
 * csvDataset's encoder for all-numeric rows (csv-encode.ts): the table's float64 columns, rows
 * picked by index, into float32 model inputs row by row, through the scaler's x · scale + offset
 * computed as transform computes it (on the float32 value, in double, rounded once more). The
 * native kernel (native/kernels/csv_encode.cc) does the same in C++; this twin is its
 * specification.
 */
import { addon } from '../backend/native/addon';
import { FLOAT32_MAX } from './csv';

/** Writes out (rows.length × columns.length); returns the index (i · columns + j) of the first
 *  value that is NaN or beyond float32, before or after scaling, or −1 when every one is fine. */
export type EncodeNumberRows = (
  out: Float32Array,
  columns: Float64Array[],
  rows: Int32Array,
  scale: Float64Array | null,
  offset: Float64Array | null,
) => number;

export const encodeNumberRowsTwin: EncodeNumberRows = (out, columns, rows, scale, offset) => {
  const width = columns.length;
  const n = rows.length;
  // Row by row, writing the output in order (measured faster than column by column).
  for (let i = 0, o = 0; i < n; i++) {
    const r = rows[i];
    for (let j = 0; j < width; j++, o++) {
      const v = columns[j][r];
      if (!(Math.abs(v) <= FLOAT32_MAX)) return o; // NaN (missing) or beyond float32
      if (scale === null || offset === null) out[o] = v;
      else {
        const scaled = Math.fround(Math.fround(v) * scale[j] + offset[j]);
        if (!(Math.abs(scaled) <= FLOAT32_MAX)) return o;
        out[o] = scaled;
      }
    }
  }
  return -1;
};

/** The addon's kernel, when the addon is loaded (it checks its arguments: TypeError/RangeError). */
export const encodeNumberRowsNative: EncodeNumberRows | null =
  addon && typeof addon.csvEncodeNumbers === 'function' ? (addon.csvEncodeNumbers as EncodeNumberRows) : null;
