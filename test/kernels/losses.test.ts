import { describe, expect, it } from 'vitest';
import { backends, type LossName } from '../../src';
import { LOSSES } from '../../src/backend/check';
import { addon } from '../../src/backend/native/addon';
import { allBackends, expectSameErrorOnBoth, nativeBackend, randomF32, rng, SIZES } from '../support/backends';

const js = backends.js;
type B = typeof js;

/** Largest |a−b| / (atol + rtol·|b|); NaN-vs-NaN counts as agreement. */
function worst(a: ArrayLike<number>, b: ArrayLike<number>, atol: number, rtol: number): number {
  expect(a.length).toBe(b.length);
  let w = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i] || (Number.isNaN(a[i]) && Number.isNaN(b[i]))) continue;
    const d = Math.abs(a[i] - b[i]);
    w = Math.max(w, Number.isFinite(d) ? d / (atol + rtol * Math.abs(b[i])) : Infinity);
  }
  return w;
}
const relDiff = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(b), 1e-300));

// Loss values: both sides evaluate the same double terms in the same order; only libm vs V8
// log/exp/log1p differ, by ≤ 1 double ulp (1e-16), amplified at most ~1e5 by the cancellation
// in softplus(z) − z·t. 1e-9 leaves margin yet is 100× tighter than any float32 rounding.
const LOSS_RTOL = 1e-9;
// Gradients: double arithmetic rounded once to float32, so at most a rounding flip (2^-24
// relative); 3e-7 = a few ulps. ATOL only for subnormal results.
const GRAD_RTOL = 3e-7;
const GRAD_ATOL = 1e-30;

/** Predictions and targets that make sense for the loss, with some clipped and exact-0 entries. */
function problem(
  kind: LossName,
  rows: number,
  cols: number,
  seed: number,
): { pred: Float32Array; target: Float32Array } {
  const next = rng(seed);
  const n = rows * cols;
  const probs = new Float32Array(n);
  js.softmaxForward(probs, randomF32(n, seed, -4, 4), rows, cols);
  switch (kind) {
    case 'meanSquaredError':
      return { pred: randomF32(n, seed + 1, -3, 3), target: randomF32(n, seed + 2, -3, 3) };
    case 'binaryCrossentropy': {
      const pred = randomF32(n, seed + 1, 0, 1);
      for (let i = 0; i < n; i += 7) pred[i] = i % 2 ? 1 : 0; // clipped to [1e-7, 1 − 1e-7]
      const target = Float32Array.from({ length: n }, (_, i) => (i % 3 ? Math.round(next()) : next()));
      return { pred, target };
    }
    case 'binaryCrossentropyFromLogits':
      return {
        pred: randomF32(n, seed + 1, -12, 12),
        target: Float32Array.from({ length: n }, () => Math.round(next())),
      };
    case 'categoricalCrossentropy': {
      for (let i = 0; i < n; i += 11) probs[i] = 0; // clipped
      const target = new Float32Array(n);
      for (let r = 0; r < rows; r++) {
        if (r % 2)
          target[r * cols + Math.floor(next() * cols)] = 1; // one-hot
        else for (let c = 0; c < cols; c++) target[r * cols + c] = next() < 0.5 ? 0 : next(); // soft
      }
      return { pred: probs, target };
    }
    case 'sparseCategoricalCrossentropy':
      return { pred: probs, target: Float32Array.from({ length: rows }, () => Math.floor(next() * cols)) };
  }
}

function grads(b: B, kind: LossName, pred: Float32Array, target: Float32Array, rows: number, cols: number) {
  const g = new Float32Array(rows * cols).fill(Number.NaN); // overwritten, never accumulated
  b.lossBackward(kind, g, pred, target, rows, cols);
  return g;
}

function softmaxCE(b: B, logits: Float32Array, target: Float32Array, rows: number, cols: number, sparse: boolean) {
  const probs = new Float32Array(rows * cols);
  const grad = new Float32Array(rows * cols);
  const loss = b.softmaxCrossEntropy(probs, grad, logits, target, rows, cols, sparse);
  return { loss, probs, grad };
}
function sigmoidCE(b: B, logits: Float32Array, target: Float32Array, rows: number, cols: number) {
  const probs = new Float32Array(rows * cols);
  const grad = new Float32Array(rows * cols);
  const loss = b.sigmoidCrossEntropy(probs, grad, logits, target, rows, cols);
  return { loss, probs, grad };
}

