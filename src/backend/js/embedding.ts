/** Embedding lookup: the specification of native/kernels/embedding.h. out (rows, dim) =
 *  table[ids[r]]; an id that is not an integer in [0, vocab) gives a zero row and no gradient. */

function rowOf(id: number, vocab: number): number {
  return Number.isInteger(id) && id >= 0 && id < vocab ? id : -1;
}

export function embeddingForward(
  out: Float32Array,
  ids: Float32Array,
  table: Float32Array,
  rows: number,
  dim: number,
  vocab: number,
): void {
  for (let r = 0; r < rows; r++) {
    const t = rowOf(ids[r], vocab);
    if (t < 0) out.fill(0, r * dim, (r + 1) * dim);
    else out.set(table.subarray(t * dim, (t + 1) * dim), r * dim);
  }
}

export function embeddingBackward(
  dtable: Float32Array,
  ids: Float32Array,
  dy: Float32Array,
  rows: number,
  dim: number,
  vocab: number,
  accumulate: boolean,
): void {
  if (!accumulate) dtable.fill(0, 0, vocab * dim);
  for (let r = 0; r < rows; r++) {
    const t = rowOf(ids[r], vocab);
    if (t < 0) continue;
    for (let c = 0; c < dim; c++) dtable[t * dim + c] += dy[r * dim + c];
  }
}
