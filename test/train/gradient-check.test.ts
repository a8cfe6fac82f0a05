/**
 * Whole-network finite-difference check (issue 3 §6): executor.gradients against central
 * differences of evaluate's loss, built through the public model API, for several depths, every
 * activation (hidden), every loss (with fused and unfused output activations), with and without
 * bias, L2 and L1, on every backend.
 */
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import type { PlanActivation } from '../../src/train/plan';
import { Random } from '../../src/util/random';
import { allBackends } from '../support/backends';
import { centralDifferences } from '../support/central-differences';

const HIDDEN: PlanActivation[] = ['linear', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'elu', 'softmax', 'gelu', 'silu'];
const LOSSES = [
  { loss: 'categoricalCrossentropy', out: 'softmax' },
  { loss: 'sparseCategoricalCrossentropy', out: 'softmax' },
  { loss: 'binaryCrossentropy', out: 'sigmoid' },
  { loss: 'meanSquaredError', out: 'linear' },
  { loss: 'meanSquaredError', out: 'tanh' }, // unfused: lossBackward chained with tanh'
  { loss: 'binaryCrossentropy', out: 'sigmoid layer' }, // sigmoid in its own Activation layer
] as const;

const ROWS = 6;
const INPUTS = 5;
const OUTPUTS = 3;

function data(loss: string, seed: number) {
  const rng = new Random(seed);
  const x = nn.tensor2d(
    Float32Array.from({ length: ROWS * INPUTS }, () => rng.uniform(-1, 1)),
    [ROWS, INPUTS],
  );
  const labels = Int32Array.from({ length: ROWS }, () => rng.int(OUTPUTS));
  if (loss === 'sparseCategoricalCrossentropy') return { x, y: labels };
  if (loss === 'categoricalCrossentropy') return { x, y: nn.data.oneHot(labels, OUTPUTS) };
  if (loss === 'binaryCrossentropy')
    return {
      x,
      y: nn.tensor2d(
        Float32Array.from({ length: ROWS * OUTPUTS }, () => rng.int(2)),
        [ROWS, OUTPUTS],
      ),
    };
  return {
    x,
    y: nn.tensor2d(
      Float32Array.from({ length: ROWS * OUTPUTS }, () => rng.uniform(-1, 1)),
      [ROWS, OUTPUTS],
    ),
  };
}

interface Case {
  depth: number;
  hidden: PlanActivation;
  loss: (typeof LOSSES)[number];
  useBias: boolean;
  l1: number;
  l2: number;
}

const cases: Case[] = [];
HIDDEN.forEach((hidden, i) => {
  LOSSES.forEach((loss, j) => {
    const k = i * LOSSES.length + j;
    cases.push({
      depth: 1 + (k % 3),
      hidden,
      loss,
      useBias: k % 2 === 0,
      l1: k % 5 === 0 ? 0.01 : 0,
      l2: k % 4 >= 2 ? 0.05 : 0,
    });
  });
});

function build(c: Case, seed: number) {
  const layers: nn.layers.Layer[] = [];
  for (let d = 0; d < c.depth; d++) {
    const reg = c.l1 || c.l2 ? nn.regularizers.l1l2({ l1: c.l1, l2: c.l2 }) : undefined;
    layers.push(
      nn.layers.dense({
        units: 4,
        activation: c.hidden,
        useBias: c.useBias,
        kernelRegularizer: reg,
        kernelInitializer: nn.initializers.randomNormal({ stddev: 0.6 }),
        // Non-zero biases: with zero biases a row whose inputs are all 0 (dead relu units before)
        // sits exactly on the next relu's kink, where one-sided differences disagree with f'(0) = 0.
        biasInitializer: nn.initializers.randomUniform({ minval: -0.2, maxval: 0.2 }),
        ...(d === 0 ? { inputShape: [INPUTS] } : {}),
      }),
    );
  }
  const separate = c.loss.out === 'sigmoid layer';
  layers.push(
    nn.layers.dense({
      units: OUTPUTS,
      activation: separate ? 'linear' : (c.loss.out as PlanActivation),
      useBias: c.useBias,
      kernelInitializer: nn.initializers.randomNormal({ stddev: 0.6 }),
      biasInitializer: nn.initializers.randomUniform({ minval: -0.2, maxval: 0.2 }),
    }),
  );
  if (separate) layers.push(nn.layers.activation({ activation: 'sigmoid' }));
  const m = nn.sequential({ seed, layers });
  m.compile({ optimizer: 'sgd', loss: c.loss.loss });
  return m;
}

describe.each(allBackends.map((b) => [b.name, b] as const))('whole-network gradients (%s)', (name) => {
  it.each(
    cases.map(
      (c) =>
        [
          `depth ${c.depth} ${c.hidden} → ${c.loss.out} + ${c.loss.loss}${c.useBias ? '' : ', no bias'}${c.l2 ? ', L2' : ''}${c.l1 ? ', L1' : ''}`,
          c,
        ] as const,
    ),
  )('%s', (_label, c) => {
    nn.setBackend(name);
    const seed = 100 + cases.indexOf(c);
    const m = build(c, seed);
    const { x, y } = data(c.loss.loss, seed);
    const exec = m.executor();
    const params = m.layers.flatMap((l) => l.weights());
    const xs = x.data;
    const ys = y instanceof nn.Tensor ? y.data : Float32Array.from(y);
    const grads = params.map((p) => new Float32Array(p.length));
    const loss = exec.gradients(xs, ys, ROWS, 0, grads);
    expect(loss).toBeCloseTo(exec.evaluate(xs, ys, ROWS)[0], 5);
    // Central differences in float32 weights: h = 1e-2 keeps the float32 rounding of the loss
    // (~1e-7 relative, divided by 2h) well under the tolerance; the O(h²) truncation for these
    // smooth nets is ~1e-4. relu/leakyRelu nets are piecewise smooth: a smaller h (rounding
    // ~5e-5) makes a kink inside ±h rare; still allow 3% of entries across a kink.
    const h = c.hidden === 'relu' || c.hidden === 'leakyRelu' ? 1e-3 : 1e-2;
    const { checked, off } = centralDifferences(params, grads, () => exec.evaluate(xs, ys, ROWS)[0], h, 2e-3, 2e-2);
    expect(checked).toBeGreaterThan(20);
    expect(off).toBeLessThanOrEqual(Math.floor(checked * 0.03));
  });
});
