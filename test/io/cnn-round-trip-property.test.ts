/**
 * Every image model the builders accept round-trips through save/load (issue 10 item 5): seeded
 * random CNNs (Conv2D / Conv1D of every padding, stride, dilation and activation, both poolings,
 * global pooling, batch normalization, zero padding, up-sampling, transposed convolutions, Gaussian
 * noise, Flatten, Reshape, dropout) are saved — trained or not, with
 * or without the optimizer — and loaded: identical predictions, weights, files when saved again,
 * and config.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import type { Shape } from '../../src/layers/shape';
import { tempDir } from './tfjs-files';

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
  return { next, int, pick };
}
type Rng = ReturnType<typeof rng>;

const ACTIVATIONS = ['linear', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'elu', 'softmax', 'gelu', 'silu'] as const;

/** One axis setting: a number or one per axis. */
const axes = (r: Rng, n: number, lo: number, hi: number) =>
  r.int(0, 1) ? r.int(lo, hi) : Array.from({ length: n }, () => r.int(lo, hi));

/** A candidate layer for an input of `dims` (sample shape); may not fit (the caller tries it). */
function candidate(r: Rng, dims: number[], first: boolean): nn.layers.Layer {
  const base = first ? { inputShape: dims } : {};
  const spatial = dims.length - 1;
  const kind = r.int(0, 9);
  if ((spatial === 1 || spatial === 2) && kind <= 3) {
    const strided = r.int(0, 1) === 1;
    const args = {
      ...base,
      filters: r.int(1, 4),
      kernelSize: axes(r, spatial, 1, 4),
      strides: strided ? axes(r, spatial, 1, 3) : 1,
      dilationRate: strided ? 1 : axes(r, spatial, 1, 2),
      padding: r.pick(['valid', 'same'] as const),
      activation: r.pick(ACTIVATIONS),
      useBias: r.int(0, 3) > 0,
      ...(r.int(0, 2) === 0 ? { kernelRegularizer: nn.regularizers.l2({ l2: r.next() / 100 }) } : {}),
      ...(r.int(0, 2) === 0 ? { kernelInitializer: r.pick(['heNormal', 'leCunUniform', 'glorotNormal']) } : {}),
    };
    return spatial === 2 ? nn.layers.conv2d(args as never) : nn.layers.conv1d(args as never);
  }
  if (spatial === 2 && kind <= 5) {
    const make = r.int(0, 1) ? nn.layers.maxPooling2d : nn.layers.averagePooling2d;
    return make({
      ...base,
      poolSize: axes(r, 2, 1, 3),
      ...(r.int(0, 1) ? { strides: axes(r, 2, 1, 3) } : {}),
      padding: r.pick(['valid', 'same'] as const),
    } as never);
  }
  if (spatial === 2 && kind === 6)
    return r.int(0, 1) ? nn.layers.globalMaxPooling2d(base) : nn.layers.globalAveragePooling2d(base);
  if (kind === 7)
    return nn.layers.batchNormalization({
      ...base,
      momentum: r.next(),
      epsilon: 10 ** -r.int(1, 5),
      center: r.int(0, 3) > 0,
      scale: r.int(0, 3) > 0,
    });
  if (kind === 8) {
    const size = dims.reduce((a, b) => a * b, 1);
    // another factorization of the same size: [size], [a, size / a] or [a, b, size / (a·b)]
    const divisors = Array.from({ length: size }, (_, i) => i + 1).filter((d) => size % d === 0);
    const a = r.pick(divisors);
    const b = r.pick(divisors.filter((d) => (size / a) % d === 0));
    const shapes = [[size], [a, size / a], [a, b, size / a / b], [a, -1]];
    return nn.layers.reshape({ ...base, targetShape: r.pick(shapes) });
  }
  // the generator layers, over small images (they enlarge them)
  if (spatial === 2 && kind === 9 && dims[0] * dims[1] <= 64) {
    const which = r.int(0, 2);
    if (which === 0)
      return nn.layers.upSampling2d({
        ...base,
        size: axes(r, 2, 1, 3),
        interpolation: r.pick(['nearest', 'bilinear'] as const),
      } as never);
    if (which === 1)
      return nn.layers.conv2dTranspose({
        ...base,
        filters: r.int(1, 3),
        kernelSize: axes(r, 2, 1, 4),
        strides: axes(r, 2, 1, 3),
        padding: r.pick(['valid', 'same'] as const),
        activation: r.pick(ACTIVATIONS),
        useBias: r.int(0, 3) > 0,
      } as never);
    return nn.layers.gaussianNoise({ ...base, stddev: r.next() });
  }
  if (spatial === 2 && r.int(0, 2) === 0) {
    const p = () => r.int(0, 3);
    return nn.layers.zeroPadding2d({
      ...base,
      padding: r.pick([
        p(),
        [p(), p()],
        [
          [p(), p()],
          [p(), p()],
        ],
      ]),
    } as never);
  }
  return r.int(0, 1) ? nn.layers.dropout({ ...base, rate: r.next() * 0.9 }) : nn.layers.flatten(base);
}

