/** Zero padding of NHWC images: the specification of native/kernels/pad.h. out (n, inH + top +
 *  bottom, inW + left + right, c) holds x in the middle and zeros around it; the gradient crops. */

export interface Pad2dShape {
  batch: number;
  inH: number;
  inW: number;
  channels: number;
  top: number;
  bottom: number;
  left: number;
  right: number;
}

export function pad2dForward(out: Float32Array, x: Float32Array, s: Pad2dShape): void {
  const oh = s.inH + s.top + s.bottom;
  const ow = s.inW + s.left + s.right;
  out.fill(0, 0, s.batch * oh * ow * s.channels);
  for (let b = 0; b < s.batch; b++)
    for (let y = 0; y < s.inH; y++)
      for (let xx = 0; xx < s.inW; xx++)
        for (let c = 0; c < s.channels; c++)
          out[((b * oh + y + s.top) * ow + xx + s.left) * s.channels + c] =
            x[((b * s.inH + y) * s.inW + xx) * s.channels + c];
}

export function pad2dBackward(dx: Float32Array, dy: Float32Array, s: Pad2dShape, accumulate: boolean): void {
  const oh = s.inH + s.top + s.bottom;
  const ow = s.inW + s.left + s.right;
  for (let b = 0; b < s.batch; b++)
    for (let y = 0; y < s.inH; y++)
      for (let xx = 0; xx < s.inW; xx++)
        for (let c = 0; c < s.channels; c++) {
          const i = ((b * s.inH + y) * s.inW + xx) * s.channels + c;
          const g = dy[((b * oh + y + s.top) * ow + xx + s.left) * s.channels + c];
          dx[i] = accumulate ? dx[i] + g : g;
        }
}
