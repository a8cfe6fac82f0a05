/** createTape's validation of the image kernels (conv2d*, *Pool2d*): the geometry the kernels
 *  assume and every extent they touch, on a tape the real builder wrote for a small CNN. */
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { addon } from '../../src/backend/native/addon';
import type { Tape } from '../../src/graph/tape';
import { withConvPoolFusion } from '../support/conv-pool-fusion';

const A = addon as NonNullable<typeof addon>;

function cnnTape(): Tape {
  const m = nn.sequential({
    seed: 1,
    layers: [
      nn.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [6, 6, 2] }),
      nn.layers.maxPooling2d({ poolSize: 2 }),
      nn.layers.conv2d({ filters: 2, kernelSize: 2, activation: 'tanh' }),
      nn.layers.batchNormalization(),
      nn.layers.averagePooling2d({ poolSize: 2, padding: 'same' }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: nn.optimizers.adam({ clipnorm: 1 }), loss: 'sparseCategoricalCrossentropy' });
  // Unfused: the first convolution and its pooling stay conv2d and maxPool2d calls (the fused
  // kernel's validation: test/tape/conv-relu-pool.test.ts).
  return structuredClone(withConvPoolFusion(false, () => m.compiledNetwork().tape));
}

const base = cnnTape();
const at = (section: keyof Tape, kernel: string) =>
  (base[section] as Tape['forward']).findIndex((c) => c.kernel === kernel);
const conv = at('forward', 'conv2d');
const pool = at('forward', 'maxPool2d');
const gradInput = at('backward', 'conv2dGradInput');
const norm = at('forward', 'batchNormTrain');
const clip = at('update', 'clipNorm');

function create(edit: (t: Tape) => void) {
  const t = structuredClone(base);
  edit(t);
  const arena = A.createArena(new Float32Array(base.arena.params), new Float32Array(base.arena.state));
  return () => A.createTape(t, arena, new Float32Array(base.arena.params * 2));
}

describe.skipIf(typeof addon?.createTape !== 'function')('createTape validation of image kernels', () => {
  it('accepts the builder’s CNN tape, with every image kernel on it', () => {
    expect(create(() => {})).not.toThrow();
    const kernels = new Set([...base.forward, ...base.backward].map((c) => c.kernel));
    for (const k of [
      'conv2d',
      'conv2dGradFilter',
      'conv2dGradInput',
      'maxPool2d',
      'maxPool2dGrad',
      'avgPool2d',
      'batchNormTrain',
      'batchNormInfer',
      'batchNormGrad',
    ])
      expect(kernels).toContain(k);
  });

  it.each<[string, (t: Tape) => void, RegExp, typeof TypeError | typeof RangeError]>([
    ['stride 0', (t) => (t.forward[conv].attrs.strideH = 0), /forward\[\d+\]\.attrs\.strideH must be ≥ 1/, RangeError],
    ['dilation 0', (t) => (t.forward[conv].attrs.dilationW = 0), /attrs\.dilationW must be ≥ 1/, RangeError],
    ['no channels', (t) => (t.forward[conv].attrs.inC = 0), /attrs\.inC must be ≥ 1/, RangeError],
    [
      'a kernel larger than the padded input',
      (t) => (t.forward[conv].attrs.kH = 9),
      /the kernel is larger than the padded input/,
      RangeError,
    ],
    [
      'a dim given per row',
      (t) => (t.forward[conv].attrs.inH = { rows: 6 }),
      /forward\[\d+\]\.attrs\.inH must be a number/,
      TypeError,
    ],
    ['a negative dim', (t) => (t.forward[conv].attrs.padTop = -1), /attrs\.padTop/, RangeError],
    [
      'more filters than the output holds',
      (t) => (t.forward[conv].attrs.outC = 4),
      /\(conv2d\): argument (out|filter) touches \d+ elements/,
      RangeError,
    ],
    [
      'an input larger than x',
      (t) => {
        t.forward[conv].attrs.inH = 7;
        t.forward[conv].attrs.padBottom = 0;
      },
      /argument x touches 84 elements for 1 rows, but x holds 72/,
      RangeError,
    ],
    [
      'the columns in an activation buffer',
      (t) => (t.forward[conv].args[3] = t.forward[conv].args[0]),
      /args\[3\] \(col\): a buffer of role 'activation' is not accepted/,
      RangeError,
    ],
    [
      'pool padding as large as the window',
      (t) => (t.forward[pool].attrs.padTop = 2),
      /padding must be smaller than the pool window/,
      RangeError,
    ],
    [
      'pool argmax in a float buffer',
      (t) => (t.forward[pool].args[1] = t.forward[pool].args[0]),
      /args\[1\] \(argmax\)/,
      RangeError,
    ],
    ['clipNorm 0', (t) => (t.update[clip].attrs.maxNorm = 0), /attrs\.maxNorm must be > 0/, RangeError],
    ['batch norm epsilon 0', (t) => (t.forward[norm].attrs.epsilon = 0), /attrs\.epsilon must be > 0/, RangeError],
    ['batch norm 0 channels', (t) => (t.forward[norm].attrs.channels = 0), /attrs\.channels must be ≥ 1/, RangeError],
    [
      'moving statistics in an activation buffer',
      (t) => (t.forward[norm].args[4] = t.forward[norm].args[0]),
      /args\[4\] \(movingMean\): a buffer of role 'activation' is not accepted/,
      RangeError,
    ],
    [
      'more channels than the statistics hold',
      (t) => (t.forward[norm].attrs.channels = 4),
      /\(batchNormTrain\): argument \w+ touches/,
      RangeError,
    ],
    [
      'a missing accumulate flag',
      (t) => delete t.backward[gradInput].attrs.accumulate,
      /attrs\.accumulate must be a boolean/,
      TypeError,
    ],
  ])('%s', (_name, edit, message, type) => {
    const make = create(edit);
    expect(make).toThrow(type);
    expect(make).toThrow(message);
  });
});
