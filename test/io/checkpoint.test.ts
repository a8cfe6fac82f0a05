/** nativenn → nativenn: exact round trips, checkpoints during fit, and resuming a checkpoint. */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { seededValues, tempDir } from './tfjs-files';

function data(rows: number, inputs: number, classes: number, seed: number) {
  const x = seededValues(rows * inputs, seed);
  const y = new Float32Array(rows * classes);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < inputs; j++) s += x[i * inputs + j] * ((j % 3) - 1);
    y[i * classes + (Math.abs(Math.floor(s * 4)) % classes)] = 1;
  }
  return { x: nn.tensor2d(x, [rows, inputs]), y: nn.tensor2d(y, [rows, classes]) };
}

const OPTIMIZERS: [string, () => nn.optimizers.Optimizer][] = [
  ['sgd', () => nn.optimizers.sgd({ learningRate: 0.1 })],
  ['momentum (nesterov)', () => nn.optimizers.momentum({ learningRate: 0.05, useNesterov: true })],
  ['adam', () => nn.optimizers.adam({ learningRate: 0.01 })],
  ['adamw', () => nn.optimizers.adamw({ learningRate: 0.01, weightDecay: 0.01 })],
  ['rmsprop', () => nn.optimizers.rmsprop({ learningRate: 0.01, momentum: 0.5 })],
  ['adagrad', () => nn.optimizers.adagrad({ learningRate: 0.05, initialAccumulatorValue: 0.2 })],
];

