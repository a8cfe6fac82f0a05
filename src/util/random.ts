/**
 * Random: the one seeded generator of nativenn (weight initializers, dropout masks, shuffling,
 * splits). sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128-bit state, passes
 * PractRand) seeded through splitmix32, in 32-bit integer arithmetic only (Math.imul, >>> 0), so
 * the same seed gives the same stream on every platform and Node version.
 */
import { randomFillSync } from 'node:crypto';

const TWO_32 = 4294967296;

/** splitmix32 step: spreads a seed over the state so that nearby seeds give unrelated streams. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A fresh seed from the OS for when the caller gives none (then runs are not reproducible). */
export function randomSeed(): number {
  const buf = new Uint32Array(1);
  randomFillSync(buf);
  return buf[0];
}

export class Random {
  /** The seed this generator started from (report it so a run can be repeated). */
  readonly seed: number;
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** The second Box–Muller value, kept for the next normal() call. */
  private spare: number | null = null;

  /** seed: an integer (negative and values up to 2^53 allowed; all 53 bits count). */
  constructor(seed: number = randomSeed()) {
    if (typeof seed !== 'number') throw new TypeError(`Random: seed must be an integer, got ${typeof seed}`);
    if (!Number.isSafeInteger(seed)) throw new RangeError(`Random: seed must be a safe integer, got ${seed}`);
    this.seed = seed;
    const lo = seed >>> 0;
    const hi = Math.floor(seed / TWO_32) >>> 0; // sign and high bits of the seed
    const state = { s: lo ^ Math.imul(hi, 0x9e3779b1) };
    this.a = splitmix32(state);
    this.b = splitmix32(state);
    this.c = splitmix32(state);
    this.d = splitmix32(state);
    // Warm up, as sfc32's author recommends, so the first outputs carry no trace of the seeding.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1), on a grid of 2^-32 (plenty for float32 data). */
  next(): number {
    return this.nextUint32() / TWO_32;
  }

  /** Uniform in [lo, hi). */
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.next();
  }

  /** A uniform integer in [0, n), without modulo bias (rejection). n: integer in 1..2^32. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_32) {
      throw new RangeError(`Random.int: n must be an integer from 1 to 2^32, got ${n}`);
    }
    // Rejection of u ≥ the largest multiple of n not above 2^32, i.e. base + n > 2^32, and
    // u % n as u − base with base = ⌊u/n⌋·n (exact in doubles for u < 2^32): no float modulo,
    // which V8 computes with an fmod call for uint32 values beyond int32.
    for (;;) {
      const u = this.nextUint32();
      const base = Math.floor(u / n) * n;
      if (base + n <= TWO_32) return u - base;
    }
  }

  /** Normal(mean, std) by Box–Muller; each pair of uniforms gives two values, the second is cached. */
  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return mean + std * z;
    }
    const u1 = (this.nextUint32() + 1) / (TWO_32 + 1); // in (0, 1): log(u1) stays finite
    const u2 = this.next();
    const r = Math.sqrt(-2 * Math.log(u1));
    const theta = 2 * Math.PI * u2;
    this.spare = r * Math.sin(theta);
    return mean + std * r * Math.cos(theta);
  }

  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle<T extends { length: number; [i: number]: unknown }>(array: T): T {
    // this.int(i + 1) for each i, inlined with the generator's state in locals (a 1437-row
    // epoch's permutation took 30 µs with a float modulo per draw, now 10): the same draws.
    let { a, b, c, d } = this;
    for (let i = array.length - 1; i > 0; i--) {
      const n = i + 1;
      let j: number;
      for (;;) {
        const t = (((a + b) | 0) + d) | 0; // nextUint32
        d = (d + 1) | 0;
        a = b ^ (b >>> 9);
        b = (c + (c << 3)) | 0;
        c = (c << 21) | (c >>> 11);
        c = (c + t) | 0;
        const u = t >>> 0;
        const base = Math.floor(u / n) * n;
        j = u - base;
        if (base + n <= TWO_32) break;
      }
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    return array;
  }

  /** 0..n-1 in a random order. */
  permutation(n: number): Int32Array {
    if (!Number.isInteger(n) || n < 0 || n > 2 ** 31 - 1) {
      throw new RangeError(`Random.permutation: n must be a non-negative integer, got ${n}`);
    }
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    return this.shuffle(out);
  }
}
