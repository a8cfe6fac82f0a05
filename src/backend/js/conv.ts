/** 2-D convolution, NHWC, filter (kH, kW, inC, outC): the specification. Input cells outside the
 *  image (padding) read as 0:
 *    out[b,oy,ox,o] = Σ_{ky,kx,c} x[b, oy·sh − padTop + ky·dh, ox·sw − padLeft + kx·dw, c] · filter[ky,kx,c,o]
 *  The workspace belongs to the native im2col; the twin does not need it. */
import { convOutputSize } from './conv-shape';

/** A convolution's sizes; outH, outW: its output's. */
export interface Geometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outC: number;
  kH: number;
  kW: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  padTop: number;
  padLeft: number;
  outH: number;
  outW: number;
}

/** The shape arguments (Conv2dShapeArgs: batch, inH, inW, inC, outC, kH, kW, strideH, strideW,
 *  dilationH, dilationW, padTop, padBottom, padLeft, padRight) as a Geometry. */
export function geometry(g: number[]): Geometry {
  const [batch, inH, inW, inC, outC, kH, kW, sh, sw, dh, dw, padTop, padBottom, padLeft, padRight] = g;
  const outH = convOutputSize(inH, kH, sh, dh, padTop, padBottom);
  const outW = convOutputSize(inW, kW, sw, dw, padLeft, padRight);
  return { batch, inH, inW, inC, outC, kH, kW, sh, sw, dh, dw, padTop, padLeft, outH, outW };
}

/** Calls visit(xi, yi, fi) for every (input cell, output cell, filter tap) the convolution pairs:
 *  x[xi + c] meets dy/out[yi + o] through filter[fi + c·outC + o]. */
function eachTap(s: Geometry, visit: (xi: number, yi: number, fi: number) => void): void {
  for (let b = 0; b < s.batch; b++) {
    for (let oy = 0; oy < s.outH; oy++) {
      for (let ox = 0; ox < s.outW; ox++) {
        const yi = ((b * s.outH + oy) * s.outW + ox) * s.outC;
        for (let ky = 0; ky < s.kH; ky++) {
          const iy = oy * s.sh - s.padTop + ky * s.dh;
          if (iy < 0 || iy >= s.inH) continue;
          for (let kx = 0; kx < s.kW; kx++) {
            const ix = ox * s.sw - s.padLeft + kx * s.dw;
            if (ix < 0 || ix >= s.inW) continue;
            visit(((b * s.inH + iy) * s.inW + ix) * s.inC, yi, (ky * s.kW + kx) * s.inC * s.outC);
          }
        }
      }
    }
  }
}

/** out = conv(x, filter), overwritten. */
export function conv2dForward(
  out: Float32Array,
  x: Float32Array,
  filter: Float32Array,
  _workspace: Float32Array,
  ...shape: number[]
): void {
  const s = geometry(shape);
  out.fill(0, 0, s.batch * s.outH * s.outW * s.outC);
  eachTap(s, (xi, yi, fi) => {
    for (let c = 0; c < s.inC; c++) {
      for (let o = 0; o < s.outC; o++) out[yi + o] += x[xi + c] * filter[fi + c * s.outC + o];
    }
  });
}

/** dx += the gradient of Σ dy·out with respect to x (accumulates). */
export function conv2dBackwardData(
  dx: Float32Array,
  dy: Float32Array,
  filter: Float32Array,
  _workspace: Float32Array,
  ...shape: number[]
): void {
  const s = geometry(shape);
  eachTap(s, (xi, yi, fi) => {
    for (let c = 0; c < s.inC; c++) {
      for (let o = 0; o < s.outC; o++) dx[xi + c] += dy[yi + o] * filter[fi + c * s.outC + o];
    }
  });
}

/** dfilter += the gradient of Σ dy·out with respect to filter, summed over the batch (accumulates). */
export function conv2dBackwardFilter(
  dfilter: Float32Array,
  x: Float32Array,
  dy: Float32Array,
  _workspace: Float32Array,
  ...shape: number[]
): void {
  const s = geometry(shape);
  eachTap(s, (xi, yi, fi) => {
    for (let c = 0; c < s.inC; c++) {
      for (let o = 0; o < s.outC; o++) dfilter[fi + c * s.outC + o] += x[xi + c] * dy[yi + o];
    }
  });
}