function randomModel(seed: number) {
  const r = rng(seed);
  const inputShape = r.int(0, 2) ? [r.int(1, 9), r.int(1, 9), r.int(1, 3)] : [r.int(2, 12), r.int(1, 3)];
  const layers: nn.layers.Layer[] = [];
  let shape: Shape = [null, ...inputShape];
  const count = r.int(1, 5);
  for (let tries = 0; layers.length < count && tries < 40; tries++) {
    const l = candidate(r, shape.slice(1) as number[], layers.length === 0);
    try {
      shape = l.computeOutputShape(shape);
    } catch {
      continue; // does not fit this input (a window larger than the image, …): draw again
    }
    layers.push(l);
  }
  if (layers.length === 0) layers.push(nn.layers.flatten({ inputShape }));
  if (shape.length > 2) layers.push(nn.layers.flatten());
  layers.push(nn.layers.dense({ units: r.int(1, 3), activation: r.pick(['linear', 'tanh'] as const) }));
  const model = nn.sequential({ seed: r.int(0, 2 ** 30), layers });
  const compiled = r.int(0, 3) > 0;
  if (compiled) {
    const opt = r.pick([nn.optimizers.adam({ learningRate: 0.01 }), nn.optimizers.rmsprop(), nn.optimizers.sgd()]);
    model.compile({ optimizer: opt, loss: 'meanSquaredError' });
  }
  return { model, inputShape, includeOptimizer: compiled && r.int(0, 1) === 1, train: compiled && r.int(0, 1) === 1 };
}

/** As in round-trip-property.test.ts: what a file legitimately writes differently (a dropout's
 *  mask seed; a reshape's -1, written resolved so that tfjs can build the layers after it). */
function comparableConfig(m: nn.Sequential) {
  const c = m.getConfig();
  let shape: nn.layers.Layer['batchInputShape'] = m.layers[0].batchInputShape;
  return {
    ...c,
    layers: c.layers.map((l, i) => {
      const input = shape as NonNullable<typeof shape>;
      shape = m.layers[i].computeOutputShape(input);
      if (l.className === 'Dropout' || l.className === 'GaussianNoise')
        return { ...l, config: { ...l.config, seed: '(mask seed)' } };
      if (l.className === 'Reshape') return { ...l, config: { ...l.config, targetShape: shape.slice(1) } };
      return l;
    }),
  };
}
const writesExtraLayer = (m: nn.Sequential) =>
  m.layers.some(
    (l) =>
      !['LeakyReLU', 'ELU'].includes(l.className) &&
      'activation' in l &&
      (l.activation === 'leakyRelu' || (l.activation === 'elu' && (l as { alpha?: number }).alpha !== 1)),
  );

async function filesOf(dir: string) {
  const json = JSON.parse(await fsp.readFile(path.join(dir, 'model.json'), 'utf8'));
  return { json, bin: await fsp.readFile(path.join(dir, 'weights.bin')) };
}

const CASES = 80;

describe('every image model the builders accept round-trips through save/load', () => {
  it(`${CASES} seeded random CNNs: same predictions, weights, files and config`, async () => {
    const root = await tempDir();
    const classes = new Set<string>();
    for (let seed = 1; seed <= CASES; seed++) {
      const { model, inputShape, includeOptimizer, train } = randomModel(seed);
      const where = `case ${seed}: ${model.layers.map((l) => l.className).join(' → ')} on [${inputShape}]`;
      for (const l of model.layers) classes.add(l.className);
      const size = inputShape.reduce((a, b) => a * b, 1);
      const x = (rows: number, k: number) =>
        new nn.Tensor(
          Float32Array.from({ length: rows * size }, (_, i) => Math.sin(i * k + seed)),
          [rows, ...inputShape],
        );
      if (train) {
        const y = nn.tensor2d(
          Float32Array.from({ length: 8 * model.outputSize }, (_, i) => Math.cos(i * seed)),
          [8, model.outputSize],
        );
        await model.fit(x(8, 0.7), y, { epochs: 2, batchSize: 4, verbose: 0, seed });
      }
      const a = path.join(root, `a${seed}`);
      const b = path.join(root, `b${seed}`);
      await model.save(a, { includeOptimizer });
      const loaded = await nn.loadModel(a).catch((e: Error) => {
        throw new Error(`${where}: ${e.message}`);
      });
      await loaded.save(b, { includeOptimizer });
      const [fa, fb] = [await filesOf(a), await filesOf(b)];
      expect(fb.json, where).toEqual(fa.json);
      expect(fb.bin.equals(fa.bin), where).toBe(true);
      expect(Array.from(loaded.predict(x(3, 3.1)).data), where).toEqual(Array.from(model.predict(x(3, 3.1)).data));
      expect(
        loaded.getWeights().map((w) => Array.from(w.data)),
        where,
      ).toEqual(model.getWeights().map((w) => Array.from(w.data)));
      if (!writesExtraLayer(model)) expect(comparableConfig(loaded), where).toEqual(comparableConfig(model));
      if (includeOptimizer) expect(loaded.optimizer?.iterations, where).toBe(model.optimizer?.iterations);
    }
    // the draw reached every image layer class
    for (const c of [
      'Conv2D',
      'Conv1D',
      'MaxPooling2D',
      'AveragePooling2D',
      'BatchNormalization',
      'Flatten',
      'Reshape',
      'UpSampling2D',
      'Conv2DTranspose',
      'GaussianNoise',
    ])
      expect(classes, c).toContain(c);
    expect(
      [...classes].some((c) => c.startsWith('Global')),
      'a global pooling',
    ).toBe(true);
  }, 240_000);
});
