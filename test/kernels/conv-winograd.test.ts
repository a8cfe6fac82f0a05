/** Winograd F(2×2, 3×3) and F(4×4, 3×3) convolution (forward, backward-data and filter gradient):
 *  the twins (src/backend/js/conv-winograd.ts, conv-winograd4.ts) against the plain convolution,
 *  the native kernels against both on many shapes (sizes 3..30, channels 1..70 around the
 *  threshold (16 each side, 48 together), batch 1..5, 'same' and 'valid'), the dispatch (threshold
 *  and tile size), and thread- and workspace-independence.
 *
 *  Tolerance: Winograd's transforms mix the 4×4 window before the channel sum, so its rounding
 *  error scales with the window's magnitudes rather than with the result. Every element is held
 *  to |winograd − plain| ≤ TOL · conv(|x|, |filter|) at that element (the sum of the magnitudes
 *  of its terms: the float32 error bound of the plain sum is about k·2⁻²⁴ times it). Measured
 *  on these shapes (the WINOGRAD_ERROR log line): F(2×2) at most 5.1e-7 (native) and 7.1e-7
 *  (twin), the filter gradient's (2.1e-7 and 1.5e-7 for the forward and backward-data), against
 *  TOL[2] = 4e-6; im2col's 2.8e-7. F(4×4)'s transforms weigh the window by up to 8 (Aᵀ) and 5
 *  (Bᵀ), so its error is ten times larger: 1e-6 to 9e-6 on most shapes, at most 5.3e-5 (native)
 *  and 3.1e-5 (twin), on edge cells with few terms of their own inside tiles of large values (the
 *  hand-made padding-3 case's first output column), against TOL[4] = 1e-4. */
import { afterAll, describe, expect, it } from 'vitest';
import { backends, getNumThreads, setNumThreads } from '../../src';
import {
  conv2dWinogradBackwardData,
  conv2dWinogradBackwardFilter,
  conv2dWinogradForward,
  WINOGRAD_MIN_CHANNEL_SUM,
  WINOGRAD_MIN_CHANNELS,
  winogradTile,
} from '../../src/backend/js/conv-winograd';
import {
  conv2dWinograd4BackwardData,
  conv2dWinograd4BackwardFilter,
  conv2dWinograd4Forward,
} from '../../src/backend/js/conv-winograd4';
import { addon } from '../../src/backend/native/addon';
import { nativeBackend, randomF32 } from '../support/backends';
import { type ConvCase, convCase } from './conv-cases';

const js = backends.js;
const TOL = { 2: 4e-6, 4: 1e-4 } as const;
const worst = { native: { 2: 0, 4: 0 }, twin: { 2: 0, 4: 0 }, im2col: 0 };
const TILES = [2, 4] as const;
type Tile = (typeof TILES)[number];
const same = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer).equals(Buffer.from(b.buffer));

/** max over elements of |a − b| / scale. An element with no terms (scale 0: an output whose
 *  window lies in the padding, with padding wider than the filter's reach) is exactly 0 in the
 *  plain convolution, but F(4×4) computes it inside a tile with real cells, whose transforms leave
 *  a rounding residue: it is held to 1e-3 of the largest scale instead. */
function scaledErr(a: Float32Array, b: Float32Array, scale: Float32Array): number {
  let e = 0;
  let floor = 0;
  for (const v of scale) floor = Math.max(floor, v * 1e-3);
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(d)) return Infinity;
    if (d > 0) e = Math.max(e, d / (scale[i] > 0 ? scale[i] : floor));
  }
  return e;
}

const abs = (v: Float32Array) => v.map(Math.abs);

/** The plain (js twin) forward, backward-data and filter gradient of case c from zero, and their
 *  magnitude sums. */
function plain(c: ConvCase, x: Float32Array, filter: Float32Array, dy: Float32Array) {
  const ws = new Float32Array(c.workspace);
  const out = new Float32Array(c.out);
  js.conv2dForward(out, x, filter, ws, ...c.shape);
  const dx = new Float32Array(c.x);
  js.conv2dBackwardData(dx, dy, filter, ws, ...c.shape);
  const outScale = new Float32Array(c.out);
  js.conv2dForward(outScale, abs(x), abs(filter), ws, ...c.shape);
  const dxScale = new Float32Array(c.x);
  js.conv2dBackwardData(dxScale, abs(dy), abs(filter), ws, ...c.shape);
  const df = new Float32Array(c.filter);
  js.conv2dBackwardFilter(df, x, dy, ws, ...c.shape);
  const dfScale = new Float32Array(c.filter);
  js.conv2dBackwardFilter(dfScale, abs(x), abs(dy), ws, ...c.shape);
  return { out, dx, df, outScale, dxScale, dfScale };
}

