import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, getNumThreads, setNumThreads } from '../../src';
import { addon } from '../../src/backend/native/addon';
import { nativeBackend, randomF32, rng, SIZES } from '../support/backends';

const js = backends.js;

// Each micro-kernel with its block sizes (the KernelInfo table of native/kernels/gemm/
// gemm_blocked.cc): the MR x NR micro-tile and the KC, MC, NC cache blocks. Shapes one below and
// one above each exercise the edge code of every loop. The whole suite runs once per kernel the
// CPU has, switched with the hidden addon._gemmKernel(name), best first (the default).
// Threads are used from m·n·k >= 2^22 (NATIVENN_GEMM_THREAD_MIN_FMAS in gemm_blocked.cc).
interface Blocks {
  name: string;
  MR: number;
  NR: number;
  KC: number;
  MC: number;
  NC: number;
}
const KERNELS: Blocks[] = [
  { name: 'avx512', MR: 14, NR: 32, KC: 512, MC: 168, NC: 4064 },
  { name: 'avx2', MR: 6, NR: 16, KC: 256, MC: 168, NC: 4080 },
  { name: 'generic', MR: 6, NR: 16, KC: 256, MC: 168, NC: 4080 },
];
// 'auto' (the default) takes the best kernel of the CPU path (gemm_blocked.cc, auto_kernel).
const defaultKernel: string | undefined = addon?._gemmKernel();
/** The kernels this build and CPU run (forcing one returns true), best first. */
const available = addon ? KERNELS.filter((k) => addon!._gemmKernel(k.name)) : [];
addon?._gemmKernel('auto');

interface Case {
  ta: boolean;
  tb: boolean;
  m: number;
  n: number;
  k: number;
  alpha: number;
  beta: number;
  pad: number;
}

/** Runs one case on both backends and returns the worst error relative to its bound (≤ 1 passes).
 *  Bound per element: float32 accumulation of k products (any order, FMA or not) errs by at most
 *  k·u·Σ|a||b| with u = 2^-24 (Higham, γ_k); alpha, beta and the final add/store add a few more
 *  roundings of |alpha·ab| + |beta·c|. The js twin sums in float64, so its own error is negligible.
 *  The factor 2 covers the float32 rounding of the twin's result. */
function compare(c: Case, seed: number, threads?: number): { worst: number; native: Float32Array } {
  const { ta, tb, m, n, k, alpha, beta, pad } = c;
  const [aRows, aCols] = ta ? [k, m] : [m, k];
  const [bRows, bCols] = tb ? [n, k] : [k, n];
  const lda = Math.max(1, aCols) + pad,
    ldb = Math.max(1, bCols) + pad,
    ldc = Math.max(1, n) + pad;
  const a = randomF32(aRows * lda, seed);
  const b = randomF32(bRows * ldb, seed + 1);
  const c0 = randomF32(m * ldc, seed + 2);
  if (beta === 0) c0.fill(NaN); // beta == 0 must overwrite, never read
  const cJs = c0.slice();
  const cNative = c0.slice();
  js.gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, cJs, ldc);
  const before = getNumThreads();
  if (threads) setNumThreads(threads);
  try {
    nativeBackend!.gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, cNative, ldc);
  } finally {
    setNumThreads(before);
  }
  const absSum = new Float32Array(m * ldc); // Σ|a||b| per element, through the twin on |a|, |b|
  js.gemm(ta, tb, m, n, k, 1, a.map(Math.abs), lda, b.map(Math.abs), ldb, 0, absSum, ldc);
  const u = 2 ** -24;
  let worst = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < ldc; j++) {
      const at = i * ldc + j;
      if (j >= n) {
        // padding beyond the row: untouched
        if (!Object.is(cNative[at], c0[at])) return { worst: Infinity, native: cNative };
        continue;
      }
      const oldTerm = beta === 0 ? 0 : Math.abs(beta * c0[at]);
      const bound = 2 * u * ((k + 3) * Math.abs(alpha) * absSum[at] + 3 * oldTerm) + 1e-30;
      const err = Math.abs(cNative[at] - cJs[at]);
      if (!(err <= bound * 1e30)) return { worst: Infinity, native: cNative }; // NaN or wild
      worst = Math.max(worst, err / bound);
    }
  }
  return { worst, native: cNative };
}

