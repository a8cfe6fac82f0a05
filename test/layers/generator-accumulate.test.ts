/**
 * The generator layers as the second writer of an input gradient (a tensor feeding two layers, as
 * functional models will have it): upSampling2dGrad with accumulate, conv2dTranspose's input
 * gradient through a scratch and axpy, gaussianNoise's through axpy. A test-only fork layer sums two
 * layers over the same input; the tape it builds is checked against central differences on the js
 * executor, and the native executor against the js one.
 */
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { Arena } from '../../src/graph/arena';
import {
  buildTape,
  type Emitted,
  type OptimizerSettings,
  type TapeBuilder,
  type TapeLayer,
} from '../../src/graph/builder';
import { createJsExecutor } from '../../src/graph/executor-js';
import { createNativeExecutor } from '../../src/graph/executor-native';
import type { TapeCall } from '../../src/graph/tape';
import { OPTIMIZER_DEFAULTS } from '../../src/optimizers';
import { Random } from '../../src/util/random';
import { maxRelErr, nativeBackend } from '../support/backends';
import { centralDifferences } from '../support/central-differences';

const INPUT = [3, 3, 2];
const SGD: OptimizerSettings = { ...OPTIMIZER_DEFAULTS, kind: 'sgd' };

/** out = a(x) + b(x): both layers write the gradient of x, the second one accumulating. */
function fork(a: nn.layers.Layer, b: nn.layers.Layer): TapeLayer {
  return {
    name: 'fork',
    emit(t: TapeBuilder, input: number, seed: number): Emitted {
      const ea = a.emit(t, input, seed);
      const eb = b.emit(t, input, seed + 1);
      const n = { rows: t.width(ea.output) };
      const out = t.batched('fork/out', 'activation', t.shape(ea.output).slice(1));
      t.fwd('copy', [out, ea.output], { n });
      t.fwd('axpy', [out, eb.output], { n, alpha: 1 });
      return {
        output: out,
        backward(t, grad, _fromLogits, needInput) {
          ea.backward(t, grad, false, needInput);
          eb.backward(t, grad, false, needInput);
        },
      };
    },
  };
}

/** conv 1×1 → fork(a, b) → flatten → dense, on one arena; the weighted layers in arena order. */
function network(a: nn.layers.Layer, b: nn.layers.Layer, outShape: number[]) {
  const conv = nn.layers.conv2d({ filters: 2, kernelSize: 1, activation: 'tanh', biasInitializer: 'randomNormal' });
  const flatten = nn.layers.flatten();
  const dense = nn.layers.dense({ units: 2 });
  conv.build([null, ...INPUT], 1);
  for (const l of [a, b]) l.build([null, ...INPUT], 2);
  dense.build([null, outShape.reduce((p, q) => p * q, 1)], 3);
  const weighted = [conv, a, b, dense];
  const arena = new Arena(weighted.flatMap((l) => l.trainableLengths()).reduce((p, q) => p + q, 0));
  const at = { params: 0, state: 0 };
  for (const l of weighted) l.adoptArena(arena, at);
  const tape = buildTape([conv, fork(a, b), flatten, dense], [11, 12, 13, 14], arena, {
    inputShape: INPUT,
    loss: 'meanSquaredError',
    metrics: [],
    optimizer: SGD,
  });
  const params = weighted.flatMap((l) => l.arenaViews());
  return { net: { tape, weights: arena, slots: new Arena(0), learningRate: () => 0.1 }, params };
}

const transpose = (name: string) =>
  nn.layers.conv2dTranspose({ name, filters: 2, kernelSize: 3, padding: 'same', biasInitializer: 'randomNormal' });
const noise = (name: string) => nn.layers.gaussianNoise({ name, stddev: 0.3 });
/** Each case names the backward call that shows the second writer adding. */
const CASES = [
  {
    name: 'upSampling2d nearest + bilinear',
    make: () => [
      nn.layers.upSampling2d({ name: 'u1' }),
      nn.layers.upSampling2d({ name: 'u2', interpolation: 'bilinear' }),
    ],
    out: [6, 6, 2],
    adds: (c: TapeCall) => c.kernel === 'upSampling2dGrad' && c.attrs.accumulate === true,
  },
  {
    name: 'conv2dTranspose + gaussianNoise',
    make: () => [transpose('t'), noise('n')],
    out: INPUT,
    adds: (c: TapeCall) => c.kernel === 'axpy' && c.attrs.alpha === 1,
  },
  {
    name: 'gaussianNoise + conv2dTranspose',
    make: () => [noise('n'), transpose('t')],
    out: INPUT,
    adds: (c: TapeCall) => c.kernel === 'conv2d',
  },
];

describe('generator layers as the second writer of an input gradient', () => {
  it.each(CASES)('$name', ({ make, out, adds }) => {
    const [a, b] = make();
    const { net, params } = network(a, b, out);
    const second = net.tape.backward.filter(adds);
    expect(second.length).toBe(1);
    if (second[0].kernel === 'conv2d') {
      // into a scratch, then added
      expect(net.tape.buffers[second[0].args[0]].role).toBe('scratch');
      expect(net.tape.backward.some((c) => c.kernel === 'axpy' && c.args[1] === second[0].args[0])).toBe(true);
    }
    const rows = 3;
    const r = new Random(4);
    const x = Float32Array.from({ length: rows * 18 }, () => r.uniform(-1, 1));
    const y = Float32Array.from({ length: rows * 2 }, () => r.uniform(-1, 1));
    const js = createJsExecutor(net, nn.backends.js);
    const grads = () => params.map((p) => new Float32Array(p.length));
    const g = grads();
    js.gradients(x, y, rows, 2, g);
    const { checked, off } = centralDifferences(
      params,
      g,
      () => js.gradients(x, y, rows, 2, grads()),
      1e-2,
      1e-3,
      1e-2,
    );
    expect(checked).toBeGreaterThan(40);
    expect(off).toBe(0);
    if (!nativeBackend) return;
    const native = createNativeExecutor(net);
    const gNative = grads();
    const loss = native.gradients(x, y, rows, 2, gNative);
    expect(Math.abs(loss - js.gradients(x, y, rows, 2, grads()))).toBeLessThan(1e-5 * (1 + Math.abs(loss)));
    expect(
      maxRelErr(
        gNative.flatMap((v) => Array.from(v)),
        g.flatMap((v) => Array.from(v)),
        1e-5,
        1e-4,
      ),
    ).toBeLessThanOrEqual(1);
    native.dispose();
  });
});