const COLS = [1, 2, 3, 10, 33];
const SHAPES = [[0, 4], [0, 0], ...SIZES.flatMap((rows) => COLS.map((cols) => [rows, cols]))] as [number, number][];

describe.skipIf(!nativeBackend)('losses: native equals the js twin', () => {
  const native = nativeBackend!;

  it.each(LOSSES)('%s: value and gradient on every shape', (kind) => {
    for (const [rows, cols] of SHAPES) {
      const { pred, target } = problem(kind, rows, cols, rows * 100 + cols);
      const label = `${rows} x ${cols}`;
      expect(
        relDiff(native.lossForward(kind, pred, target, rows, cols), js.lossForward(kind, pred, target, rows, cols)),
        label,
      ).toBeLessThanOrEqual(LOSS_RTOL);
      expect(
        worst(
          grads(native, kind, pred, target, rows, cols),
          grads(js, kind, pred, target, rows, cols),
          GRAD_ATOL,
          GRAD_RTOL,
        ),
        label,
      ).toBeLessThanOrEqual(1);
    }
  });

  it('rows = 0 gives loss 0 and cols = 0 gives loss 0 for the mean-over-columns losses', () => {
    for (const kind of LOSSES) expect(native.lossForward(kind, new Float32Array(0), new Float32Array(0), 0, 3)).toBe(0);
    for (const kind of LOSSES.slice(0, 4))
      expect(native.lossForward(kind, new Float32Array(0), new Float32Array(0), 5, 0)).toBe(0);
  });

  it.each([false, true])('softmaxCrossEntropy (sparse %s) on every shape', (sparse) => {
    for (const [rows, cols] of SHAPES) {
      if (sparse && cols === 0 && rows > 0) continue; // no valid class index
      const logits = randomF32(rows * cols, rows * 37 + cols, -6, 6);
      const target = sparse
        ? Float32Array.from({ length: rows }, (_, r) => (r * 7) % Math.max(cols, 1))
        : randomF32(rows * cols, rows + cols * 3, 0, 1); // soft, not normalized: exercises the Σtarget term
      const a = softmaxCE(native, logits, target, rows, cols, sparse);
      const b = softmaxCE(js, logits, target, rows, cols, sparse);
      const label = `${rows} x ${cols}`;
      expect(relDiff(a.loss, b.loss), label).toBeLessThanOrEqual(LOSS_RTOL);
      expect(worst(a.probs, b.probs, GRAD_ATOL, GRAD_RTOL), label).toBeLessThanOrEqual(1);
      // grad = (p·Σt − t)/rows cancels where p·Σt ≈ t: a rounding flip in p (2^-24·|Σt|) is then
      // absolute, so atol = 1.2e-7·max(1, Σt)/rows with Σt ≤ cols.
      expect(
        worst(a.grad, b.grad, (1.2e-7 * Math.max(1, sparse ? 1 : cols)) / Math.max(rows, 1), GRAD_RTOL),
        label,
      ).toBeLessThanOrEqual(1);
    }
  });

  it('sigmoidCrossEntropy on every shape', () => {
    for (const [rows, cols] of SHAPES) {
      const logits = randomF32(rows * cols, rows * 41 + cols, -12, 12);
      const target = randomF32(rows * cols, rows + cols * 5, 0, 1);
      const a = sigmoidCE(native, logits, target, rows, cols);
      const b = sigmoidCE(js, logits, target, rows, cols);
      const label = `${rows} x ${cols}`;
      expect(relDiff(a.loss, b.loss), label).toBeLessThanOrEqual(LOSS_RTOL);
      expect(worst(a.probs, b.probs, GRAD_ATOL, GRAD_RTOL), label).toBeLessThanOrEqual(1);
      expect(worst(a.grad, b.grad, GRAD_ATOL, GRAD_RTOL), label).toBeLessThanOrEqual(1);
    }
  });

  it('extreme logits (|z| = 30, 100, 1000, −Infinity off the target) agree and stay finite', () => {
    const logits = Float32Array.from([30, -30, 0, 100, -100, 1, 1000, -1000, 0, -Infinity, 3, 2, 1000, 999, -Infinity]);
    const target = Float32Array.from([0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 0]);
    // 5 rows, and 20 (the same rows 4 times): blocks of 8 rows take another loop than single rows.
    const times = (v: Float32Array, n: number) =>
      Float32Array.from({ length: v.length * n }, (_, i) => v[i % v.length]);
    for (const [sparse, reps] of [false, true].flatMap((s) => [1, 4].map((n) => [s, n] as const))) {
      const t = times(sparse ? Float32Array.from([1, 2, 1, 1, 0]) : target, reps);
      const a = softmaxCE(native, times(logits, reps), t, 5 * reps, 3, sparse);
      const b = softmaxCE(js, times(logits, reps), t, 5 * reps, 3, sparse);
      expect(Number.isFinite(a.loss)).toBe(true);
      expect(relDiff(a.loss, b.loss)).toBeLessThanOrEqual(LOSS_RTOL);
      expect(a.probs.every(Number.isFinite) && a.grad.every(Number.isFinite)).toBe(true);
      expect(worst(a.probs, b.probs, GRAD_ATOL, GRAD_RTOL)).toBeLessThanOrEqual(1);
      expect(worst(a.grad, b.grad, 1e-7, GRAD_RTOL)).toBeLessThanOrEqual(1);
    }
    const big = Float32Array.from([30, -30, 100, -100, 1000, -1000, 0, 3e38]);
    const bt = Float32Array.from([0, 1, 1, 0, 0, 1, 1, 1]);
    const a = sigmoidCE(native, big, bt, 2, 4);
    const b = sigmoidCE(js, big, bt, 2, 4);
    expect(Number.isFinite(a.loss)).toBe(true);
    expect(relDiff(a.loss, b.loss)).toBeLessThanOrEqual(LOSS_RTOL);
    expect(a.grad.every(Number.isFinite)).toBe(true);
    expect(worst(a.probs, b.probs, GRAD_ATOL, GRAD_RTOL)).toBeLessThanOrEqual(1);
    expect(worst(a.grad, b.grad, GRAD_ATOL, GRAD_RTOL)).toBeLessThanOrEqual(1);
    // binaryCrossentropyFromLogits is the same loss unfused
    expect(relDiff(native.lossForward('binaryCrossentropyFromLogits', big, bt, 2, 4), a.loss)).toBeLessThanOrEqual(
      LOSS_RTOL,
    );
  });

  it('probs may alias logits in both fused losses', () => {
    const [rows, cols] = [9, 7];
    const logits = randomF32(rows * cols, 3, -5, 5);
    const target = randomF32(rows * cols, 4, 0, 1);
    const ref = softmaxCE(native, logits, target, rows, cols, false);
    const buf = logits.slice();
    const grad = new Float32Array(rows * cols);
    expect(native.softmaxCrossEntropy(buf, grad, buf, target, rows, cols, false)).toBe(ref.loss);
    expect(Array.from(buf)).toEqual(Array.from(ref.probs));
    expect(Array.from(grad)).toEqual(Array.from(ref.grad));
    const sref = sigmoidCE(native, logits, target, rows, cols);
    const sbuf = logits.slice();
    expect(native.sigmoidCrossEntropy(sbuf, grad, sbuf, target, rows, cols)).toBe(sref.loss);
    expect(Array.from(sbuf)).toEqual(Array.from(sref.probs));
    expect(Array.from(grad)).toEqual(Array.from(sref.grad));
  });
});

