/** Finite-difference checks of the conv2d and pooling backward kernels against the same
 *  backend's forward, on every backend. With L = Σ dy ⊙ forward(·), ∂L/∂x must be what
 *  backward-data (or the pooling backward) accumulates into a zeroed dx, and ∂L/∂filter what
 *  backward-filter accumulates. conv and average pooling are linear and max pooling is linear
 *  between switches of its argmax, so central differences have no truncation error: only the
 *  float32 rounding of the forward (≤ ~1e-5 of L here, over 2h = 0.2) remains, and a wrong
 *  gradient (a missed tap, a wrong pad side, a wrong count) is off by O(1). */
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src';
import { addon } from '../../src/backend/native/addon';
import { type ConvCase, convCase, poolCase } from '../kernels/conv-cases';
import { allBackends, nativeBackend, randomF32, rng } from '../support/backends';

const H = 0.1;
const ATOL = 2e-3;
const RTOL = 1e-2;

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** ∂/∂v[i] of loss(), by central differences, for every i. */
function numeric(v: Float32Array, loss: () => number): Float32Array {
  const g = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const keep = v[i];
    v[i] = keep + H;
    const up = loss();
    v[i] = keep - H;
    const down = loss();
    v[i] = keep;
    g[i] = (up - down) / (2 * H);
  }
  return g;
}

function violation(num: Float32Array, ana: Float32Array): number {
  let w = 0;
  for (let i = 0; i < num.length; i++) w = Math.max(w, Math.abs(num[i] - ana[i]) / (ATOL + RTOL * Math.abs(ana[i])));
  return w;
}

const CONV = [
  convCase(2, [5, 5], [2, 3], [3, 3], [2, 2], [1, 1], 'same'), // TensorFlow's 1/1 split
  convCase(1, [6, 5], [2, 2], [3, 3], [2, 2], [1, 1], 'same'), // 0/1 split in height
  convCase(2, [6, 6], [1, 2], [3, 2], [1, 3], [2, 1], 'valid'),
  convCase(1, [4, 5], [3, 1], [1, 1], [2, 1], [1, 1], 'valid'),
  convCase(1, [2, 3], [2, 2], [4, 3], [1, 1], [1, 1], [1, 2, 1, 1]), // kernel > unpadded input
  convCase(2, [7, 7], [1, 1], [3, 3], [3, 3], [2, 2], 'same'),
];

// 3×3 stride-1 shapes that Winograd can take (native: forced below, as their channels are under
// the threshold of conv-winograd.ts), with clipped edge tiles and 'same' and 'valid' padding.
const WINOGRAD = [
  convCase(1, [8, 7], [8, 9], [3, 3], [1, 1], [1, 1], 'same'),
  convCase(2, [6, 7], [9, 8], [3, 3], [1, 1], [1, 1], 'valid'),
];

const POOL = [
  poolCase(2, [5, 5], 2, [2, 2], [2, 2], 'same'),
  poolCase(1, [6, 7], 3, [3, 3], [2, 2], 'same'),
  poolCase(2, [4, 5], 1, [3, 2], [1, 3], 'valid'),
  poolCase(1, [3, 3], 2, [3, 3], [1, 1], 'same'),
];

/** Distinct values 0.3 apart in random order: no argmax switches under a ±0.1 step. */
function distinct(n: number, seed: number): Float32Array {
  const next = rng(seed);
  const v = Float32Array.from({ length: n }, (_, i) => (i - n / 2) * 0.3);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [v[i], v[j]] = [v[j], v[i]];
  }
  return v;
}

function checkConv(b: Backend, c: ConvCase, i: number): void {
  const x = randomF32(c.x, 10 + i);
  const filter = randomF32(c.filter, 20 + i);
  const dy = randomF32(c.out, 30 + i);
  const ws = new Float32Array(c.workspace);
  const out = new Float32Array(c.out);
  const loss = () => {
    b.conv2dForward(out, x, filter, ws, ...c.shape);
    return dot(dy, out);
  };
  const dx = new Float32Array(c.x);
  b.conv2dBackwardData(dx, dy, filter, ws, ...c.shape);
  const dfilter = new Float32Array(c.filter);
  b.conv2dBackwardFilter(dfilter, x, dy, ws, ...c.shape);
  expect(violation(numeric(x, loss), dx), 'dx').toBeLessThanOrEqual(1);
  expect(violation(numeric(filter, loss), dfilter), 'dfilter').toBeLessThanOrEqual(1);
}

describe.skipIf(!nativeBackend || !addon?._convWinograd)('conv2d gradients through Winograd (native)', () => {
  // mode 2: F(2×2) wherever it can run; mode 3: F(4×4) where its tiles fit (both shapes' forward
  // and filter gradient, the first's backward-data), F(2×2) elsewhere
  it.each([2, 3].flatMap((mode) => WINOGRAD.map((c, i) => [mode, c.label, c, i] as const)))(
    'mode %i, conv2d %s: dx and dfilter',
    (mode, _l, c, i) => {
      const saved = addon!._convWinograd();
      addon!._convWinograd(mode);
      try {
        checkConv(nativeBackend!, c, 60 + i);
      } finally {
        addon!._convWinograd(saved);
      }
    },
  );
});

describe.each(allBackends)('conv2d and pooling gradients on $name', (b) => {
  it.each([...CONV, ...WINOGRAD].map((c, i) => [c.label, c, i] as const))('conv2d %s: dx and dfilter', (_l, c, i) => {
    checkConv(b, c, i);
  });

  it.each(POOL.map((c, i) => [c.label, c, i] as const))('pooling %s: max and average dx', (_l, c, i) => {
    const x = distinct(c.x, 40 + i);
    const dy = randomF32(c.out, 50 + i);
    const out = new Float32Array(c.out);
    const argmax = new Int32Array(c.out);
    const maxLoss = () => {
      b.maxPool2dForward(out, argmax, x, ...c.shape);
      return dot(dy, out);
    };
    const avgLoss = () => {
      b.avgPool2dForward(out, x, ...c.shape);
      return dot(dy, out);
    };
    maxLoss();
    const dxMax = new Float32Array(c.x);
    b.maxPool2dBackward(dxMax, dy, argmax, ...c.shape);
    expect(violation(numeric(x, maxLoss), dxMax), 'max').toBeLessThanOrEqual(1);
    const dxAvg = new Float32Array(c.x);
    b.avgPool2dBackward(dxAvg, dy, ...c.shape);
    expect(violation(numeric(x, avgLoss), dxAvg), 'average').toBeLessThanOrEqual(1);
  });
});
