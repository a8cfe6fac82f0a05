/** Gaussian noise with a counter-based stream: the specification of native/kernels/noise.h. Value i
 *  depends only on (seed, i), never on call order or thread count, like dropout's mask. */
import { dropoutHash } from './dropout';

/** Standard normal value i of stream `seed`: Box–Muller over two 24-bit uniforms, the hashes of
 *  2i and 2i + 1 (u1 in (0, 1], so the log is finite). */
export function gaussianAt(seed: number, i: number): number {
  const u1 = ((dropoutHash(seed, 2 * i) >>> 8) + 1) / 16777216;
  const u2 = (dropoutHash(seed, 2 * i + 1) >>> 8) / 16777216;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** out = x + stddev · N(0, 1), element i from gaussianAt(seed, i). out may alias x. */
export function gaussianNoiseForward(
  out: Float32Array,
  x: Float32Array,
  n: number,
  stddev: number,
  seed: number,
): void {
  for (let i = 0; i < n; i++) out[i] = x[i] + stddev * gaussianAt(seed, i);
}