describe.each(allBackends)('losses on $name: known values', (b) => {
  it('each loss on a hand-worked 2 x 2 batch', () => {
    const p = Float32Array.from([0.8, 0.2, 0.4, 0.6]);
    const t = Float32Array.from([1, 0, 0, 1]);
    expect(b.lossForward('meanSquaredError', p, t, 2, 2)).toBeCloseTo((0.04 * 2 + 0.16 * 2) / 4, 7);
    expect(b.lossForward('binaryCrossentropy', p, t, 2, 2)).toBeCloseTo(
      -(2 * Math.log(0.8) + 2 * Math.log(0.6)) / 4,
      7,
    );
    expect(b.lossForward('categoricalCrossentropy', p, t, 2, 2)).toBeCloseTo(-(Math.log(0.8) + Math.log(0.6)) / 2, 7);
    expect(b.lossForward('sparseCategoricalCrossentropy', p, Float32Array.from([0, 1]), 2, 2)).toBeCloseTo(
      -(Math.log(0.8) + Math.log(0.6)) / 2,
      7,
    );
    const sp = (z: number) => Math.log1p(Math.exp(z));
    expect(b.lossForward('binaryCrossentropyFromLogits', p, t, 2, 2)).toBeCloseTo(
      (sp(0.8) - 0.8 + sp(0.2) + sp(0.4) + sp(0.6) - 0.6) / 4,
      6,
    );
    // clipped: log(0) never appears
    expect(
      Number.isFinite(b.lossForward('binaryCrossentropy', Float32Array.from([0, 1]), Float32Array.from([1, 0]), 1, 2)),
    ).toBe(true);
  });

  it('fused softmax cross-entropy: a confident wrong answer costs its margin, grad = p − y', () => {
    const r = softmaxCE(b, Float32Array.from([1000, 0]), Float32Array.from([1]), 1, 2, true);
    expect(r.loss).toBe(1000);
    expect(Array.from(r.probs)).toEqual([1, 0]);
    expect(Array.from(r.grad)).toEqual([1, -1]);
    const s = sigmoidCE(b, Float32Array.from([-1000, 1000]), Float32Array.from([1, 1]), 1, 2);
    expect(s.loss).toBe(500);
    expect(Array.from(s.grad)).toEqual([-0.5, 0]);
  });
});

