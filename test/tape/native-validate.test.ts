/** createTape's validation: the addon implements exactly the kernel table of tape.ts and the enum
 *  names of the TS side, and a bad tape is refused with a TypeError/RangeError naming the path. */
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, LOSSES } from '../../src/backend/check';
import { addon } from '../../src/backend/native/addon';
import { KERNELS, type Tape } from '../../src/graph/tape';
import { mlpTape } from './native-support';

const A = addon as NonNullable<typeof addon>;
const base = mlpTape({
  inputs: 3,
  layers: [
    { kind: 'dense', units: 4, activation: 'relu', l2: 0.01 },
    { kind: 'dense', units: 2, activation: 'softmax' },
  ],
  loss: 'sparseCategoricalCrossentropy',
  optimizer: { kind: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0 },
  metrics: ['accuracy'],
});
const id = (name: string) => base.buffers.findIndex((b) => b.name === name);

function create(edit: (t: Tape) => void) {
  const t = structuredClone(base);
  edit(t);
  const arena = A.createArena(new Float32Array(base.arena.params), new Float32Array(0));
  return () => A.createTape(t, arena, new Float32Array(base.arena.params * 2));
}

describe.skipIf(typeof addon?.createTape !== 'function')('createTape validation', () => {
  it('the addon exports the kernel table and the enum names of the TS side', () => {
    expect(A.tapeKernels()).toEqual(Object.keys(KERNELS));
    const names = A.tapeNames();
    expect(names.activations).toEqual(ACTIVATIONS);
    expect(names.losses).toEqual(LOSSES);
    expect(names.metrics).toEqual(['mse', 'mae', 'exact', 'threshold']);
  });

  it('accepts the valid tape', () => {
    expect(create(() => {})).not.toThrow();
  });

  it.each<[string, (t: Tape) => void, RegExp, typeof TypeError | typeof RangeError]>([
    ['version', (t) => (t.version = 2), /tape\.version must be 1, got 2/, RangeError],
    [
      'unknown kernel',
      (t) => (t.forward[0].kernel = 'conv9'),
      /tape\.forward\[0\]\.kernel: unknown kernel "conv9"/,
      RangeError,
    ],
    ['arg count', (t) => t.forward[0].args.pop(), /tape\.forward\[0\]\.args must have 3 entries for gemm/, RangeError],
    [
      'arg id out of range',
      (t) => (t.forward[0].args[0] = 999),
      /forward\[0\]\.args\[0\] \(a\) must be a buffer id/,
      RangeError,
    ],
    [
      'optimizer writing a non-param',
      (t) => (t.update[0].args[0] = id('x')),
      /update\[0\]\.args\[0\] \(param\): a buffer of role 'x' is not accepted/,
      RangeError,
    ],
    [
      'forward writing a param',
      (t) => (t.forward[0].args[2] = id('dense_0/kernel')),
      /role 'param' is not accepted/,
      RangeError,
    ],
    [
      'float buffer for argmax',
      (t) => (t.metrics[0].args[2] = id('dense_0/z')),
      /args\[2\] \(argPred\).*role 'activation'/,
      RangeError,
    ],
    [
      'unknown role',
      (t) => ((t.buffers[3] as { role: string }).role = 'weights'),
      /buffers\[3\]\.role: unknown name "weights"/,
      RangeError,
    ],
    [
      'width not a number',
      (t) => ((t.buffers[2] as { width: unknown }).width = '12'),
      /buffers\[2\]\.width must be a number/,
      TypeError,
    ],
    [
      'offset outside the arena',
      (t) => (t.buffers[id('dense_1/bias')].offset = base.arena.params - 1),
      /offset \d+ \+ width 2 is outside its arena/,
      RangeError,
    ],
    [
      'alias of a later buffer',
      (t) => (t.buffers[id('dense_0/z')].alias = id('dense_0/z') + 1),
      /alias must be -1 or an earlier buffer id/,
      RangeError,
    ],
    [
      'alias of another width',
      (t) => (t.buffers[id('dense_1/z')].alias = id('dense_0/z')),
      /alias must name a buffer of the same role, dtype and width/,
      RangeError,
    ],
    [
      'shape against width',
      (t) => (t.buffers[id('dense_0/z')].shape = [-1, 5]),
      /width must be the product of its shape, 5/,
      RangeError,
    ],
    [
      'extent past a buffer',
      (t) => (t.forward[0].attrs.n = 5),
      /forward\[0\] \(gemm\): argument b touches 15 elements for 1 rows, but dense_0\/kernel holds 12/,
      RangeError,
    ],
    [
      'size attribute type',
      (t) => (t.forward[0].attrs.m = 'rows'),
      /forward\[0\]\.attrs\.m must be a number or \{ rows: number \}/,
      TypeError,
    ],
    [
      'negative size',
      (t) => (t.forward[0].attrs.m = { rows: -1 }),
      /attrs\.m\.rows must be an integer from 0/,
      RangeError,
    ],
    ['unknown attribute', (t) => (t.forward[0].attrs.lda = 3), /attrs\.lda is not an attribute of gemm/, RangeError],
    ['unknown activation', (t) => (t.forward[1].attrs.fn = 'swish'), /attrs\.fn: unknown name "swish"/, RangeError],
    [
      'non-finite number',
      (t) => (t.update[0].attrs.beta1 = Number.NaN),
      /update\[0\]\.attrs\.beta1 must be finite/,
      RangeError,
    ],
    [
      'result on a kernel without value',
      (t) => (t.forward[0].result = { index: 0, reduce: 'mean' }),
      /kernel gemm returns no value/,
      RangeError,
    ],
    [
      'result index',
      (t) => (t.metrics[0].result = { index: 2, reduce: 'sum' }),
      /result\.index must be from 0 to 1/,
      RangeError,
    ],
    [
      'sparse targets not y',
      (t) => (t.loss[0].args[3] = id('dense_0/z')),
      /targets of a sparse call must be the y buffer/,
      RangeError,
    ],
    ['cols per row', (t) => (t.loss[0].attrs.cols = { rows: 2 }), /attrs\.cols must be a number ≥ 1/, RangeError],
    ['when', (t) => ((t.forward[0] as { when: unknown }).when = ['fit']), /when\[0\]: unknown name "fit"/, RangeError],
    [
      'arena sizes',
      (t) => (t.arena.params += 1),
      /tape\.arena\.params and \.state must equal the arena's sizes/,
      RangeError,
    ],
    ['x role', (t) => (t.x = id('dense_0/z')), /x must be an 'x' buffer/, RangeError],
  ])('%s', (_name, edit, message, type) => {
    const call = create(edit);
    expect(call).toThrow(type);
    expect(call).toThrow(message);
  });

  it('slots of the wrong length', () => {
    const arena = A.createArena(new Float32Array(base.arena.params), new Float32Array(0));
    expect(() => A.createTape(base, arena, new Float32Array(3))).toThrow(RangeError);
  });

  it('an extent that only fails for more rows is refused when a run asks for them', async () => {
    // reads {rows: 4} values of a 12-value param: fine up to 3 rows
    const t = structuredClone(base);
    t.forward.unshift({ kernel: 'copy', args: [id('dense_0/z'), id('dense_0/kernel')], attrs: { n: { rows: 4 } } });
    const arena = A.createArena(new Float32Array(base.arena.params), new Float32Array(0));
    const handle = A.createTape(t, arena, new Float32Array(base.arena.params * 2));
    const x = new Float32Array(12);
    const y = new Float32Array(4);
    expect(() => A.tapePredict(handle, x, 3, new Float32Array(6))).not.toThrow();
    expect(() => A.tapePredict(handle, x, 4, new Float32Array(8))).toThrow(
      /tapePredict: tape\.forward\[0\] \(copy\): argument x touches 16 elements for 4 rows, but dense_0\/kernel holds 12/,
    );
    const idx = Int32Array.from([0, 1, 2, 3]);
    expect(() => A.tapeTrainBatches(handle, x, y, idx, 4, 0, 1, 0, 0.1)).toThrow(RangeError);
    expect((await A.tapeTrainBatches(handle, x, y, idx, 3, 0, 2, 0, 0.1)).length).toBe(4);
  });
});
