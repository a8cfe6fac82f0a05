/** Winograd F(2×2, 3×3) convolution (Lavin & Gray 2015), NHWC: the specification of
 *  native/kernels/conv_winograd.cc (F(4×4, 3×3): conv-winograd4.ts), which conv2d_forward,
 *  conv2d_backward_data and conv2d_backward_filter take for 3×3,
 *  stride-1, dilation-1 convolutions with at least WINOGRAD_MIN_CHANNELS input and output channels,
 *  WINOGRAD_MIN_CHANNEL_SUM together (winogradTile; bench/conv-winograd.js measured where it
 *  wins). The output is cut into 2×2 tiles; tile (ty, tx) reads the 4×4 input window
 *  at (2·ty − padTop, 2·tx − padLeft) (cells outside the image read 0) and computes
 *    out tile = Aᵀ [ Σ_c (Bᵀ d_c B) ⊙ (G g_{c,o} Gᵀ) ] A
 *  with the matrices below; edge tiles are clipped. Transforms round to float32 at every step, as
 *  the native loops do; the sum over channels (the native GEMMs) is summed here in double and
 *  rounded once. Backward-data is the forward of dy padded by 2 − padTop, 2 − padLeft, with the
 *  filter turned 180° and its channels swapped. The filter gradient is the forward run backwards:
 *  since out tile = Aᵀ [U ⊙ V] A with U = G g Gᵀ, it is Gᵀ [ Σ_tiles (A dy Aᵀ) ⊙ V ] G, with V
 *  the forward's transformed input tiles and dy each tile's 2×2 output gradient. */
import { convOutputSize } from './conv-shape';

/** Channels (input and output each, and together for F(2×2)) from which the native kernels take
 *  Winograd. */
export const WINOGRAD_MIN_CHANNELS = 16;
export const WINOGRAD_MIN_CHANNEL_SUM = 48;
/** Tiles whose transformed input and output one column slot of the workspace must hold. */
export const WINOGRAD_MIN_TILES = 8;

const f = Math.fround;

const tiles = (h: number, w: number, m: number) => Math.ceil(h / m) * Math.ceil(w / m);

/** Whether one column slot of the workspace (outH·outW·9·inC floats) holds a useful chunk of
 *  F(m×m) tiles over h×w outputs: WINOGRAD_MIN_TILES, or all of an image's. */
function fits(shape: number[], h: number, w: number, m: number): boolean {
  const { inC, outC, outH, outW } = winogradGeometry(shape);
  return Math.min(WINOGRAD_MIN_TILES, tiles(h, w, m)) * (m + 2) ** 2 * (inC + outC) <= outH * outW * 9 * inC;
}

/** The tile edge m of the Winograd F(m×m, 3×3) that the native conv2d kernels take for this shape
 *  (the arguments of conv2dForward after the buffers), or 0 for im2col: for the forward and the
 *  filter gradient ('forward', tiles over the output) or for backward-data (over the input). A 3×3
 *  filter, stride 1, dilation 1, one column slot holding a useful chunk of F(2×2) tiles both ways,
 *  at least WINOGRAD_MIN_CHANNELS input and output channels and WINOGRAD_MIN_CHANNEL_SUM together
 *  unless F(4×4) is taken; F(4×4) where its tiles fit and it multiplies less (36 products per tile
 *  against 16). mode: the native _convWinograd modes (0 by shape; 2 F(2×2) and 3 F(4×4) where its
 *  tiles fit, whatever the channels). */
