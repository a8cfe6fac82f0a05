/** int32 tensors where nativenn takes a Tensor: converted where Keras would (inputs, targets,
 *  scalers), kept where ints are natural (sparse labels, take, oneHot). */
import { describe, expect, it } from 'vitest';
import * as nn from '../src';

const rows = [
  [1, 0, 2],
  [0, 3, 1],
  [2, 2, 0],
  [4, 1, 1],
];
const xf = nn.tensor2d(rows);
const xi = nn.tensor2d(rows, undefined, 'int32');
const labels = Int32Array.of(0, 1, 1, 0);

function model(loss: string, units = 2, activation: 'softmax' | 'linear' = 'softmax') {
  const m = nn.sequential({ seed: 7, layers: [nn.layers.dense({ units, activation, inputShape: [3] })] });
  m.compile({ optimizer: 'sgd', loss });
  return m;
}

describe('int32 tensors in models', () => {
  it('an int32 x converts to float32: predict and evaluate match the float32 x', () => {
    expect(xi.dtype).toBe('int32');
    const m = model('sparseCategoricalCrossentropy');
    expect(m.predict(xi).dataSync()).toEqual(m.predict(xf).dataSync());
    expect(m.predict(xi).dtype).toBe('float32');
    expect(m.evaluate(xi, labels)).toEqual(m.evaluate(xf, labels));
  });

  it('int32 sparse labels (a Tensor [n] or [n, 1]) and int32 one-hot targets are accepted', () => {
    const sparse = model('sparseCategoricalCrossentropy');
    const expected = sparse.evaluate(xf, labels);
    expect(sparse.evaluate(xf, nn.tensor1d(labels))).toEqual(expected);
    expect(sparse.evaluate(xf, nn.tensor1d(labels).reshape([-1, 1]))).toEqual(expected);
    const categorical = model('categoricalCrossentropy');
    const oneHot = nn.data.oneHot(labels, 2);
    const oneHotInt = nn.tensor(Int32Array.from(oneHot.dataSync()), [4, 2]);
    expect(categorical.evaluate(xf, oneHotInt)).toEqual(categorical.evaluate(xf, oneHot));
  });

  it('fit trains on int32 x and y as on their float32 values', async () => {
    const a = model('meanSquaredError', 1, 'linear');
    const b = model('meanSquaredError', 1, 'linear');
    const yi = nn.tensor([[1], [2], [3], [4]], undefined, 'int32');
    const yf = nn.tensor2d([[1], [2], [3], [4]]);
    const ha = await a.fit(xi, yi, { epochs: 3, batchSize: 2, shuffle: false, verbose: 0 });
    const hb = await b.fit(xf, yf, { epochs: 3, batchSize: 2, shuffle: false, verbose: 0 });
    expect(ha.history.loss).toEqual(hb.history.loss);
    expect(a.getWeights()).toEqual(b.getWeights());
  });

  it('inputs of a rank the model does not take are refused with a clear error', () => {
    const m = model('sparseCategoricalCrossentropy');
    expect(() => m.predict(nn.tensor3d([[[1, 0, 2]]]))).toThrow(
      'predict: x has shape [1, 1, 3]; this model takes 2-D inputs [rows, 3] (flatten it with x.reshape([rows, -1])',
    );
  });
});

describe('int32 tensors in the data helpers', () => {
  it('scalers read int32 columns like floats and return float32', () => {
    for (const make of [nn.data.minMaxScaler, nn.data.standardScaler]) {
      const fromInt = make().fitTransform(xi);
      expect(fromInt.dtype).toBe('float32');
      expect(fromInt.dataSync()).toEqual(make().fitTransform(xf).dataSync());
      expect(make().fit(xf).transform(xi).dataSync()).toEqual(fromInt.dataSync());
    }
  });

  it('take keeps the dtype; oneHot takes a 1-D Tensor such as argMax results', () => {
    const picked = nn.data.take(xi, [3, 0]);
    expect(picked.dtype).toBe('int32');
    expect(picked.arraySync()).toEqual([rows[3], rows[0]]);
    const classes = xf.argMax(1);
    expect(Array.from(classes.dataSync())).toEqual([2, 1, 0, 0]);
    expect(nn.data.oneHot(classes, 3).arraySync()).toEqual([
      [0, 0, 1],
      [0, 1, 0],
      [1, 0, 0],
      [1, 0, 0],
    ]);
    expect(() => nn.data.oneHot(xi, 5)).toThrow(
      'oneHot: labels must be a 1-D Tensor [n] (one label per row), got shape [4, 3]',
    );
    expect(() => nn.data.oneHot(nn.tensor1d([0.5]), 2)).toThrow(
      'oneHot: labels[0] must be an integer in [0, 2), got 0.5',
    );
  });

  it('trainTestSplit splits int32 x and int32 label tensors, stratified', () => {
    const x = nn.tensor(
      Int32Array.from({ length: 20 }, (_, i) => i),
      [10, 2],
    );
    const y = nn.tensor1d(Int32Array.of(0, 0, 0, 0, 0, 1, 1, 1, 1, 1));
    const s = nn.data.trainTestSplit(x, y, { testSize: 4, seed: 1, stratify: true });
    expect(s.xTest.dtype).toBe('int32');
    expect(s.yTest.dtype).toBe('int32');
    expect(Array.from(s.yTest.dataSync()).sort()).toEqual([0, 0, 1, 1]);
    s.testIndices.forEach((r, i) => {
      expect(s.xTest.arraySync()).toContainEqual([2 * r, 2 * r + 1]);
      expect(s.yTest.dataSync()[i]).toBe(y.dataSync()[r]);
    });
  });
});
