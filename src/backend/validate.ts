/**
 * One validator per Backend method: the single statement of which arguments are valid.
 * `withChecks` wraps a raw kernel set (js twins or the addon) so every public call is checked
 * the same way on both backends before any memory is touched.
 */
import type { Backend } from './backend';
import {
  ACTIVATIONS,
  checkArgCount,
  checkBool,
  checkClassIndices,
  checkF32,
  checkFinite,
  checkI32,
  checkMatrix,
  checkName,
  checkNumber,
  checkSize,
  LOSSES,
  MAX_SIZE,
} from './check';

type Validators = { [K in Exclude<keyof Backend, 'name'>]: (...args: unknown[]) => void };

function vector(fn: string, names: string[], args: unknown[], nIndex: number): void {
  checkSize(fn, 'n', args[nIndex]);
  const n = args[nIndex] as number;
  for (const name of names) checkF32(fn, name, args[argIndex(fn, name)], n);
}

// Positions of each argument, read from the Backend signatures below.
const POSITIONS: Record<string, string[]> = {
  fill: ['x', 'value', 'n'],
  scale: ['x', 'alpha', 'n'],
  axpy: ['y', 'alpha', 'x', 'n'],
  mul: ['out', 'a', 'b', 'n'],
  sgdUpdate: ['param', 'grad', 'n', 'lr'],
  momentumUpdate: ['param', 'grad', 'velocity', 'n', 'lr', 'momentum', 'nesterov'],
  adamUpdate: ['param', 'grad', 'm', 'v', 'n', 'lr', 'beta1', 'beta2', 'epsilon', 'step', 'weightDecay'],
  rmspropUpdate: ['param', 'grad', 'meanSquare', 'velocity', 'n', 'lr', 'rho', 'momentum', 'epsilon'],
  adagradUpdate: ['param', 'grad', 'accumulator', 'n', 'lr', 'epsilon'],
};
function argIndex(fn: string, name: string): number {
  return POSITIONS[fn].indexOf(name);
}

function finiteArgs(fn: string, args: unknown[], names: string[]): void {
  for (const name of names) checkFinite(fn, name, args[argIndex(fn, name)]);
}

function rowsCols(fn: string, args: unknown[], rowsAt: number): [number, number] {
  checkSize(fn, 'rows', args[rowsAt]);
  checkSize(fn, 'cols', args[rowsAt + 1]);
  return [args[rowsAt] as number, args[rowsAt + 1] as number];
}

function lossTarget(fn: string, kind: string, target: unknown, rows: number, cols: number, sparse: boolean): void {
  if (sparse) {
    checkF32(fn, 'target', target, rows);
    checkClassIndices(fn, target as Float32Array, rows, cols);
  } else {
    checkF32(fn, 'target', target, rows * cols);
  }
  void kind;
}

const CONV_SHAPE = ['batch', 'inH', 'inW', 'inC', 'outC', 'kH', 'kW', 'strideH', 'strideW', 'dilationH', 'dilationW'];
const POOL_SHAPE = ['batch', 'inH', 'inW', 'channels', 'kH', 'kW', 'strideH', 'strideW'];
const PADS = ['padTop', 'padBottom', 'padLeft', 'padRight'];
const AT_LEAST_ONE = new Set(['kH', 'kW', 'strideH', 'strideW', 'dilationH', 'dilationW']);

/** The product of sizes, or a RangeError when it leaves the exactly representable integers. */
function product(fn: string, what: string, ...factors: number[]): number {
  const p = factors.reduce((acc, f) => acc * f, 1);
  if (p > Number.MAX_SAFE_INTEGER) throw new RangeError(`${fn}: ${what} is too large`);
  return p;
}

/** Output size along one axis; a RangeError when the (dilated) kernel exceeds the padded input. */
function outSize(fn: string, axis: string, size: number, k: number, dilation: number, stride: number, pads: number) {
  const effective = dilation * (k - 1) + 1;
  if (effective > size + pads) {
    throw new RangeError(
      `${fn}: the kernel ${axis} (${effective} with dilation) is larger than the padded input ${axis} (${size + pads})`,
    );
  }
  return Math.floor((size + pads - effective) / stride) + 1;
}

/** Reads the named sizes from args[first..]: integers in range, kernel/stride/dilation ≥ 1. */
function sizes(fn: string, args: unknown[], first: number, names: string[]): Record<string, number> {
  const v: Record<string, number> = {};
  for (const [i, name] of names.entries()) {
    checkSize(fn, name, args[first + i]);
    v[name] = args[first + i] as number;
    if (AT_LEAST_ONE.has(name) && v[name] < 1) throw new RangeError(`${fn}: ${name} must be at least 1, got 0`);
  }
  return v;
}

