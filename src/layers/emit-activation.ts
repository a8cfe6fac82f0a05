/** The calls of an activation and of its gradient, shared by the layers that apply one. */
import type { LayerActivation, TapeBuilder } from '../graph/builder';
import type { TapeCall } from '../graph/tape';

/** out = fn(x): softmax row-wise over the last axis, the others elementwise. */
export function emitActivation(b: TapeBuilder, out: number, x: number, fn: LayerActivation, alpha: number): TapeCall {
  const width = b.width(x);
  if (fn === 'softmax') {
    const cols = b.shape(x)[b.shape(x).length - 1];
    return b.fwd('softmax', [out, x], { rows: { rows: width / cols }, cols });
  }
  return b.fwd('activation', [out, x], { n: { rows: width }, fn, alpha });
}

/** dx = dy · fn'(x), given y = fn(x). */
export function emitActivationGrad(
  b: TapeBuilder,
  dx: number,
  dy: number,
  x: number,
  y: number,
  fn: LayerActivation,
  alpha: number,
): void {
  const width = b.width(x);
  if (fn === 'softmax') {
    const cols = b.shape(x)[b.shape(x).length - 1];
    b.bwd('softmaxGrad', [dx, dy, y], { rows: { rows: width / cols }, cols });
    return;
  }
  b.bwd('activationGrad', [dx, dy, x, y], { n: { rows: width }, fn, alpha });
}