describe.skipIf(!nativeBackend)('losses: bad calls', () => {
  const f = new Float32Array(6);
  const sparseBad = [1.5, -1, 3, Number.NaN, Number.POSITIVE_INFINITY];
  const bad: [string, (b: B) => unknown][] = [
    ['unknown loss', (b) => b.lossForward('hinge' as LossName, f, f, 2, 3)],
    ['short target', (b) => b.lossForward('meanSquaredError', f, new Float32Array(5), 2, 3)],
    [
      'Float64Array pred',
      (b) => b.lossBackward('binaryCrossentropy', f, new Float64Array(6) as unknown as Float32Array, f, 2, 3),
    ],
    ...sparseBad.map((v): [string, (b: B) => unknown] => [
      `sparse target ${v}`,
      (b) => b.lossBackward('sparseCategoricalCrossentropy', f, f, Float32Array.from([0, v]), 2, 3),
    ]),
    [
      'softmaxCrossEntropy sparse target 3 of 3',
      (b) => b.softmaxCrossEntropy(f, f, f, Float32Array.from([2, 3]), 2, 3, true),
    ],
    [
      'softmaxCrossEntropy sparse not a boolean',
      (b) => b.softmaxCrossEntropy(f, f, f, f, 2, 3, 1 as unknown as boolean),
    ],
    ['sigmoidCrossEntropy short grad', (b) => b.sigmoidCrossEntropy(f, new Float32Array(2), f, f, 2, 3)],
    [
      'sigmoidCrossEntropy argument count',
      (b) => (b.sigmoidCrossEntropy as (...a: unknown[]) => number)(f, f, f, f, 2),
    ],
  ];
  it.each(bad)('%s: both backends throw the same error', (_, call) => expectSameErrorOnBoth(call));

  it('the addon glue checks on its own, naming target[r]', () => {
    const raw = addon!;
    expect(() => raw.lossForward(4, f, f, 2, 3)).toThrow(/loss must be a string/);
    expect(() => raw.lossForward('hinge', f, f, 2, 3)).toThrow(/unknown loss "hinge"; valid: meanSquaredError/);
    for (const v of sparseBad) {
      expect(() => raw.lossForward('sparseCategoricalCrossentropy', f, Float32Array.from([0, v]), 2, 3)).toThrow(
        /target\[1\] must be a class index from 0 to 2/,
      );
      expect(() => raw.lossBackward('sparseCategoricalCrossentropy', f, f, Float32Array.from([v, 0]), 2, 3)).toThrow(
        /target\[0\]/,
      );
      expect(() => raw.softmaxCrossEntropy(f, f, f, Float32Array.from([v, 0]), 2, 3, true)).toThrow(RangeError);
    }
    expect(() => raw.lossForward('sparseCategoricalCrossentropy', f, new Float32Array(1), 2, 3)).toThrow(
      /target is too short/,
    );
    expect(() => raw.lossForward('categoricalCrossentropy', f, new Float32Array(5), 2, 3)).toThrow(
      /target is too short/,
    );
    expect(() => raw.softmaxCrossEntropy(f, f, f, f, 2, 3, 'yes')).toThrow(/sparse must be a boolean/);
    expect(() => raw.sigmoidCrossEntropy(f, f, f, new Float32Array(5), 2, 3)).toThrow(RangeError);
    expect(() => raw.sigmoidCrossEntropy(f, f, f, f, 2, 3, 0)).toThrow(/expected 6 arguments/);
    // a valid sparse call still works through the raw addon
    expect(
      raw.lossForward(
        'sparseCategoricalCrossentropy',
        Float32Array.from([0.5, 0.25, 0.25]),
        Float32Array.from([0]),
        1,
        3,
      ),
    ).toBeCloseTo(Math.log(2), 12);
  });
});