/** The Winograd twin of tile size m: forward, backward-data and filter gradient of case c from zero
 *  (each direction by its own tile size when `tile` decides it: the native forced modes). */
function twin(c: ConvCase, x: Float32Array, filter: Float32Array, dy: Float32Array, tile: (d: Direction) => Tile) {
  const out = new Float32Array(c.out);
  const dx = new Float32Array(c.x);
  const df = new Float32Array(c.filter);
  (tile('forward') === 4 ? conv2dWinograd4Forward : conv2dWinogradForward)(out, x, filter, ...c.shape);
  (tile('backwardData') === 4 ? conv2dWinograd4BackwardData : conv2dWinogradBackwardData)(dx, dy, filter, ...c.shape);
  (tile('forward') === 4 ? conv2dWinograd4BackwardFilter : conv2dWinogradBackwardFilter)(df, x, dy, ...c.shape);
  return { out, dx, df };
}
type Direction = 'forward' | 'backwardData';

/** max scaled error of the three results against the plain ones. */
function errors(got: { out: Float32Array; dx: Float32Array; df: Float32Array }, p: ReturnType<typeof plain>) {
  return Math.max(
    scaledErr(got.out, p.out, p.outScale),
    scaledErr(got.dx, p.dx, p.dxScale),
    scaledErr(got.df, p.df, p.dfScale),
  );
}

function data(c: ConvCase, seed: number) {
  return { x: randomF32(c.x, seed), filter: randomF32(c.filter, seed + 1), dy: randomF32(c.out, seed + 2) };
}

/** Native forward, backward-data and filter gradient (dx, df from zero) with `slots` workspace
 *  slots. */
function native(c: ConvCase, x: Float32Array, filter: Float32Array, dy: Float32Array, slots = 1) {
  const nb = nativeBackend!;
  const ws = new Float32Array(c.workspace * slots);
  const out = new Float32Array(c.out).fill(Number.NaN); // overwritten, never read
  nb.conv2dForward(out, x, filter, ws, ...c.shape);
  const dx = new Float32Array(c.x);
  nb.conv2dBackwardData(dx, dy, filter, ws, ...c.shape);
  const df = new Float32Array(c.filter);
  nb.conv2dBackwardFilter(df, x, dy, ws, ...c.shape);
  return { out, dx, df };
}

const sizes: [number, number][] = [
  [3, 3],
  [4, 5],
  [7, 6],
  [8, 8],
  [13, 13],
  [12, 17],
  [28, 28],
  [30, 29],
];
const channels: [number, number][] = [
  [1, 1],
  [3, 9],
  [7, 8],
  [8, 7],
  [8, 8],
  [9, 16],
  [16, 16],
  [15, 33],
  [16, 32],
  [33, 15],
  [32, 64],
  [64, 32],
  [70, 5],
  [5, 70],
  [70, 70],
];

/** Shapes around the threshold: every channel pair over a rotation of the sizes, batches 1..5. */
function cases(): ConvCase[] {
  const out: ConvCase[] = [];
  let i = 0;
  for (const ch of channels) {
    for (const padding of ['same', 'valid'] as const) {
      for (let r = 0; r < 2; r++, i++) {
        const size = sizes[(i * 3 + r) % sizes.length];
        // keep the js twin quick: large images with many channels get batch 1
        const batch = size[0] * size[1] * ch[0] * ch[1] > 200_000 ? 1 : 1 + (i % 5);
        out.push(convCase(batch, size, ch, [3, 3], [1, 1], [1, 1], padding));
      }
    }
  }
  out.push(convCase(2, [13, 13], [32, 64], [3, 3], [1, 1], [1, 1], 'valid')); // the bench's second layer
  out.push(convCase(3, [9, 10], [12, 10], [3, 3], [1, 1], [1, 1], [2, 0, 3, 1])); // uneven, wide padding
  return out;
}