/** C of op(a)·op(b) with n columns, and the first n columns of the same product with `extra` more
 *  columns of B (the same first n), both native with the given threads. A narrow C (n < m) may be
 *  computed as its transpose (gemm_blocked.cc, swap_narrow) while a C of more than 24 columns
 *  never is: equal bits say the swap sums every element as the plain path does. */
function narrowAndWide(
  c: Case,
  extra: number,
  seed: number,
  threads = 1,
): { narrow: Float32Array; wide: Float32Array } {
  const { ta, tb, m, n, k, alpha, beta, pad } = c;
  const nw = n + extra;
  const lda = (ta ? m : k) + pad,
    ldb = (tb ? k : nw) + pad,
    ldc = nw + pad;
  const a = randomF32((ta ? k : m) * lda, seed);
  const b = randomF32((tb ? nw : k) * ldb, seed + 1);
  const c0 = randomF32(m * ldc, seed + 2);
  const narrow = c0.slice(),
    wide = c0.slice();
  const before = getNumThreads();
  setNumThreads(threads);
  try {
    nativeBackend!.gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, narrow, ldc);
    nativeBackend!.gemm(ta, tb, m, nw, k, alpha, a, lda, b, ldb, beta, wide, ldc);
  } finally {
    setNumThreads(before);
  }
  const cols = (x: Float32Array) =>
    Float32Array.from({ length: m * n }, (_, i) => x[Math.floor(i / n) * ldc + (i % n)]);
  for (let i = 0; i < m; i++) {
    for (let j = n; j < ldc; j++) {
      // nothing beyond column n of the narrow product is written
      if (!Object.is(narrow[i * ldc + j], c0[i * ldc + j])) return { narrow: new Float32Array(0), wide: cols(wide) };
    }
  }
  return { narrow: cols(narrow), wide: cols(wide) };
}

/** Narrow and short shapes: the digits step's GEMMs (64-64-10, batch 32) and the 784 MLP's, then
 *  n across the vector widths (1-31) below m, with k short and long, in every transpose. */
function narrowCases(): Case[] {
  const out: Case[] = [];
  const shapes: [number, number, number][] = [
    [32, 10, 64],
    [64, 10, 32],
    [128, 10, 128],
    [32, 64, 10],
    [128, 128, 10],
  ];
  const ns = [1, 2, 3, 5, 7, 8, 9, 10, 12, 15, 16, 17, 20, 24, 25, 31];
  ns.forEach((n, i) => {
    const m = [16, 32, 33, 64, 100][i % 5];
    if (n < m) shapes.push([m, n, [1, 10, 31, 32, 64, 257][i % 6]]);
  });
  shapes.forEach(([m, n, k], s) => {
    TRANS.forEach(([ta, tb], t) => {
      out.push({
        ta,
        tb,
        m,
        n,
        k,
        alpha: [1, -0.7, 1.5, 1][(s + t) % 4], // not only powers of two: the bits test sees the rounding
        beta: [0, 1, 0.3, 0][(s + 2 * t) % 4],
        pad: (s + t) % 3,
      });
    });
  });
  return out;
}

const ALPHAS = [1, 0, -0.5, 2];
const BETAS = [1, 0, -0.5, 2];
const TRANS = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
] as const;

/** Each size of SIZES appears in every dimension: m walks the list, n and k walk it permuted. */
function sweep(): Case[] {
  const out: Case[] = [];
  const L = SIZES.length;
  for (let i = 0; i < L; i++) {
    const m = SIZES[i],
      n = SIZES[(i * 7 + 3) % L],
      k = SIZES[(i * 11 + 5) % L];
    TRANS.forEach(([ta, tb], t) => {
      out.push({ ta, tb, m, n, k, alpha: ALPHAS[(i + t) % 4], beta: BETAS[(i + 2 * t) % 4], pad: (i + t) % 3 });
    });
  }
  return out;
}

function edgeCases({ MR, NR, KC, MC, NC }: Blocks): Case[] {
  const shapes: [number, number, number][] = [];
  for (const d of [-1, 0, 1]) {
    shapes.push([MR + d, NR + d, 9], [2 * MR + d, 3 * NR + d, 33]);
    shapes.push([13, 35, KC + d], [7, 17, 2 * KC + d]);
    shapes.push([MC + d, 40, 70], [2 * MC + d, 33, KC + 1]);
    shapes.push([5, NC + d, 7], [13, NC + d, 3]);
  }
  const out: Case[] = [];
  shapes.forEach(([m, n, k], s) => {
    TRANS.forEach(([ta, tb], t) => {
      out.push({ ta, tb, m, n, k, alpha: ALPHAS[(s + t) % 4] || 1.5, beta: BETAS[(s + t + 1) % 4], pad: t % 2 });
    });
  });
  return out;
}

