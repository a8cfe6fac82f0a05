/**
 * Issue 15 item 5: every model the builders accept round-trips through save/load. Seeded random
 * models (layers, activations, names, regularizers, initializers, optimizers and their settings,
 * drawn across each setting's whole range in src/config/ranges.ts, edges included) are saved,
 * loaded and compared: identical predictions, identical weights, identical files when saved
 * again, identical config. Issue 11 item 5: the same for seeded random sequence models (Embedding,
 * SimpleRNN / LSTM / GRU with every option, Bidirectional, TimeDistributed, RepeatVector) on
 * every backend.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import * as nn from '../../src';
import { ACTIVATIONS as KERNEL_ACTIVATIONS } from '../../src/backend/check';
import { RANGES, type Range } from '../../src/config/ranges';
import { allBackends } from '../support/backends';
import { tempDir } from './tfjs-files';

const initialBackend = nn.getBackend().name;

/** mulberry32: a small seeded generator, so a failing case can be replayed from its seed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)];
  /** a value of the range: an edge, a log-spread value or a uniform one */
  const inRange = (r: Range): number => {
    const top = r.maxOpen ? r.max - 1e-9 * Math.max(1, r.max) : r.max;
    const bottom = r.minOpen ? r.min + 1e-12 : r.min;
    const k = int(0, 5);
    if (k === 0) return bottom;
    if (k === 1) return top;
    if (k === 2 && top > 1) return Math.min(top, 10 ** (next() * Math.log10(top)));
    return bottom + next() * (top - bottom);
  };
  return { next, int, pick, inRange };
}
type Rng = ReturnType<typeof rng>;

const NAME_CHARS = ['a', 'Z', '_', '-', '/', ' ', '.', '"', '\\', 'é', 'ß', '层', '😀', '0'];

function name(r: Rng, taken: Set<string>): string | undefined {
  if (r.int(0, 2) === 0) return undefined; // automatic name
  for (;;) {
    const max = r.int(0, 3) === 0 ? RANGES.nameLength.max : 12;
    let s = '';
    while (s.length < max && (s.length === 0 || r.int(0, 20) > 0)) s += r.pick(NAME_CHARS);
    s = s.slice(0, max);
    if (!taken.has(s)) {
      taken.add(s);
      return s;
    }
  }
}

function initializer(r: Rng): nn.initializers.Initializer {
  const seed = r.int(0, 2) === 0 ? {} : { seed: r.int(-1000, 2 ** 40) };
  switch (r.int(0, 9)) {
    case 0:
      return nn.initializers.glorotNormal(seed);
    case 1:
      return nn.initializers.heNormal(seed);
    case 2:
      return nn.initializers.heUniform(seed);
    case 3:
      return nn.initializers.leCunNormal(seed);
    case 4:
      return nn.initializers.leCunUniform(seed);
    case 5:
      return nn.initializers.randomNormal({ mean: r.next() - 0.5, stddev: r.next(), ...seed });
    case 6:
      return nn.initializers.randomUniform({ minval: -r.next(), maxval: r.next(), ...seed });
    case 7:
      return nn.initializers.zeros();
    case 8:
      return nn.initializers.constant({ value: r.next() * 4 - 2 });
    default:
      return nn.initializers.glorotUniform(seed);
  }
}

function regularizer(r: Rng): nn.regularizers.Regularizer | undefined {
  switch (r.int(0, 3)) {
    case 0:
      return undefined;
    case 1:
      return nn.regularizers.l1({ l1: r.inRange(RANGES.l1) });
    case 2:
      return nn.regularizers.l2({ l2: r.inRange(RANGES.l2) });
    default:
      return nn.regularizers.l1l2({ l1: r.inRange(RANGES.l1), l2: r.inRange(RANGES.l2) });
  }
}

const ACTIVATIONS = ['linear', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'elu', 'softmax', 'gelu', 'silu'] as const;