describe('the Winograd twin', () => {
  it.each(cases().flatMap((c, i) => TILES.map((m) => [m, c.label, c, i] as const)))(
    'F(%i×·) equals the plain convolution: %s',
    (m, _l, c, i) => {
      const { x, filter, dy } = data(c, 10 * i);
      const e = errors(
        twin(c, x, filter, dy, () => m),
        plain(c, x, filter, dy),
      );
      worst.twin[m] = Math.max(worst.twin[m], e);
      expect(e).toBeLessThanOrEqual(TOL[m]);
    },
  );

  it('backward-data and the filter gradient accumulate; other geometries are refused', () => {
    const c = convCase(2, [5, 6], [3, 4], [3, 3], [1, 1], [1, 1], 'same');
    const { x, filter, dy } = data(c, 3);
    const base = randomF32(c.x, 4);
    const dx = base.slice();
    conv2dWinogradBackwardData(dx, dy, filter, ...c.shape);
    const fresh = new Float32Array(c.x);
    conv2dWinogradBackwardData(fresh, dy, filter, ...c.shape);
    for (let i = 0; i < dx.length; i++) expect(dx[i]).toBeCloseTo(base[i] + fresh[i], 5);
    const baseDf = randomF32(c.filter, 5);
    const df = baseDf.slice();
    conv2dWinogradBackwardFilter(df, x, dy, ...c.shape);
    const freshDf = new Float32Array(c.filter);
    conv2dWinogradBackwardFilter(freshDf, x, dy, ...c.shape);
    for (let i = 0; i < df.length; i++) expect(df[i]).toBe(Math.fround(baseDf[i] + freshDf[i]));
    const strided = convCase(1, [5, 5], [2, 2], [3, 3], [2, 2], [1, 1], 'same');
    expect(() => conv2dWinogradForward(new Float32Array(99), x, filter, ...strided.shape)).toThrow(RangeError);
    expect(winogradTile('forward', strided.shape)).toBe(0);
  });

  it('takes F(4×4) where it multiplies less and fits, F(2×2) from the channel threshold on, else im2col', () => {
    const tile = (
      d: Direction,
      ch: [number, number],
      size: [number, number] = [13, 13],
      mode: 0 | 2 | 3 = 0,
      k = 3,
      stride = 1,
      dilation = 1,
    ) => winogradTile(d, convCase(2, size, ch, [k, k], [stride, stride], [dilation, dilation], 'valid').shape, mode);
    const m = WINOGRAD_MIN_CHANNELS;
    const rest = WINOGRAD_MIN_CHANNEL_SUM - m;
    // 13×13 'valid': F(4×4) multiplies less both ways (11×11 outputs: 9·36 < 36·16; the 13×13
    // input: 16·36 < 49·16) and fits, so 16 channels each way suffice
    expect(tile('forward', [m, m])).toBe(4);
    expect(tile('backwardData', [m, m])).toBe(4);
    expect(tile('forward', [32, 64])).toBe(4); // the Fashion-MNIST CNN's second layer
    expect(tile('backwardData', [32, 64])).toBe(4);
    expect(tile('forward', [m - 1, 64])).toBe(0);
    expect(tile('backwardData', [64, m - 1])).toBe(0);
    // 8×8 'valid': 6×6 outputs, where F(4×4) multiplies as much (4·36 = 9·16), so the forward
    // takes F(2×2) from 48 channels together; the 8×8 input takes F(4×4) (4·36 < 16·16)
    expect(tile('forward', [rest, m], [8, 8])).toBe(2);
    expect(tile('forward', [rest - 1, m], [8, 8])).toBe(0);
    expect(tile('backwardData', [rest - 1, m], [8, 8])).toBe(4);
    // forced: any channels; F(2×2) where F(4×4) does not fit
    expect(tile('forward', [4, 4], [13, 13], 2)).toBe(2);
    expect(tile('forward', [4, 4], [13, 13], 3)).toBe(4);
    expect(tile('forward', [rest, m], [8, 8], 3)).toBe(4);
    // 16 → 64 channels: 8 F(4×4) tiles (23,040 floats) overflow one column slot (17,424), F(2×2)'s fit
    expect(tile('forward', [16, 64], [13, 13], 3)).toBe(2);
    expect(tile('backwardData', [16, 64])).toBe(2);
    // never for other filters and strides, or where F(2×2)'s tiles do not fit
    expect(tile('forward', [32, 32], [13, 13], 0, 5)).toBe(0);
    expect(tile('forward', [32, 32], [13, 13], 0, 3, 2)).toBe(0);
    expect(tile('forward', [32, 32], [13, 13], 0, 3, 1, 2)).toBe(0);
    expect(tile('forward', [32, 64], [3, 3], 2)).toBe(0); // a 1×1 output: one column slot cannot hold the tiles
  });
});

