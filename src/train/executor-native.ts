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
import { ACTIVATIONS, describe, LOSSES } from '../backend/check';
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

/**
 * The most workspace (activations, gradients, copied rows) one native training or inference call
 * may allocate, in bytes, for every model in the process: half the physical memory by default. A
 * call that needs more is refused with a RangeError naming the layer and the bytes, before
 * anything is allocated (never a std::bad_alloc halfway, or the OOM killer). Native backend only.
 */
export function setMemoryLimit(bytes: number): void {
  if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < 1) {
    throw new RangeError(`setMemoryLimit: bytes must be a positive integer (at most 2^53 − 1), got ${describe(bytes)}`);
  }
  if (addon && typeof addon.setMemoryLimit === 'function') addon.setMemoryLimit(bytes);
}

/** The workspace limit in bytes (setMemoryLimit); null without the native addon. */
export function getMemoryLimit(): number | null {
  return addon && typeof addon.getMemoryLimit === 'function' ? (addon.getMemoryLimit() as number) : null;
}

/** fit's x and y were checked when it started; a buffer transferred away since (postMessage,
 *  structuredClone with transfer) reads as empty: say so rather than "indices[i] must be a row
 *  from 0 to -1". */
function checkAttached(x: Float32Array, y: Float32Array, indices: Int32Array): void {
  if (!(x instanceof Float32Array) || !(y instanceof Float32Array) || !(indices instanceof Int32Array)) return;
  for (const [name, a] of [
    ['x', x],
    ['y', y],
  ] as const) {
    if (indices.length > 0 && a.length === 0) {
      throw new TypeError(
        `fit: ${name} has no data any more: its buffer was transferred (postMessage, structuredClone) or detached during fit`,
      );
    }
  }
}

/** The glue checks the rows it copies (JS may have written NaN into x since fit checked it) and the
 *  workspace a batch needs: those messages are about fit's arguments, and should name fit. */
function inFitTerms(err: unknown): unknown {
  if (err instanceof RangeError && /^trainBatches: ([xy] row |a batch of )/.test(err.message))
    return new RangeError(err.message.replace(/^trainBatches:/, 'fit:'));
  return err;
}

export function createNativeExecutor(plan: NetworkPlan): Executor {
  if (!backends.native || !addon || typeof addon.createNetwork !== 'function') {
    throw new Error('createNativeExecutor: the native backend is not available');
  }
  checkPlan('createNativeExecutor', plan);
  const native = addon;
  let handle: unknown = native.createNetwork(describePlan(plan));

  /** True while a trainBatches call runs on the worker: the weights are being written there. */
  let training = false;

  function live(fn: string): unknown {
    if (handle === null) throw new Error(`${fn}: this executor was disposed`);
    if (training) {
      throw new Error(
        `${fn}: the model is busy training (a fit is running); await the fit, or call ${fn} from a fit callback`,
      );
    }
    return handle;
  }

  return {
    predict(x, rows, out) {
      live('predict');
      checkData('predict', plan, x, undefined, rows);
      native.predictNetwork(live('predict'), x, rows, out);
    },

    evaluate(x, y, rows) {
      live('evaluate');
      checkData('evaluate', plan, x, y, rows);
      return native.evaluateNetwork(live('evaluate'), x, y, rows) as Float64Array;
    },

    async trainBatches(x, y, indices, batchSize, firstBatch, lastBatch, step) {
      live('fit');
      checkAttached(x, y, indices);
      checkTrainArgs('trainBatches', plan, x, y, indices, batchSize, firstBatch, lastBatch, step);
      let run: Promise<Float64Array>;
      try {
        run = native.trainBatches(
          live('fit'),
          x,
          y,
          indices,
          batchSize,
          firstBatch,
          lastBatch,
          step,
          plan.optimizer.learningRate,
        );
      } catch (err) {
        throw inFitTerms(err);
      }
      training = true;
      try {
        return await run;
      } finally {
        training = false;
      }
    },

    gradients(x, y, rows, step, grads) {
      live('gradients');
      checkData('gradients', plan, x, y, rows);
      return native.networkGradients(live('gradients'), x, y, rows, step, grads) as number;
    },

    dispose() {
      if (handle !== null) native.disposeNetwork(handle);
      handle = null;
    },
  };
}
