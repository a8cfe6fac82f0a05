/** Winograd F(4×4, 3×3) convolution, NHWC: the specification of the F(4×4) path of
 *  native/kernels/conv_winograd.cc, which takes it where winogradTile (conv-winograd.ts) says.
 *  The output is cut into 4×4 tiles; tile (ty, tx) reads the 6×6 input window at
 *  (4·ty − padTop, 4·tx − padLeft) (cells outside the image read 0) and computes
 *    out tile = Aᵀ [ Σ_c (Bᵀ d_c B) ⊙ (G g_{c,o} Gᵀ) ] A
 *  with the matrices below (Lavin & Gray's, interpolation points 0, ±1, ±2 and ∞). Each matrix
 *  product is computed here in double and rounded to float32, pass by pass; the native loops round
 *  at every operation, so the two agree to rounding, not bit for bit. Backward-data and the filter
 *  gradient follow conv-winograd.ts: the forward of dy with the filter turned, and
 *  Gᵀ [ Σ_tiles (A dy Aᵀ) ⊙ V ] G. */
import { addTileProducts, turnedTaps, winogradGeometry } from './conv-winograd';

const BT = [
  [4, 0, -5, 0, 1, 0],
  [0, -4, -4, 1, 1, 0],
  [0, 4, -4, -1, 1, 0],
  [0, -2, -1, 2, 1, 0],
  [0, 2, -1, -2, 1, 0],
  [0, 4, 0, -5, 0, 1],
];
const G = [
  [1 / 4, 0, 0],
  [-1 / 6, -1 / 6, -1 / 6],
  [-1 / 6, 1 / 6, -1 / 6],
  [1 / 24, 1 / 12, 1 / 6],
  [1 / 24, -1 / 12, 1 / 6],
  [0, 0, 1],
];
const AT = [
  [1, 1, 1, 1, 1, 0],
  [0, 1, -1, 2, -2, 0],
  [0, 1, 1, 4, 4, 0],
  [0, 1, -1, 8, -8, 1],
];
const transpose = (m: number[][]) => m[0].map((_, j) => m.map((row) => row[j]));
const GT = transpose(G);
const A = transpose(AT);

/** L x Rᵀ for x (r × c, row-major), each product rounded to float32: L x first, then (L x) Rᵀ. */
function sandwich(l: number[][], x: ArrayLike<number>, c: number, r: number[][]): number[] {
  const rows = l.length;
  const left: number[] = [];
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < c; j++) {
      let sum = 0;
      for (let k = 0; k < l[i].length; k++) sum += l[i][k] * x[k * c + j];
      left[i * c + j] = Math.fround(sum);
    }
  }
  const out: number[] = [];
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < r.length; j++) {
      let sum = 0;
      for (let k = 0; k < c; k++) sum += left[i * c + k] * r[j][k];
      out[i * r.length + j] = Math.fround(sum);
    }
  }
  return out;
}

/** u (36, cin, cout) = G g Gᵀ for each 3×3 g = taps(c, o, k). */
function transformFilter(cin: number, cout: number, taps: (c: number, o: number, k: number) => number): Float32Array {
  const u = new Float32Array(36 * cin * cout);
  const g = new Float32Array(9);
  for (let c = 0; c < cin; c++) {
    for (let o = 0; o < cout; o++) {
      for (let k = 0; k < 9; k++) g[k] = taps(c, o, k);
      const t = sandwich(G, g, 3, G);
      for (let xi = 0; xi < 36; xi++) u[(xi * cin + c) * cout + o] = t[xi];
    }
  }
  return u;
}

/** v (36, cin) = Bᵀ d B for the 6×6×cin window of image b of x at (iy0, ix0); outside reads 0. */
function transformInput(v: Float32Array, x: Float32Array, [b, h, w, cin]: number[], iy0: number, ix0: number): void {
  const d = new Float32Array(36);
  for (let c = 0; c < cin; c++) {
    for (let k = 0; k < 36; k++) {
      const iy = iy0 + Math.floor(k / 6);
      const ix = ix0 + (k % 6);
      d[k] = iy >= 0 && iy < h && ix >= 0 && ix < w ? x[((b * h + iy) * w + ix) * cin + c] : 0;
    }
    const t = sandwich(BT, d, 6, BT);
    for (let xi = 0; xi < 36; xi++) v[xi * cin + c] = t[xi];
  }
}

/** out (batch, outH, outW, cout) (+)= the F(4×4) convolution of x (batch, h, w, cin) with the
 *  transformed filter u, windows at (4·ty − padTop, 4·tx − padLeft). */