export function winogradTile(direction: 'forward' | 'backwardData', shape: number[], mode: 0 | 2 | 3 = 0): 0 | 2 | 4 {
  const [, inH, inW, inC, outC, kH, kW, sh, sw, dh, dw, padTop, padBottom, padLeft, padRight] = shape;
  if (kH !== 3 || kW !== 3 || sh !== 1 || sw !== 1 || dh !== 1 || dw !== 1) return 0;
  const outH = convOutputSize(inH, 3, 1, 1, padTop, padBottom);
  const outW = convOutputSize(inW, 3, 1, 1, padLeft, padRight);
  if (inC < 1 || outC < 1 || inH < 1 || inW < 1 || outH < 1 || outW < 1) return 0;
  if (!fits(shape, outH, outW, 2) || !fits(shape, inH, inW, 2)) return 0;
  const [h, w] = direction === 'forward' ? [outH, outW] : [inH, inW];
  let m: 2 | 4 = 2;
  if (mode !== 2 && fits(shape, h, w, 4) && (mode === 3 || 36 * tiles(h, w, 4) < 16 * tiles(h, w, 2))) m = 4;
  if (mode !== 0) return m;
  if (Math.min(inC, outC) < WINOGRAD_MIN_CHANNELS) return 0;
  return inC + outC >= WINOGRAD_MIN_CHANNEL_SUM || m === 4 ? m : 0;
}

/** u (16, cin, cout) = G g Gᵀ, G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1], for each 3×3 g = taps(c, o). */
function transformFilter(cin: number, cout: number, taps: (c: number, o: number, k: number) => number): Float32Array {
  const u = new Float32Array(16 * cin * cout);
  for (let c = 0; c < cin; c++) {
    for (let o = 0; o < cout; o++) {
      const g = Array.from({ length: 9 }, (_, k) => taps(c, o, k));
      const t: number[] = []; // G g, 4 rows of 3
      for (let j = 0; j < 3; j++) {
        t[j] = g[j];
        t[3 + j] = f(0.5 * f(f(g[j] + g[3 + j]) + g[6 + j]));
        t[6 + j] = f(0.5 * f(f(g[j] - g[3 + j]) + g[6 + j]));
        t[9 + j] = g[6 + j];
      }
      for (let i = 0; i < 4; i++) {
        const [r0, r1, r2] = [t[3 * i], t[3 * i + 1], t[3 * i + 2]];
        const row = [r0, f(0.5 * f(f(r0 + r1) + r2)), f(0.5 * f(f(r0 - r1) + r2)), r2];
        for (let j = 0; j < 4; j++) u[((4 * i + j) * cin + c) * cout + o] = row[j];
      }
    }
  }
  return u;
}

/** v (16, cin) = Bᵀ d B, Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1], for d (scratch, 16·cin) the
 *  4×4×cin window of image b of x at (iy0, ix0); cells outside the image read 0. */
function transformInput(
  v: Float32Array,
  d: Float32Array,
  x: Float32Array,
  [b, h, w, cin]: number[],
  iy0: number,
  ix0: number,
): void {
  for (let k = 0; k < 16; k++) {
    const iy = iy0 + (k >> 2);
    const ix = ix0 + (k & 3);
    const inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
    for (let c = 0; c < cin; c++) d[k * cin + c] = inside ? x[((b * h + iy) * w + ix) * cin + c] : 0;
  }
  for (let c = 0; c < cin; c++) {
    const at = (i: number, j: number) => d[(4 * i + j) * cin + c];
    const t: number[] = [];
    for (let j = 0; j < 4; j++) {
      t[j] = f(at(0, j) - at(2, j));
      t[4 + j] = f(at(1, j) + at(2, j));
      t[8 + j] = f(at(2, j) - at(1, j));
      t[12 + j] = f(at(1, j) - at(3, j));
    }
    for (let i = 0; i < 4; i++) {
      const r = t.slice(4 * i, 4 * i + 4);
      const row = [r[0] - r[2], r[1] + r[2], r[2] - r[1], r[1] - r[3]];
      for (let j = 0; j < 4; j++) v[(4 * i + j) * cin + c] = row[j];
    }
  }
}

/** out (batch, outH, outW, cout) (+)= the Winograd convolution of x (batch, h, w, cin) with the
 *  transformed filter u, windows at (2·ty − padTop, 2·tx − padLeft). */
