/**
 * Checks shared by both executors: a plan is consistent (sizes chain, every buffer has its
 * length, names are known), and the arguments of predict/evaluate/trainBatches/gradients fit the
 * plan. Both executors call these before touching memory; the native glue checks again.
 */
import { ACTIVATIONS, checkF32, checkI32, checkName, checkSize, describe, LOSSES } from '../backend/check';
import type { NetworkPlan } from './plan';

const OPTIMIZERS = ['sgd', 'momentum', 'adam', 'adamw', 'rmsprop', 'adagrad'] as const;
const SLOT_COUNT: Record<(typeof OPTIMIZERS)[number], number> = {
  sgd: 0,
  momentum: 1,
  adam: 2,
  adamw: 2,
  rmsprop: 2,
  adagrad: 1,
};
const ACTIVATION_NAMES = [...ACTIVATIONS, 'softmax'] as const;
const METRICS = ['accuracy', 'mse', 'mae'] as const;

function finite(fn: string, name: string, v: unknown): void {
  if (typeof v !== 'number') throw new TypeError(`${fn}: ${name} must be a number, got ${describe(v)}`);
  if (!Number.isFinite(v)) throw new RangeError(`${fn}: ${name} must be finite, got ${v}`);
}

function positive(fn: string, name: string, v: unknown): asserts v is number {
  checkSize(fn, name, v);
  if (v === 0) throw new RangeError(`${fn}: ${name} must be positive, got 0`);
}

/** Throws TypeError/RangeError naming the first inconsistency of the plan. */
export function checkPlan(fn: string, plan: NetworkPlan): void {
  if (typeof plan !== 'object' || plan === null)
    throw new TypeError(`${fn}: plan must be an object, got ${describe(plan)}`);
  positive(fn, 'plan.inputs', plan.inputs);
  positive(fn, 'plan.outputs', plan.outputs);
  if (!Array.isArray(plan.layers) || plan.layers.length === 0) {
    throw new TypeError(`${fn}: plan.layers must be a non-empty array, got ${describe(plan.layers)}`);
  }
  checkName(fn, 'plan.loss', plan.loss, LOSSES);
  if (!Array.isArray(plan.metrics))
    throw new TypeError(`${fn}: plan.metrics must be an array, got ${describe(plan.metrics)}`);
  plan.metrics.forEach((m, i) => checkName(fn, `plan.metrics[${i}]`, m, METRICS));
  if (!Array.isArray(plan.params))
    throw new TypeError(`${fn}: plan.params must be an array, got ${describe(plan.params)}`);

  let width = plan.inputs;
  let param = 0;
  plan.layers.forEach((layer, i) => {
    const at = `plan.layers[${i}]`;
    if (typeof layer !== 'object' || layer === null)
      throw new TypeError(`${fn}: ${at} must be an object, got ${describe(layer)}`);
    if (layer.kind === 'dense') {
      positive(fn, `${at}.inputs`, layer.inputs);
      positive(fn, `${at}.units`, layer.units);
      if (layer.inputs !== width)
        throw new RangeError(`${fn}: ${at}.inputs must be ${width} (the width before it), got ${layer.inputs}`);
      checkF32(fn, `${at}.kernel`, layer.kernel, layer.inputs * layer.units);
      if (layer.kernel.length !== layer.inputs * layer.units) {
        throw new RangeError(
          `${fn}: ${at}.kernel must have ${layer.inputs * layer.units} elements, got ${layer.kernel.length}`,
        );
      }
      if (plan.params[param++] !== layer.kernel)
        throw new RangeError(`${fn}: plan.params[${param - 1}] must be ${at}.kernel`);
      if (layer.bias !== null) {
        checkF32(fn, `${at}.bias`, layer.bias, layer.units);
        if (layer.bias.length !== layer.units)
          throw new RangeError(`${fn}: ${at}.bias must have ${layer.units} elements, got ${layer.bias.length}`);
        if (plan.params[param++] !== layer.bias)
          throw new RangeError(`${fn}: plan.params[${param - 1}] must be ${at}.bias`);
      }
      checkName(fn, `${at}.activation`, layer.activation, ACTIVATION_NAMES);
      finite(fn, `${at}.alpha`, layer.alpha);
      finite(fn, `${at}.l1`, layer.l1);
      finite(fn, `${at}.l2`, layer.l2);
      if (layer.l1 < 0 || layer.l2 < 0)
        throw new RangeError(`${fn}: ${at}.l1 and .l2 must be ≥ 0, got ${layer.l1}, ${layer.l2}`);
      width = layer.units;
    } else if (layer.kind === 'activation' || layer.kind === 'dropout') {
      positive(fn, `${at}.size`, layer.size);
      if (layer.size !== width)
        throw new RangeError(`${fn}: ${at}.size must be ${width} (the width before it), got ${layer.size}`);
      if (layer.kind === 'activation') {
        checkName(fn, `${at}.activation`, layer.activation, ACTIVATION_NAMES);
        finite(fn, `${at}.alpha`, layer.alpha);
      } else {
        finite(fn, `${at}.rate`, layer.rate);
        if (layer.rate < 0 || layer.rate >= 1)
          throw new RangeError(`${fn}: ${at}.rate must be in [0, 1), got ${layer.rate}`);
        if (!Number.isInteger(layer.seed) || layer.seed < 0 || layer.seed > 0xffffffff) {
          throw new RangeError(`${fn}: ${at}.seed must be an integer from 0 to 2^32−1, got ${describe(layer.seed)}`);
        }
      }
    } else {
      throw new RangeError(
        `${fn}: ${at}.kind must be dense, activation or dropout, got ${describe((layer as { kind: unknown }).kind)}`,
      );
    }
  });
  if (width !== plan.outputs)
    throw new RangeError(`${fn}: plan.outputs must be ${width} (the last layer's width), got ${plan.outputs}`);
  if (plan.params.length !== param)
    throw new RangeError(`${fn}: plan.params must have ${param} entries, got ${plan.params.length}`);
  checkOptimizer(fn, plan);
}