/** Checks a conv2d call's 15 sizes and returns the buffer lengths they need. */
function convShape(fn: string, args: unknown[]) {
  const s = sizes(fn, args, 4, [...CONV_SHAPE, ...PADS]);
  const outH = outSize(fn, 'height', s.inH, s.kH, s.dilationH, s.strideH, s.padTop + s.padBottom);
  const outW = outSize(fn, 'width', s.inW, s.kW, s.dilationW, s.strideW, s.padLeft + s.padRight);
  return {
    x: product(fn, 'x', s.batch, s.inH, s.inW, s.inC),
    filter: product(fn, 'filter', s.kH, s.kW, s.inC, s.outC),
    out: product(fn, 'the output', s.batch, outH, outW, s.outC),
    workspace: s.batch === 0 ? 0 : product(fn, 'workspace', outH, outW, s.kH, s.kW, s.inC),
  };
}

/** Checks a pooling call's 12 sizes (padding below the window, a non-empty image, so every window
 *  holds a real cell) and returns the buffer lengths they need. */
function poolShape(fn: string, args: unknown[], first: number) {
  const s = sizes(fn, args, first, [...POOL_SHAPE, ...PADS]);
  for (const name of ['inH', 'inW']) if (s[name] < 1) throw new RangeError(`${fn}: ${name} must be at least 1, got 0`);
  for (const [i, name] of PADS.entries()) {
    const k = i < 2 ? 'kH' : 'kW';
    if (s[name] >= s[k]) throw new RangeError(`${fn}: ${name} must be smaller than the window (${k}), got ${s[name]}`);
  }
  const outH = outSize(fn, 'height', s.inH, s.kH, 1, s.strideH, s.padTop + s.padBottom);
  const outW = outSize(fn, 'width', s.inW, s.kW, 1, s.strideW, s.padLeft + s.padRight);
  const image = product(fn, 'an image', s.inH, s.inW, s.channels);
  return {
    image,
    x: product(fn, 'x', s.batch, image),
    out: product(fn, 'the output', s.batch, outH, outW, s.channels),
  };
}

function convKernel(fn: string, names: [string, string, string], lengths: ('out' | 'x' | 'filter')[]) {
  return (...a: unknown[]) => {
    checkArgCount(fn, a, 19);
    const n = convShape(fn, a);
    for (let i = 0; i < 3; i++) checkF32(fn, names[i], a[i], n[lengths[i]]);
    checkF32(fn, 'workspace', a[3], n.workspace);
  };
}