const label = (c: Case) =>
  `${c.ta ? 'T' : 'N'}${c.tb ? 'T' : 'N'} ${c.m}x${c.n}x${c.k} alpha=${c.alpha} beta=${c.beta} pad=${c.pad}`;

describe.skipIf(!nativeBackend)('gemm: kernel choice (addon._gemmKernel)', () => {
  it('defaults to auto; the portable kernel is always there', () => {
    expect(defaultKernel).toBe('auto');
    expect(available.map((k) => k.name)).toContain('generic');
  });

  it('an unknown name changes nothing; a non-string name is a TypeError', () => {
    expect(addon!._gemmKernel('avx1024')).toBe(false);
    expect(addon!._gemmKernel()).toBe('auto');
    expect(() => addon!._gemmKernel(3)).toThrow(TypeError);
  });

  it('auto: products just below and above the 2^22-FMA switch to AVX-512 equal the twin', () => {
    for (const k of [255, 256, 257]) {
      // 128·128·256 = 2^22
      for (const [ta, tb] of TRANS) {
        const c: Case = { ta, tb, m: 128, n: 128, k, alpha: 1.5, beta: 0.5, pad: 3 };
        expect(compare(c, k).worst, label(c)).toBeLessThanOrEqual(1);
      }
    }
  });
});

// The CPU paths (native/kernels/cpu_path.h, NATIVENN_CPU; test/kernels/cpu-path.test.ts runs each
// in a fresh process): "auto" picks the kernel of the path in use, and each path equals the twin.
const paths: string[] = addon ? addon.cpuPaths() : [];
describe.skipIf(!nativeBackend).each(paths)('gemm on the %s CPU path (auto kernel): native equals the js twin', (p) => {
  beforeAll(() => {
    expect(addon!.setCpuPath(p)).toBe(true);
  });
  afterAll(() => {
    addon!.setCpuPath(paths[0]);
  });

  it.each(sweep().map((c) => [label(c), c] as const))('size sweep %s', (_, c) => {
    expect(compare(c, c.m * 1000 + c.n * 10 + c.k).worst).toBeLessThanOrEqual(1);
  });

  it('around the 2^22-FMA kernel switch, 1 and 2 threads', () => {
    for (const [m, n, k] of [
      [128, 128, 255],
      [128, 128, 257],
      [200, 300, 130],
    ]) {
      for (const [ta, tb] of TRANS) {
        const c: Case = { ta, tb, m, n, k, alpha: 1.5, beta: 0.5, pad: 3 };
        expect(compare(c, k, 1).worst, label(c)).toBeLessThanOrEqual(1);
        expect(compare(c, k, 2).worst, label(c)).toBeLessThanOrEqual(1);
      }
    }
  });

  it.each(narrowCases().map((c) => [label(c), c] as const))(
    'narrow or short-k %s: the twin, and the bits of a wide product',
    (_, c) => {
      expect(compare(c, c.m + 7 * c.n + c.k).worst).toBeLessThanOrEqual(1);
      const { narrow, wide } = narrowAndWide(c, 40, c.m + c.n + c.k);
      expect(narrow.length, 'wrote beyond column n').toBe(wide.length);
      expect(narrow).toEqual(wide);
    },
  );
});

