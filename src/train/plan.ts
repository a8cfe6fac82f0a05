/**
 * The network plan: what a compiled Sequential model is to the code that trains it. Layers,
 * weights, loss, metrics and optimizer as flat Float32Arrays and plain numbers, so that one
 * description drives both executors:
 * - the TypeScript executor (src/train/executor-js.ts), which calls the active Backend's kernels
 *   one by one — the specification, and the path for the js backend;
 * - the native executor (src/train/executor-native.ts → native/kernels/train/), which runs whole
 *   runs of batches in C++ off the main thread (Node-API async work) with no allocation per step.
 * Both must produce the same numbers (within float32 tolerance) for the same plan and seed.
 *
 * Ownership: the weights and optimizer state are owned by JS (the model and the optimizer). The
 * js executor updates them in place. The native executor never lets its worker thread touch JS
 * memory (JS could detach or change it mid-run): each call copies the weights, slots and the
 * call's rows into native buffers, and a successful trainBatches() copies weights and slots back,
 * so a failed run changes nothing. While a trainBatches() promise is pending the model refuses
 * other use (the Trainer guarantees it).
 */
import type { ActivationName, LossName } from '../backend';

/** 'softmax' is row-wise; the others are elementwise Backend activations. */
export type PlanActivation = ActivationName | 'softmax';

export interface DensePlan {
  kind: 'dense';
  inputs: number;
  units: number;
  /** [inputs, units] row-major, the TensorFlow.js kernel layout: y = x·kernel + bias */
  kernel: Float32Array;
  /** [units], or null when useBias is false */
  bias: Float32Array | null;
  activation: PlanActivation;
  /** leakyRelu slope / elu scale; ignored otherwise */
  alpha: number;
  /** kernel regularization (Keras): loss += l1·Σ|w| + l2·Σw²; grad += l1·sign(w) + 2·l2·w */
  l1: number;
  l2: number;
}

export interface ActivationPlan {
  kind: 'activation';
  size: number;
  activation: PlanActivation;
  alpha: number;
}

export interface DropoutPlan {
  kind: 'dropout';
  size: number;
  rate: number;
  /** Base seed of this layer; the mask of training step t uses dropoutSeed(seed, t) (see below). */
  seed: number;
}

export type LayerPlan = DensePlan | ActivationPlan | DropoutPlan;

export type OptimizerKind = 'sgd' | 'momentum' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad';

export interface OptimizerPlan {
  kind: OptimizerKind;
  /** Read at every trainBatches call, so schedulers may change it between calls. */
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  momentum: number;
  nesterov: boolean;
  rho: number;
  weightDecay: number;
  /** Per parameter (same order as NetworkPlan.params), the state slots of this optimizer, each
   *  of the parameter's length: sgd none; momentum [velocity]; adam/adamw [m, v];
   *  rmsprop [meanSquare, velocity]; adagrad [accumulator]. */
  slots: Float32Array[][];
}

export type MetricName = 'accuracy' | 'mse' | 'mae';

export interface NetworkPlan {
  inputs: number;
  outputs: number;
  layers: LayerPlan[];
  /** The compiled loss. Executors fuse softmax + (sparse)categoricalCrossentropy and
   *  sigmoid + binaryCrossentropy into the stable p − y gradient when the last layer's activation
   *  matches, and otherwise chain lossBackward with the activation's backward. */
  loss: LossName;
  /** Reported after the loss, in this order. accuracy means: argmax match for categorical (one-hot
   *  or sparse targets), threshold 0.5 per output for binaryCrossentropy, exact match otherwise. */
  metrics: MetricName[];
  optimizer: OptimizerPlan;
  /** Trainable parameters in order: for each dense layer its kernel, then its bias if any. */
  params: Float32Array[];
}

/**
 * Targets: for sparseCategoricalCrossentropy, y holds one class index per row (as floats);
 * for every other loss, y is (rows, outputs) row-major.
 */
export interface Executor {
  /** Inference forward pass (dropout off): out (rows, outputs) for x (rows, inputs). */
  predict(x: Float32Array, rows: number, out: Float32Array): void;
  /** Inference loss and metrics over all rows: [loss, ...metrics] as means over rows (the loss
   *  includes regularization, as Keras reports it). */
  evaluate(x: Float32Array, y: Float32Array, rows: number): Float64Array;
  /**
   * One optimizer update per batch. Batch b takes rows indices[b·batchSize … min((b+1)·batchSize,
   * n)) of x/y (n = indices.length); batches firstBatch … lastBatch−1 run. `step` counts the
   * updates made before this call (Adam's t is step + 1 for the first batch). Returns, per batch,
   * [loss, ...metrics] (batch means, computed in training mode from the forward pass of the
   * update) — a Float64Array of (lastBatch − firstBatch)·(1 + metrics.length) values.
   */
  trainBatches(
    x: Float32Array,
    y: Float32Array,
    indices: Int32Array,
    batchSize: number,
    firstBatch: number,
    lastBatch: number,
    step: number,
  ): Promise<Float64Array>;
  /** Loss (training mode, dropout seeded by `step`) and gradients of every param for rows 0…rows−1,
   *  without updating anything: grads[i] (same length as params[i]) are overwritten. For checks. */
  gradients(x: Float32Array, y: Float32Array, rows: number, step: number, grads: Float32Array[]): number;
  /** Free native resources (no-op for the js executor). */
  dispose(): void;
}

/** The dropout mask seed of a layer at training step t (0-based update count): a 31-bit mix, the
 *  same on both executors. */
export function dropoutSeed(layerSeed: number, step: number): number {
  let h = (layerSeed ^ Math.imul(step + 1, 0x27d4eb2d)) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return h & 0x7fffffff;
}