function layer(r: Rng, first: boolean, inputs: number, taken: Set<string>, hasDense: boolean): nn.layers.Layer {
  const n = name(r, taken);
  const base = { ...(first ? { inputShape: [inputs] } : {}), ...(n === undefined ? {} : { name: n }) };
  const kind = !hasDense && r.int(0, 1) === 0 ? 0 : r.int(0, 5);
  switch (kind) {
    case 1:
      return nn.layers.dropout({
        ...base,
        rate: r.inRange(RANGES.dropoutRate),
        ...(r.int(0, 1) ? { seed: r.int(-(2 ** 40), 2 ** 40) } : {}),
      });
    case 2:
      return nn.layers.activation({ ...base, activation: r.pick(ACTIVATIONS) });
    case 3:
      return nn.layers.leakyRelu({ ...base, ...(r.int(0, 1) ? { alpha: r.inRange(RANGES.alpha) } : {}) });
    case 4:
      return nn.layers.elu({ ...base, ...(r.int(0, 1) ? { alpha: r.inRange(RANGES.alpha) } : {}) });
    case 5:
      return nn.layers.softmax(base);
    default: {
      const reg = regularizer(r);
      return nn.layers.dense({
        ...base,
        units: r.int(1, 6),
        activation: r.pick(ACTIVATIONS),
        useBias: r.int(0, 3) > 0,
        kernelInitializer: initializer(r),
        biasInitializer: initializer(r),
        ...(reg ? { kernelRegularizer: reg } : {}),
      });
    }
  }
}

function optimizer(r: Rng): nn.optimizers.Optimizer {
  const lr = r.int(0, 3) ? { learningRate: r.inRange(RANGES.learningRate) } : {};
  const eps = r.int(0, 1) ? { epsilon: r.inRange(RANGES.epsilon) } : {};
  switch (r.int(0, 6)) {
    case 0:
      return nn.optimizers.sgd(lr);
    case 1:
      return nn.optimizers.sgd({ ...lr, momentum: r.inRange(RANGES.momentum), nesterov: r.int(0, 1) === 1 });
    case 2:
      return nn.optimizers.momentum({ ...lr, momentum: r.inRange(RANGES.momentum), useNesterov: r.int(0, 1) === 1 });
    case 3:
      return nn.optimizers.adam({ ...lr, ...eps, beta1: r.inRange(RANGES.beta1), beta2: r.inRange(RANGES.beta2) });
    case 4:
      return nn.optimizers.adamw({ ...lr, ...eps, weightDecay: r.inRange(RANGES.weightDecay) });
    case 5:
      return nn.optimizers.rmsprop({ ...lr, ...eps, rho: r.inRange(RANGES.rho), momentum: r.inRange(RANGES.momentum) });
    default:
      return nn.optimizers.adagrad({
        ...lr,
        ...eps,
        initialAccumulatorValue: r.inRange(RANGES.initialAccumulatorValue),
      });
  }
}

function randomModel(seed: number): {
  model: nn.Sequential;
  inputs: number;
  includeOptimizer: boolean;
  train: boolean;
} {
  const r = rng(seed);
  const inputs = r.int(0, 9) === 0 ? r.int(1, 300) : r.int(1, 6);
  const taken = new Set<string>();
  const layers: nn.layers.Layer[] = [];
  const count = r.int(1, 6);
  for (let i = 0; i < count || !layers.some((l) => l instanceof nn.layers.Dense); i++) {
    layers.push(
      layer(
        r,
        i === 0,
        inputs,
        taken,
        layers.some((l) => l instanceof nn.layers.Dense),
      ),
    );
  }
  const model = nn.sequential({ seed: r.int(0, 2 ** 40), layers, ...(r.int(0, 1) ? { name: `m ${seed} ✓` } : {}) });
  const compiled = r.int(0, 4) > 0;
  if (compiled) {
    const metrics = ['mse', 'mae'].filter(() => r.int(0, 1) === 1);
    model.compile({ optimizer: optimizer(r), loss: 'meanSquaredError', metrics });
  }
  return { model, inputs, includeOptimizer: compiled && r.int(0, 1) === 1, train: compiled && r.int(0, 2) === 0 };
}

const SEQUENCE_CASES = 120;
/** The activations a recurrent cell runs (the hard sigmoid once the kernels have it). */
const CELL_ACTIVATIONS = ['linear', 'sigmoid', 'tanh', 'relu', 'gelu', 'silu', 'hardSigmoid'].filter(
  (a) => a !== 'hardSigmoid' || (KERNEL_ACTIVATIONS as readonly string[]).includes(a),
) as 'tanh'[];

