/** Hand-built NetworkPlans for executor tests: seeded random weights, any depth, every
 *  activation, loss and optimizer, and data whose targets fit the loss. */
import type { LossName } from '../../src/backend';
import type { LayerPlan, MetricName, NetworkPlan, OptimizerKind, PlanActivation } from '../../src/train/plan';
import { randomF32, rng } from './backends';

export type LayerSpec =
  | { dense: number; activation?: PlanActivation; bias?: boolean; l1?: number; l2?: number; alpha?: number }
  | { activation: PlanActivation; alpha?: number }
  | { dropout: number; seed?: number };

export interface PlanSpec {
  inputs: number;
  layers: LayerSpec[];
  loss: LossName;
  metrics?: MetricName[];
  optimizer?: OptimizerKind;
  learningRate?: number;
  seed?: number;
}

const SLOTS: Record<OptimizerKind, number> = { sgd: 0, momentum: 1, adam: 2, adamw: 2, rmsprop: 2, adagrad: 1 };

export function makePlan(spec: PlanSpec): NetworkPlan {
  const seed = spec.seed ?? 1;
  let width = spec.inputs;
  const params: Float32Array[] = [];
  const layers: LayerPlan[] = spec.layers.map((l, i): LayerPlan => {
    if ('dense' in l) {
      const limit = Math.sqrt(6 / (width + l.dense)); // glorot uniform
      const kernel = randomF32(width * l.dense, seed * 1000 + i, -limit, limit);
      const bias = l.bias === false ? null : randomF32(l.dense, seed * 1000 + 500 + i, -0.1, 0.1);
      params.push(kernel);
      if (bias) params.push(bias);
      const layer: LayerPlan = {
        kind: 'dense',
        inputs: width,
        units: l.dense,
        kernel,
        bias,
        activation: l.activation ?? 'linear',
        alpha: l.alpha ?? (l.activation === 'elu' ? 1 : 0.2),
        l1: l.l1 ?? 0,
        l2: l.l2 ?? 0,
      };
      width = l.dense;
      return layer;
    }
    if ('dropout' in l) return { kind: 'dropout', size: width, rate: l.dropout, seed: l.seed ?? 1234 + i };
    return {
      kind: 'activation',
      size: width,
      activation: l.activation,
      alpha: l.alpha ?? (l.activation === 'elu' ? 1 : 0.2),
    };
  });
  const kind = spec.optimizer ?? 'adam';
  return {
    inputs: spec.inputs,
    outputs: width,
    layers,
    loss: spec.loss,
    metrics: spec.metrics ?? ['accuracy', 'mse', 'mae'],
    params,
    optimizer: {
      kind,
      learningRate: spec.learningRate ?? 0.01,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-7,
      momentum: kind === 'rmsprop' ? 0.5 : 0.9,
      nesterov: false,
      rho: 0.9,
      weightDecay: kind === 'adamw' ? 0.004 : 0,
      slots: params.map((p) => Array.from({ length: SLOTS[kind] }, () => new Float32Array(p.length))),
    },
  };
}

/** A deep copy: same numbers, fresh buffers (so several executors can start from one state). */
export function clonePlan(plan: NetworkPlan): NetworkPlan {
  const copies = new Map<Float32Array, Float32Array>(plan.params.map((p) => [p, p.slice()]));
  return {
    ...plan,
    metrics: [...plan.metrics],
    layers: plan.layers.map((l) =>
      l.kind === 'dense'
        ? { ...l, kernel: copies.get(l.kernel)!, bias: l.bias ? copies.get(l.bias)! : null }
        : { ...l },
    ),
    params: plan.params.map((p) => copies.get(p)!),
    optimizer: { ...plan.optimizer, slots: plan.optimizer.slots.map((s) => s.map((b) => b.slice())) },
  };
}