describe.skipIf(!nativeBackend || !addon?._convWinograd)('conv2d: the native Winograd kernels', () => {
  const saved = { threads: getNumThreads(), mode: addon?._convWinograd?.() ?? 0 };
  afterAll(() => {
    setNumThreads(saved.threads);
    addon!._convWinograd(saved.mode);
  });

  it('_convWinograd takes 0, 1, 2 or 3 only, and a refused mode changes nothing', () => {
    addon!._convWinograd(2);
    for (const bad of ['1', null, {}]) expect(() => addon!._convWinograd(bad as never)).toThrow(TypeError);
    for (const bad of [-1, 4, 1.5, Number.NaN, Infinity]) expect(() => addon!._convWinograd(bad)).toThrow(RangeError);
    expect(() => addon!._convWinograd(7)).toThrow(/^_convWinograd: mode must be 0, 1, 2 or 3$/);
    expect(addon!._convWinograd()).toBe(2);
    expect(addon!._convWinograd(3)).toBe(3);
    expect(addon!._convWinograd(0)).toBe(0);
  });

  it.each(cases().map((c, i) => [c.label, c, i] as const))('match the twins: %s', (_l, c, i) => {
    const { x, filter, dy } = data(c, 10 * i);
    const p = plain(c, x, filter, dy);
    const run = (mode: number) => {
      addon!._convWinograd(mode);
      return native(c, x, filter, dy);
    };
    // 0 by shape; 2 and 3 F(2×2) and F(4×4) wherever they can run, below the threshold too; 1 never
    const [auto, forced2, forced4, im2col] = [run(0), run(2), run(3), run(1)];
    addon!._convWinograd(0);
    // The dispatch is the twin's winogradTile: by shape, the same bits as one path or another.
    const pick = (d: Direction, a2: Float32Array, a4: Float32Array, i2c: Float32Array) =>
      [i2c, a2, a4][winogradTile(d, c.shape) / 2];
    expect(same(auto.out, pick('forward', forced2.out, forced4.out, im2col.out)), 'out path').toBe(true);
    expect(same(auto.dx, pick('backwardData', forced2.dx, forced4.dx, im2col.dx)), 'dx path').toBe(true);
    expect(same(auto.df, pick('forward', forced2.df, forced4.df, im2col.df)), 'df path').toBe(true);
    worst.im2col = Math.max(worst.im2col, errors(im2col, p));
    for (const [m, forced] of [
      [2, forced2],
      [4, forced4],
    ] as const) {
      const e = errors(forced, p);
      worst.native[m] = Math.max(worst.native[m], e);
      expect(e, `F(${m}) vs plain`).toBeLessThanOrEqual(TOL[m]);
      // Against the Winograd twins of the tile sizes the forced mode takes (F(4×4) where it fits).
      const t = twin(c, x, filter, dy, (d) => (winogradTile(d, c.shape, m === 2 ? 2 : 3) === 4 ? 4 : 2));
      expect(scaledErr(forced.out, t.out, p.outScale), `F(${m}) out vs twin`).toBeLessThanOrEqual(TOL[m]);
      expect(scaledErr(forced.dx, t.dx, p.dxScale), `F(${m}) dx vs twin`).toBeLessThanOrEqual(TOL[m]);
      expect(scaledErr(forced.df, t.df, p.dfScale), `F(${m}) df vs twin`).toBeLessThanOrEqual(TOL[m]);
    }
  });

  it.each([
    [2, 2],
    [3, 4],
  ])(
    'give the same bits for 1–3 threads and any workspace size (the filter gradient: for a given one), and accumulate or overwrite: mode %i, F(%i×·)',
    (mode) => {
      addon!._convWinograd(mode);
      try {
        const c = convCase(5, [13, 13], [32, 64], [3, 3], [1, 1], [1, 1], 'valid');
        expect(winogradTile('forward', c.shape, mode as 2 | 3)).toBe(mode === 2 ? 2 : 4);
        const { x, filter, dy } = data(c, 77);
        const runs = [];
        const dfBySlots = new Map<number, Float32Array>();
        // F(2×2), 180 tiles: chunks of 22 (1 slot, the last one short) or 113 (5 slots);
        // F(4×4), 45 tiles: chunks of 10 (1 slot) or 45 (5 slots)
        for (const [threads, slots] of [
          [1, 1],
          [2, 1],
          [3, 1],
          [2, 2],
          [1, 5],
          [2, 5],
          [3, 5],
        ]) {
          setNumThreads(threads);
          const r = native(c, x, filter, dy, slots);
          runs.push(r);
          const first = dfBySlots.get(slots);
          if (first) expect(same(r.df, first), `df, ${slots} slots, ${threads} threads`).toBe(true);
          else dfBySlots.set(slots, r.df);
        }
        for (const r of runs.slice(1)) {
          expect(same(r.out, runs[0].out), 'out').toBe(true);
          expect(same(r.dx, runs[0].dx), 'dx').toBe(true);
        }
        // the filter gradient accumulates onto what is there (conv2dBackwardFilter's contract)
        const baseDf = randomF32(c.filter, 79);
        const df = baseDf.slice();
        nativeBackend!.conv2dBackwardFilter(df, x, dy, new Float32Array(c.workspace * 5), ...c.shape);
        for (let i = 0; i < df.length; i++) expect(df[i]).toBe(Math.fround(baseDf[i] + dfBySlots.get(5)![i]));
        // dx accumulates onto what is there (conv2dBackwardData's contract)
        const base = randomF32(c.x, 78);
        const dx = base.slice();
        nativeBackend!.conv2dBackwardData(dx, dy, filter, new Float32Array(c.workspace * 5), ...c.shape);
        for (let i = 0; i < dx.length; i += 97) expect(dx[i]).toBe(Math.fround(base[i] + runs[0].dx[i]));
      } finally {
        addon!._convWinograd(0);
      }
    },
  );

  it.each((addon?.cpuPaths?.() ?? []).flatMap((path: string) => TILES.map((m) => [path, m] as const)))(
    'match the twins on the %s path, F(%i×·) (tails of 5 and 70 channels)',
    (path, m) => {
      const saved = addon!.cpuPath();
      try {
        addon!.setCpuPath(path);
        addon!._convWinograd(m === 2 ? 2 : 3);
        for (const [i, c] of [
          convCase(2, [13, 13], [32, 64], [3, 3], [1, 1], [1, 1], 'valid'),
          convCase(1, [12, 17], [70, 5], [3, 3], [1, 1], [1, 1], 'same'),
          convCase(2, [7, 6], [5, 70], [3, 3], [1, 1], [1, 1], 'same'),
        ].entries()) {
          const { x, filter, dy } = data(c, 500 + 10 * i);
          const p = plain(c, x, filter, dy);
          const got = native(c, x, filter, dy, 2);
          const t = twin(c, x, filter, dy, (d) => (winogradTile(d, c.shape, m === 2 ? 2 : 3) === 4 ? 4 : 2));
          expect(scaledErr(got.out, t.out, p.outScale), `out ${c.label}`).toBeLessThanOrEqual(TOL[m]);
          expect(scaledErr(got.dx, t.dx, p.dxScale), `dx ${c.label}`).toBeLessThanOrEqual(TOL[m]);
          expect(scaledErr(got.df, t.df, p.dfScale), `df ${c.label}`).toBeLessThanOrEqual(TOL[m]);
        }
      } finally {
        addon!.setCpuPath(saved);
        addon!._convWinograd(0);
      }
    },
  );

  afterAll(() => {
    // The figures the header states (seen with --reporter=verbose or in the console).
    const e = (v: number) => v.toExponential(2);
    for (const m of TILES) console.log(`WINOGRAD_ERROR F(${m}) native ${e(worst.native[m])} twin ${e(worst.twin[m])}`);
    console.log(`WINOGRAD_ERROR im2col ${e(worst.im2col)}`);
  });
});
