/**
 * nn.metrics' plain functions against hand-computed values and against scikit-learn 1.2.1
 * (sklearn-fixtures.json, written by sklearn-fixtures.py: the inputs and sklearn's results).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';

const { auc, f1, mae, mape, precision, r2, recall } = nn.metrics;
const fixtures = JSON.parse(fs.readFileSync(path.join(__dirname, 'sklearn-fixtures.json'), 'utf8'));

describe('metrics by hand', () => {
  it('binary: precision, recall, f1 at threshold 0.5, and ROC AUC', () => {
    const yTrue = [1, 1, 0, 0, 1, 0];
    const yPred = [0.9, 0.4, 0.6, 0.2, 0.8, 0.1]; // predicted 1 0 1 0 1 0: tp 2, fp 1, fn 1
    expect(precision(yTrue, yPred)).toBeCloseTo(2 / 3, 12);
    expect(recall(yTrue, yPred)).toBeCloseTo(2 / 3, 12);
    expect(f1(yTrue, yPred)).toBeCloseTo(2 / 3, 12);
    expect(auc(yTrue, yPred)).toBeCloseTo(8 / 9, 12); // 8 of the 9 positive/negative pairs ordered
    expect(precision(yTrue, yPred, { threshold: 0.85 })).toBe(1); // only 0.9 is class 1
    expect(recall(yTrue, yPred, { threshold: 0.85 })).toBeCloseTo(1 / 3, 12);
  });

  it('AUC counts tied scores half', () => {
    expect(auc([1, 0, 1, 0], [0.5, 0.5, 0.7, 0.1])).toBeCloseTo(3.5 / 4, 12);
    expect(auc([1, 0, 1, 0], [0.3, 0.3, 0.3, 0.3])).toBe(0.5);
    expect(auc([1, 1, 1], [0.2, 0.5, 0.9])).toBeNaN(); // one class only: no ROC curve
  });

  it('multi-class: macro averages over the classes in the labels or the predictions', () => {
    const yPred = nn.tensor2d([
      [0.8, 0.1, 0.1],
      [0.1, 0.2, 0.7],
      [0.1, 0.1, 0.8],
      [0.2, 0.5, 0.3],
    ]); // argmax 0 2 2 1
    const labels = new Int32Array([0, 1, 2, 2]);
    // per class (p, r): 0 → (1, 1); 1 → (0, 0); 2 → (1/2, 1/2)
    expect(precision(labels, yPred)).toBeCloseTo(0.5, 12);
    expect(recall(labels, yPred)).toBeCloseTo(0.5, 12);
    expect(f1(labels, yPred)).toBeCloseTo(0.5, 12);
    expect(precision(nn.data.oneHot(labels, 3), yPred)).toBeCloseTo(0.5, 12); // one-hot rows too
    // class 2 predicted but absent from the labels still counts (precision 0), as in scikit-learn
    const only01 = [0, 0, 1, 1];
    const pred = [
      [0.9, 0, 0.1],
      [0.1, 0.2, 0.7],
      [0, 1, 0],
      [0.2, 0.6, 0.2],
    ];
    expect(precision(only01, pred)).toBeCloseTo(2 / 3, 12);
    expect(recall(only01, pred)).toBeCloseTo(0.5, 12);
    // two columns: 'binary' scores class 1, the default macro averages both
    const two = [
      [0.3, 0.7],
      [0.6, 0.4],
      [0.5, 0.5],
    ]; // argmax 1 0 0 (a tie goes to the first class)
    expect(precision([1, 1, 0], two, { average: 'binary' })).toBe(1);
    expect(precision([1, 1, 0], two)).toBeCloseTo((0.5 + 1) / 2, 12);
    expect(auc([1, 1, 0], two)).toBeCloseTo(0.5, 12); // column 1: 0.7, 0.4 against 0.5
  });

  it('regression: mae, mape in percent, r2', () => {
    expect(mae([1, 2, 4], [2, 2, 3])).toBeCloseTo(2 / 3, 12);
    expect(mape([1, 2, 4], [2, 2, 3])).toBeCloseTo((100 * (1 + 0 + 0.25)) / 3, 10);
    expect(r2([1, 2, 4], [2, 2, 3])).toBeCloseTo(4 / 7, 12); // 1 − 2 / (14/3)
    expect(r2([2, 2], [2, 2])).toBe(1); // constant target, exact: 1 (scikit-learn's force_finite)
    expect(r2([2, 2], [2, 3])).toBe(0);
    expect(mape([0], [1e-8])).toBeCloseTo(10, 6); // |0| divides by Keras's epsilon 1e-7
  });

  it('takes Tensors [n] and [n, 1], number[][], number[] and typed arrays alike', () => {
    const t = [1, 0, 1, 1];
    const p = [0.7, 0.6, 0.4, 0.9];
    const forms = [
      [t, p],
      [new Int32Array(t), new Float32Array(p)],
      [nn.tensor2d(t.map((v) => [v])), nn.tensor2d(p.map((v) => [v]))],
      [new nn.Tensor(Float32Array.from(t), [4]), new nn.Tensor(Float32Array.from(p), [4])],
      [t.map((v) => [v]), p.map((v) => [v])],
    ] as const;
    for (const [a, b] of forms) {
      expect(precision(a, b)).toBeCloseTo(2 / 3, 12);
      expect(auc(a, b)).toBeCloseTo(2 / 3, 12);
      expect(mae(a, b)).toBeCloseTo((0.3 + 0.6 + 0.6 + 0.1) / 4, 6);
    }
  });

  it('refuses bad input with errors that name the argument', () => {
    expect(() => precision([1, 0], [0.5])).toThrow(
      new RangeError('precision: yTrue has 2 rows but yPred has 1; they must match'),
    );
    expect(() => recall([1, 2], [0.5, 0.1])).toThrow(
      /recall: yTrue row 1 holds 2; labels must be class indices from 0 to 1/,
    );
    expect(() => f1([1, 0], [0.5, Number.NaN])).toThrow('f1: yPred row 1 holds NaN (column 0); values must be finite');
    expect(() => auc('abc' as never, [1])).toThrow(TypeError);
    expect(() => mae([1, '2'] as never, [1, 2])).toThrow('mae: yTrue[1] must be a number, got "2"');
    expect(() => r2([[1, 2]], [[1]])).toThrow('r2: yTrue has 2 columns but yPred has 1; they must match');
    expect(() => mape([], [])).toThrow('mape: yTrue is empty');
    expect(() =>
      precision(
        [0, 1, 2],
        nn.tensor2d([
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, 1],
        ]),
        { average: 'binary' },
      ),
    ).toThrow("precision: average 'binary' needs two classes, but yPred has 3 columns; use 'macro'");
    expect(() => precision([1], [1], { average: 'micro' as never })).toThrow("average must be 'binary' or 'macro'");
    expect(() => precision([1], [1], { treshold: 0.2 } as never)).toThrow('precision: unknown option "treshold"');
    expect(() => precision([1], [1], { threshold: 2 })).toThrow(
      'precision: threshold must be a finite number in [0, 1], got 2',
    );
  });
});

describe('metrics against scikit-learn 1.2.1', () => {
  it('binary (threshold 0.5), also macro', () => {
    const c = fixtures.binary;
    expect(precision(c.yTrue, c.yPred)).toBeCloseTo(c.precision, 12);
    expect(recall(c.yTrue, c.yPred)).toBeCloseTo(c.recall, 12);
    expect(f1(c.yTrue, c.yPred)).toBeCloseTo(c.f1, 12);
    expect(auc(c.yTrue, c.yPred)).toBeCloseTo(c.auc, 12);
    expect(precision(c.yTrue, c.yPred, { average: 'macro' })).toBeCloseTo(c.macroPrecision, 12);
    expect(f1(c.yTrue, c.yPred, { average: 'macro' })).toBeCloseTo(c.macroF1, 12);
  });

  it('four classes: macro precision, recall, f1 and one-vs-rest AUC (tied scores)', () => {
    const c = fixtures.multiclass;
    expect(precision(c.yTrue, c.yPred)).toBeCloseTo(c.precision, 12);
    expect(recall(c.yTrue, c.yPred)).toBeCloseTo(c.recall, 12);
    expect(f1(c.yTrue, c.yPred)).toBeCloseTo(c.f1, 12);
    expect(auc(c.yTrue, c.yPred)).toBeCloseTo(c.auc, 12);
  });

  it('regression, one and two outputs: mae, mape (sklearn × 100), r2 (uniform average)', () => {
    for (const c of [fixtures.regression, fixtures.regression2]) {
      expect(mae(c.yTrue, c.yPred)).toBeCloseTo(c.mae, 12);
      expect(mape(c.yTrue, c.yPred)).toBeCloseTo(c.mape, 10);
      expect(r2(c.yTrue, c.yPred)).toBeCloseTo(c.r2, 12);
    }
  });
});
