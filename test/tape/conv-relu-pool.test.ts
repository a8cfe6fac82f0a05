/**
 * The fused first convolution + bias + relu + max pooling (src/graph/builder.ts, fuseConvReluPool;
 * the tape kernels conv2dReluPool / conv2dReluPoolGrad, twin src/backend/js/conv-relu-pool.ts,
 * native/kernels/conv_pool.h). On many shapes (odd images, 1 and 3 channels, 1 to 33 filters,
 * pools that leave an edge, strides, dilation, 'same' padding, no bias), on random data, on data
 * full of ties and with a NaN:
 * - the builder fuses exactly the first-layer case, and NATIVENN_FUSE_CONV_POOL=0 turns it off;
 * - the twin (js executor) against the unfused tape on the js executor;
 * - the native kernel against the twin, and against the unfused native tape, on every CPU path
 *   the machine runs (bit for bit on the SIMD paths: same loops, same order), for 1–3 threads;
 * - training (fit) with and without the fusion ends at the same weights;
 * - createTape refuses malformed calls with a RangeError/TypeError.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { addon } from '../../src/backend/native/addon';
import type { CompiledNetwork } from '../../src/graph/builder';
import { createJsExecutor } from '../../src/graph/executor-js';
import { createNativeExecutor } from '../../src/graph/executor-native';
import type { Tape } from '../../src/graph/tape';
import { Random } from '../../src/util/random';
import { maxRelErr } from '../support/backends';
import { withConvPoolFusion } from '../support/conv-pool-fusion';

const initialBackend = nn.getBackend().name;
const initialThreads = nn.getNumThreads();
const cpuPaths: string[] = addon && typeof addon.cpuPaths === 'function' ? addon.cpuPaths() : [];
const initialPath = cpuPaths.length > 0 ? addon!.cpuPath() : '';
afterAll(() => {
  nn.setBackend(initialBackend);
  nn.setNumThreads(initialThreads);
  if (initialPath) addon!.setCpuPath(initialPath);
});

interface Case {
  name: string;
  input: [number, number, number];
  filters: number;
  conv: Record<string, unknown>;
  pool: number | [number, number];
}

const CASES: Case[] = [
  {
    name: 'the Fashion-MNIST layer (28×28×1, 32 3×3, pool 2)',
    input: [28, 28, 1],
    filters: 32,
    conv: { kernelSize: 3 },
    pool: 2,
  },
  { name: '9×7×3, 5 filters, pool 2 over an odd edge', input: [9, 7, 3], filters: 5, conv: { kernelSize: 3 }, pool: 2 },
  { name: '11×10×1, 1 filter 2×2, pool 3', input: [11, 10, 1], filters: 1, conv: { kernelSize: 2 }, pool: 3 },
  {
    name: "8×9×3, 33 filters, 'same', pool [2, 3]",
    input: [8, 9, 3],
    filters: 33,
    conv: { kernelSize: 3, padding: 'same' },
    pool: [2, 3],
  },
  {
    name: '10×11×2, 17 filters [1, 3] stride 2, no bias',
    input: [10, 11, 2],
    filters: 17,
    conv: { kernelSize: [1, 3], strides: 2, useBias: false },
    pool: 2,
  },
  {
    name: '13×12×1, 16 filters 5×5 (patch 25), dilation 2',
    input: [13, 12, 1],
    filters: 16,
    conv: { kernelSize: 5, dilationRate: 2 },
    pool: 2,
  },
  {
    name: "7×7×3, 8 filters 3×3 'same' (patch 27)",
    input: [7, 7, 3],
    filters: 8,
    conv: { kernelSize: 3, padding: 'same' },
    pool: 2,
  },
  { name: '6×6×1, 3 filters, one 4×4 window', input: [6, 6, 1], filters: 3, conv: { kernelSize: 3 }, pool: 4 },
];

const ROWS = 5;

/** Compiles with the fusion on or off (the builder reads NATIVENN_FUSE_CONV_POOL when it writes
 *  the tape; compiledNetwork caches it). */
