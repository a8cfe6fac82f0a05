/**
 * UpSampling2D of NHWC images by integer factors: the specification of native/kernels/upsampling.h.
 * TensorFlow.js's UpSampling2D is tf.image.resizeNearestNeighbor / resizeBilinear with alignCorners
 * and halfPixelCenters false: output cell y reads the input at y / sizeH. Nearest takes row
 * floor(y / sizeH); bilinear mixes rows floor and ceil (the last row clamped) with weight
 * frac = (y mod sizeH) / sizeH, as top + (bottom − top)·frac, in double like tfjs's cpu kernel.
 */

export interface UpSampling2dShape {
  batch: number;
  inH: number;
  inW: number;
  channels: number;
  sizeH: number;
  sizeW: number;
  bilinear: boolean;
}

/** The input cells and weight an output coordinate reads along one axis. */
interface Tap {
  lo: number;
  hi: number;
  frac: number;
}

function taps(inSize: number, size: number, bilinear: boolean): Tap[] {
  return Array.from({ length: inSize * size }, (_, o) => {
    const lo = Math.floor(o / size);
    if (!bilinear) return { lo, hi: lo, frac: 0 };
    const frac = (o % size) / size;
    return { lo, hi: Math.min(inSize - 1, frac > 0 ? lo + 1 : lo), frac };
  });
}

export function upSampling2dForward(out: Float32Array, x: Float32Array, s: UpSampling2dShape): void {
  const rows = taps(s.inH, s.sizeH, s.bilinear);
  const cols = taps(s.inW, s.sizeW, s.bilinear);
  const c = s.channels;
  const at = (b: number, y: number, xx: number, ch: number) => x[((b * s.inH + y) * s.inW + xx) * c + ch];
  let i = 0;
  for (let b = 0; b < s.batch; b++)
    for (const r of rows)
      for (const q of cols)
        for (let ch = 0; ch < c; ch++) {
          if (!s.bilinear) {
            out[i++] = at(b, r.lo, q.lo, ch); // a copy: no arithmetic on infinities
            continue;
          }
          const top = at(b, r.lo, q.lo, ch) + (at(b, r.lo, q.hi, ch) - at(b, r.lo, q.lo, ch)) * q.frac;
          const bottom = at(b, r.hi, q.lo, ch) + (at(b, r.hi, q.hi, ch) - at(b, r.hi, q.lo, ch)) * q.frac;
          out[i++] = top + (bottom - top) * r.frac;
        }
}

/** dx (+)= the adjoint of the forward: each output gradient spread over the cells it read, added
 *  in output order (each product in double, each sum rounded to float32, as the native kernel). */
export function upSampling2dBackward(
  dx: Float32Array,
  dy: Float32Array,
  s: UpSampling2dShape,
  accumulate: boolean,
): void {
  const rows = taps(s.inH, s.sizeH, s.bilinear);
  const cols = taps(s.inW, s.sizeW, s.bilinear);
  const c = s.channels;
  if (!accumulate) dx.fill(0, 0, s.batch * s.inH * s.inW * c);
  const add = (b: number, y: number, xx: number, ch: number, v: number) => {
    dx[((b * s.inH + y) * s.inW + xx) * c + ch] += v;
  };
  let i = 0;
  for (let b = 0; b < s.batch; b++)
    for (const r of rows)
      for (const q of cols)
        for (let ch = 0; ch < c; ch++) {
          const g = dy[i++];
          if (!s.bilinear) {
            add(b, r.lo, q.lo, ch, g);
            continue;
          }
          add(b, r.lo, q.lo, ch, g * (1 - r.frac) * (1 - q.frac));
          add(b, r.lo, q.hi, ch, g * (1 - r.frac) * q.frac);
          add(b, r.hi, q.lo, ch, g * r.frac * (1 - q.frac));
          add(b, r.hi, q.hi, ch, g * r.frac * q.frac);
        }
}
