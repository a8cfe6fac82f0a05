/** The tape the builder writes: plain data, the fusions and aliases it promises, the passes each
 *  executor runs (recorded without computing), and that the js executor runs a tape that went
 *  through JSON the same as the original. */
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { createJsExecutor } from '../../src/graph/executor-js';
import { withConvPoolFusion } from '../support/conv-pool-fusion';
import { clonePlan, makeData, makePlan, planZoo } from '../support/plans';
import { recordPass } from '../support/recording-executor';

const kernels = (calls: { kernel: string }[]) => calls.map((c) => c.kernel);

function digitsLike() {
  const model = nn.sequential({
    seed: 3,
    layers: [
      nn.layers.dense({ units: 8, activation: 'relu', inputShape: [5], name: 'hidden' }),
      nn.layers.dense({ units: 3, activation: 'softmax', name: 'out' }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

describe('the tape builder', () => {
  it('writes the training step of a relu → softmax + cross-entropy network, fused where it can', () => {
    const tape = digitsLike().compiledNetwork().tape;
    expect(kernels(recordPass(tape, 'train'))).toEqual([
      'gemm',
      'biasActivation',
      'gemm',
      'addBias', // forward; the softmax is left to the loss
      'softmaxXent', // probabilities, loss and p − y at once
      'argmaxAccuracy',
      'gemm',
      'fill',
      'columnSums',
      'gemm', // out layer: dW, db, dx
      'activationGrad',
      'gemm',
      'fill',
      'columnSums', // hidden: relu', dW, db (no dx into the input)
      'adam',
      'adam',
      'adam',
      'adam',
    ]);
    expect(kernels(recordPass(tape, 'predict'))).toEqual(['gemm', 'biasActivation', 'gemm', 'addBias', 'softmax']);
    // evaluate computes no gradient: the fused loss gets no gradient buffer, nothing runs backward
    const evalCalls = recordPass(tape, 'eval');
    expect(kernels(evalCalls)).toEqual(['gemm', 'biasActivation', 'gemm', 'addBias', 'softmaxXent', 'argmaxAccuracy']);
    expect(evalCalls[4].args[1]).toBe('-');
    expect(recordPass(tape, 'train')[4].args).toEqual(['out/out', 'd(out/z)', 'out/z', 'y']);
  });

  it('for sample weights: y one column wider, targets and weights copied out, the weighted loss kernels', () => {
    const model = digitsLike();
    const plain = model.compiledNetwork().tape;
    const tape = model.compiledNetwork(true).tape;
    expect(tape.buffers[tape.y].width).toBe(plain.buffers[plain.y].width + 1);
    const train = recordPass(tape, 'train');
    expect(kernels(train).slice(4, 8)).toEqual(['copyColumns', 'copyColumns', 'weightedSoftmaxXent', 'argmaxAccuracy']);
    expect(train[4].args).toEqual(['output/target', 'y']);
    expect(train[5].args).toEqual(['sampleWeight', 'y']);
    expect(train[6].args).toEqual(['out/out', 'd(out/z)', 'out/z', 'output/target', 'sampleWeight']);
    expect(kernels(recordPass(tape, 'eval'))).toContain('weightedSoftmaxXent');
    // Everything else is the plain tape's.
    expect(kernels(train.filter((_, i) => i < 4 || i > 7))).toEqual(
      kernels(recordPass(plain, 'train').filter((_, i) => i !== 4 && i !== 5)),
    );
    // A loss it cannot fuse: weightedLoss for the value, weightedLossGrad for the gradient.
    const mse = nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: 2, inputShape: [3] })] });
    mse.compile({ optimizer: 'sgd', loss: 'mse' });
    const calls = kernels(recordPass(mse.compiledNetwork(true).tape, 'train'));
    expect(calls).toContain('weightedLoss');
    expect(calls).toContain('weightedLossGrad');
    expect(calls).not.toContain('loss');
  });

  it('chains a loss it cannot fuse through the activation gradient, and a linear output is its z', () => {
    const model = nn.sequential({
      seed: 1,
      layers: [
        nn.layers.dense({ units: 4, activation: 'tanh', inputShape: [3], name: 'a' }),
        nn.layers.dense({ units: 2, name: 'b' }),
      ],
    });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const tape = model.compiledNetwork().tape;
    expect(tape.buffers[tape.output].name).toBe('b/z');
    expect(kernels(recordPass(tape, 'train'))).toEqual([
      'gemm',
      'biasActivation',
      'gemm',
      'addBias',
      'loss',
      'lossGrad',
      'gemm',
      'fill',
      'columnSums',
      'gemm',
      'activationGrad',
      'gemm',
      'fill',
      'columnSums',
      'sgd',
      'sgd',
      'sgd',
      'sgd',
    ]);
  });

  it('dropout masks in training and copies in inference; regularization adds a loss term and its gradient', () => {
    const model = nn.sequential({
      seed: 2,
      layers: [
        nn.layers.dense({
          units: 4,
          activation: 'relu',
          inputShape: [3],
          kernelRegularizer: nn.regularizers.l1l2({ l1: 0.01, l2: 0.02 }),
        }),
        nn.layers.dropout({ rate: 0.5 }),
        nn.layers.dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    const tape = model.compiledNetwork().tape;
    const train = kernels(recordPass(tape, 'train'));
    expect(train).toContain('dropout');
    expect(train).not.toContain('copy');
    expect(train).toContain('sigmoidXent');
    expect(train).toContain('regularization');
    expect(train.filter((k) => k === 'axpy' || k === 'l1Grad')).toEqual(['axpy', 'l1Grad']);
    expect(kernels(recordPass(tape, 'predict'))).toContain('copy');
    expect(kernels(recordPass(tape, 'predict'))).not.toContain('dropout');
  });

  it('is plain data: a tape through JSON runs to the same bits', async () => {
    for (const { plan } of planZoo()) {
      const a = clonePlan(plan);
      const b = clonePlan(plan);
      b.net = { ...b.net, tape: JSON.parse(JSON.stringify(plan.net.tape)) };
      const { x, y } = makeData(plan, 12, 4);
      const idx = Int32Array.from({ length: 12 }, (_, i) => (i * 5) % 12);
      const ra = await createJsExecutor(a.net, nn.backends.js).trainBatches(x, y, idx, 4, 0, 3, 0);
      const rb = await createJsExecutor(b.net, nn.backends.js).trainBatches(x, y, idx, 4, 0, 3, 0);
      expect(Array.from(rb)).toEqual(Array.from(ra));
      expect(Array.from(b.net.weights.data)).toEqual(Array.from(a.net.weights.data));
    }
  });

  it('every call of every zoo tape names a kernel of the table with its arguments and attributes', () => {
    for (const { plan } of planZoo()) {
      for (const pass of ['train', 'eval', 'predict', 'gradients'] as const)
        expect(recordPass(plan.net.tape, pass).length).toBeGreaterThan(0);
    }
    const plan = makePlan({ inputs: 2, loss: 'meanSquaredError', layers: [{ dense: 1 }] });
    expect(plan.net.tape.results).toEqual(['loss', 'accuracy', 'mse', 'mae']);
  });

  it('pools a relu convolution before its bias and relu, and not when the relu output is read elsewhere', () => {
    const model = nn.sequential({
      seed: 2,
      layers: [
        nn.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 1], name: 'c' }),
        nn.layers.maxPooling2d({ poolSize: 2, name: 'p' }),
        nn.layers.flatten({ name: 'f' }),
        nn.layers.dense({ units: 2, activation: 'softmax', name: 'd' }),
      ],
    });
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    // A first layer: without the convolution + pooling fusion, which would replace these calls.
    const tape = withConvPoolFusion(false, () => model.compiledNetwork().tape);
    const train = recordPass(tape, 'train');
    expect(train.slice(0, 3)).toEqual([
      { kernel: 'conv2d', args: ['c/z', 'x', 'c/kernel', 'c/columns'] },
      { kernel: 'maxPool2d', args: ['c/out (pooled)', 'p/argmax', 'c/z'] }, // the pre-activation, pooled
      { kernel: 'biasActivation', args: ['p/out', 'c/out (pooled)', 'c/bias'] }, // a quarter of the values
    ]);
    const back = train.filter((c) => ['activationGrad', 'maxPool2dGrad', 'columnSums'].includes(c.kernel));
    expect(back.slice(-3)).toEqual([
      { kernel: 'activationGrad', args: ['d(c/out) (pooled)', 'd(p/out)', 'c/out (pooled)', 'p/out'] },
      { kernel: 'maxPool2dGrad', args: ['d(c/z)', 'd(c/out) (pooled)', 'p/argmax'] },
      { kernel: 'columnSums', args: ['d(c/bias)', 'd(c/out) (pooled)'] },
    ]);
    expect(tape.buffers.find((b) => b.name === 'c/out (pooled)')?.shape).toEqual([-1, 2, 2, 3]);
    expect(kernels(recordPass(tape, 'predict')).slice(0, 3)).toEqual(['conv2d', 'maxPool2d', 'biasActivation']);

    // The relu output also feeds a second layer: it must exist at full size, so nothing moves.
    const input = nn.input({ shape: [6, 6, 1] });
    const relu = nn.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu', name: 'c' }).apply(input);
    const pooled = nn.layers.flatten().apply(nn.layers.maxPooling2d({ poolSize: 2 }).apply(relu));
    const whole = nn.layers.flatten().apply(relu);
    const both = nn.layers.concatenate().apply([pooled, whole]);
    const out = nn.layers.dense({ units: 2, activation: 'softmax' }).apply(both);
    const branched = nn.model({ inputs: input, outputs: out, seed: 1 });
    branched.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const calls = recordPass(branched.compiledNetwork().tape, 'train');
    expect(calls.slice(0, 2).map((c) => c.kernel)).toEqual(['conv2d', 'biasActivation']);
    expect(calls.find((c) => c.kernel === 'maxPool2d')?.args[2]).toMatch(/^c\/out/);
  });
});