function compiled<T extends nn.Sequential>(m: T, fused: boolean): T {
  withConvPoolFusion(fused, () => m.compiledNetwork());
  return m;
}

/** conv(relu) → maxPooling → flatten as the output (mse against random targets): predict shows
 *  the pooled values themselves, and the gradients are the fused backward's alone. */
function model(c: Case, fused: boolean, head = false) {
  const m = nn.sequential({
    seed: 5,
    layers: [
      nn.layers.conv2d({
        filters: c.filters,
        inputShape: c.input,
        activation: 'relu',
        kernelInitializer: nn.initializers.randomNormal({ stddev: 0.5, seed: 3 }),
        biasInitializer: nn.initializers.randomUniform({ minval: -0.3, maxval: 0.3, seed: 4 }),
        ...c.conv,
      } as Parameters<typeof nn.layers.conv2d>[0]),
      nn.layers.maxPooling2d({ poolSize: c.pool }),
      nn.layers.flatten(),
      ...(head ? [nn.layers.dense({ units: 3, activation: 'softmax' })] : []),
    ],
  });
  m.compile({ optimizer: 'adam', loss: head ? 'categoricalCrossentropy' : 'meanSquaredError' });
  return compiled(m, fused);
}

type Data = 'random' | 'ties' | 'nan';

function data(m: nn.Sequential, kind: Data) {
  const rng = new Random(kind === 'ties' ? 11 : 8);
  const net = m.compiledNetwork();
  const inputs = net.tape.buffers[net.tape.x].width;
  const targets = net.tape.buffers[net.tape.y].width;
  // Ties: 0/1 pixels and (set below) weights of ±0.5 and 0: many equal values in every window.
  const x = Float32Array.from({ length: ROWS * inputs }, () => (kind === 'ties' ? rng.int(2) : rng.uniform(-1, 1)));
  if (kind === 'nan') x[Math.floor(inputs / 2) + 3] = Number.NaN; // one pixel in the middle of image 0
  const y = Float32Array.from({ length: ROWS * targets }, () => rng.uniform(0, 1));
  return { x, y };
}

function tieWeights(m: nn.Sequential) {
  const rng = new Random(12);
  m.setWeights(
    m.getWeights().map((w, i) =>
      nn.tensor(
        Float32Array.from(w.data, () => (i === 0 ? 0.5 * (rng.int(3) - 1) : 0.25 * (rng.int(3) - 1))),
        w.shape,
      ),
    ),
  );
}

interface Run {
  out: Float32Array;
  loss: number;
  grads: Float32Array[];
}

function run(net: CompiledNetwork, native: boolean, x: Float32Array, y: Float32Array, widths: number[]): Run {
  const exec = native ? createNativeExecutor(net) : createJsExecutor(net, nn.backends.js);
  try {
    const outWidth = net.tape.buffers[net.tape.output].width;
    const out = new Float32Array(ROWS * outWidth);
    exec.predict(x, ROWS, out);
    const grads = widths.map((n) => new Float32Array(n));
    const loss = exec.gradients(x, y, ROWS, 0, grads);
    return { out, loss, grads };
  } finally {
    exec.dispose();
  }
}

const kernelsOf = (t: Tape) => [...t.forward, ...t.backward].map((c) => c.kernel);

function expectClose(a: Run, b: Run, tol: number) {
  expect(maxRelErr(a.out, b.out, tol, tol)).toBeLessThanOrEqual(1);
  if (Number.isNaN(b.loss)) expect(a.loss).toBeNaN();
  else expect(Math.abs(a.loss - b.loss)).toBeLessThanOrEqual(tol * (1 + Math.abs(b.loss)));
  a.grads.forEach((g, i) => expect(maxRelErr(g, b.grads[i], tol, tol)).toBeLessThanOrEqual(1));
}

