/** Hand-built networks for executor tests: seeded random weights, any depth, every activation,
 *  loss and optimizer, compiled to a tape by the real tape builder from real layers, and data whose
 *  targets fit the loss. */
import type { LossName } from '../../src/backend';
import { Arena } from '../../src/graph/arena';
import { buildTape, type MetricName, type OptimizerKind, SLOT_COUNT } from '../../src/graph/builder';
import type { CompiledNetwork } from '../../src/graph/executor';
import { Dense } from '../../src/layers/dense';
import type { Layer } from '../../src/layers/layer';
import { Activation, Dropout } from '../../src/layers/simple';
import { l1l2 } from '../../src/regularizers';
import type { PlanActivation } from '../../src/train/plan';
import { randomF32, rng } from './backends';

export type LayerSpec =
  | { dense: number; activation?: PlanActivation; bias?: boolean; l1?: number; l2?: number }
  | { activation: PlanActivation }
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

/** A compiled network with the handles tests use: its params (views of the weight arena) and the
 *  optimizer slots per param (views of the slot arena). */
export interface TestPlan {
  net: CompiledNetwork;
  inputs: number;
  outputs: number;
  loss: LossName;
  layers: { kind: 'dense' | 'activation' | 'dropout' }[];
  params: Float32Array[];
  slots: Float32Array[][];
  learningRate: number;
}

function views(net: CompiledNetwork, lengths: number[], slotCount: number) {
  let offset = 0;
  const total = net.weights.data.length;
  const params: Float32Array[] = [];
  const slots: Float32Array[][] = [];
  for (const n of lengths) {
    params.push(net.weights.view(offset, n));
    slots.push(Array.from({ length: slotCount }, (_, k) => net.slots.view(k * total + offset, n)));
    offset += n;
  }
  return { params, slots };
}

export function makePlan(spec: PlanSpec): TestPlan {
  const seed = spec.seed ?? 1;
  let width = spec.inputs;
  const layers: Layer[] = spec.layers.map((l, i) => {
    let layer: Layer;
    if ('dense' in l) {
      const regularizer = l.l1 || l.l2 ? l1l2({ l1: l.l1 ?? 0, l2: l.l2 ?? 0 }) : undefined;
      const dense = new Dense({
        units: l.dense,
        activation: l.activation,
        useBias: l.bias !== false,
        kernelRegularizer: regularizer,
      });
      dense.build(width, seed);
      const limit = Math.sqrt(6 / (width + l.dense)); // glorot uniform
      const [kernel, bias] = dense.weights();
      kernel.set(randomF32(width * l.dense, seed * 1000 + i, -limit, limit));
      bias?.set(randomF32(l.dense, seed * 1000 + 500 + i, -0.1, 0.1));
      width = l.dense;
      layer = dense;
    } else if ('dropout' in l) {
      layer = new Dropout({ rate: l.dropout, seed: l.seed ?? 1234 + i });
    } else {
      layer = new Activation({ activation: l.activation });
    }
    layer.name = `layer_${i}`;
    return layer;
  });
  const lengths = layers.flatMap((l) => l.weights().map((w) => w.length));
  const weights = new Arena(lengths.reduce((a, b) => a + b, 0));
  const at = { params: 0, state: 0 };
  for (const layer of layers) layer.adoptArena(weights, at);
  const kind = spec.optimizer ?? 'adam';
  const slots = new Arena(SLOT_COUNT[kind] * weights.data.length);
  const tape = buildTape(
    layers,
    layers.map((_, i) => seed * 100 + i),
    weights,
    {
      inputShape: [spec.inputs],
      loss: spec.loss as never,
      metrics: spec.metrics ?? ['accuracy', 'mse', 'mae'],
      optimizer: {
        kind,
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-7,
        momentum: kind === 'rmsprop' ? 0.5 : 0.9,
        nesterov: false,
        rho: 0.9,
        weightDecay: kind === 'adamw' ? 0.004 : 0,
      },
    },
  );
  const learningRate = spec.learningRate ?? 0.01;
  const net: CompiledNetwork = { tape, weights, slots, learningRate: () => plan.learningRate };
  const kinds = spec.layers.map((l) => ({
    kind: 'dense' in l ? ('dense' as const) : 'dropout' in l ? ('dropout' as const) : ('activation' as const),
  }));
  const plan: TestPlan = {
    net,
    inputs: spec.inputs,
    outputs: width,
    loss: spec.loss,
    layers: kinds,
    ...views(net, lengths, SLOT_COUNT[kind]),
    learningRate,
  };
  return plan;
}

/** A deep copy: same tape and numbers, fresh arenas (so several executors can start from one state). */
export function clonePlan(plan: TestPlan): TestPlan {
  const copy = (a: Arena) => {
    const b = new Arena(a.data.length);
    b.data.set(a.read());
    return b;
  };
  const net: CompiledNetwork = {
    ...plan.net,
    weights: copy(plan.net.weights),
    slots: copy(plan.net.slots),
    learningRate: () => out.learningRate,
  };
  const out: TestPlan = {
    ...plan,
    net,
    ...views(
      net,
      plan.params.map((p) => p.length),
      plan.slots[0]?.length ?? 0,
    ),
  };
  return out;
}

/** x uniform in [-1, 1); y fitting the loss: one-hot / class index / 0-1 / real. */
export function makeData(plan: TestPlan, rows: number, seed: number): { x: Float32Array; y: Float32Array } {
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
export function gradBuffers(plan: TestPlan): Float32Array[] {
  return plan.params.map((p) => new Float32Array(p.length));
}

/** A plan per output activation × loss combination that makes sense, several depths. */
export function planZoo(): { name: string; plan: TestPlan }[] {
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
