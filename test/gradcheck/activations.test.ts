/** Finite-difference checks: each activation's backward (and softmax's) against central
 *  differences of the same backend's forward, on every backend. */
import { describe, expect, it } from 'vitest';
import type { ActivationName } from '../../src';
import { ACTIVATIONS } from '../../src/backend/check';
import { allBackends, randomF32 } from '../support/backends';

// Step and tolerance for a float32 forward: the rounding of f (≤ 2^-24·|f|, |f| ≤ 3 here) over
// 2h costs ≤ 1e-5 and the truncation h²/6·|f'''| (|f'''| ≤ 2 for these functions on [−3, 3])
// ≤ 4e-5, so |numeric − analytic| ≤ 1e-4 + 1e-2·|analytic| has ample margin, while a wrong
// derivative (a missing factor, a sign) is off by O(|f'|) and fails.
const H = 1e-2;
const ATOL = 1e-4;
const RTOL = 1e-2;
const ALPHAS: Record<ActivationName, number[]> = {
  linear: [0],
  sigmoid: [0],
  tanh: [0],
  relu: [0],
  gelu: [0],
  silu: [0],
  hardSigmoid: [0],
  leakyRelu: [0.01, 0.3],
  elu: [1, 0.5],
};

/** n points in [−3, 3] at least 5h from 0 and from ±2.5, so relu/leakyRelu/elu and hardSigmoid
 *  never straddle a kink. */
function awayFromKinks(n: number, seed: number): Float32Array {
  const x = randomF32(n, seed, 0.05, 3);
  for (let i = 0; i < n; i++) if (Math.abs(x[i] - 2.5) < 0.05) x[i] = 2.5 + Math.sign(x[i] - 2.5 || 1) * 0.05;
  for (let i = 0; i < n; i += 2) x[i] = -x[i];
  return x;
}

/** Largest violation of |numeric − analytic| ≤ ATOL + RTOL·|analytic| (≤ 1 passes). */
function violation(numeric: ArrayLike<number>, analytic: ArrayLike<number>): number {
  let w = 0;
  for (let i = 0; i < numeric.length; i++) {
    w = Math.max(w, Math.abs(numeric[i] - analytic[i]) / (ATOL + RTOL * Math.abs(analytic[i])));
  }
  return w;
}

describe.each(allBackends)('activation gradients on $name', (b) => {
  const cases = ACTIVATIONS.flatMap((kind) => ALPHAS[kind].map((alpha) => [kind, alpha] as const));

  it.each(cases)('%s (alpha %d): backward matches central differences of forward', (kind, alpha) => {
    const n = 200;
    const x = awayFromKinks(n, 11);
    const dy = randomF32(n, 12, -1.5, 1.5);
    const y = new Float32Array(n);
    b.activationForward(kind, y, x, n, alpha);
    const dx = new Float32Array(n);
    b.activationBackward(kind, dx, dy, x, y, n, alpha);

    // Elementwise: perturb every element at once and difference elementwise.
    const xp = x.map((v) => v + H);
    const xm = x.map((v) => v - H);
    const fp = new Float32Array(n);
    const fm = new Float32Array(n);
    b.activationForward(kind, fp, xp, n, alpha);
    b.activationForward(kind, fm, xm, n, alpha);
    const numeric = Array.from(x, (_, i) => (dy[i] * (fp[i] - fm[i])) / (xp[i] - xm[i])); // the real float32 step
    expect(violation(numeric, dx)).toBeLessThanOrEqual(1);
  });

  it('softmax: backward matches central differences of Σ dy·softmax(x)', () => {
    const [rows, cols] = [3, 7];
    const x = randomF32(rows * cols, 21, -3, 3);
    const dy = randomF32(rows * cols, 22, -1, 1);
    const y = new Float32Array(rows * cols);
    b.softmaxForward(y, x, rows, cols);
    const dx = new Float32Array(rows * cols);
    b.softmaxBackward(dx, dy, y, rows, cols);

    const objective = (z: Float32Array) => {
      const s = new Float32Array(rows * cols);
      b.softmaxForward(s, z, rows, cols);
      return s.reduce((acc, v, i) => acc + dy[i] * v, 0);
    };
    const numeric = Array.from(x, (v, i) => {
      const zp = x.slice();
      const zm = x.slice();
      zp[i] = v + H;
      zm[i] = v - H;
      return (objective(zp) - objective(zm)) / (zp[i] - zm[i]);
    });
    // Σ over a row of float32 probabilities (each rounded ≤ 2^-24) costs ≤ cols·6e-8/2h ≈ 2e-5.
    expect(violation(numeric, dx)).toBeLessThanOrEqual(1);
  });
});