function expectSameBits(a: Run, b: Run) {
  expect(Array.from(a.out)).toEqual(Array.from(b.out));
  a.grads.forEach((g, i) => expect(Array.from(g)).toEqual(Array.from(b.grads[i])));
}

describe('the builder fuses a first relu convolution with its max pooling', () => {
  it('the recipe: one call forward, one backward; z and its gradient shrink to nothing', () => {
    const m = model(CASES[0], true, true);
    const tape = m.compiledNetwork().tape;
    // Buffer names without the layers' counters (max_pooling2d_3/out → max_pooling2d/out).
    const names = (ids: number[]) => ids.map((id) => (id < 0 ? '-' : tape.buffers[id].name.replace(/_\d+\//, '/')));
    const fwd = tape.forward.find((c) => c.kernel === 'conv2dReluPool')!;
    expect(names(fwd.args)).toEqual([
      'max_pooling2d/out',
      'max_pooling2d/argmax',
      'x',
      'conv2d/kernel',
      'conv2d/bias',
      'conv2d/rows',
    ]);
    expect(fwd.attrs).toMatchObject({ inH: 28, inW: 28, inC: 1, outC: 32, kH: 3, kW: 3, poolH: 2, poolW: 2 });
    const bwd = tape.backward.find((c) => c.kernel === 'conv2dReluPoolGrad')!;
    expect(names(bwd.args)).toEqual([
      'd(conv2d/kernel)',
      'd(conv2d/bias)',
      'x',
      'd(max_pooling2d/out)',
      'max_pooling2d/out',
      'max_pooling2d/argmax',
    ]);
    expect(bwd.attrs.accumulate).toBe(false);
    const kernels = kernelsOf(tape);
    for (const k of ['conv2d', 'maxPool2d', 'maxPool2dGrad', 'conv2dGradFilter', 'activationGrad', 'columnSums'])
      expect(kernels.filter((n) => n === k).length).toBe(k === 'columnSums' ? 1 : 0); // the dense bias's
    expect(tape.buffers.filter((b) => b.name.endsWith('(fused away)')).every((b) => b.width === 0)).toBe(true);
    expect(tape.buffers[fwd.args[5]].shape).toEqual([-1, 2, 26, 32]);

    const off = model(CASES[0], false, true).compiledNetwork().tape;
    expect(kernelsOf(off)).not.toContain('conv2dReluPool');
    expect(kernelsOf(off).slice(0, 3)).toEqual(['conv2d', 'maxPool2d', 'biasActivation']);
  });

  it.each<[string, nn.layers.Layer[]]>([
    [
      'a second convolution (it needs its input gradient)',
      [
        nn.layers.conv2d({ filters: 2, kernelSize: 2, inputShape: [7, 7, 1] }),
        nn.layers.conv2d({ filters: 3, kernelSize: 2, activation: 'relu' }),
        nn.layers.maxPooling2d({ poolSize: 2 }),
      ],
    ],
    [
      'a patch of 36 values',
      [
        nn.layers.conv2d({ filters: 2, kernelSize: 2, activation: 'relu', inputShape: [7, 7, 9] }),
        nn.layers.maxPooling2d({ poolSize: 2 }),
      ],
    ],
    [
      'overlapping windows',
      [
        nn.layers.conv2d({ filters: 2, kernelSize: 2, activation: 'relu', inputShape: [7, 7, 1] }),
        nn.layers.maxPooling2d({ poolSize: 3, strides: 2 }),
      ],
    ],
    [
      "a 'same' pool over an odd edge",
      [
        nn.layers.conv2d({ filters: 2, kernelSize: 2, activation: 'relu', inputShape: [6, 6, 1] }),
        nn.layers.maxPooling2d({ poolSize: 2, padding: 'same' }),
      ],
    ],
    [
      'a tanh convolution',
      [
        nn.layers.conv2d({ filters: 2, kernelSize: 2, activation: 'tanh', inputShape: [7, 7, 1] }),
        nn.layers.maxPooling2d({ poolSize: 2 }),
      ],
    ],
  ])('not: %s', (_name, layers) => {
    const m = nn.sequential({ seed: 1, layers: [...layers, nn.layers.flatten(), nn.layers.dense({ units: 2 })] });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    expect(kernelsOf(m.compiledNetwork().tape)).not.toContain('conv2dReluPool');
  });
});

describe.each(CASES.map((c) => [c.name, c] as const))('conv2dReluPool: %s', (_name, c) => {
  it.each<Data>(['random', 'ties', 'nan'])('%s data: the twin against the unfused tape (js executor)', (kind) => {
    const fused = model(c, true);
    const plain = model(c, false);
    if (kind === 'ties') tieWeights(fused);
    plain.setWeights(fused.getWeights());
    expect(kernelsOf(fused.compiledNetwork().tape)).toContain('conv2dReluPool');
    const widths = fused.getWeights().map((w) => w.data.length);
    const { x, y } = data(fused, kind);
    const a = run(fused.compiledNetwork(), false, x, y, widths);
    const b = run(plain.compiledNetwork(), false, x, y, widths);
    if (kind === 'nan') {
      // The js executor's unfused relu keeps a NaN (Math.max) where the fused kernel, as the
      // native relu, gives 0; the gradients agree (relu' is 0 there either way).
      const unNaN = (v: Float32Array) => v.map((e) => (Number.isNaN(e) ? 0 : e));
      expect(maxRelErr(a.out, unNaN(b.out), 1e-5, 1e-5)).toBeLessThanOrEqual(1);
      return;
    }
    expectClose(a, b, kind === 'ties' ? 1e-7 : 1e-5);
  });

  it.skipIf(cpuPaths.length === 0).each<Data>(['random', 'ties', 'nan'])(
    '%s data: native against the twin and against the unfused native tape, every CPU path, 1–3 threads',
    (kind) => {
      const fused = model(c, true);
      const plain = model(c, false);
      if (kind === 'ties') tieWeights(fused);
      plain.setWeights(fused.getWeights());
      const widths = fused.getWeights().map((w) => w.data.length);
      const { x, y } = data(fused, kind);
      const twin = run(fused.compiledNetwork(), false, x, y, widths);
      for (const path of cpuPaths) {
        expect(addon!.setCpuPath(path)).toBe(true);
        nn.setNumThreads(1);
        const one = run(fused.compiledNetwork(), true, x, y, widths);
        const unfused = run(plain.compiledNetwork(), true, x, y, widths);
        expectClose(one, twin, kind === 'ties' ? 1e-7 : 2e-5);
        // A NaN pixel under a convolution cell past the last window reaches the unfused filter
        // gradient (NaN · 0) and not the fused one, which skips those cells: no comparison.
        if (kind === 'nan') continue;
        if (path === 'portable') expectClose(one, unfused, 2e-5);
        else expectSameBits(one, unfused); // the same loops in the same order
        for (const threads of [2, 3]) {
          nn.setNumThreads(threads);
          expectSameBits(run(fused.compiledNetwork(), true, x, y, widths), one);
        }
      }
      addon!.setCpuPath(initialPath);
      nn.setNumThreads(initialThreads);
    },
  );
});

describe('a convolution applied to two inputs (its filter gradient accumulates)', () => {
  /** Two 7×6×1 images through one relu convolution, each pooled, joined, a dense head. */
  function shared(useBias: boolean, fused: boolean) {
    const a = nn.input({ shape: [7, 6, 1] });
    const b = nn.input({ shape: [7, 6, 1] });
    const conv = nn.layers.conv2d({
      filters: 5,
      kernelSize: 3,
      activation: 'relu',
      useBias,
      kernelInitializer: nn.initializers.randomNormal({ stddev: 0.5, seed: 3 }),
      biasInitializer: nn.initializers.randomUniform({ minval: -0.3, maxval: 0.3, seed: 4 }),
    });
    const branch = (t: typeof a) =>
      nn.layers.flatten().apply(nn.layers.maxPooling2d({ poolSize: 2 }).apply(conv.apply(t)));
    const joined = nn.layers.concatenate().apply([branch(a), branch(b)]);
    const m = nn.model({ inputs: [a, b], outputs: nn.layers.dense({ units: 2 }).apply(joined), seed: 6 });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    withConvPoolFusion(fused, () => m.compiledNetwork());
    return m;
  }

  it.each([false, true])('bias %s: fused where it may be, the gradients of the unfused tape', (useBias) => {
    const fused = shared(useBias, true);
    const plain = shared(useBias, false);
    plain.setWeights(fused.getWeights());
    const grads = fused.compiledNetwork().tape.backward.filter((c) => c.kernel === 'conv2dReluPoolGrad');
    // Without a bias both applications fuse, the second accumulating; with one, the bias gradient
    // has three writers (a fill and two sums) and nothing fuses.
    expect(grads.map((c) => c.attrs.accumulate)).toEqual(useBias ? [] : [false, true]);
    const rng = new Random(30);
    const x = Float32Array.from({ length: ROWS * 84 }, () => rng.uniform(-1, 1));
    const y = Float32Array.from({ length: ROWS * 2 }, () => rng.uniform(-1, 1));
    const widths = fused.getWeights().map((w) => w.data.length);
    for (const native of [false, ...(cpuPaths.length > 0 ? [true] : [])]) {
      const exec = (m: nn.LayersModel) => {
        const e = native
          ? createNativeExecutor(m.compiledNetwork())
          : createJsExecutor(m.compiledNetwork(), nn.backends.js);
        const g = widths.map((n) => new Float32Array(n));
        const loss = e.gradients(x, y, ROWS, 0, g);
        e.dispose();
        return { loss, g };
      };
      const u = exec(fused);
      const v = exec(plain);
      expect(u.loss).toBeCloseTo(v.loss, 6);
      u.g.forEach((g, i) => expect(maxRelErr(g, v.g[i], 1e-6, 1e-5)).toBeLessThanOrEqual(1));
    }
  });
});

describe('training with the fusion ends where training without it does', () => {
  it.each(['js', 'native'].filter((b) => b === 'js' || nn.backends.native))('%s backend', async (backend) => {
    nn.setBackend(backend as 'js' | 'native');
    for (const c of [CASES[0], CASES[3], CASES[4]]) {
      const fused = model(c, true, true);
      const plain = model(c, false, true);
      plain.setWeights(fused.getWeights());
      const rng = new Random(21);
      const n = 12;
      const size = c.input.reduce((a, b) => a * b, 1);
      const x = nn.tensor(
        Float32Array.from({ length: n * size }, () => rng.uniform(0, 1)),
        [n, ...c.input],
      );
      const y = nn.data.oneHot(
        Int32Array.from({ length: n }, () => rng.int(3)),
        3,
      );
      const h1 = await fused.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, seed: 2 });
      const h2 = await plain.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, seed: 2 });
      expect(kernelsOf(fused.compiledNetwork().tape)).toContain('conv2dReluPool');
      h1.history.loss.forEach((l, i) => expect(l).toBeCloseTo(h2.history.loss[i], 5));
      const wb = plain.getWeights();
      fused.getWeights().forEach((w, i) => expect(maxRelErr(w.data, wb[i].data, 1e-5, 1e-4)).toBeLessThanOrEqual(1));
    }
    nn.setBackend(initialBackend);
  });
});

