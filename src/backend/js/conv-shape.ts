/** Geometry shared by the convolution and pooling kernels and the layers that will call them. */

/** Output size along one axis: (in + before + after − effective kernel) / stride + 1, where the
 *  effective kernel is dilation·(k − 1) + 1. Below 1 when the kernel does not fit. */
export function convOutputSize(
  inSize: number,
  k: number,
  stride: number,
  dilation: number,
  before: number,
  after: number,
): number {
  const effective = dilation * (k - 1) + 1;
  const padded = inSize + before + after;
  return padded < effective ? 0 : Math.floor((padded - effective) / stride) + 1;
}

/** TensorFlow's padding rule along one axis: [before, after, outSize]. 'valid' pads nothing and
 *  keeps the windows that fit; 'same' gives ceil(in / stride) outputs and splits the padding they
 *  need with the odd cell after (so stride 2 pads asymmetrically, as TensorFlow does). */
export function convPadding(
  inSize: number,
  k: number,
  stride: number,
  dilation: number,
  mode: 'valid' | 'same',
): [number, number, number] {
  for (const [name, v, min] of [
    ['inSize', inSize, 1],
    ['k', k, 1],
    ['stride', stride, 1],
    ['dilation', dilation, 1],
  ] as const) {
    if (!Number.isInteger(v) || v < min)
      throw new RangeError(`convPadding: ${name} must be a positive integer, got ${v}`);
  }
  const effective = dilation * (k - 1) + 1;
  if (mode === 'valid') {
    if (effective > inSize) {
      throw new RangeError(
        `convPadding: the kernel (${effective} with dilation) is larger than the input (${inSize}) with 'valid' padding`,
      );
    }
    return [0, 0, Math.ceil((inSize - effective + 1) / stride)];
  }
  if (mode !== 'same') throw new RangeError(`convPadding: mode must be 'valid' or 'same', got ${String(mode)}`);
  const outSize = Math.ceil(inSize / stride);
  const total = Math.max((outSize - 1) * stride + effective - inSize, 0);
  const before = Math.floor(total / 2);
  return [before, total - before, outSize];
}

/** Floats of workspace the conv2d kernels need for `slots` images at once (one image's columns is
 *  outH·outW × kH·kW·inC). The native kernels run as many images in parallel as the workspace has
 *  slots (and threads); one slot is the minimum, and the results do not depend on the count. */
export function conv2dWorkspaceSize(
  outH: number,
  outW: number,
  kH: number,
  kW: number,
  inC: number,
  slots = 1,
): number {
  return slots * outH * outW * kH * kW * inC;
}