/** x uniform in [-1, 1); y fitting the loss: one-hot / class index / 0-1 / real. */
export function makeData(plan: NetworkPlan, rows: number, seed: number): { x: Float32Array; y: Float32Array } {
  const x = randomF32(rows * plan.inputs, seed);
  const next = rng(seed + 77);
  const k = plan.outputs;
  let y: Float32Array;
  switch (plan.loss) {
    case 'sparseCategoricalCrossentropy':
      y = Float32Array.from({ length: rows }, () => Math.floor(next() * k));
      break;
    case 'categoricalCrossentropy':
      y = new Float32Array(rows * k);
      for (let r = 0; r < rows; r++) y[r * k + Math.floor(next() * k)] = 1;
      break;
    case 'binaryCrossentropy':
    case 'binaryCrossentropyFromLogits':
      y = Float32Array.from({ length: rows * k }, () => (next() < 0.5 ? 0 : 1));
      break;
    default:
      y = randomF32(rows * k, seed + 5);
  }
  return { x, y };
}

/** Zeroed gradient buffers shaped like plan.params. */
export function gradBuffers(plan: NetworkPlan): Float32Array[] {
  return plan.params.map((p) => new Float32Array(p.length));
}

/** A plan per output activation × loss combination that makes sense, several depths. */
export function planZoo(): { name: string; plan: NetworkPlan }[] {
  const zoo: { name: string; spec: PlanSpec }[] = [
    {
      name: 'softmax+cce, relu hidden',
      spec: {
        inputs: 5,
        loss: 'categoricalCrossentropy',
        layers: [
          { dense: 7, activation: 'relu' },
          { dense: 4, activation: 'softmax' },
        ],
      },
    },
    {
      name: 'softmax+scce, tanh, no bias',
      spec: {
        inputs: 4,
        loss: 'sparseCategoricalCrossentropy',
        layers: [
          { dense: 6, activation: 'tanh', bias: false },
          { dense: 3, activation: 'softmax' },
        ],
      },
    },
    {
      name: 'sigmoid+bce, 3 hidden (elu, gelu, silu)',
      spec: {
        inputs: 3,
        loss: 'binaryCrossentropy',
        layers: [
          { dense: 5, activation: 'elu' },
          { dense: 4, activation: 'gelu' },
          { dense: 6, activation: 'silu' },
          { dense: 2, activation: 'sigmoid' },
        ],
      },
    },
    {
      name: 'linear+mse, leakyRelu, L2',
      spec: {
        inputs: 4,
        loss: 'meanSquaredError',
        layers: [{ dense: 6, activation: 'leakyRelu', l2: 0.01 }, { dense: 3 }],
      },
    },
    {
      name: 'linear+bceFromLogits, sigmoid hidden, L1',
      spec: {
        inputs: 4,
        loss: 'binaryCrossentropyFromLogits',
        layers: [
          { dense: 5, activation: 'sigmoid', l1: 0.01 },
          { dense: 2, l1: 0.003, l2: 0.002 },
        ],
      },
    },
    {
      name: 'tanh+mse (chained)',
      spec: {
        inputs: 3,
        loss: 'meanSquaredError',
        layers: [
          { dense: 4, activation: 'silu' },
          { dense: 2, activation: 'tanh' },
        ],
      },
    },
    {
      name: 'softmax+mse (chained softmax backward)',
      spec: {
        inputs: 3,
        loss: 'meanSquaredError',
        layers: [
          { dense: 4, activation: 'tanh' },
          { dense: 3, activation: 'softmax' },
        ],
      },
    },
    {
      name: 'sigmoid+mse (chained)',
      spec: { inputs: 3, loss: 'meanSquaredError', layers: [{ dense: 3, activation: 'sigmoid' }] },
    },
    {
      name: 'activation layers + softmax layer + cce',
      spec: {
        inputs: 4,
        loss: 'categoricalCrossentropy',
        layers: [{ dense: 5 }, { activation: 'relu' }, { dense: 3 }, { activation: 'softmax' }],
      },
    },
    {
      name: 'dropout + softmax+cce',
      spec: {
        inputs: 6,
        loss: 'categoricalCrossentropy',
        layers: [{ dense: 8, activation: 'relu' }, { dropout: 0.3 }, { dense: 3, activation: 'softmax' }],
      },
    },
    {
      name: 'single layer softmax+scce',
      spec: { inputs: 4, loss: 'sparseCategoricalCrossentropy', layers: [{ dense: 3, activation: 'softmax' }] },
    },
  ];
  return zoo.map(({ name, spec }, i) => ({ name, plan: makePlan({ ...spec, seed: i + 1 }) }));
}
