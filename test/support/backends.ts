/** Test helpers: the backends to run a suite on, seeded random data, shapes, float32 tolerances. */
import { expect } from 'vitest';
import { type Backend, backends } from '../../src';

/** CI (and anyone setting NATIVENN_REQUIRE_NATIVE=1) must test the native backend, not skip it. */
export const requireNative = process.env.CI === 'true' || process.env.NATIVENN_REQUIRE_NATIVE === '1';

if (requireNative && !backends.native) {
  throw new Error('the native backend is required in CI but did not load');
}

export const allBackends: Backend[] = [backends.js, ...(backends.native ? [backends.native] : [])];
export const nativeBackend: Backend | null = backends.native;

/** mulberry32: a tiny seeded generator, so failures reproduce. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n values uniform in [lo, hi). */
export function randomF32(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const next = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * next();
  return out;
}

/** The sizes the core issue names: 1..17 and the ones around powers of two. */
export const SIZES = [...Array.from({ length: 17 }, (_, i) => i + 1), 31, 33, 63, 65, 127, 129, 257];

/** Largest |a−b| / (atol + rtol·|b|) over the arrays; ≤ 1 means within tolerance. */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>, atol: number, rtol: number): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const diff = Math.abs(a[i] - b[i]);
    if (Number.isNaN(diff) && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return Infinity;
    if (!Number.isNaN(diff)) worst = Math.max(worst, diff / (atol + rtol * Math.abs(b[i])));
  }
  return worst;
}

/** Runs a bad call on both backends and requires the same TypeError/RangeError from each: the
 *  shared validators, not the kernels, decide what is valid. */
export function expectSameErrorOnBoth(call: (b: Backend) => void): void {
  if (!nativeBackend) throw new Error('expectSameErrorOnBoth needs the native backend');
  const errors = [backends.js, nativeBackend].map((b) => {
    try {
      call(b);
    } catch (err) {
      return `${(err as Error).name}: ${(err as Error).message}`;
    }
    return 'no error';
  });
  expect(errors[0]).toMatch(/^(TypeError|RangeError): /);
  expect(errors[1]).toBe(errors[0]);
}