function build(optimizer: nn.optimizers.Optimizer, seed = 42): nn.Sequential {
  const m = nn.sequential({
    seed,
    layers: [
      nn.layers.dense({
        units: 12,
        activation: 'relu',
        inputShape: [6],
        kernelRegularizer: nn.regularizers.l2({ l2: 0.001 }),
      }),
      nn.layers.dropout({ rate: 0.25 }),
      nn.layers.dense({ units: 8, activation: 'tanh' }),
      nn.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['acc'] });
  return m;
}

function weightsOf(m: nn.Sequential): number[][] {
  return m.getWeights().map((w) => Array.from(w.data));
}

describe('save → loadModel round trip', () => {
  it('keeps the architecture, compile settings, weights and predictions exactly', async () => {
    const m = build(nn.optimizers.adam({ learningRate: 0.003, beta1: 0.8 }));
    const { x, y } = data(40, 6, 3, 1);
    await m.fit(x, y, { epochs: 2, batchSize: 8, seed: 3, verbose: 0 });
    const dir = path.join(await tempDir(), 'm');
    const result = await m.save(dir);
    expect(result.files).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(await fsp.readFile(path.join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.modelTopology.config.layers[0].config.batch_input_shape).toEqual([null, 6]);
    expect(json.trainingConfig).toMatchObject({
      loss: 'categorical_crossentropy',
      metrics: ['acc'],
      optimizer_config: { class_name: 'Adam', config: { learningRate: 0.003, beta1: 0.8 } },
    });
    expect(json.weightsManifest[0].weights.every((w: { group?: string }) => w.group === undefined)).toBe(true);
    expect((await fsp.stat(path.join(dir, 'weights.bin'))).size).toBe(4 * (6 * 12 + 12 + 12 * 8 + 8 + 8 * 3 + 3));

    const back = await nn.loadModel(path.join(dir, 'model.json'));
    // Equal configs, except that the dropout seed is written as the one its masks use (explicit).
    const withoutDropoutSeed = (c: ReturnType<nn.Sequential['getConfig']>) =>
      c.layers.map((l) => (l.className === 'Dropout' ? { ...l, config: { ...l.config, seed: 'any' } } : l));
    expect(withoutDropoutSeed(back.getConfig())).toEqual(withoutDropoutSeed(m.getConfig()));
    expect(back.getConfig().layers[1].config.seed).toEqual(expect.any(Number));
    expect(weightsOf(back)).toEqual(weightsOf(m));
    expect(Array.from(back.predict(x).data)).toEqual(Array.from(m.predict(x).data));
    expect(back.evaluate(x, y)).toEqual(m.evaluate(x, y));
    expect(back.optimizer?.getConfig()).toEqual(m.optimizer?.getConfig());
    // without includeOptimizer the optimizer starts fresh
    expect(back.optimizer?.iterations).toBe(0);
  });

  it('an uncompiled model saves without trainingConfig and loads uncompiled', async () => {
    const m = nn.sequential([
      nn.layers.dense({ units: 3, inputShape: [2], activation: 'leakyRelu' }),
      nn.layers.dense({ units: 1 }),
    ]);
    const dir = path.join(await tempDir(), 'plain');
    await m.save(dir);
    const json = JSON.parse(await fsp.readFile(path.join(dir, 'model.json'), 'utf8'));
    expect(json.trainingConfig).toBeUndefined();
    // leakyRelu has no tfjs activation string: Dense(linear) + LeakyReLU(alpha)
    expect(json.modelTopology.config.layers.map((l: { class_name: string }) => l.class_name)).toEqual([
      'Dense',
      'LeakyReLU',
      'Dense',
    ]);
    const back = await nn.loadModel(dir);
    expect(back.compileConfig).toBeNull();
    const x = nn.tensor2d(seededValues(10, 4), [5, 2]);
    expect(Array.from(back.predict(x).data)).toEqual(Array.from(m.predict(x).data));
    await expect(m.save(dir, { includeOptimizer: true })).rejects.toThrow(/includeOptimizer needs a compiled model/);
  });

  it('checks its arguments', async () => {
    const m = build(nn.optimizers.sgd());
    await expect(m.save('')).rejects.toThrow(TypeError);
    await expect(m.save(path.join(await tempDir(), 'x'), { includeOptimiser: true } as never)).rejects.toThrow(
      /unknown option "includeOptimiser"/,
    );
    await expect(nn.loadModel(42 as never)).rejects.toThrow(TypeError);
  });

  it('refuses to replace a folder holding other files', async () => {
    const parent = await tempDir();
    await fsp.writeFile(path.join(parent, 'notes.txt'), 'mine');
    await expect(build(nn.optimizers.sgd()).save(parent)).rejects.toThrow(
      /holds files that are not part of a model \(notes\.txt\)/,
    );
    expect(await fsp.readFile(path.join(parent, 'notes.txt'), 'utf8')).toBe('mine');
  });
});

describe('checkpoints and resuming', () => {
  for (const [name, make] of OPTIMIZERS) {
    it(`${name}: loading the epoch-2 checkpoint and fitting to epoch 5 gives the uninterrupted weights`, async () => {
      const { x, y } = data(60, 6, 3, 2);
      const root = await tempDir();
      const fitOptions = { epochs: 5, batchSize: 8, seed: 9, validationSplit: 0.2, verbose: 0 as const };
      const ckpt = nn.callbacks.modelCheckpoint({ dir: path.join(root, 'epoch-{epoch}') });
      const uninterrupted = build(make());
      const full = await uninterrupted.fit(x, y, { ...fitOptions, callbacks: [ckpt] });
      expect((await fsp.readdir(root)).sort()).toEqual(['epoch-1', 'epoch-2', 'epoch-3', 'epoch-4', 'epoch-5']);

      const resumed = await nn.loadModel(path.join(root, 'epoch-2'));
      expect(resumed.optimizer?.iterations).toBe(2 * Math.ceil(48 / 8));
      const rest = await resumed.fit(x, y, { ...fitOptions, initialEpoch: 2 });
      // Same seed, same backend: bit-identical (design guide §3), not merely close.
      expect(weightsOf(resumed)).toEqual(weightsOf(uninterrupted));
      expect(rest.history.val_loss).toEqual(full.history.val_loss.slice(2));
      expect(rest.history.loss).toEqual(full.history.loss.slice(2));
    });
  }

  it('without the optimizer state the resumed run differs (the state matters)', async () => {
    const { x, y } = data(60, 6, 3, 2);
    const root = await tempDir();
    const fitOptions = { epochs: 3, batchSize: 8, seed: 9, verbose: 0 as const };
    const full = build(nn.optimizers.adam({ learningRate: 0.01 }));
    await full.fit(x, y, {
      ...fitOptions,
      callbacks: [nn.callbacks.modelCheckpoint({ dir: path.join(root, 'e{epoch}'), includeOptimizer: false })],
    });
    const resumed = await nn.loadModel(path.join(root, 'e1'));
    await resumed.fit(x, y, { ...fitOptions, initialEpoch: 1 });
    expect(weightsOf(resumed)).not.toEqual(weightsOf(full));
  });

  it('saveBestOnly keeps the epoch with the best val_loss', async () => {
    const { x, y } = data(60, 6, 3, 4);
    const dir = path.join(await tempDir(), 'best');
    const seen: number[][][] = [];
    const ckpt = nn.callbacks.modelCheckpoint({ dir, monitor: 'val_loss', saveBestOnly: true });
    const m = build(nn.optimizers.adam({ learningRate: 0.05 }));
    const h = await m.fit(x, y, {
      epochs: 8,
      batchSize: 8,
      seed: 1,
      validationSplit: 0.3,
      verbose: 0,
      callbacks: [ckpt, { onEpochEnd: () => void seen.push(weightsOf(m)) }],
    });
    const losses = h.history.val_loss;
    const bestEpoch = losses.indexOf(Math.min(...losses));
    expect(ckpt.lastSavedEpoch).toBe(bestEpoch);
    expect(ckpt.best).toBe(losses[bestEpoch]);
    expect(weightsOf(await nn.loadModel(dir))).toEqual(seen[bestEpoch]);
  });

  it('modelCheckpoint checks its options', () => {
    expect(() => nn.callbacks.modelCheckpoint({} as never)).toThrow(/dir is required/);
    expect(() => nn.callbacks.modelCheckpoint({ dir: 'x', mode: 'up' as never })).toThrow(/unknown mode "up"/);
    expect(() => nn.callbacks.modelCheckpoint({ dir: 'x', saveBestOnly: 1 as never })).toThrow(TypeError);
  });
});
