/** The generator layers' tape kernels (upSampling2d, upSampling2dGrad, gaussianNoise, and the conv
 *  kernels in a transposed convolution's roles) on the native executor against their TS twins on
 *  the js executor: random shapes, sizes, interpolations, strides and paddings; predict, the
 *  training loss (with the noise of a given step) and every gradient. */
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { Random } from '../../src/util/random';
import { maxRelErr, nativeBackend } from '../support/backends';

const initial = nn.getBackend().name;
afterAll(() => nn.setBackend(initial));

interface Case {
  input: number[];
  size: [number, number];
  interpolation: 'nearest' | 'bilinear';
  stddev: number;
  filters: number;
  kernelSize: [number, number];
  strides: [number, number];
  padding: 'valid' | 'same';
}

function randomCase(seed: number): Case {
  const r = new Random(seed);
  const int = (lo: number, hi: number) => lo + r.int(hi - lo + 1);
  return {
    input: [int(1, 6), int(1, 6), int(1, 4)],
    size: [int(1, 4), int(1, 4)],
    interpolation: r.int(2) === 0 ? 'nearest' : 'bilinear',
    stddev: r.int(3) === 0 ? 0 : r.uniform(0.05, 2),
    filters: int(1, 4),
    kernelSize: [int(1, 5), int(1, 5)],
    strides: [int(1, 3), int(1, 3)],
    padding: r.int(2) === 0 ? 'valid' : 'same',
  };
}

function model(c: Case) {
  const m = nn.sequential({
    seed: 3,
    layers: [
      nn.layers.conv2d({ filters: 2, kernelSize: 1, activation: 'tanh', inputShape: c.input }),
      nn.layers.gaussianNoise({ stddev: c.stddev }),
      nn.layers.upSampling2d({ size: c.size, interpolation: c.interpolation }),
      nn.layers.conv2dTranspose({
        filters: c.filters,
        kernelSize: c.kernelSize,
        strides: c.strides,
        padding: c.padding,
        biasInitializer: 'randomNormal' as never,
      }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 2 }),
    ],
  });
  m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  return m;
}

function run(backend: 'js' | 'native', c: Case, seed: number) {
  nn.setBackend(backend);
  const m = model(c);
  const rows = 3;
  const r = new Random(seed);
  const x = Float32Array.from({ length: rows * m.inputSize }, () => r.uniform(-1, 1));
  const y = Float32Array.from({ length: rows * 2 }, () => r.uniform(-1, 1));
  const exec = m.executor();
  const out = new Float32Array(rows * 2);
  exec.predict(x, rows, out);
  const grads = m.layers.flatMap((l) => l.weights()).map((w) => new Float32Array(w.length));
  const loss = exec.gradients(x, y, rows, 5, grads);
  return { out, loss, grads: grads.flatMap((g) => Array.from(g)) };
}

const CASES = Array.from({ length: 40 }, (_, i) => ({ seed: 100 + i, c: randomCase(100 + i) }));

describe.skipIf(!nativeBackend)('generator kernels: native executor against the js twins', () => {
  it.each(CASES)(
    'case $seed: $c.input ×$c.size $c.interpolation, transpose $c.kernelSize/$c.strides $c.padding',
    ({ seed, c }) => {
      const js = run('js', c, seed);
      const native = run('native', c, seed);
      expect(maxRelErr(native.out, js.out, 1e-5, 1e-4), 'predict').toBeLessThanOrEqual(1);
      expect(Math.abs(native.loss - js.loss)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(js.loss)));
      expect(maxRelErr(native.grads, js.grads, 1e-5, 1e-4), 'gradients').toBeLessThanOrEqual(1);
    },
  );

  it('the noise is the same stream on both executors, and another at another step', () => {
    const c = { ...CASES[0].c, stddev: 1 };
    const a = run('js', c, 1);
    const b = run('native', c, 1);
    expect(Math.abs(a.loss - b.loss)).toBeLessThanOrEqual(1e-6 * (1 + a.loss));
    nn.setBackend('native');
    const m = model(c);
    const x = new Float32Array(3 * m.inputSize).fill(0.5);
    const y = new Float32Array(6);
    const exec = m.executor();
    const none = () => m.layers.flatMap((l) => l.weights()).map((w) => new Float32Array(w.length));
    expect(exec.gradients(x, y, 3, 5, none())).not.toBe(exec.gradients(x, y, 3, 6, none()));
  });
});
