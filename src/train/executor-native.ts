/**
 * The native executor: the plan is handed once to the addon (createNetwork), which keeps raw
 * pointers into the plan's Float32Arrays (weights, biases, optimizer slots; references keep them
 * alive) and a workspace allocated once per batch size (native/kernels/train/).
 *
 * N-API crossings: one per trainBatches call, whatever the number of batches in it (a whole epoch
 * is one call; for a 2-layer MLP that is 1/batches-per-epoch crossings per step). The batches run
 * in a Node-API AsyncWorker off the main thread, so timers and I/O keep being served; while one
 * runs, every other call on this executor throws/rejects instead of racing with it.
 * predict/evaluate/gradients are one synchronous crossing each.
 */
import { backends } from '../backend';
import { ACTIVATIONS, LOSSES } from '../backend/check';
import { addon } from '../backend/native/addon';
import type { Executor, LayerPlan, MetricName, NetworkPlan, OptimizerKind, PlanActivation } from './plan';
import { checkData, checkPlan, checkTrainArgs } from './plan-check';

// Codes the glue takes: the index in these lists (softmax after the elementwise activations).
const ACTIVATION_CODES: readonly PlanActivation[] = [...ACTIVATIONS, 'softmax'];
const METRIC_CODES: readonly MetricName[] = ['accuracy', 'mse', 'mae'];
const OPTIMIZER_CODES: readonly OptimizerKind[] = ['sgd', 'momentum', 'adam', 'adamw', 'rmsprop', 'adagrad'];

function describeLayer(layer: LayerPlan): Record<string, unknown> {
  switch (layer.kind) {
    case 'dense':
      return {
        kind: 0,
        inputs: layer.inputs,
        units: layer.units,
        kernel: layer.kernel,
        bias: layer.bias,
        activation: ACTIVATION_CODES.indexOf(layer.activation),
        alpha: layer.alpha,
        l1: layer.l1,
        l2: layer.l2,
      };
    case 'activation':
      return { kind: 1, size: layer.size, activation: ACTIVATION_CODES.indexOf(layer.activation), alpha: layer.alpha };
    case 'dropout':
      return { kind: 2, size: layer.size, rate: layer.rate, seed: layer.seed };
  }
}

/** The plan as the addon's createNetwork reads it (names → codes, same buffers). */
export function describePlan(plan: NetworkPlan): Record<string, unknown> {
  const o = plan.optimizer;
  return {
    inputs: plan.inputs,
    outputs: plan.outputs,
    loss: LOSSES.indexOf(plan.loss),
    metrics: plan.metrics.map((m) => METRIC_CODES.indexOf(m)),
    layers: plan.layers.map(describeLayer),
    optimizer: {
      kind: OPTIMIZER_CODES.indexOf(o.kind),
      learningRate: o.learningRate,
      beta1: o.beta1,
      beta2: o.beta2,
      epsilon: o.epsilon,
      momentum: o.momentum,
      nesterov: o.nesterov,
      rho: o.rho,
      weightDecay: o.weightDecay,
    },
    slots: o.slots,
  };
}

export function createNativeExecutor(plan: NetworkPlan): Executor {
  if (!backends.native || !addon || typeof addon.createNetwork !== 'function') {
    throw new Error('createNativeExecutor: the native backend is not available');
  }
  checkPlan('createNativeExecutor', plan);
  const native = addon;
  let handle: unknown = native.createNetwork(describePlan(plan));

  function live(fn: string): unknown {
    if (handle === null) throw new Error(`${fn}: this executor was disposed`);
    return handle;
  }

  return {
    predict(x, rows, out) {
      checkData('predict', plan, x, undefined, rows);
      native.predictNetwork(live('predict'), x, rows, out);
    },

    evaluate(x, y, rows) {
      checkData('evaluate', plan, x, y, rows);
      return native.evaluateNetwork(live('evaluate'), x, y, rows) as Float64Array;
    },

    async trainBatches(x, y, indices, batchSize, firstBatch, lastBatch, step) {
      checkTrainArgs('trainBatches', plan, x, y, indices, batchSize, firstBatch, lastBatch, step);
      return (await native.trainBatches(
        live('trainBatches'),
        x,
        y,
        indices,
        batchSize,
        firstBatch,
        lastBatch,
        step,
        plan.optimizer.learningRate,
      )) as Float64Array;
    },

    gradients(x, y, rows, step, grads) {
      checkData('gradients', plan, x, y, rows);
      return native.networkGradients(live('gradients'), x, y, rows, step, grads) as number;
    },

    dispose() {
      if (handle !== null) native.disposeNetwork(handle);
      handle = null;
    },
  };
}