function recurrent(r: Rng, taken: Set<string>, returnSequences: boolean, base: object): nn.layers.Recurrent {
  const kind = r.pick(['simpleRNN', 'lstm', 'gru'] as const);
  const n = name(r, taken);
  const regs = ['kernelRegularizer', 'recurrentRegularizer', 'biasRegularizer'].flatMap((k) => {
    const reg = regularizer(r);
    return reg ? [[k, reg]] : [];
  });
  const dropout = r.int(0, 2) === 0 ? { dropout: r.inRange(RANGES.dropoutRate) } : {};
  return nn.layers[kind]({
    ...base,
    ...(n === undefined ? {} : { name: n }),
    units: r.int(1, 5),
    activation: r.pick(CELL_ACTIVATIONS),
    ...(kind === 'simpleRNN' ? {} : { recurrentActivation: r.pick(CELL_ACTIVATIONS) }),
    useBias: r.int(0, 3) > 0,
    returnSequences,
    goBackwards: r.int(0, 1) === 1,
    kernelInitializer: initializer(r),
    recurrentInitializer: r.int(0, 1)
      ? nn.initializers.orthogonal({ gain: r.next() * 2, ...(r.int(0, 1) ? { seed: r.int(0, 2 ** 40) } : {}) })
      : initializer(r),
    biasInitializer: initializer(r),
    ...Object.fromEntries(regs),
    ...dropout,
    ...(dropout.dropout !== undefined && r.int(0, 1) ? { seed: r.int(-1000, 2 ** 40) } : {}),
    ...(kind === 'lstm' ? { unitForgetBias: r.int(0, 1) === 1 } : {}),
    ...(kind === 'gru' ? { resetAfter: r.int(0, 1) === 1 } : {}),
  });
}

/** A random sequence model: maybe an Embedding, recurrent layers (alone or Bidirectional, every
 *  merge mode), TimeDistributed layers on sequences, RepeatVector on vectors, then the flat
 *  layers of `layer` after the last step (or a Flatten). */
function randomSequenceModel(seed: number): {
  model: nn.Sequential;
  inputShape: number[];
  vocab: number;
  includeOptimizer: boolean;
  train: boolean;
} {
  const r = rng(seed ^ 0x5eed);
  const taken = new Set<string>();
  const T = r.int(1, 5);
  const vocab = r.int(0, 2) === 0 ? r.int(1, 9) : 0;
  const inputShape = vocab ? [T] : [T, r.int(1, 4)];
  const layers: nn.layers.Layer[] = [];
  if (vocab) layers.push(nn.layers.embedding({ inputDim: vocab, outputDim: r.int(1, 4), inputShape }));
  let sequences = true;
  const count = r.int(1, 4);
  for (let i = 0; i < count; i++) {
    const base = layers.length === 0 ? { inputShape } : {};
    const k = r.int(0, 5);
    if (!sequences) {
      layers.push(nn.layers.repeatVector({ n: r.int(1, 4), ...base }));
      sequences = true;
    } else if (k === 0 && layers.length > 0) {
      layers.push(nn.layers.timeDistributed({ layer: layer(r, false, 0, taken, true) }));
    } else if (k === 1) {
      const returnSequences = r.int(0, 1) === 1;
      const mergeMode = r.pick(['concat', 'sum', 'mul', 'ave'] as const);
      const n = name(r, taken);
      layers.push(
        nn.layers.bidirectional({
          layer: recurrent(r, taken, returnSequences, {}),
          mergeMode,
          ...base,
          ...(n === undefined ? {} : { name: n }),
        }),
      );
      sequences = returnSequences;
    } else {
      const returnSequences = r.int(0, 1) === 1;
      layers.push(recurrent(r, taken, returnSequences, base));
      sequences = returnSequences;
    }
  }
  if (sequences) layers.push(nn.layers.flatten());
  for (let i = r.int(0, 2); i > 0; i--) layers.push(layer(r, false, 0, taken, true));
  const model = nn.sequential({ seed: r.int(0, 2 ** 40), layers });
  const compiled = r.int(0, 4) > 0;
  if (compiled) model.compile({ optimizer: optimizer(r), loss: 'meanSquaredError' });
  return {
    model,
    inputShape,
    vocab,
    includeOptimizer: compiled && r.int(0, 1) === 1,
    train: compiled && r.int(0, 2) === 0,
  };
}

