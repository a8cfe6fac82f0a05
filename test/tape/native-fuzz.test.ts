/** Fuzzes the native tape validator (test/tape/native-fuzz-child.js, in a child process so a
 *  crash shows as a signal): thousands of random mutants of valid tapes, each either refused by
 *  createTape with a TypeError/RangeError or run through predict, evaluate, trainBatches and
 *  gradients without anything but TypeError/RangeError. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { addon } from '../../src/backend/native/addon';
import { planZoo } from '../support/plans';
import { spawnNode } from '../support/spawn-node';
import { mlpTape } from './native-support';
import { recurrentTape } from './recurrent-tape';

/** Tapes of small CNNs (every image kernel, the fused first layer too) and a generator, written by
 *  the real builder. */
function cnnTapes() {
  const nets = [
    [
      nn.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [5, 5, 2] }),
      nn.layers.maxPooling2d({ poolSize: 2, padding: 'same' }),
      nn.layers.conv2d({ filters: 2, kernelSize: 2, strides: 2, activation: 'tanh' }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 3, activation: 'softmax' }),
    ],
    [
      nn.layers.reshape({ targetShape: [2, 4, 1], inputShape: [8] }),
      nn.layers.conv2d({ filters: 2, kernelSize: [1, 2], dilationRate: [1, 2] }),
      nn.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
      nn.layers.globalMaxPooling2d(),
      nn.layers.dense({ units: 2, activation: 'sigmoid' }),
    ],
    [
      nn.layers.zeroPadding2d({ padding: [1, 0], inputShape: [3, 3, 1] }),
      nn.layers.conv2d({ filters: 2, kernelSize: 2, useBias: false }),
      nn.layers.batchNormalization(),
      nn.layers.flatten(),
      nn.layers.batchNormalization({ center: false }),
      nn.layers.dense({ units: 2, activation: 'sigmoid' }),
    ],
    [
      nn.layers.gaussianNoise({ stddev: 0.3, inputShape: [2, 3, 2] }),
      nn.layers.upSampling2d({ size: [2, 1], interpolation: 'bilinear' }),
      nn.layers.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' }),
      nn.layers.upSampling2d(),
      nn.layers.globalAveragePooling2d(),
      nn.layers.dense({ units: 2, activation: 'sigmoid' }),
    ],
    [
      // A first relu convolution and its pooling: the fused conv2dReluPool / conv2dReluPoolGrad.
      nn.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu', inputShape: [7, 6, 2] }),
      nn.layers.maxPooling2d({ poolSize: 2 }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 2, activation: 'sigmoid' }),
    ],
  ];
  return nets.map((layers, i) => {
    const m = nn.sequential({ seed: 3, layers });
    m.compile({
      optimizer: i === 1 ? nn.optimizers.adam({ clipnorm: 1, clipvalue: 0.5 }) : 'adam',
      loss: i === 0 ? 'sparseCategoricalCrossentropy' : 'binaryCrossentropy',
    });
    return m.compiledNetwork(i === 0).tape; // the first with sample weights (the weighted kernels)
  });
}

/** A functional model's tape: two inputs copied out of x, a merge, a tensor read twice
 *  (branches), two outputs (one with class indices copied out of y), a weighted loss. */
function functionalTape(weighted = false) {
  const a = nn.input({ shape: [3] });
  const b = nn.input({ shape: [2] });
  const h = nn.layers.dense({ units: 4, activation: 'tanh' }).apply(nn.layers.concatenate().apply([a, b]));
  const p = nn.layers.dense({ units: 3, activation: 'softmax' }).apply(h);
  const q = nn.layers.maximum().apply([nn.layers.dense({ units: 2 }).apply(h), b]);
  const m = nn.model({ inputs: [a, b], outputs: [p, q], seed: 2 });
  m.compile({
    optimizer: 'adam',
    loss: ['sparseCategoricalCrossentropy', 'mse'],
    lossWeights: [1, 0.3],
    metrics: ['accuracy'],
  });
  return m.compiledNetwork(weighted).tape;
}

/** A model's tape for sample weights: y ends with each row's weight; the weighted sigmoid
 *  cross-entropy and the plain weighted loss (and its gradient) of a sigmoid + categorical output. */
function weightedTapes() {
  const make = (activation: 'sigmoid' | 'softmax', loss: string) => {
    const m = nn.sequential({
      seed: 4,
      layers: [
        nn.layers.dense({ units: 3, activation: 'relu', inputShape: [2] }),
        nn.layers.dense({ units: 2, activation }),
      ],
    });
    m.compile({ optimizer: 'sgd', loss, metrics: ['accuracy'] });
    return m.compiledNetwork(true).tape;
  };
  return [make('sigmoid', 'binaryCrossentropy'), make('sigmoid', 'categoricalCrossentropy')];
}

function baseTapes() {
  const adam = { kind: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0 } as const;
  return [
    ...weightedTapes(),
    ...planZoo().map(({ plan }) => plan.net.tape),
    ...cnnTapes(),
    functionalTape(),
    functionalTape(true),
    mlpTape({
      inputs: 3,
      layers: [
        { kind: 'dense', units: 4, activation: 'relu', l1: 0.01 },
        { kind: 'dropout', rate: 0.25, seed: 3 },
        { kind: 'dense', units: 2, activation: 'softmax' },
      ],
      loss: 'sparseCategoricalCrossentropy',
      optimizer: adam,
      metrics: ['accuracy', 'mse'],
    }),
    mlpTape({
      inputs: 2,
      layers: [
        { kind: 'dense', units: 3, activation: 'linear', l2: 0.1 },
        { kind: 'dense', units: 2, activation: 'sigmoid' },
      ],
      loss: 'binaryCrossentropy',
      optimizer: { kind: 'rmsprop', rho: 0.9, momentum: 0.5, epsilon: 1e-7 },
      metrics: ['accuracy', 'mae'],
    }),
    // the recurrent kernels, every argument present in one of them
    recurrentTape({
      cell: 'gruResetAfter',
      time: 3,
      features: 2,
      units: 3,
      goBackwards: true,
      sequences: true,
      recurrentBias: true,
    }),
    recurrentTape({
      cell: 'lstm',
      time: 2,
      features: 2,
      units: 2,
      goBackwards: false,
      sequences: false,
      accumulate: true,
    }),
    recurrentTape({ cell: 'gru', time: 4, features: 1, units: 2, goBackwards: false, sequences: false }),
    recurrentTape({ cell: 'simple', time: 1, features: 3, units: 4, goBackwards: true, sequences: true }),
  ];
}

describe.skipIf(typeof addon?.createTape !== 'function')('native tape validator fuzz', () => {
  it.each([1, 2])(
    'random mutants of valid tapes never crash (seed %i)',
    async (seed) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nativenn-fuzz-'));
      try {
        const file = path.join(dir, 'tapes.json');
        fs.writeFileSync(file, JSON.stringify(baseTapes()));
        const child = path.join(__dirname, 'native-fuzz-child.js');
        const r = await spawnNode([child, file, '4000', String(seed)], { timeout: 300_000 });
        const out = r.out;
        expect(r.signal, out).toBeNull();
        expect(r.status, out).toBe(0);
        const { counts } = JSON.parse(r.stdout.trim().split('\n').pop() as string);
        // The fuzz reaches both sides: refusals, and mutants that validate and run.
        expect(counts.rejected, out).toBeGreaterThan(500);
        expect(counts.created, out).toBeGreaterThan(200);
        expect(counts.ranOk, out).toBeGreaterThan(500);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
    300_000,
  );
});