function winograd(
  out: Float32Array,
  x: Float32Array,
  u: Float32Array,
  [batch, h, w, cin, cout, padTop, padLeft, outH, outW]: number[],
  add: boolean,
): void {
  const d = new Float32Array(16 * cin);
  const v = new Float32Array(16 * cin);
  const m = new Float64Array(16 * cout);
  for (let b = 0; b < batch; b++) {
    for (let oy0 = 0; oy0 < outH; oy0 += 2) {
      for (let ox0 = 0; ox0 < outW; ox0 += 2) {
        transformInput(v, d, x, [b, h, w, cin], oy0 - padTop, ox0 - padLeft);
        // m_ξ = Σ_c v_ξ[c] · u_ξ[c][o], rounded once
        m.fill(0);
        for (let xi = 0; xi < 16; xi++) {
          for (let c = 0; c < cin; c++) {
            const vc = v[xi * cin + c];
            for (let o = 0; o < cout; o++) m[xi * cout + o] += vc * u[(xi * cin + c) * cout + o];
          }
        }
        // out tile = Aᵀ m A, Aᵀ = [1 1 1 0; 0 1 −1 −1]
        for (let o = 0; o < cout; o++) {
          const at = (i: number, j: number) => f(m[(4 * i + j) * cout + o]);
          const t: number[] = [];
          for (let j = 0; j < 4; j++) {
            t[j] = f(f(at(0, j) + at(1, j)) + at(2, j));
            t[4 + j] = f(f(at(1, j) - at(2, j)) - at(3, j));
          }
          for (let i = 0; i < 2; i++) {
            const r = t.slice(4 * i, 4 * i + 4);
            const y = [f(f(r[0] + r[1]) + r[2]), f(f(r[1] - r[2]) - r[3])];
            for (let j = 0; j < 2; j++) {
              if (oy0 + i >= outH || ox0 + j >= outW) continue;
              const at = ((b * outH + oy0 + i) * outW + ox0 + j) * cout + o;
              out[at] = add ? out[at] + y[j] : y[j];
            }
          }
        }
      }
    }
  }
}

/** The taps of the filter turned 180° with its channels swapped, backward-data's filter:
 *  turned[ky][kx][o][c] = filter[2 − ky][2 − kx][c][o], as taps(o, c, k) for k = 3·ky + kx. */
export function turnedTaps(filter: Float32Array, inC: number, outC: number) {
  return (o: number, c: number, k: number) => filter[((8 - k) * inC + c) * outC + o];
}

/** The filter gradient's sums over tiles: z[ξ][c][o] += v[ξ][c] · w[ξ][o] for the xis cells of
 *  one tile's transformed input v and output gradient w. */
export function addTileProducts(
  z: Float64Array,
  v: Float32Array,
  w: Float32Array,
  xis: number,
  inC: number,
  outC: number,
): void {
  for (let xi = 0; xi < xis; xi++) {
    for (let c = 0; c < inC; c++) {
      const vc = v[xi * inC + c];
      for (let o = 0; o < outC; o++) z[(xi * inC + c) * outC + o] += vc * w[xi * outC + o];
    }
  }
}

/** The sizes of a conv2dForward shape that Winograd takes (3×3, stride 1, dilation 1). */
export function winogradGeometry(shape: number[]) {
  const [batch, inH, inW, inC, outC, kH, kW, sh, sw, dh, dw, padTop, padBottom, padLeft, padRight] = shape;
  if (kH !== 3 || kW !== 3 || sh !== 1 || sw !== 1 || dh !== 1 || dw !== 1) {
    throw new RangeError('Winograd takes 3×3 filters with stride 1 and dilation 1');
  }
  const outH = convOutputSize(inH, 3, 1, 1, padTop, padBottom);
  const outW = convOutputSize(inW, 3, 1, 1, padLeft, padRight);
  return { batch, inH, inW, inC, outC, padTop, padLeft, outH, outW };
}

/** out = conv(x, filter), overwritten, as conv2dForward (conv.ts) but by Winograd. */
export function conv2dWinogradForward(
  out: Float32Array,
  x: Float32Array,
  filter: Float32Array,
  ...shape: number[]
): void {
  const s = winogradGeometry(shape);
  const u = transformFilter(s.inC, s.outC, (c, o, k) => filter[(k * s.inC + c) * s.outC + o]);
  winograd(out, x, u, [s.batch, s.inH, s.inW, s.inC, s.outC, s.padTop, s.padLeft, s.outH, s.outW], false);
}

