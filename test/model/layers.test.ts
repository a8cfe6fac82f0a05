/** Layers, initializers, regularizers, optimizers and names: configuration and validation. */
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { Random } from '../../src/util/random';

describe('layers', () => {
  it('dense keeps its configuration in TensorFlow.js terms', () => {
    const d = nn.layers.dense({
      units: 5,
      activation: 'relu',
      inputShape: [3],
      useBias: false,
      kernelRegularizer: nn.regularizers.l2({ l2: 0.02 }),
    });
    nn.sequential([d]);
    expect(d.getConfig()).toMatchObject({
      name: 'dense_1',
      units: 5,
      activation: 'relu',
      useBias: false,
      trainable: true,
      batchInputShape: [null, 3],
      kernelInitializer: { className: 'GlorotUniform' },
      biasInitializer: { className: 'Zeros' },
      kernelRegularizer: { className: 'L1L2', config: { l1: 0, l2: 0.02 } },
    });
  });

  it('names layers like tfjs: <prefix>_<k>, k counted per prefix across models', () => {
    const m = nn.sequential([
      nn.layers.dense({ units: 4, inputShape: [2] }),
      nn.layers.dropout({ rate: 0.5 }),
      nn.layers.dense({ units: 3 }),
      nn.layers.leakyRelu(),
      nn.layers.dense({ units: 2, name: 'out' }),
    ]);
    const names = m.layers.map((l) => l.name ?? '');
    expect(names[4]).toBe('out');
    expect(names.slice(0, 4).map((n) => n.replace(/_\d+$/, ''))).toEqual(['dense', 'dropout', 'dense', 'leaky_re_lu']);
    const k = (n: string) => Number(/_(\d+)$/.exec(n)?.[1]);
    expect(k(names[2])).toBe(k(names[0]) + 1);
    expect(() => m.add(nn.layers.dense({ units: 2, name: 'out' }))).toThrow('already has a layer named "out"');
  });

  it('rejects bad layer arguments with messages that name them', () => {
    expect(() => nn.layers.dense({ units: -3 })).toThrow('dense: units must be a positive integer, got -3');
    expect(() => nn.layers.dense({} as never)).toThrow('dense: units is required');
    expect(() => nn.layers.dense({ units: 2, activation: 'swish' as never })).toThrow(
      'dense: unknown activation "swish"; valid: linear, sigmoid, tanh, relu, leakyRelu, elu, softmax, gelu, silu',
    );
    expect(() => nn.layers.dense({ units: 2, kernelInitializer: 'xavier' })).toThrow(
      /unknown kernelInitializer "xavier"; valid: glorotUniform/,
    );
    expect(() => nn.layers.dense({ units: 2, kernelRegularizer: 'l3' })).toThrow(
      /unknown kernelRegularizer "l3"; valid: l1, l2, l1l2/,
    );
    expect(() => nn.layers.dense({ units: 2, inputShape: [8, 0] })).toThrow(
      'dense: inputShape must be a non-empty array, each dim an integer from 1 to 16777216 or null',
    );
    expect(() => nn.layers.dense({ units: 2, inputShape: [] })).toThrow('dense: inputShape must be a non-empty array');
    expect(() => nn.layers.dense({ units: 2, unitz: 3 } as never)).toThrow('dense: unknown option "unitz"');
    expect(() => nn.layers.dropout({ rate: 1 })).toThrow('dropout: rate must be a finite number in [0, 1), got 1');
    expect(() => nn.layers.activation({ activation: 'nope' as never })).toThrow('unknown activation "nope"');
    expect(nn.layers.dense({ units: 2, trainable: false }).trainable).toBe(false);
  });

  it('leakyRelu and elu layers take alpha (defaults 0.3 and 1)', () => {
    expect(nn.layers.leakyRelu().alpha).toBe(0.3);
    expect(nn.layers.elu().alpha).toBe(1);
    expect(nn.layers.leakyRelu({ alpha: 0.1 }).getConfig()).toMatchObject({ alpha: 0.1 });
    expect(nn.layers.dense({ units: 1, activation: 'leakyRelu' }).alpha).toBe(0.3);
  });
});

