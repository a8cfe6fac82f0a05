/** Inverted dropout with a counter-based mask: element i is kept iff hash(seed, i) ≥ rate, so the
 *  mask depends only on (seed, i), never on call order or thread count. */

/** 32-bit integer hash (murmur3 finalizer) of seed and index; the native kernel computes the same. */
export function dropoutHash(seed: number, i: number): number {
  let h = (Math.imul(i, 0x9e3779b9) ^ seed) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

export function dropoutForward(
  out: Float32Array,
  mask: Float32Array,
  x: Float32Array,
  n: number,
  rate: number,
  seed: number,
): void {
  const keep = Math.fround(1 / (1 - rate));
  for (let i = 0; i < n; i++) {
    const u = (dropoutHash(seed, i) >>> 8) / 16777216; // uniform in [0, 1) with 24 bits
    const m = u >= rate ? keep : 0;
    mask[i] = m;
    out[i] = x[i] * m;
  }
}