/** dx += the gradient of Σ dy·out with respect to x (accumulates), as conv2dBackwardData but by
 *  Winograd: the forward of dy with the filter turned 180° and its channels swapped. */
export function conv2dWinogradBackwardData(
  dx: Float32Array,
  dy: Float32Array,
  filter: Float32Array,
  ...shape: number[]
): void {
  const s = winogradGeometry(shape);
  const u = transformFilter(s.outC, s.inC, turnedTaps(filter, s.inC, s.outC));
  winograd(dx, dy, u, [s.batch, s.outH, s.outW, s.outC, s.inC, 2 - s.padTop, 2 - s.padLeft, s.inH, s.inW], true);
}

/** dfilter += the gradient of Σ dy·out with respect to the filter (accumulates), as
 *  conv2dBackwardFilter but by Winograd: z_ξ[c][o] = Σ over tiles of V_ξ[c] · (A dy Aᵀ)_ξ[o],
 *  A = [1 0; 1 1; 1 −1; 0 −1], summed in double and rounded once (the native GEMMs' sums), then
 *  Gᵀ z G, Gᵀ = [1 ½ ½ 0; 0 ½ −½ 0; 0 ½ ½ 1]. */
export function conv2dWinogradBackwardFilter(
  dfilter: Float32Array,
  x: Float32Array,
  dy: Float32Array,
  ...shape: number[]
): void {
  const { batch, inH, inW, inC, outC, padTop, padLeft, outH, outW } = winogradGeometry(shape);
  const d = new Float32Array(16 * inC);
  const v = new Float32Array(16 * inC);
  const wt = new Float32Array(16 * outC);
  const z = new Float64Array(16 * inC * outC);
  for (let b = 0; b < batch; b++) {
    for (let oy0 = 0; oy0 < outH; oy0 += 2) {
      for (let ox0 = 0; ox0 < outW; ox0 += 2) {
        transformInput(v, d, x, [b, inH, inW, inC], oy0 - padTop, ox0 - padLeft);
        // wt = A q Aᵀ for the tile's 2×2 output gradient q (cells past the image 0)
        const q = (i: number, j: number, o: number) =>
          oy0 + i < outH && ox0 + j < outW ? dy[((b * outH + oy0 + i) * outW + ox0 + j) * outC + o] : 0;
        for (let o = 0; o < outC; o++) {
          const [q0, q1, q2, q3] = [q(0, 0, o), q(0, 1, o), q(1, 0, o), q(1, 1, o)];
          const r = [q0, q1, f(q0 + q2), f(q1 + q3), f(q0 - q2), f(q1 - q3), -q2, -q3]; // A q
          for (let i = 0; i < 4; i++) {
            const [a, bb] = [r[2 * i], r[2 * i + 1]];
            const row = [a, f(a + bb), f(a - bb), -bb];
            for (let j = 0; j < 4; j++) wt[(4 * i + j) * outC + o] = row[j];
          }
        }
        addTileProducts(z, v, wt, 16, inC, outC);
      }
    }
  }
  const taps = inC * outC;
  for (let co = 0; co < taps; co++) {
    const at = (i: number, j: number) => f(z[(4 * i + j) * taps + co]);
    const t: number[] = []; // Gᵀ z, 3 rows of 4
    for (let j = 0; j < 4; j++) {
      const half = f(at(1, j) + at(2, j));
      t[j] = f(at(0, j) + f(0.5 * half));
      t[4 + j] = f(0.5 * f(at(1, j) - at(2, j)));
      t[8 + j] = f(f(0.5 * half) + at(3, j));
    }
    for (let i = 0; i < 3; i++) {
      const [r0, r1, r2, r3] = t.slice(4 * i, 4 * i + 4);
      const half = f(r1 + r2);
      const row = [f(r0 + f(0.5 * half)), f(0.5 * f(r1 - r2)), f(f(0.5 * half) + r3)];
      for (let j = 0; j < 3; j++) dfilter[(3 * i + j) * taps + co] = f(dfilter[(3 * i + j) * taps + co] + row[j]);
    }
  }
}