function checkOptimizer(fn: string, plan: NetworkPlan): void {
  const opt = plan.optimizer;
  if (typeof opt !== 'object' || opt === null)
    throw new TypeError(`${fn}: plan.optimizer must be an object, got ${describe(opt)}`);
  checkName(fn, 'plan.optimizer.kind', opt.kind, OPTIMIZERS);
  for (const key of ['learningRate', 'beta1', 'beta2', 'epsilon', 'momentum', 'rho', 'weightDecay'] as const) {
    finite(fn, `plan.optimizer.${key}`, opt[key]);
  }
  if (typeof opt.nesterov !== 'boolean')
    throw new TypeError(`${fn}: plan.optimizer.nesterov must be a boolean, got ${describe(opt.nesterov)}`);
  if (!Array.isArray(opt.slots) || opt.slots.length !== plan.params.length) {
    throw new RangeError(
      `${fn}: plan.optimizer.slots must have one entry per param (${plan.params.length}), got ${describe(opt.slots)}`,
    );
  }
  const count = SLOT_COUNT[opt.kind];
  opt.slots.forEach((slots, p) => {
    if (!Array.isArray(slots) || slots.length !== count) {
      throw new RangeError(
        `${fn}: plan.optimizer.slots[${p}] must hold ${count} buffers for ${opt.kind}, got ${describe(slots)}`,
      );
    }
    slots.forEach((s, j) => {
      checkF32(fn, `plan.optimizer.slots[${p}][${j}]`, s, plan.params[p].length);
      if (s.length !== plan.params[p].length) {
        throw new RangeError(
          `${fn}: plan.optimizer.slots[${p}][${j}] must have ${plan.params[p].length} elements, got ${s.length}`,
        );
      }
    });
  });
}

/** x holds `rows` rows of plan.inputs; y the matching targets (class indices when sparse). */
export function checkData(fn: string, plan: NetworkPlan, x: unknown, y: unknown, rows: number): void {
  checkF32(fn, 'x', x, rows * plan.inputs);
  if (y !== undefined) {
    const sparse = plan.loss === 'sparseCategoricalCrossentropy';
    checkF32(fn, 'y', y, sparse ? rows : rows * plan.outputs);
    if (sparse) {
      const t = y as Float32Array;
      for (let r = 0; r < rows; r++) {
        if (!Number.isInteger(t[r]) || t[r] < 0 || t[r] >= plan.outputs) {
          throw new RangeError(`${fn}: y[${r}] must be a class index from 0 to ${plan.outputs - 1}, got ${t[r]}`);
        }
      }
    }
  }
}

/** Rows available in x (and y): indices must point inside both. */
export function checkTrainArgs(
  fn: string,
  plan: NetworkPlan,
  x: unknown,
  y: unknown,
  indices: unknown,
  batchSize: unknown,
  firstBatch: unknown,
  lastBatch: unknown,
  step: unknown,
): void {
  checkF32(fn, 'x', x, 0);
  checkF32(fn, 'y', y, 0);
  checkI32(fn, 'indices', indices, 0);
  positive(fn, 'batchSize', batchSize);
  checkSize(fn, 'firstBatch', firstBatch);
  checkSize(fn, 'lastBatch', lastBatch);
  checkSize(fn, 'step', step);
  const batches = Math.ceil(indices.length / batchSize);
  if (firstBatch > lastBatch || lastBatch > batches) {
    throw new RangeError(
      `${fn}: need firstBatch ≤ lastBatch ≤ ${batches} (batches of ${batchSize} in ${indices.length} indices), got ${firstBatch}, ${lastBatch}`,
    );
  }
  const sparse = plan.loss === 'sparseCategoricalCrossentropy';
  const xRows = Math.floor(x.length / plan.inputs);
  const yRows = Math.floor(y.length / (sparse ? 1 : plan.outputs));
  const rows = Math.min(xRows, yRows);
  const from = firstBatch * batchSize;
  const to = Math.min(lastBatch * batchSize, indices.length);
  for (let i = from; i < to; i++) {
    const r = indices[i];
    if (r < 0 || r >= rows) throw new RangeError(`${fn}: indices[${i}] must be a row from 0 to ${rows - 1}, got ${r}`);
    if (sparse && (!Number.isInteger(y[r]) || y[r] < 0 || y[r] >= plan.outputs)) {
      throw new RangeError(`${fn}: y[${r}] must be a class index from 0 to ${plan.outputs - 1}, got ${y[r]}`);
    }
  }
}