/** getConfig without what a file legitimately normalizes: the dropout seed is written as the seed
 *  the masks use (derived from the model's seed when none was given). */
function comparableConfig(m: nn.Sequential) {
  const c = m.getConfig();
  return {
    ...c,
    layers: c.layers.map((l) => {
      if (l.className === 'Dropout') return { ...l, config: { ...l.config, seed: '(mask seed)' } };
      const inner = l.config.layer as Record<string, unknown> | undefined;
      // a Dropout in a TimeDistributed (its config has the rate)
      if (l.className === 'TimeDistributed' && inner && 'rate' in inner)
        return { ...l, config: { ...l.config, layer: { ...inner, seed: '(mask seed)' } } };
      return l;
    }),
  };
}

/** leakyRelu has no tfjs activation string: a Dense or Activation with it is written with a
 *  LeakyReLU layer (documented in docs/io.md); those models are compared through their files. */
function writesLeakyReluLayer(m: nn.Sequential): boolean {
  const inner = (l: nn.layers.Layer) => (l instanceof nn.layers.TimeDistributed ? l.layer : l);
  return m.layers
    .map(inner)
    .some((l) => l.className !== 'LeakyReLU' && 'activation' in l && l.activation === 'leakyRelu');
}

async function filesOf(dir: string) {
  const json = JSON.parse(await fsp.readFile(path.join(dir, 'model.json'), 'utf8'));
  return { json, bin: await fsp.readFile(path.join(dir, 'weights.bin')) };
}

const CASES = 300;

/** Saves `model` (trained first when `train`), loads it, saves it again and compares: predictions
 *  on `probe`, weights, files and config. False when save refused a diverged model. */
async function roundTrip(
  c: { model: nn.Sequential; includeOptimizer: boolean; train: boolean },
  batch: (rows: number, salt: number) => nn.Tensor,
  root: string,
  where: string,
  seed: number,
): Promise<boolean> {
  const { model, includeOptimizer, train } = c;
  const a = path.join(root, `a${seed}`);
  const b = path.join(root, `b${seed}`);
  if (train) {
    // A trained optimizer has slots to round-trip; a learning rate from the top of its range
    // may diverge, and then save must refuse (never write what load refuses).
    const rows = 8;
    const out = model.outputSize;
    const ys = nn.tensor(
      Float32Array.from({ length: rows * out }, (_, i) => Math.sin(i * seed)),
      [rows, ...model.outputShape],
    );
    await model.fit(batch(rows, seed), ys, { epochs: 2, batchSize: 4, verbose: 0, seed });
  }
  const saved = await model.save(a, { includeOptimizer }).catch((e: Error) => e);
  if (saved instanceof Error) {
    // Only a trained model may be refused, and only for NaN/Infinity (weights or slots).
    expect(train, `${where}: ${saved.message}`).toBe(true);
    expect(saved.name, where).toBe('NonFiniteWeightsError');
    expect(saved.message).toMatch(/holds (NaN|-?Infinity) .*nothing was written/);
    return false;
  }
  const loaded = await nn.loadModel(a).catch((e: Error) => {
    throw new Error(`${where}: ${e.message}`);
  });
  // saved again before predicting: predict allocates the optimizer's slots
  await loaded.save(b, { includeOptimizer });
  const [fa, fb] = [await filesOf(a), await filesOf(b)];
  expect(fb.json, where).toEqual(fa.json);
  expect(fb.bin.equals(fa.bin), where).toBe(true);
  const x = batch(3, seed + 0.5);
  expect(Array.from(loaded.predict(x).data), where).toEqual(Array.from(model.predict(x).data));
  expect(
    loaded.getWeights().map((w) => Array.from(w.data)),
    where,
  ).toEqual(model.getWeights().map((w) => Array.from(w.data)));
  if (!writesLeakyReluLayer(model)) expect(comparableConfig(loaded), where).toEqual(comparableConfig(model));
  expect(loaded.optimizer?.getConfig() ?? null, where).toEqual(model.optimizer?.getConfig() ?? null);
  return true;
}

