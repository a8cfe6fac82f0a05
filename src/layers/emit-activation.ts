/** The calls of an activation and of its gradient, shared by the layers that apply one. */
import type { Emitted, LayerActivation, TapeBuilder } from '../graph/builder';
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

/** A weighted layer's activation after its pre-activation z (Dense, convolutions): out = fn(z), or
 *  z itself when linear; `activation` is what a loss may fuse with; `dz` emits the activation's
 *  gradient in backward and returns the gradient of z (the loss already wrote it from logits). */
export function emitLayerActivation(
  b: TapeBuilder,
  name: string,
  z: number,
  fn: LayerActivation,
  alpha: number,
): { out: number; activation: Emitted['activation']; dz(b: TapeBuilder, grad: number, fromLogits: boolean): number } {
  if (fn === 'linear') return { out: z, activation: undefined, dz: (_b, grad) => grad };
  const out = b.batched(`${name}/out`, 'activation', b.shape(z).slice(1));
  const call = emitActivation(b, out, z, fn, alpha);
  return {
    out,
    activation: { fn, logits: z, call },
    dz(b, grad, fromLogits) {
      if (fromLogits) return grad;
      const dz = b.gradOf(z);
      emitActivationGrad(b, dz, grad, z, out, fn, alpha);
      return dz;
    },
  };
}