function winograd4(
  out: Float32Array,
  x: Float32Array,
  u: Float32Array,
  [batch, h, w, cin, cout, padTop, padLeft, outH, outW]: number[],
  add: boolean,
): void {
  const v = new Float32Array(36 * cin);
  const m = new Float64Array(36);
  for (let b = 0; b < batch; b++) {
    for (let oy0 = 0; oy0 < outH; oy0 += 4) {
      for (let ox0 = 0; ox0 < outW; ox0 += 4) {
        transformInput(v, x, [b, h, w, cin], oy0 - padTop, ox0 - padLeft);
        for (let o = 0; o < cout; o++) {
          // m_ξ = Σ_c v_ξ[c] · u_ξ[c][o], rounded once; the tile = Aᵀ m A
          for (let xi = 0; xi < 36; xi++) {
            let sum = 0;
            for (let c = 0; c < cin; c++) sum += v[xi * cin + c] * u[(xi * cin + c) * cout + o];
            m[xi] = Math.fround(sum);
          }
          const y = sandwich(AT, m, 6, AT);
          for (let k = 0; k < 16; k++) {
            const oy = oy0 + (k >> 2);
            const ox = ox0 + (k & 3);
            if (oy >= outH || ox >= outW) continue;
            const at = ((b * outH + oy) * outW + ox) * cout + o;
            out[at] = add ? Math.fround(out[at] + y[k]) : y[k];
          }
        }
      }
    }
  }
}

/** out = conv(x, filter), overwritten, as conv2dForward (conv.ts) but by F(4×4) Winograd. */
export function conv2dWinograd4Forward(out: Float32Array, x: Float32Array, filter: Float32Array, ...shape: number[]) {
  const s = winogradGeometry(shape);
  const u = transformFilter(s.inC, s.outC, (c, o, k) => filter[(k * s.inC + c) * s.outC + o]);
  winograd4(out, x, u, [s.batch, s.inH, s.inW, s.inC, s.outC, s.padTop, s.padLeft, s.outH, s.outW], false);
}

/** dx += the gradient of Σ dy·out with respect to x (accumulates), by F(4×4) Winograd: the forward
 *  of dy with the filter turned 180° and its channels swapped. */
export function conv2dWinograd4BackwardData(
  dx: Float32Array,
  dy: Float32Array,
  filter: Float32Array,
  ...shape: number[]
) {
  const s = winogradGeometry(shape);
  const u = transformFilter(s.outC, s.inC, turnedTaps(filter, s.inC, s.outC));
  winograd4(dx, dy, u, [s.batch, s.outH, s.outW, s.outC, s.inC, 2 - s.padTop, 2 - s.padLeft, s.inH, s.inW], true);
}

/** dfilter += the gradient of Σ dy·out with respect to the filter (accumulates), by F(4×4)
 *  Winograd: z_ξ[c][o] = Σ over tiles of V_ξ[c] · (A dy Aᵀ)_ξ[o], summed in double and rounded
 *  once, then Gᵀ z G. */
export function conv2dWinograd4BackwardFilter(
  dfilter: Float32Array,
  x: Float32Array,
  dy: Float32Array,
  ...shape: number[]
) {
  const { batch, inH, inW, inC, outC, padTop, padLeft, outH, outW } = winogradGeometry(shape);
  const v = new Float32Array(36 * inC);
  const wt = new Float32Array(36 * outC);
  const q = new Float32Array(16);
  const z = new Float64Array(36 * inC * outC);
  for (let b = 0; b < batch; b++) {
    for (let oy0 = 0; oy0 < outH; oy0 += 4) {
      for (let ox0 = 0; ox0 < outW; ox0 += 4) {
        transformInput(v, x, [b, inH, inW, inC], oy0 - padTop, ox0 - padLeft);
        for (let o = 0; o < outC; o++) {
          for (let k = 0; k < 16; k++) {
            const oy = oy0 + (k >> 2);
            const ox = ox0 + (k & 3);
            q[k] = oy < outH && ox < outW ? dy[((b * outH + oy) * outW + ox) * outC + o] : 0;
          }
          const t = sandwich(A, q, 4, A);
          for (let xi = 0; xi < 36; xi++) wt[xi * outC + o] = t[xi];
        }
        addTileProducts(z, v, wt, 36, inC, outC);
      }
    }
  }
  const taps = inC * outC;
  const zc = new Float32Array(36);
  for (let co = 0; co < taps; co++) {
    for (let xi = 0; xi < 36; xi++) zc[xi] = z[xi * taps + co];
    const g = sandwich(GT, zc, 6, GT);
    for (let k = 0; k < 9; k++) dfilter[k * taps + co] = Math.fround(dfilter[k * taps + co] + g[k]);
  }
}