describe('every model the builders accept round-trips through save/load', () => {
  it(`${CASES} seeded random models: same predictions, weights, files and config`, async () => {
    const root = await tempDir();
    let refused = 0;
    for (let seed = 1; seed <= CASES; seed++) {
      const c = randomModel(seed);
      const batch = (rows: number, salt: number) =>
        nn.tensor2d(
          Float32Array.from({ length: rows * c.inputs }, (_, i) =>
            salt === seed ? Math.cos(i + seed) : Math.sin(i * 7.1 + seed),
          ),
          [rows, c.inputs],
        );
      if (!(await roundTrip(c, batch, root, `case ${seed}`, seed))) refused++;
    }
    expect(refused, 'diverged cases (refused by save)').toBeLessThan(CASES / 6);
  }, 240_000);

  for (const backend of allBackends) {
    it(`${SEQUENCE_CASES} seeded random recurrent models (${backend.name}): same predictions, weights, files and config`, async () => {
      nn.setBackend(backend.name);
      onTestFinished(() => nn.setBackend(initialBackend));
      const root = await tempDir();
      let refused = 0;
      for (let seed = 1; seed <= SEQUENCE_CASES; seed++) {
        const c = randomSequenceModel(seed);
        const batch = (rows: number, salt: number) => {
          const n = rows * c.inputShape.reduce((p, q) => p * q, 1);
          const v = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 7.1 + salt));
          const ids = c.vocab ? v.map((u) => Math.floor(((u + 1) / 2) * (c.vocab - 1) + 0.5)) : v;
          return nn.tensor(ids, [rows, ...c.inputShape]);
        };
        if (!(await roundTrip(c, batch, root, `recurrent case ${seed}`, seed))) refused++;
      }
      // recurrent models diverge more often at the top of the learning-rate range
      expect(refused, 'diverged cases (refused by save)').toBeLessThan(SEQUENCE_CASES / 4);
    }, 240_000);
  }

  it('a model with the most layers a builder accepts saves and loads; one more is refused', async () => {
    const layers: nn.layers.Layer[] = [nn.layers.dense({ units: 2, inputShape: [2], name: 'd' })];
    for (let i = 1; i < RANGES.layerCount.max; i++)
      layers.push(nn.layers.activation({ activation: 'tanh', name: `t${i}` }));
    const model = nn.sequential({ seed: 1, layers });
    expect(() => model.add(nn.layers.activation({ activation: 'relu', name: 'one-too-many' }))).toThrow(
      /at most 10000 layers/,
    );
    const dir = path.join(await tempDir(), 'm');
    await model.save(dir);
    const loaded = await nn.loadModel(dir);
    expect(loaded.layers.length).toBe(RANGES.layerCount.max);
  }, 120_000);

  it('builder and loader refuse the same out-of-range values (the range table is shared)', async () => {
    expect(() => nn.optimizers.sgd({ learningRate: 5e6 })).toThrow(
      /learningRate must be a finite number in \[0, 1000000\]/,
    );
    expect(() => nn.optimizers.adam({ epsilon: 2 })).toThrow(/epsilon must be a finite number in \[0, 1\]/);
    expect(() => nn.regularizers.l1({ l1: 2e6 })).toThrow(/l1 must be/);
    expect(() => nn.layers.leakyRelu({ alpha: 2e6 })).toThrow(/alpha must be/);
    expect(() => nn.layers.dense({ units: 2 ** 24 + 1 })).toThrow(/units must be an integer from 1 to 16777216/);
    expect(() => nn.layers.dense({ units: 1, name: 'x'.repeat(257) })).toThrow(/name must have 1 to 256 characters/);
    expect(() => nn.layers.dense({ units: 1, inputShape: [2 ** 24 + 1] })).toThrow(
      /inputShape must be a non-empty array, each dim an integer from 1 to 16777216/,
    );
    // the loader says the same about a file holding such a value
    const m = nn.sequential({ layers: [nn.layers.dense({ units: 1, inputShape: [1] })] });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const dir = path.join(await tempDir(), 'm');
    await m.save(dir);
    const file = path.join(dir, 'model.json');
    const json = JSON.parse(await fsp.readFile(file, 'utf8'));
    json.trainingConfig.optimizer_config.config.learningRate = 5e6;
    await fsp.writeFile(file, JSON.stringify(json));
    await expect(nn.loadModel(dir)).rejects.toThrow(
      /learningRate must be a finite number in \[0, 1000000\], got 5000000/,
    );
  });
});