describe.skipIf(typeof addon?.createTape !== 'function')('createTape validation of conv2dReluPool', () => {
  const base = structuredClone(model(CASES[1], true, true).compiledNetwork().tape);
  const fwd = base.forward.findIndex((c) => c.kernel === 'conv2dReluPool');
  const bwd = base.backward.findIndex((c) => c.kernel === 'conv2dReluPoolGrad');
  const A = addon!;
  const create = (edit: (t: Tape) => void) => {
    const t = structuredClone(base);
    edit(t);
    const arena = A.createArena(new Float32Array(base.arena.params), new Float32Array(base.arena.state));
    return () => A.createTape(t, arena, new Float32Array(base.arena.params * 2));
  };
  it('accepts the builder’s tape', () => expect(create(() => {})).not.toThrow());

  it.each<[string, (t: Tape) => void, RegExp, typeof TypeError | typeof RangeError]>([
    ['poolH 0', (t) => (t.forward[fwd].attrs.poolH = 0), /attrs\.poolH must be ≥ 1/, RangeError],
    ['poolW 0 (backward)', (t) => (t.backward[bwd].attrs.poolW = 0), /attrs\.poolW must be ≥ 1/, RangeError],
    ['stride 0', (t) => (t.forward[fwd].attrs.strideW = 0), /attrs\.strideW must be ≥ 1/, RangeError],
    ['no filters', (t) => (t.forward[fwd].attrs.outC = 0), /attrs\.outC must be ≥ 1/, RangeError],
    [
      'a patch of 36',
      (t) => Object.assign(t.forward[fwd].attrs, { kH: 6, kW: 6, inC: 1 }),
      /patch kH·kW·inC must be at most 32/,
      RangeError,
    ],
    [
      'a huge patch',
      (t) => Object.assign(t.backward[bwd].attrs, { kH: 2 ** 31 - 1, kW: 2 ** 31 - 1 }),
      /patch/,
      RangeError,
    ],
    [
      'a pool larger than the convolution',
      (t) => (t.forward[fwd].attrs.poolH = 8),
      /pool window is larger/,
      RangeError,
    ],
    [
      'a kernel larger than the input',
      (t) => Object.assign(t.forward[fwd].attrs, { kH: 10, kW: 1 }),
      /larger than the padded input/,
      RangeError,
    ],
    ['more filters than out holds', (t) => (t.forward[fwd].attrs.outC = 6), /touches/, RangeError],
    ['a larger image than x holds', (t) => (t.backward[bwd].attrs.inH = 10), /touches/, RangeError],
    [
      'a scratch too small',
      (t) => (t.buffers[t.forward[fwd].args[5]].shape = [-1, 1]),
      /width must be the product/,
      RangeError,
    ],
    [
      'a scratch of another call’s size',
      (t) => {
        const b = t.buffers[t.forward[fwd].args[5]];
        b.shape = [-1, 2];
        b.width = 2;
      },
      /argument scratch touches/,
      RangeError,
    ],
    ['a float argmax', (t) => (t.forward[fwd].args[1] = t.forward[fwd].args[0]), /args\[1\] \(argmax\)/, RangeError],
    ['an int32 dy', (t) => (t.backward[bwd].args[3] = t.backward[bwd].args[5]), /dy.*float32/, RangeError],
    [
      'a param as dfilter',
      (t) => (t.backward[bwd].args[0] = t.forward[fwd].args[3]),
      /role 'param' is not accepted/,
      RangeError,
    ],
    ['a missing filter', (t) => (t.forward[fwd].args[3] = -1), /filter/, RangeError],
    ['a seventh argument', (t) => t.forward[fwd].args.push(0), /args|arguments/, RangeError],
    ['accumulate not a boolean', (t) => (t.backward[bwd].attrs.accumulate = 2), /accumulate/, TypeError],
    ['a per-row pool', (t) => (t.forward[fwd].attrs.poolW = { rows: 2 }), /poolW must be a number/, TypeError],
  ])('%s', (_name, edit, message, type) => {
    const make = create(edit);
    expect(make).toThrow(type);
    expect(make).toThrow(message);
  });
});