export const validators: Validators = {
  gemm(...a) {
    const fn = 'gemm';
    checkArgCount(fn, a, 13);
    const [transA, transB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc] = a;
    checkBool(fn, 'transA', transA);
    checkBool(fn, 'transB', transB);
    checkSize(fn, 'm', m);
    checkSize(fn, 'n', n);
    checkSize(fn, 'k', k);
    checkNumber(fn, 'alpha', alpha);
    checkNumber(fn, 'beta', beta);
    checkMatrix(fn, 'a', A, transA ? k : m, transA ? m : k, 'lda', lda);
    checkMatrix(fn, 'b', B, transB ? n : k, transB ? k : n, 'ldb', ldb);
    checkMatrix(fn, 'c', C, m, n, 'ldc', ldc);
  },
  fill(...a) {
    checkArgCount('fill', a, 3);
    vector('fill', ['x'], a, 2);
    checkNumber('fill', 'value', a[1]);
  },
  scale(...a) {
    checkArgCount('scale', a, 3);
    vector('scale', ['x'], a, 2);
    checkNumber('scale', 'alpha', a[1]);
  },
  axpy(...a) {
    checkArgCount('axpy', a, 4);
    vector('axpy', ['y', 'x'], a, 3);
    checkNumber('axpy', 'alpha', a[1]);
  },
  mul(...a) {
    checkArgCount('mul', a, 4);
    vector('mul', ['out', 'a', 'b'], a, 3);
  },
  addBias(...a) {
    const fn = 'addBias';
    checkArgCount(fn, a, 4);
    const [rows, cols] = rowsCols(fn, a, 2);
    checkF32(fn, 'out', a[0], rows * cols);
    checkF32(fn, 'bias', a[1], cols);
  },
  addColumnSums(...a) {
    const fn = 'addColumnSums';
    checkArgCount(fn, a, 4);
    const [rows, cols] = rowsCols(fn, a, 2);
    checkF32(fn, 'out', a[0], cols);
    checkF32(fn, 'x', a[1], rows * cols);
  },
  argmaxRows(...a) {
    const fn = 'argmaxRows';
    checkArgCount(fn, a, 4);
    const [rows, cols] = rowsCols(fn, a, 2);
    if (rows > 0 && cols === 0) throw new RangeError(`${fn}: cols must be at least 1 when rows > 0, got 0`);
    checkI32(fn, 'out', a[0], rows);
    checkF32(fn, 'x', a[1], rows * cols);
  },
  activationForward(...a) {
    const fn = 'activationForward';
    checkArgCount(fn, a, 5);
    checkName(fn, 'activation', a[0], ACTIVATIONS);
    checkSize(fn, 'n', a[3]);
    checkF32(fn, 'out', a[1], a[3] as number);
    checkF32(fn, 'x', a[2], a[3] as number);
    checkFinite(fn, 'alpha', a[4]);
  },
  activationBackward(...a) {
    const fn = 'activationBackward';
    checkArgCount(fn, a, 7);
    checkName(fn, 'activation', a[0], ACTIVATIONS);
    checkSize(fn, 'n', a[5]);
    const n = a[5] as number;
    checkF32(fn, 'dx', a[1], n);
    checkF32(fn, 'dy', a[2], n);
    checkF32(fn, 'x', a[3], n);
    checkF32(fn, 'y', a[4], n);
    checkFinite(fn, 'alpha', a[6]);
  },
  softmaxForward(...a) {
    const fn = 'softmaxForward';
    checkArgCount(fn, a, 4);
    const [rows, cols] = rowsCols(fn, a, 2);
    checkF32(fn, 'out', a[0], rows * cols);
    checkF32(fn, 'x', a[1], rows * cols);
  },
  softmaxBackward(...a) {
    const fn = 'softmaxBackward';
    checkArgCount(fn, a, 5);
    const [rows, cols] = rowsCols(fn, a, 3);
    checkF32(fn, 'dx', a[0], rows * cols);
    checkF32(fn, 'dy', a[1], rows * cols);
    checkF32(fn, 'y', a[2], rows * cols);
  },
  lossForward(...a) {
    const fn = 'lossForward';
    checkArgCount(fn, a, 5);
    checkName(fn, 'loss', a[0], LOSSES);
    const [rows, cols] = rowsCols(fn, a, 3);
    checkF32(fn, 'pred', a[1], rows * cols);
    lossTarget(fn, a[0], a[2], rows, cols, a[0] === 'sparseCategoricalCrossentropy');
  },
  lossBackward(...a) {
    const fn = 'lossBackward';
    checkArgCount(fn, a, 6);
    checkName(fn, 'loss', a[0], LOSSES);
    const [rows, cols] = rowsCols(fn, a, 4);
    checkF32(fn, 'grad', a[1], rows * cols);
    checkF32(fn, 'pred', a[2], rows * cols);
    lossTarget(fn, a[0], a[3], rows, cols, a[0] === 'sparseCategoricalCrossentropy');
  },
  softmaxCrossEntropy(...a) {
    const fn = 'softmaxCrossEntropy';
    checkArgCount(fn, a, 7);
    const [rows, cols] = rowsCols(fn, a, 4);
    checkBool(fn, 'sparse', a[6]);
    checkF32(fn, 'probs', a[0], rows * cols);
    checkF32(fn, 'grad', a[1], rows * cols);
    checkF32(fn, 'logits', a[2], rows * cols);
    lossTarget(fn, 'softmax', a[3], rows, cols, a[6] as boolean);
  },
  sigmoidCrossEntropy(...a) {
    const fn = 'sigmoidCrossEntropy';
    checkArgCount(fn, a, 6);
    const [rows, cols] = rowsCols(fn, a, 4);
    for (const [i, name] of ['probs', 'grad', 'logits', 'target'].entries()) checkF32(fn, name, a[i], rows * cols);
  },
  dropoutForward(...a) {
    const fn = 'dropoutForward';
    checkArgCount(fn, a, 6);
    checkSize(fn, 'n', a[3]);
    const n = a[3] as number;
    checkF32(fn, 'out', a[0], n);
    checkF32(fn, 'mask', a[1], n);
    checkF32(fn, 'x', a[2], n);
    checkNumber(fn, 'rate', a[4]);
    const rate = a[4] as number;
    if (!(rate >= 0 && rate < 1)) throw new RangeError(`${fn}: rate must be in [0, 1), got ${rate}`);
    checkSize(fn, 'seed', a[5]);
  },
  conv2dForward: convKernel('conv2dForward', ['out', 'x', 'filter'], ['out', 'x', 'filter']),
  conv2dBackwardData: convKernel('conv2dBackwardData', ['dx', 'dy', 'filter'], ['x', 'out', 'filter']),
  conv2dBackwardFilter: convKernel('conv2dBackwardFilter', ['dfilter', 'x', 'dy'], ['filter', 'x', 'out']),
  maxPool2dForward(...a) {
    const fn = 'maxPool2dForward';
    checkArgCount(fn, a, 15);
    const n = poolShape(fn, a, 3);
    if (n.image > MAX_SIZE)
      throw new RangeError(`${fn}: an image has more than 2^31 − 1 values: argmax cannot index it`);
    checkF32(fn, 'out', a[0], n.out);
    checkI32(fn, 'argmax', a[1], n.out);
    checkF32(fn, 'x', a[2], n.x);
  },
  maxPool2dBackward(...a) {
    const fn = 'maxPool2dBackward';
    checkArgCount(fn, a, 15);
    const n = poolShape(fn, a, 3);
    checkF32(fn, 'dx', a[0], n.x);
    checkF32(fn, 'dy', a[1], n.out);
    checkI32(fn, 'argmax', a[2], n.out);
    const argmax = a[2] as Int32Array;
    for (let i = 0; i < n.out; i++) {
      if (argmax[i] < 0 || argmax[i] >= n.image) {
        throw new RangeError(
          `${fn}: argmax[${i}] must be an offset inside its image, from 0 to ${n.image - 1}, got ${argmax[i]}`,
        );
      }
    }
  },
  avgPool2dForward(...a) {
    const fn = 'avgPool2dForward';
    checkArgCount(fn, a, 14);
    const n = poolShape(fn, a, 2);
    checkF32(fn, 'out', a[0], n.out);
    checkF32(fn, 'x', a[1], n.x);
  },
  avgPool2dBackward(...a) {
    const fn = 'avgPool2dBackward';
    checkArgCount(fn, a, 14);
    const n = poolShape(fn, a, 2);
    checkF32(fn, 'dx', a[0], n.x);
    checkF32(fn, 'dy', a[1], n.out);
  },
  sgdUpdate(...a) {
    checkArgCount('sgdUpdate', a, 4);
    vector('sgdUpdate', ['param', 'grad'], a, 2);
    finiteArgs('sgdUpdate', a, ['lr']);
  },
  momentumUpdate(...a) {
    checkArgCount('momentumUpdate', a, 7);
    vector('momentumUpdate', ['param', 'grad', 'velocity'], a, 3);
    finiteArgs('momentumUpdate', a, ['lr', 'momentum']);
    checkBool('momentumUpdate', 'nesterov', a[6]);
  },
  adamUpdate(...a) {
    const fn = 'adamUpdate';
    checkArgCount(fn, a, 11);
    vector(fn, ['param', 'grad', 'm', 'v'], a, 4);
    finiteArgs(fn, a, ['lr', 'beta1', 'beta2', 'epsilon', 'weightDecay']);
    checkSize(fn, 'step', a[9]);
    if ((a[9] as number) < 1) throw new RangeError(`${fn}: step must be at least 1, got ${a[9]}`);
  },
  rmspropUpdate(...a) {
    const fn = 'rmspropUpdate';
    checkArgCount(fn, a, 9);
    vector(fn, ['param', 'grad', 'meanSquare', 'velocity'], a, 4);
    finiteArgs(fn, a, ['lr', 'rho', 'momentum', 'epsilon']);
  },
  adagradUpdate(...a) {
    const fn = 'adagradUpdate';
    checkArgCount(fn, a, 6);
    vector(fn, ['param', 'grad', 'accumulator'], a, 3);
    finiteArgs(fn, a, ['lr', 'epsilon']);
  },
};

/** Wraps raw kernels with the validators: the public Backend objects. */
export function withChecks(raw: Backend): Backend {
  const checked: Record<string, unknown> = { name: raw.name };
  for (const key of Object.keys(validators) as (keyof Validators)[]) {
    const validate = validators[key];
    const kernel = (raw[key] as (...args: unknown[]) => unknown).bind(raw);
    checked[key] = (...args: unknown[]) => {
      validate(...args);
      return kernel(...args);
    };
  }
  return Object.freeze(checked) as unknown as Backend;
}
