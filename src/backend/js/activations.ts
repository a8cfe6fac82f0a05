/** Elementwise activations, forward and backward. f'(x) is written with y = f(x) where that is
 *  the cheap form (sigmoid, tanh, elu). */
import type { ActivationName } from '../backend';

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** erf(x): its Maclaurin series for |x| < 0.5, Numerical Recipes' Chebyshev erfc (fractional
 *  error < 1.2e-7) elsewhere; below float32 resolution of gelu's output. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 0.5) {
    // Maclaurin series: fast convergence near 0 where the rational form loses relative accuracy.
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let k = 1; k < 12; k++) {
      term *= -x2 / k;
      sum += term / (2 * k + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // Numerical Recipes erfc (Chebyshev), fractional error < 1.2e-7.
  const t = 1 / (1 + 0.5 * ax);
  const y =
    t *
    Math.exp(
      -ax * ax -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - y : y - 1;
}

export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

export function activate(kind: ActivationName, x: number, alpha: number): number {
  switch (kind) {
    case 'linear':
      return x;
    case 'sigmoid':
      return sigmoid(x);
    case 'tanh':
      return Math.tanh(x);
    case 'relu':
      return Math.max(x, 0);
    case 'leakyRelu':
      return x > 0 ? x : alpha * x;
    case 'elu':
      return x > 0 ? x : alpha * Math.expm1(x);
    case 'gelu':
      return 0.5 * x * (1 + erf(x * SQRT1_2)); // exact gelu, Keras' default
    case 'silu':
      return x * sigmoid(x);
    case 'hardSigmoid':
      return Math.max(0, Math.min(1, 0.2 * x + 0.5)); // tfjs/Keras 2 (NaN stays NaN)
  }
}

/** f'(x) given x and y = f(x). */
export function derivative(kind: ActivationName, x: number, y: number, alpha: number): number {
  switch (kind) {
    case 'linear':
      return 1;
    case 'sigmoid':
      return y * (1 - y);
    case 'tanh':
      return 1 - y * y;
    case 'relu':
      return x > 0 ? 1 : 0;
    case 'leakyRelu':
      return x > 0 ? 1 : alpha;
    case 'elu':
      return x > 0 ? 1 : y + alpha;
    case 'gelu':
      return 0.5 * (1 + erf(x * SQRT1_2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
    case 'silu': {
      const s = sigmoid(x);
      return s * (1 + x * (1 - s));
    }
    case 'hardSigmoid':
      return x > -2.5 && x < 2.5 ? 0.2 : 0; // 0 where it clamps (at ±2.5 too)
  }
}

export function activationForward(
  kind: ActivationName,
  out: Float32Array,
  x: Float32Array,
  n: number,
  alpha: number,
): void {
  for (let i = 0; i < n; i++) out[i] = activate(kind, x[i], alpha);
}

export function activationBackward(
  kind: ActivationName,
  dx: Float32Array,
  dy: Float32Array,
  x: Float32Array,
  y: Float32Array,
  n: number,
  alpha: number,
): void {
  for (let i = 0; i < n; i++) dx[i] = dy[i] * derivative(kind, x[i], y[i], alpha);
}
