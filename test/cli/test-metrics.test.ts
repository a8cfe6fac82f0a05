/** The test report's metrics (src/cli/test-metrics.ts) are nn.metrics' values, bit for bit, computed
 *  without its whole-set float64 copies: on random outputs with ties, −0, absent classes, a single
 *  class, NaN scores, and for regression. */
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { aucOf, extraMetrics } from '../../src/cli/test-metrics';
import { argmaxRows } from '../../src/pipeline';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** nn.metrics on the same inputs, as the report computed them before. */
function reference(truth: Int32Array, probs: Float32Array, k: number) {
  const rows = truth.length;
  const yTrue = nn.tensor2d(Float32Array.from(truth), [rows, 1]);
  const yPred = nn.tensor2d(probs, [rows, k]);
  const average = k === 2 ? 'binary' : 'macro';
  return {
    precision: nn.metrics.precision(yTrue, yPred, { average }),
    recall: nn.metrics.recall(yTrue, yPred, { average }),
    f1: nn.metrics.f1(yTrue, yPred, { average }),
    auc: nn.metrics.auc(yTrue, yPred, { average }),
  };
}

describe('the test report metrics', () => {
  it('equal nn.metrics on 300 random classification sets (ties, −0, absent and single classes)', () => {
    const rand = rng(7);
    let aucs = 0;
    for (let t = 0; t < 300; t++) {
      const k = [2, 2, 3, 4, 7][t % 5];
      const rows = 1 + Math.floor(rand() * 400);
      const levels = [2, 5, 1000, 0][Math.floor(rand() * 4)]; // coarse scores give many ties
      const classes = rand() < 0.1 ? 1 : rand() < 0.3 ? Math.max(1, k - 1) : k; // classes in the labels
      const truth = Int32Array.from({ length: rows }, () => Math.floor(rand() * classes));
      const probs = new Float32Array(rows * k);
      for (let i = 0; i < probs.length; i++) {
        const u = levels ? Math.floor(rand() * levels) / levels : rand();
        probs[i] = u === 0 && rand() < 0.5 ? -0 : u;
      }
      const got = extraMetrics('classification', truth, argmaxRows(probs, k), probs);
      const want = reference(truth, probs, k);
      expect(got, `set ${t}`).toEqual(want);
      if (!Number.isNaN(want.auc)) aucs++;
    }
    expect(aucs).toBeGreaterThan(150); // most sets have a defined AUC, compared above
  });

  it('AUC matches on a large set of coarse scores (many ties across the two classes)', () => {
    const rand = rng(8);
    const rows = 200_000;
    const truth = Int32Array.from({ length: rows }, () => (rand() < 0.3 ? 1 : 0));
    const probs = new Float32Array(rows * 2);
    for (let r = 0; r < rows; r++) {
      const p = Math.round((truth[r] * 0.2 + rand() * 0.8) * 50) / 50;
      probs[2 * r] = 1 - p;
      probs[2 * r + 1] = p;
    }
    expect(aucOf(truth, probs, 2)).toBe(reference(truth, probs, 2).auc);
  });

  it('NaN scores and labels out of range go to nn.metrics (its errors)', () => {
    const truth = Int32Array.from([0, 1, 1, 0, 1]);
    const probs = Float32Array.from([0.2, 0.8, Number.NaN, 0.5, 0.4, 0.6, 0.9, 0.1, 0.3, 0.7]);
    expect(() => reference(truth, probs, 2)).toThrow(/precision: yPred row 1 holds NaN/);
    expect(() => extraMetrics('classification', truth, argmaxRows(probs, 2), probs)).toThrow(
      /precision: yPred row 1 holds NaN/,
    );
    const bad = Float32Array.from([0, 1, 2, 0, 1]);
    expect(() =>
      extraMetrics(
        'classification',
        bad,
        argmaxRows(probs, 2),
        probs.map((v) => v || 0),
      ),
    ).toThrow(/yTrue row 2 holds 2; labels must be class indices from 0 to 1/);
  });

  it('regression: mape and r2 equal nn.metrics', () => {
    const rand = rng(9);
    for (let t = 0; t < 50; t++) {
      const rows = 1 + Math.floor(rand() * 300);
      const truth = Float32Array.from({ length: rows }, () => (rand() < 0.1 ? 0 : (rand() - 0.5) * 100));
      const predicted = Float32Array.from(truth, (v) => v + (rand() - 0.5) * 10);
      expect(extraMetrics('regression', truth, predicted, null)).toEqual({
        mape: nn.metrics.mape(Array.from(truth), Array.from(predicted)),
        r2: nn.metrics.r2(Array.from(truth), Array.from(predicted)),
      });
    }
  });
});
