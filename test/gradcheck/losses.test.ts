/** Finite-difference checks: every loss's gradient and both fused cross-entropies against
 *  central differences of the loss value, on every backend. */
import { describe, expect, it } from 'vitest';
import type { LossName } from '../../src';
import { LOSSES } from '../../src/backend/check';
import { allBackends, randomF32, rng } from '../support/backends';

// The loss comes back as a double computed from float32 inputs, so the quotient carries no
// float32 rounding: its error is the truncation h²/6·|L'''| (≤ 1e-6/6·250 ≈ 4e-5 per unit of
// gradient with predictions kept in [0.2, 0.9]) plus the float32 rounding of the stored
// gradient (6e-8 relative). rtol 2e-3 with atol 1e-3 of the largest gradient has ample margin;
// a wrong factor or sign is off by O(1) and fails.
const H = 1e-3;
const RTOL = 2e-3;
const SHAPES: [number, number][] = [
  [1, 1],
  [2, 3],
  [4, 5],
  [3, 10],
];

function violation(numeric: ArrayLike<number>, analytic: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < analytic.length; i++) scale = Math.max(scale, Math.abs(analytic[i]));
  let w = 0;
  for (let i = 0; i < numeric.length; i++) {
    w = Math.max(w, Math.abs(numeric[i] - analytic[i]) / (1e-3 * scale + 1e-12 + RTOL * Math.abs(analytic[i])));
  }
  return w;
}

/** Central differences of f over every element of v (perturbed in float32; the real step used). */
function numericGradient(v: Float32Array, f: (z: Float32Array) => number): number[] {
  return Array.from(v, (x, i) => {
    const zp = v.slice();
    const zm = v.slice();
    zp[i] = x + H;
    zm[i] = x - H;
    return (f(zp) - f(zm)) / (zp[i] - zm[i]);
  });
}

function problem(kind: LossName, rows: number, cols: number, seed: number) {
  const next = rng(seed);
  const n = rows * cols;
  switch (kind) {
    case 'meanSquaredError':
      return { pred: randomF32(n, seed, -2, 2), target: randomF32(n, seed + 1, -2, 2) };
    case 'binaryCrossentropy':
      return {
        pred: randomF32(n, seed, 0.2, 0.8),
        target: Float32Array.from({ length: n }, (_, i) => (i % 2 ? next() : Math.round(next()))),
      };
    case 'binaryCrossentropyFromLogits':
      return {
        pred: randomF32(n, seed, -4, 4),
        target: Float32Array.from({ length: n }, (_, i) => (i % 2 ? next() : Math.round(next()))),
      };
    case 'categoricalCrossentropy': {
      const target = new Float32Array(n);
      for (let r = 0; r < rows; r++) target[r * cols + Math.floor(next() * cols)] = 1;
      target[0] = 0.5; // one soft entry
      return { pred: randomF32(n, seed, 0.2, 0.9), target };
    }
    case 'sparseCategoricalCrossentropy':
      return {
        pred: randomF32(n, seed, 0.2, 0.9),
        target: Float32Array.from({ length: rows }, () => Math.floor(next() * cols)),
      };
  }
}

describe.each(allBackends)('loss gradients on $name', (b) => {
  it.each(LOSSES)('%s: lossBackward matches central differences of lossForward', (kind) => {
    for (const [rows, cols] of SHAPES) {
      const { pred, target } = problem(kind, rows, cols, rows * 10 + cols);
      const grad = new Float32Array(rows * cols);
      b.lossBackward(kind, grad, pred, target, rows, cols);
      const numeric = numericGradient(pred, (p) => b.lossForward(kind, p, target, rows, cols));
      expect(violation(numeric, grad), `${rows} x ${cols}`).toBeLessThanOrEqual(1);
    }
  });

  it.each([false, true])('softmaxCrossEntropy (sparse %s): grad matches central differences of its loss', (sparse) => {
    for (const [rows, cols] of SHAPES) {
      const logits = randomF32(rows * cols, rows + 3 * cols, -3, 3);
      const target = sparse
        ? Float32Array.from({ length: rows }, (_, r) => (r * 5) % cols)
        : randomF32(rows * cols, 7 * rows + cols, 0, 1); // unnormalized soft targets: the Σt factor matters
      const probs = new Float32Array(rows * cols);
      const grad = new Float32Array(rows * cols);
      b.softmaxCrossEntropy(probs, grad, logits, target, rows, cols, sparse);
      const scratch = new Float32Array(rows * cols);
      const numeric = numericGradient(logits, (z) =>
        b.softmaxCrossEntropy(scratch, scratch.slice(), z, target, rows, cols, sparse),
      );
      expect(violation(numeric, grad), `${rows} x ${cols}`).toBeLessThanOrEqual(1);
    }
  });

  it('sigmoidCrossEntropy: grad matches central differences of its loss', () => {
    for (const [rows, cols] of SHAPES) {
      const logits = randomF32(rows * cols, rows + 5 * cols, -4, 4);
      const target = randomF32(rows * cols, 3 * rows + cols, 0, 1);
      const probs = new Float32Array(rows * cols);
      const grad = new Float32Array(rows * cols);
      b.sigmoidCrossEntropy(probs, grad, logits, target, rows, cols);
      const numeric = numericGradient(logits, (z) =>
        b.sigmoidCrossEntropy(new Float32Array(rows * cols), new Float32Array(rows * cols), z, target, rows, cols),
      );
      expect(violation(numeric, grad), `${rows} x ${cols}`).toBeLessThanOrEqual(1);
    }
  });
});
