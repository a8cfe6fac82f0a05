/** Layer shapes of any rank, batch dimension first ([null, ...dims], as tfjs), and the 2-D forms
 *  the executors still use, computed from them. */
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';

describe('computeOutputShape', () => {
  it('dense acts on the last axis of inputs of rank 2 to 4 (Keras semantics)', () => {
    const d = nn.layers.dense({ units: 7 });
    expect(d.computeOutputShape([null, 5])).toEqual([null, 7]);
    expect(d.computeOutputShape([null, 5, 8])).toEqual([null, 5, 7]);
    expect(d.computeOutputShape([null, 26, 26, 32])).toEqual([null, 26, 26, 7]);
    expect(d.computeOutputShape([4, null, 3])).toEqual([4, null, 7]);
    expect(d.weightSpecs([null, 5, 8])).toEqual([
      { name: 'kernel', shape: [8, 7], trainable: true },
      { name: 'bias', shape: [7], trainable: true },
    ]);
    expect(d.countParams([null, 26, 26, 32])).toBe(32 * 7 + 7);
    expect(nn.layers.dense({ units: 3, useBias: false }).countParams([null, 2, 4])).toBe(12);
  });

  it('activation and dropout layers keep the shape, any rank', () => {
    for (const layer of [
      nn.layers.activation({ activation: 'relu' }),
      nn.layers.dropout({ rate: 0.5 }),
      nn.layers.softmax(),
    ]) {
      for (const shape of [
        [null, 3],
        [null, 5, 8],
        [2, 26, 26, 32],
      ]) {
        expect(layer.computeOutputShape(shape)).toEqual(shape);
      }
      expect(layer.countParams([null, 5, 8])).toBe(0);
    }
  });

  it('refuses shapes a layer cannot take, naming the layer', () => {
    const d = nn.layers.dense({ units: 2 });
    expect(() => d.computeOutputShape([null])).toThrow(
      'dense: the input shape (None,) needs at least 2 dimensions (batch, features)',
    );
    expect(() => d.computeOutputShape([null, 4, null])).toThrow(
      'dense: the last dimension of the input shape (None, 4, None) must be known and ≥ 1',
    );
    expect(() => d.weightSpecs([null, 0])).toThrow('must be known and ≥ 1');
    expect(() => d.computeOutputShape([null, -1] as never)).toThrow(
      'dense: inputShape[1] must be null or a non-negative integer, got -1',
    );
    expect(() => nn.layers.dropout({ rate: 0.1 }).computeOutputShape('x' as never)).toThrow(TypeError);
  });

  it('the 2-D forms (outputSize, paramCount, weightShapes) agree with the shape methods', () => {
    const d = nn.layers.dense({ units: 4 });
    expect(d.outputSize(6)).toBe(4);
    expect(d.paramCount(6)).toBe(28);
    expect(d.weightShapes(6)).toEqual([[6, 4], [4]]);
    expect(nn.layers.dropout({ rate: 0.2 }).outputSize(6)).toBe(6);
    expect(nn.layers.elu().weightShapes(6)).toEqual([]);
  });
});

describe('input shapes and build', () => {
  it('inputShape takes any rank; inputDim and batchInputShape give the same [null, ...] shape', () => {
    expect(nn.layers.dense({ units: 1, inputShape: [5, 8] }).batchInputShape).toEqual([null, 5, 8]);
    expect(nn.layers.dense({ units: 1, inputShape: [26, 26, 3] }).getConfig().batchInputShape).toEqual([
      null,
      26,
      26,
      3,
    ]);
    expect(nn.layers.dense({ units: 1, inputDim: 4 }).batchInputShape).toEqual([null, 4]);
    expect(nn.layers.dense({ units: 1, batchInputShape: [null, 2, 3] }).batchInputShape).toEqual([null, 2, 3]);
    expect(nn.layers.dense({ units: 1, inputShape: [3] }).inputSize).toBe(3);
    const sequences = nn.sequential([nn.layers.dense({ units: 2, inputShape: [null, 8] })]);
    expect(sequences.summary({ print: false })).toMatch(/dense_1 \(Dense\)\s+\(None, None, 2\)\s+18 *$/m);
    expect(() => nn.layers.dense({ units: 1, batchInputShape: [3] })).toThrow(
      'dense: batchInputShape must be [batch, ...dims]',
    );
    expect(() => nn.layers.dense({ units: 1, inputShape: [2], inputDim: 2 })).toThrow(
      'dense: give only one of inputShape, inputDim',
    );
  });

  it('build(inputShape) makes the kernel for the last axis; a built layer refuses another width', () => {
    const d = nn.layers.dense({ units: 3 });
    d.build([null, 5, 4], 1);
    expect(d.weights().map((w) => w.length)).toEqual([12, 3]);
    d.build([null, 9, 4], 1); // the same last axis: nothing to do
    expect(() => d.build([null, 5], 1)).toThrow('was built for 4 inputs and cannot be reused with 5');
    const seeded = nn.layers.dense({ units: 3 });
    seeded.build(4, 1); // the 2-D form the plans use
    expect(seeded.weights()).toEqual(d.weights());
  });

  it('a model takes a rank-3 input shape: dense acts on the last axis of every step (Keras semantics)', async () => {
    const m = nn.sequential({
      layers: [nn.layers.dense({ units: 6, inputShape: [5, 8] }), nn.layers.dense({ units: 2 })],
    });
    expect(m.countParams()).toBe(8 * 6 + 6 + 6 * 2 + 2);
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = nn.tensor3d(
      Float32Array.from({ length: 2 * 5 * 8 }, (_, i) => Math.sin(i)),
      [2, 5, 8],
    );
    const out = m.predict(x);
    expect(out.shape).toEqual([2, 5, 2]);
    // Step 3 of sample 1 through the model alone equals that step of the sequence.
    const single = nn.sequential({
      layers: [nn.layers.dense({ units: 6, inputShape: [8] }), nn.layers.dense({ units: 2 })],
    });
    single.setWeights(m.getWeights());
    const step = single.predict(nn.tensor2d(x.data.slice((5 + 3) * 8, (5 + 4) * 8), [1, 8]));
    expect(Array.from(out.data.slice((5 + 3) * 2, (5 + 4) * 2))).toEqual(Array.from(step.data));
    const y = nn.tensor3d(new Float32Array(20), [2, 5, 2]);
    const h = await m.fit(x, y, { epochs: 2, verbose: 0 });
    expect(h.history.loss[1]).toBeLessThan(h.history.loss[0]);
    expect(() => m.evaluate(x, nn.tensor2d(new Float32Array(20), [2, 10]))).toThrow(
      "evaluate: y must be a Tensor [rows, 5, 2] (the model's output shape), got shape [2, 10]",
    );
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    expect(() => m.evaluate(x, y)).toThrow(/categoricalCrossentropy needs a model whose output is \[batch, classes\]/);
    expect(() => m.add(nn.layers.dense({ units: 1, inputShape: [5, 3] }))).toThrow(
      'add: layer 2 declares inputShape [5, 3] but the previous layer outputs (None, 5, 2)',
    );
    expect(() =>
      nn.sequential([
        nn.layers.dense({ units: 6, inputShape: [5, 8] }),
        nn.layers.dense({ units: 2, inputShape: [5, 6] }),
      ]),
    ).not.toThrow();
  });
});