describe('initializers', () => {
  const stats = (init: ReturnType<typeof nn.initializers.glorotUniform>, fanIn: number, fanOut: number) => {
    const w = new Float32Array(fanIn * fanOut);
    init.fill(w, fanIn, fanOut, new Random(5));
    let mean = 0;
    for (const v of w) mean += v / w.length;
    let variance = 0;
    for (const v of w) variance += (v - mean) ** 2 / w.length;
    return { mean, variance, min: Math.min(...w), max: Math.max(...w) };
  };

  // 40 000 draws: the sample variance is within ~2% of the true one (its std is ~0.7–1%).
  it.each([
    ['glorotUniform', 2 / 400],
    ['glorotNormal', 2 / 400],
    ['heNormal', 2 / 200],
    ['heUniform', 2 / 200],
    ['leCunNormal', 1 / 200],
    ['leCunUniform', 1 / 200],
    ['randomNormal', 0.05 ** 2],
    ['randomUniform', 0.1 ** 2 / 12],
  ] as const)('%s has the Keras variance', (name, variance) => {
    const s = stats(nn.initializers[name](), 200, 200);
    expect(Math.abs(s.mean)).toBeLessThan(0.02 * Math.sqrt(variance) * 10);
    expect(s.variance / variance).toBeGreaterThan(0.96);
    expect(s.variance / variance).toBeLessThan(1.04);
  });

  it('glorotUniform stays inside its limit; truncated normals inside two (corrected) std', () => {
    expect(stats(nn.initializers.glorotUniform(), 200, 200).max).toBeLessThanOrEqual(Math.sqrt(6 / 400));
    const he = stats(nn.initializers.heNormal(), 200, 200);
    expect(he.max).toBeLessThanOrEqual((2 * Math.sqrt(2 / 200)) / 0.87962566103423978 + 1e-7);
  });

  it('zeros, ones, constant fill; the same seed gives the same weights', () => {
    expect(stats(nn.initializers.ones(), 3, 3)).toMatchObject({ min: 1, max: 1 });
    expect(stats(nn.initializers.zeros(), 3, 3)).toMatchObject({ min: 0, max: 0 });
    expect(stats(nn.initializers.constant({ value: 2.5 }), 3, 3)).toMatchObject({ min: 2.5, max: 2.5 });
    const a = nn.sequential({ seed: 9, layers: [nn.layers.dense({ units: 7, inputShape: [5] })] }).getWeights()[0].data;
    const b = nn.sequential({ seed: 9, layers: [nn.layers.dense({ units: 7, inputShape: [5] })] }).getWeights()[0].data;
    const c = nn
      .sequential({ seed: 10, layers: [nn.layers.dense({ units: 7, inputShape: [5] })] })
      .getWeights()[0].data;
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    // An initializer's own seed wins over the model's.
    const own = (seed: number) =>
      nn
        .sequential({
          seed,
          layers: [
            nn.layers.dense({ units: 7, inputShape: [5], kernelInitializer: nn.initializers.heNormal({ seed: 3 }) }),
          ],
        })
        .getWeights()[0].data;
    expect(own(1)).toEqual(own(2));
  });

  it('randomNormal takes mean and stddev', () => {
    const s = stats(nn.initializers.randomNormal({ mean: 1, stddev: 0.1 }), 200, 200);
    expect(Math.abs(s.mean - 1)).toBeLessThan(0.005);
    expect(Math.sqrt(s.variance)).toBeCloseTo(0.1, 2);
  });
});

describe('optimizers', () => {
  it('have the Keras / TensorFlow.js defaults', () => {
    expect(nn.optimizers.sgd().plan).toMatchObject({ kind: 'sgd', learningRate: 0.01 });
    expect(nn.optimizers.momentum().plan).toMatchObject({
      kind: 'momentum',
      learningRate: 0.01,
      momentum: 0.9,
      nesterov: false,
    });
    expect(nn.optimizers.adam().plan).toMatchObject({
      kind: 'adam',
      learningRate: 0.001,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-7,
      weightDecay: 0,
    });
    expect(nn.optimizers.adamw().plan).toMatchObject({ kind: 'adamw', learningRate: 0.001, weightDecay: 0.004 });
    expect(nn.optimizers.rmsprop().plan).toMatchObject({
      kind: 'rmsprop',
      learningRate: 0.001,
      rho: 0.9,
      momentum: 0,
      epsilon: 1e-7,
    });
    const ada = nn.optimizers.adagrad();
    expect(ada.plan).toMatchObject({ kind: 'adagrad', learningRate: 0.01, epsilon: 1e-7 });
    expect(ada.initialAccumulatorValue).toBe(0.1);
    expect(nn.optimizers.sgd({ momentum: 0.5 }).plan).toMatchObject({ kind: 'momentum', momentum: 0.5 });
  });

  it('own their slots (adagrad starting at initialAccumulatorValue) and a settable learning rate', () => {
    const ada = nn.optimizers.adagrad({ initialAccumulatorValue: 0.25 });
    const params = [3, 2]; // parameter lengths, in the model's weight order
    ada.allocateSlots(params);
    expect(ada.plan.slots.map((s) => s.map((a) => Array.from(a)))).toEqual([[[0.25, 0.25, 0.25]], [[0.25, 0.25]]]);
    const first = ada.plan.slots[0][0];
    ada.allocateSlots(params);
    expect(ada.plan.slots[0][0]).toBe(first);
    expect(() => ada.allocateSlots([4])).toThrow('give each model its own optimizer');
    const adam = nn.optimizers.adam();
    adam.allocateSlots(params);
    expect(adam.plan.slots[1].length).toBe(2);
    adam.learningRate = 0.5;
    expect(adam.plan.learningRate).toBe(0.5);
    expect(() => {
      adam.learningRate = -1;
    }).toThrow('learningRate must be a finite number in [0, 1000000], got -1');
    expect(adam.getConfig()).toEqual({
      className: 'Adam',
      config: { learningRate: 0.5, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
    });
  });

  it('rejects bad settings', () => {
    expect(() => nn.optimizers.adam({ beta1: 1 })).toThrow('adam: beta1 must be a finite number in [0, 1), got 1');
    expect(() => nn.optimizers.sgd({ learningRate: Number.NaN })).toThrow(
      'sgd: learningRate must be a finite number in [0, 1000000], got NaN',
    );
    expect(() => nn.optimizers.rmsprop({ rho: 0.9, decay: 0.9 })).toThrow('give rho or decay');
  });
});
