/** A first convolution layer fused with its relu and a max pooling over non-overlapping windows
 *  (src/graph/builder.ts, fuseConvReluPool): the specification of the tape kernels conv2dReluPool
 *  and conv2dReluPoolGrad. The convolution z = conv(x, filter) (src/backend/js/conv.ts) is pooled
 *  over poolH × poolW windows that tile it from its corner (stride = window, no padding: the
 *  rows and columns past the last whole window belong to no window), and then
 *    q = max over the window of z (the first maximum in window order: strict >, so a NaN is never
 *        taken over an earlier cell, and a window whose first cell is NaN stays NaN),
 *    out = relu(q + bias) = q + bias > 0 ? q + bias : 0 (NaN gives 0, as the native relu),
 *    argmax = the place of that maximum inside its window, ky·poolW + kx (int32).
 *  Bias and relu commute with the max (both non-decreasing), so out is Keras's
 *  maxPool(relu(conv + bias)) (see poolBeforeRelu in the builder for the one tie difference).
 *
 *  The gradient, given dy = ∂L/∂out (shaped like out) and out itself:
 *    g = dy · (out > 0 ? 1 : 0) (relu's gradient: dy·0 where it cut, so NaN·0 stays NaN),
 *    dfilter (+)= Σ over images, then window rows, then window columns (row-major over the cells
 *                 of z, the cells past the last window skipped) of patch(cell) ⊗ (cell = argmax ? g : 0),
 *    dbias (+)= Σ g over images and pooled cells.
 *  An argmax outside [0, poolH·poolW) names no cell (a hand-made tape): its g goes nowhere. */
import { type Geometry as ConvGeometry, geometry as convGeometry } from './conv';

/** The convolution's sizes (its output convH × convW) and the pool's: outH × outW pooled cells. */
interface Geometry extends Omit<ConvGeometry, 'outH' | 'outW'> {
  convH: number;
  convW: number;
  poolH: number;
  poolW: number;
  outH: number;
  outW: number;
}

/** The shape arguments: a convolution's 15 (Conv2dShapeArgs: batch, inH, inW, inC, outC, kH, kW,
 *  strideH, strideW, dilationH, dilationW, padTop, padBottom, padLeft, padRight), then poolH, poolW. */
export function convReluPoolGeometry(g: number[]): Geometry {
  const conv = convGeometry(g);
  const [poolH, poolW] = g.slice(15, 17);
  const pooled = { outH: Math.floor(conv.outH / poolH), outW: Math.floor(conv.outW / poolW) };
  return { ...conv, convH: conv.outH, convW: conv.outW, poolH, poolW, ...pooled };
}

/** The patch under convolution cell (oy, ox) of image b, in the filter's (ky, kx, c) order, padding 0. */
function patch(s: Geometry, x: Float32Array, b: number, oy: number, ox: number): Float32Array {
  const p = new Float32Array(s.kH * s.kW * s.inC);
  for (let ky = 0; ky < s.kH; ky++) {
    const iy = oy * s.sh - s.padTop + ky * s.dh;
    for (let kx = 0; kx < s.kW; kx++) {
      const ix = ox * s.sw - s.padLeft + kx * s.dw;
      if (iy < 0 || iy >= s.inH || ix < 0 || ix >= s.inW) continue;
      for (let c = 0; c < s.inC; c++) p[(ky * s.kW + kx) * s.inC + c] = x[((b * s.inH + iy) * s.inW + ix) * s.inC + c];
    }
  }
  return p;
}

/** z of cell (oy, ox), channel o: the patch · filter[:, o] summed in tap order from 0 (each step
 *  rounded to float32, as conv2dForward's). */
function convCell(s: Geometry, p: Float32Array, filter: Float32Array, o: number): number {
  let sum = 0;
  for (let j = 0; j < p.length; j++) sum = Math.fround(sum + p[j] * filter[j * s.outC + o]);
  return sum;
}

/** out (batch, outH, outW, outC) = relu(maxPool(conv(x, filter)) + bias); argmax likewise shaped. */
export function conv2dReluPoolForward(
  out: Float32Array,
  argmax: Int32Array,
  x: Float32Array,
  filter: Float32Array,
  bias: Float32Array | null,
  ...shape: number[]
): void {
  const s = convReluPoolGeometry(shape);
  for (let b = 0; b < s.batch; b++) {
    for (let py = 0; py < s.outH; py++) {
      for (let px = 0; px < s.outW; px++) {
        const patches: Float32Array[] = [];
        for (let ky = 0; ky < s.poolH; ky++)
          for (let kx = 0; kx < s.poolW; kx++) patches.push(patch(s, x, b, py * s.poolH + ky, px * s.poolW + kx));
        const o = ((b * s.outH + py) * s.outW + px) * s.outC;
        for (let c = 0; c < s.outC; c++) {
          let best = convCell(s, patches[0], filter, c);
          let arg = 0;
          for (let k = 1; k < patches.length; k++) {
            const v = convCell(s, patches[k], filter, c);
            if (v > best) {
              best = v;
              arg = k;
            }
          }
          const q = bias ? Math.fround(best + bias[c]) : best;
          out[o + c] = Number.isNaN(q) ? 0 : Math.max(q, 0); // the native relu: NaN gives 0
          argmax[o + c] = arg;
        }
      }
    }
  }
}

/** dfilter (+)= ∂L/∂filter and dbias (+)= ∂L/∂bias (if any) from dy = ∂L/∂out; accumulate false
 *  overwrites them. */
export function conv2dReluPoolBackward(
  dfilter: Float32Array,
  dbias: Float32Array | null,
  x: Float32Array,
  dy: Float32Array,
  y: Float32Array,
  argmax: Int32Array,
  accumulate: boolean,
  ...shape: number[]
): void {
  const s = convReluPoolGeometry(shape);
  const k = s.kH * s.kW * s.inC;
  const df = new Float32Array(k * s.outC);
  const db = new Float32Array(s.outC);
  for (let b = 0; b < s.batch; b++) {
    for (let py = 0; py < s.outH; py++) {
      for (let ky = 0; ky < s.poolH; ky++) {
        for (let px = 0; px < s.outW; px++) {
          const o = ((b * s.outH + py) * s.outW + px) * s.outC;
          for (let kx = 0; kx < s.poolW; kx++) {
            const p = patch(s, x, b, py * s.poolH + ky, px * s.poolW + kx);
            for (let c = 0; c < s.outC; c++) {
              const g = Math.fround(dy[o + c] * (y[o + c] > 0 ? 1 : 0));
              const gc = argmax[o + c] === ky * s.poolW + kx ? g : 0;
              for (let j = 0; j < k; j++) df[j * s.outC + c] += p[j] * gc;
            }
          }
        }
      }
    }
    if (dbias) {
      for (let i = 0; i < s.outH * s.outW; i++) {
        const o = (b * s.outH * s.outW + i) * s.outC;
        for (let c = 0; c < s.outC; c++) db[c] = Math.fround(db[c] + Math.fround(dy[o + c] * (y[o + c] > 0 ? 1 : 0)));
      }
    }
  }
  for (let i = 0; i < df.length; i++) dfilter[i] = accumulate ? Math.fround(dfilter[i] + df[i]) : df[i];
  if (dbias) for (let c = 0; c < s.outC; c++) dbias[c] = accumulate ? Math.fround(dbias[c] + db[c]) : db[c];
}
