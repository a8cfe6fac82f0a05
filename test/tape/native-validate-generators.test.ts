/** createTape's validation of the generator layers' kernels (upSampling2d, upSampling2dGrad,
 *  gaussianNoise): the sizes the kernels assume and every extent they touch, on a tape the real
 *  builder wrote. */
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { addon } from '../../src/backend/native/addon';
import type { Tape } from '../../src/graph/tape';

const A = addon as NonNullable<typeof addon>;

function generatorTape(): Tape {
  const m = nn.sequential({
    seed: 1,
    layers: [
      nn.layers.dense({ units: 18, inputShape: [4] }),
      nn.layers.reshape({ targetShape: [3, 3, 2] }),
      nn.layers.gaussianNoise({ stddev: 0.2 }),
      nn.layers.upSampling2d({ size: [2, 3], interpolation: 'bilinear' }),
      nn.layers.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' }),
      nn.layers.flatten(),
    ],
  });
  m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
  return structuredClone(m.compiledNetwork().tape);
}

const base = generatorTape();
const at = (section: 'forward' | 'backward', kernel: string) => base[section].findIndex((c) => c.kernel === kernel);
const up = at('forward', 'upSampling2d');
const upGrad = at('backward', 'upSampling2dGrad');
const noise = at('forward', 'gaussianNoise');

function create(edit: (t: Tape) => void) {
  const t = structuredClone(base);
  edit(t);
  const arena = A.createArena(new Float32Array(base.arena.params), new Float32Array(base.arena.state));
  return () => A.createTape(t, arena, new Float32Array(base.arena.params * 2));
}

describe.skipIf(typeof addon?.createTape !== 'function')('createTape validation of the generator kernels', () => {
  it('accepts the builder’s tape, with every generator kernel on it', () => {
    expect(create(() => {})).not.toThrow();
    const kernels = new Set([...base.forward, ...base.backward].map((c) => c.kernel));
    for (const k of [
      'upSampling2d',
      'upSampling2dGrad',
      'gaussianNoise',
      'conv2dGradInput',
      'conv2d',
      'conv2dGradFilter',
    ])
      expect(kernels).toContain(k);
  });

  it.each<[string, (t: Tape) => void, RegExp, typeof TypeError | typeof RangeError]>([
    ['size 0', (t) => (t.forward[up].attrs.sizeH = 0), /forward\[\d+\]\.attrs\.sizeH must be ≥ 1/, RangeError],
    [
      'no channels',
      (t) => (t.backward[upGrad].attrs.channels = 0),
      /backward\[\d+\]\.attrs\.channels must be ≥ 1/,
      RangeError,
    ],
    [
      'a size given per row',
      (t) => (t.forward[up].attrs.sizeW = { rows: 3 }),
      /attrs\.sizeW must be a number/,
      TypeError,
    ],
    [
      'a larger factor than the output holds',
      (t) => (t.forward[up].attrs.sizeW = 4),
      /\(upSampling2d\): argument out touches 144 elements for 1 rows, but up_sampling2d_1\/out holds 108/,
      RangeError,
    ],
    [
      'an input larger than x',
      (t) => (t.backward[upGrad].attrs.inH = 4),
      /\(upSampling2dGrad\): argument (dx|dy) touches/,
      RangeError,
    ],
    ['bilinear as a number', (t) => (t.forward[up].attrs.bilinear = 1), /attrs\.bilinear must be a boolean/, TypeError],
    ['a missing accumulate flag', (t) => delete t.backward[upGrad].attrs.accumulate, /attrs\.accumulate/, TypeError],
    ['negative stddev', (t) => (t.forward[noise].attrs.stddev = -1), /attrs\.stddev must be ≥ 0/, RangeError],
    ['infinite stddev', (t) => (t.forward[noise].attrs.stddev = Infinity), /attrs\.stddev must be finite/, RangeError],
    ['a negative seed', (t) => (t.forward[noise].attrs.seed = -1), /attrs\.seed must be an integer/, RangeError],
    [
      'more noise than the output holds',
      (t) => (t.forward[noise].attrs.n = { rows: 19 }),
      /\(gaussianNoise\): argument out touches 19 elements/,
      RangeError,
    ],
    [
      'noise into a param',
      (t) => (t.forward[noise].args[0] = t.buffers.findIndex((b) => b.role === 'param')),
      /args\[0\] \(out\): a buffer of role 'param' is not accepted/,
      RangeError,
    ],
  ])('%s', (_name, edit, message, type) => {
    const make = create(edit);
    expect(make).toThrow(type);
    expect(make).toThrow(message);
  });
});