describe.skipIf(!nativeBackend).each(available)('gemm $name: native equals the js twin', (blocks) => {
  const { MC, KC, NC } = blocks;
  beforeAll(() => {
    expect(addon!._gemmKernel(blocks.name)).toBe(true);
  });
  afterAll(() => {
    addon!._gemmKernel('auto');
  });

  it('runs on the kernel under test', () => {
    expect(addon!._gemmKernel()).toBe(blocks.name);
  });

  it.each(sweep().map((c) => [label(c), c] as const))('size sweep %s', (_, c) => {
    expect(compare(c, c.m * 1000 + c.n * 10 + c.k).worst).toBeLessThanOrEqual(1);
  });

  it.each(edgeCases(blocks).map((c) => [label(c), c] as const))('blocking edge %s', (_, c) => {
    expect(compare(c, c.m + c.n + c.k).worst).toBeLessThanOrEqual(1);
  });

  it('every alpha/beta pair, with NaN in C when beta = 0', () => {
    for (const alpha of ALPHAS) {
      for (const beta of BETAS) {
        const r = compare({ ta: false, tb: true, m: 19, n: 23, k: 29, alpha, beta, pad: 2 }, 5);
        expect(r.worst).toBeLessThanOrEqual(1);
        // Only the m x n part: the padding beyond each row keeps its NaN (checked in compare).
        const ldc = 23 + 2;
        if (beta === 0) expect(r.native.some((v, i) => i % ldc < 23 && Number.isNaN(v))).toBe(false);
      }
    }
  });

  it('zero sizes: m or n = 0 touch nothing, k = 0 scales C by beta', () => {
    for (const [m, n, k] of [
      [0, 5, 3],
      [4, 0, 3],
      [0, 0, 0],
      [4, 5, 0],
    ]) {
      for (const beta of [0, 1, -0.5]) {
        expect(compare({ ta: false, tb: false, m, n, k, alpha: 1, beta, pad: 1 }, 3).worst).toBeLessThanOrEqual(1);
      }
    }
    const c = new Float32Array([NaN, 2, 3, 4]);
    nativeBackend!.gemm(false, false, 2, 2, 0, 1, new Float32Array(0), 1, new Float32Array(0), 2, 0, c, 2);
    expect(Array.from(c)).toEqual([0, 0, 0, 0]);
  });

  // An A whose row stride is a multiple of 1024 floats is packed (gemm_blocked.cc,
  // a_needs_packing: transposed, its rows alias in L2; plain, 14 rows alias in L1); every other
  // A is read in place. Here the packed path and its MC edges.
  it.each([MC - 1, MC, MC + 1, 2 * MC + 1, 1020])('packed-A path: lda = 1024, m = %i', (m) => {
    for (const [n, k, tb] of [
      [17, 200, false],
      [40, KC + 1, true],
    ] as const) {
      for (const ta of [true, false]) {
        const c: Case = { ta, tb, m, n, k, alpha: 2, beta: -0.5, pad: 1024 - (ta ? m : k) };
        expect(compare(c, m + k).worst, label(c)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('1 thread and 2 threads agree (row tasks, column tasks, several NC blocks)', () => {
    const shapes: [number, number, number][] = [
      [200, 300, 130],
      [12, 2000, 200],
      [500, 130, 600],
      [97, NC + 17, 40],
      [64, 512, 128], // a recurrent step: B read in place, columns split
      [144, 300, 100],
    ];
    for (const [m, n, k] of shapes) {
      for (const [ta, tb] of TRANS) {
        const c: Case = { ta, tb, m, n, k, alpha: -0.5, beta: 2, pad: 1 };
        const one = compare(c, m + n, 1);
        const two = compare(c, m + n, 2);
        expect(one.worst).toBeLessThanOrEqual(1);
        expect(two.worst).toBeLessThanOrEqual(1);
        // Bit-identical: every element is summed in the same order whichever thread computes it.
        expect(two.native).toEqual(one.native);
      }
    }
  });

  // A large A with 2 threads (m·kc above 2^17 floats, or fewer than 8 B panels): B packed by both
  // threads (a plain B by rows, a transposed one by panels), then row tasks of m / tasks rows each,
  // not whole MR tiles (300 rows: 37 or 38 per task, cut into tiles of 12 and 13 rows on AVX-512),
  // A read in place or packed (lda = 1024).
  it('1 thread and 2 threads agree on row tasks of any height, A packed or not', () => {
    for (const [m, n, k] of [
      [300, 100, 500],
      [800, 2 * blocks.NR + 3, KC + 300],
    ]) {
      for (const [ta, tb] of TRANS) {
        for (const aliased of [false, true]) {
          const pad = aliased ? 1024 - (ta ? m : k) : 1;
          const c: Case = { ta, tb, m, n, k, alpha: 1.5, beta: 0.5, pad };
          const one = compare(c, m + k, 1);
          const two = compare(c, m + k, 2);
          expect(one.worst, label(c)).toBeLessThanOrEqual(1);
          expect(two.worst, label(c)).toBeLessThanOrEqual(1);
          expect(two.native, label(c)).toEqual(one.native);
        }
      }
    }
  });

  // A plain B is read in place, not packed, up to 144 rows of C (gemm_blocked.cc,
  // b_reads_in_place) unless ldb is a multiple of 1024 floats; the micro-kernel then masks the
  // loads of a last panel narrower than NR. Here both sides of each switch, narrow and wide n.
  it.each([1, 143, 144, 145])('B read in place: m = %i, around NR and the ldb switch', (m) => {
    const { NR } = blocks;
    for (const [n, k, ldbPad] of [
      [10, 64, 0],
      [NR - 1, 33, 0],
      [NR + 1, 70, 3],
      [3 * NR + 5, 9, 0],
      [40, 100, 2048 - 40], // ldb 2048: packed
      [40, 100, 2049 - 40], // ldb 2049: in place
    ] as const) {
      for (const ta of [false, true]) {
        const c: Case = { ta, tb: false, m, n, k, alpha: 1.5, beta: m % 2 ? 0 : -0.5, pad: ldbPad };
        expect(compare(c, m + n + k).worst, label(c)).toBeLessThanOrEqual(1);
      }
    }
  });

  // A transposed A whose rows share one or two L1 sets (lda a multiple of 512 floats) is packed
  // when kc > 16 and there are more than 2 B panels (gemm_blocked.cc, a_needs_packing); each side.
  it.each([16, 17])('transposed A packed for L1 aliasing: k = %i, around 2 panels, lda 512 and 513', (k) => {
    const { MR, NR } = blocks;
    const m = 2 * MR + 3;
    for (const n of [2 * NR, 2 * NR + 1]) {
      for (const lda of [512, 513]) {
        for (const tb of [false, true]) {
          const c: Case = { ta: true, tb, m, n, k, alpha: -1, beta: 0.5, pad: lda - m };
          expect(compare(c, n + k + lda).worst, label(c)).toBeLessThanOrEqual(1);
        }
      }
    }
  });

  // The products of a recurrent layer's step on a [batch, time, width] cache: leading dimensions
  // of several rows (time 8), every transpose (gemm-small.js times these).
  it.each([
    [32, 64],
    [64, 128],
  ])('recurrent shapes B = %i, U = %i with sequence-cache leading dimensions', (B, U) => {
    for (const [m, n, k] of [
      [B, 4 * U, U],
      [B, U, 4 * U],
      [U, 4 * U, B],
    ]) {
      for (const [ta, tb] of TRANS) {
        for (const pad of [5120 - (ta ? m : k), 8 * 4 * U - (ta ? m : k)]) {
          const c: Case = { ta, tb, m, n, k, alpha: 1, beta: 1, pad };
          expect(compare(c, m * n + k).worst, label(c)).toBeLessThanOrEqual(1);
        }
      }
    }
  });

  // A narrow C (n < m) may be computed as Cᵀ = op(b)ᵀ·op(a)ᵀ with the tiles stored transposed
  // (gemm_blocked.cc, swap_narrow; the AVX2 and AVX-512 kernels): every transpose, edge tiles of
  // both sides, several k blocks, and the same bits as the plain path (a wider product).
  it.each(narrowCases().map((c) => [label(c), c] as const))('narrow or short-k %s', (_, c) => {
    expect(compare(c, c.m * 3 + c.n + c.k).worst).toBeLessThanOrEqual(1);
    const { narrow, wide } = narrowAndWide(c, 40, c.n + c.k);
    expect(narrow.length, 'wrote beyond column n').toBe(wide.length);
    expect(narrow).toEqual(wide);
  });

  it('narrow C around the kernel tile: n = NR/2 - 1 .. NR + 1, m = MR - 1 .. 2·MR + 1, k over KC', () => {
    const { MR, NR } = blocks;
    for (const n of [NR / 2 - 1, NR / 2, NR / 2 + 1, NR - 1]) {
      for (const m of [MR - 1, MR, MR + 1, 2 * MR + 1, 4 * NR + 3]) {
        if (n >= m) continue;
        for (const [ta, tb] of TRANS) {
          for (const k of [7, 64, KC + 5]) {
            const c: Case = { ta, tb, m, n, k, alpha: k === 64 ? 1 : -1.5, beta: k === 7 ? 0 : 0.5, pad: 1 };
            expect(compare(c, m + n + k).worst, label(c)).toBeLessThanOrEqual(1);
            const { narrow, wide } = narrowAndWide(c, 32, m * n + k);
            expect(narrow, label(c)).toEqual(wide);
          }
        }
      }
    }
  });

  it('narrow C on 1 and 2 threads: the same bits, and those of a wide product', () => {
    // m·n·k >= 2^22: threaded; the swapped product's columns are the tasks.
    for (const [m, n, k] of [
      [4096, 10, 128],
      [3000, 3, 700],
      [1500, 24, 130],
    ]) {
      for (const [ta, tb] of TRANS) {
        const c: Case = { ta, tb, m, n, k, alpha: 1, beta: ta ? 0 : 0.5, pad: 1 };
        const one = compare(c, m + k, 1);
        const two = compare(c, m + k, 2);
        expect(one.worst, label(c)).toBeLessThanOrEqual(1);
        expect(two.worst, label(c)).toBeLessThanOrEqual(1);
        expect(two.native, label(c)).toEqual(one.native);
        const w = narrowAndWide(c, 40, m + n, 2);
        expect(w.narrow, label(c)).toEqual(w.wide);
      }
    }
  });

  it('random shapes the test never listed (seeded)', () => {
    const next = rng(20261127);
    const pick = (max: number) => 1 + Math.floor(next() * max);
    for (let t = 0; t < 40; t++) {
      const big = t % 4 === 0;
      const c: Case = {
        ta: next() < 0.5,
        tb: next() < 0.5,
        m: pick(big ? 400 : 70),
        n: pick(big ? 400 : 70),
        k: pick(big ? 700 : 70),
        alpha: [1, -0.5, 2, 0.3][t % 4],
        beta: [0, 1, -0.5, 2][(t >> 2) % 4],
        pad: Math.floor(next() * 4),
      };
      expect(compare(c, 1000 + t).worst, label(c)).toBeLessThanOrEqual(1);
    }
  });
});

describe.skipIf(!nativeBackend)('gemm: bad input throws, never crashes', () => {
  const args = (over: Partial<Record<number, unknown>> = {}) => {
    const base: unknown[] = [
      false,
      true,
      3,
      4,
      5,
      1,
      new Float32Array(15),
      5,
      new Float32Array(20),
      5,
      0,
      new Float32Array(12),
      4,
    ];
    for (const [i, v] of Object.entries(over)) base[Number(i)] = v;
    return base;
  };
  const targets = [
    ['nn.backends.native.gemm', (...a: unknown[]) => (nativeBackend!.gemm as (...x: unknown[]) => void)(...a)],
    ['the raw addon', (...a: unknown[]) => addon!.gemm(...a)],
  ] as const;

  it.each(targets)('%s: valid arguments pass, then each bad one throws', (_, call) => {
    expect(() => call(...args())).not.toThrow();
    expect(() => call(...args({ 6: new Float32Array(14) }))).toThrow(RangeError); // a too short
    expect(() => call(...args({ 8: new Float32Array(19) }))).toThrow(RangeError); // b too short
    expect(() => call(...args({ 11: new Float32Array(11) }))).toThrow(RangeError); // c too short
    expect(() => call(...args({ 7: 4 }))).toThrow(RangeError); // lda below the row of a
    expect(() => call(...args({ 9: 4 }))).toThrow(RangeError); // ldb below the row of b (transB: n x k)
    expect(() => call(...args({ 12: 3 }))).toThrow(RangeError); // ldc below n
    expect(() => call(...args({ 2: -1 }))).toThrow(RangeError);
    expect(() => call(...args({ 3: 2.5 }))).toThrow(RangeError);
    expect(() => call(...args({ 4: NaN }))).toThrow(RangeError);
    expect(() => call(...args({ 2: 2 ** 40 }))).toThrow(RangeError);
    expect(() => call(...args({ 0: 1 }))).toThrow(TypeError); // transA must be a boolean
    expect(() => call(...args({ 6: new Float64Array(15) }))).toThrow(TypeError);
    expect(() => call(...args({ 8: Array.from({ length: 20 }, () => 0) }))).toThrow(TypeError);
    expect(() => call(...args().slice(0, 12))).toThrow(TypeError);
    // A huge m with a tiny buffer: the length check must not overflow into a pass.
    expect(() => call(...args({ 2: 2147483647 }))).toThrow(RangeError);
  });

  it('a too-short C with lda/ldc larger than the row is caught at the last row', () => {
    // c is m x n = 3 x 4 with ldc 6: needs (3-1)*6 + 4 = 16 elements
    const a = new Float32Array(15),
      b = new Float32Array(20);
    expect(() => nativeBackend!.gemm(false, false, 3, 4, 5, 1, a, 5, b, 4, 0, new Float32Array(15), 6)).toThrow(
      RangeError,
    );
    expect(() => nativeBackend!.gemm(false, false, 3, 4, 5, 1, a, 5, b, 4, 0, new Float32Array(16), 6)).not.toThrow();
  });
});
