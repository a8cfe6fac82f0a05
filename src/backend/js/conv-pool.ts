/** 2-D max and average pooling, NHWC: the specification. The window of output (oy, ox) covers
 *  rows oy·sh − padTop + [0, kH) and columns ox·sw − padLeft + [0, kW); padding cells belong to
 *  no window (max ignores them, the average divides by the real cells: Keras/TensorFlow 'same').
 *  argmax holds the offset of each max inside its image, (iy·inW + ix)·channels + ch, the first
 *  one in window order on ties. Backward kernels accumulate into dx. */
import { convOutputSize } from './conv-shape';

interface Geometry {
  batch: number;
  inH: number;
  inW: number;
  ch: number;
  kH: number;
  kW: number;
  sh: number;
  sw: number;
  padTop: number;
  padLeft: number;
  outH: number;
  outW: number;
}

function geometry(g: number[]): Geometry {
  const [batch, inH, inW, ch, kH, kW, sh, sw, padTop, padBottom, padLeft, padRight] = g;
  const outH = convOutputSize(inH, kH, sh, 1, padTop, padBottom);
  const outW = convOutputSize(inW, kW, sw, 1, padLeft, padRight);
  return { batch, inH, inW, ch, kH, kW, sh, sw, padTop, padLeft, outH, outW };
}

/** Calls visit(image, o, cells) for every output cell o (its offset in out, channel 0) with the
 *  image offsets of the real input cells of its window (channel 0), in window order. */
function eachWindow(s: Geometry, visit: (image: number, o: number, cells: number[]) => void): void {
  for (let b = 0; b < s.batch; b++) {
    for (let oy = 0; oy < s.outH; oy++) {
      for (let ox = 0; ox < s.outW; ox++) {
        const cells: number[] = [];
        for (let iy = oy * s.sh - s.padTop; iy < oy * s.sh - s.padTop + s.kH; iy++) {
          for (let ix = ox * s.sw - s.padLeft; ix < ox * s.sw - s.padLeft + s.kW; ix++) {
            if (iy >= 0 && iy < s.inH && ix >= 0 && ix < s.inW) cells.push((iy * s.inW + ix) * s.ch);
          }
        }
        visit(b * s.inH * s.inW * s.ch, ((b * s.outH + oy) * s.outW + ox) * s.ch, cells);
      }
    }
  }
}

export function maxPool2dForward(out: Float32Array, argmax: Int32Array, x: Float32Array, ...shape: number[]): void {
  const s = geometry(shape);
  eachWindow(s, (image, o, cells) => {
    for (let c = 0; c < s.ch; c++) {
      let best = cells[0] + c;
      for (const cell of cells) if (x[image + cell + c] > x[image + best]) best = cell + c;
      out[o + c] = x[image + best];
      argmax[o + c] = best;
    }
  });
}

export function maxPool2dBackward(dx: Float32Array, dy: Float32Array, argmax: Int32Array, ...shape: number[]): void {
  const s = geometry(shape);
  eachWindow(s, (image, o) => {
    for (let c = 0; c < s.ch; c++) dx[image + argmax[o + c]] += dy[o + c];
  });
}

export function avgPool2dForward(out: Float32Array, x: Float32Array, ...shape: number[]): void {
  const s = geometry(shape);
  eachWindow(s, (image, o, cells) => {
    for (let c = 0; c < s.ch; c++) {
      let sum = 0;
      for (const cell of cells) sum = Math.fround(sum + x[image + cell + c]);
      out[o + c] = sum / cells.length;
    }
  });
}

export function avgPool2dBackward(dx: Float32Array, dy: Float32Array, ...shape: number[]): void {
  const s = geometry(shape);
  eachWindow(s, (image, o, cells) => {
    for (const cell of cells) {
      for (let c = 0; c < s.ch; c++) dx[image + cell + c] += Math.fround(dy[o + c] / cells.length);
    }
  });
}
