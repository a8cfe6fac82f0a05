/**
 * The builder pools a relu convolution's pre-activation and applies bias + relu to the pooled
 * values (src/graph/builder.ts, poolBeforeRelu). Against the same network with the relu as a
 * leakyRelu of slope 0 (the same function, which the builder leaves in the original order): the
 * same predictions, loss, gradients and training, on every backend.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { Random } from '../../src/util/random';
import { allBackends } from '../support/backends';
import { withConvPoolFusion } from '../support/conv-pool-fusion';

const initial = nn.getBackend().name;
afterAll(() => nn.setBackend(initial));

interface Case {
  name: string;
  input: number[];
  conv: Record<string, unknown>;
  pool: Record<string, unknown>;
}

const CASES: Case[] = [
  {
    name: '3×3 valid, pool 2 (the Fashion-MNIST layer)',
    input: [9, 9, 2],
    conv: { kernelSize: 3 },
    pool: { poolSize: 2 },
  },
  {
    name: "3×3 'same', pool 3 stride 2 'same' (overlapping windows)",
    input: [7, 6, 3],
    conv: { kernelSize: 3, padding: 'same' },
    pool: { poolSize: 3, strides: 2, padding: 'same' },
  },
  {
    name: 'no bias, 2×2 stride 2, pool 2',
    input: [8, 8, 1],
    conv: { kernelSize: 2, strides: 2, useBias: false },
    pool: { poolSize: 2 },
  },
];

const ROWS = 6;

function model(c: Case, fused: boolean) {
  const conv = (extra: Record<string, unknown>) =>
    nn.layers.conv2d({
      filters: 4,
      inputShape: c.input,
      kernelInitializer: nn.initializers.randomNormal({ stddev: 0.5, seed: 3 }),
      biasInitializer: nn.initializers.randomUniform({ minval: -0.3, maxval: 0.3, seed: 4 }),
      ...c.conv,
      ...extra,
    } as Parameters<typeof nn.layers.conv2d>[0]);
  const layers = fused ? [conv({ activation: 'relu' })] : [conv({}), nn.layers.leakyRelu({ alpha: 0 })];
  const m = nn.sequential({
    seed: 5,
    layers: [
      ...layers,
      nn.layers.maxPooling2d(c.pool as Parameters<typeof nn.layers.maxPooling2d>[0]),
      nn.layers.flatten(),
      nn.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  // Without the first-layer convolution + pooling fusion, which replaces the reordered calls.
  withConvPoolFusion(false, () => m.compiledNetwork());
  return m;
}

function data(c: Case) {
  const rng = new Random(8);
  const size = c.input.reduce((a, b) => a * b, 1);
  const x = nn.tensor(
    Float32Array.from({ length: ROWS * size }, () => rng.uniform(-1, 1)),
    [ROWS, ...c.input],
  );
  const y = nn.data.oneHot(
    Int32Array.from({ length: ROWS }, () => rng.int(3)),
    3,
  );
  return { x, y };
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i])));
};

describe.each(allBackends.map((b) => [b.name] as const))('max pooling before relu (%s)', (backend) => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    nn.setBackend(backend);
    const fused = model(c, true);
    const plain = model(c, false);
    plain.setWeights(fused.getWeights()); // the extra layer shifts the seeds the dense layer draws from
    const kernels = (m: nn.Sequential) => m.compiledNetwork().tape.forward.map((call) => call.kernel);
    expect(kernels(fused).slice(0, 2)).toEqual(['conv2d', 'maxPool2d']); // the rewrite happened
    expect(kernels(plain)[1]).not.toBe('maxPool2d'); // and not on the reference
    const { x, y } = data(c);
    close(fused.predict(x).data, plain.predict(x).data, 1e-6);
    const grads = (m: nn.Sequential) => {
      const params = m.layers.flatMap((l) => l.weights());
      const g = params.map((p) => new Float32Array(p.length));
      const loss = m.executor().gradients(x.data, y.data, ROWS, 0, g);
      return { loss, g };
    };
    const a = grads(fused);
    const b = grads(plain);
    expect(a.loss).toBeCloseTo(b.loss, 6);
    a.g.forEach((g, i) => close(g, b.g[i], 1e-5));
    await fused.fit(x, y, { epochs: 3, batchSize: 2, verbose: 0, seed: 1 });
    await plain.fit(x, y, { epochs: 3, batchSize: 2, verbose: 0, seed: 1 });
    const wa = fused.getWeights();
    const wb = plain.getWeights();
    wa.forEach((w, i) => close(w.data, wb[i].data, 1e-4));
  });
});
