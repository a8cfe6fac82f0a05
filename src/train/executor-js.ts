/**
 * The TypeScript executor: runs a NetworkPlan with a Backend's kernels, one call per operation.
 * It is the readable specification of a training step; the native executor
 * (native/kernels/train/) performs the same operations in the same order.
 *
 * A training step on a batch of `rows` rows:
 *   1. gather the rows of x and y named by `indices` into the batch buffers;
 *   2. forward: dense z = x·kernel + bias, a = f(z); dropout a = x ⊙ mask(dropoutSeed(seed, step));
 *   3. loss (fused softmax+cross-entropy / sigmoid+binary cross-entropy when the last activation
 *      matches the loss, else lossForward/lossBackward) + regularization; metrics on the outputs;
 *   4. backward by the chain rule: dKernel = xᵀ·dZ, dBias = column sums of dZ, dX = dZ·kernelᵀ;
 *      regularization gradients: grad += 2·l2·w, then grad += l1·sign(w);
 *   5. one optimizer update per parameter with t = step + 1.
 * Buffers live in a Workspace sized for the largest row count seen and are reused (the kernels
 * take row counts, so a smaller batch uses the front of each buffer): no allocation per step.
 */
import type { Backend } from '../backend';
import { dropoutSeed, type Executor, type LayerPlan, type NetworkPlan, type PlanActivation } from './plan';
import { checkData, checkPlan, checkTrainArgs } from './plan-check';

/** predict/evaluate run in chunks of this many rows (the native executor uses the same). */
export const EVAL_ROWS = 1024;
/** trainBatches yields to the event loop after a slice of this many milliseconds. */
const SLICE_MS = 5;

interface Workspace {
  capacity: number;
  xb: Float32Array; // gathered batch inputs (capacity, inputs)
  yb: Float32Array; // gathered batch targets (capacity, outputs) or (capacity) when sparse
  outs: Float32Array[]; // per layer: its output a (capacity, width)
  pre: Float32Array[]; // per dense layer: z before the activation (empty otherwise)
  masks: Float32Array[]; // per dropout layer: its mask (empty otherwise)
  dOuts: Float32Array[]; // per layer: dLoss/d(output)
  dPre: Float32Array[]; // per dense/activation layer: dLoss/dz (for an activation layer, its input)
  argPred: Int32Array; // argmax scratch for accuracy
  argTrue: Int32Array;
  inputsOf: Float32Array[]; // per layer: the array its forward read (references, set each pass)
  output: Float32Array; // the network output of the last forward (a reference)
}

const EMPTY = new Float32Array(0);

function widthOf(layer: LayerPlan): number {
  return layer.kind === 'dense' ? layer.units : layer.size;
}

/** Which fused loss kernel the plan's last activation and loss allow, if any. */
export function fusedLoss(plan: NetworkPlan): 'softmax' | 'sigmoid' | null {
  const last = plan.layers[plan.layers.length - 1];
  if (last.kind === 'dropout') return null;
  if (
    last.activation === 'softmax' &&
    (plan.loss === 'categoricalCrossentropy' || plan.loss === 'sparseCategoricalCrossentropy')
  ) {
    return 'softmax';
  }
  if (last.activation === 'sigmoid' && plan.loss === 'binaryCrossentropy') return 'sigmoid';
  return null;
}

export function createJsExecutor(plan: NetworkPlan, backend: Backend): Executor {
  checkPlan('createJsExecutor', plan);
  const k = backend;
  const layers = plan.layers;
  const last = layers.length - 1;
  const sparse = plan.loss === 'sparseCategoricalCrossentropy';
  const fused = fusedLoss(plan);
  const grads = plan.params.map((p) => new Float32Array(p.length));
  // Index in plan.params of each dense layer's kernel (its bias, if any, follows it).
  const kernelIndex = layers.map((l) => (l.kind === 'dense' ? plan.params.indexOf(l.kernel) : -1));
  const metricCount = plan.metrics.length;
  let ws: Workspace | null = null;
  let busy = false;

  function workspace(rows: number): Workspace {
    if (ws && ws.capacity >= rows) return ws;
    const cap = Math.max(rows, 1);
    const zeros = (n: number) => new Float32Array(n);
    const outs = layers.map((l) => zeros(cap * widthOf(l)));
    const dOuts = layers.map((l) => zeros(cap * widthOf(l)));
    ws = {
      capacity: cap,
      xb: zeros(cap * plan.inputs),
      yb: zeros(cap * (sparse ? 1 : plan.outputs)),
      outs,
      pre: layers.map((l) => (l.kind === 'dense' ? zeros(cap * l.units) : EMPTY)),
      masks: layers.map((l) => (l.kind === 'dropout' ? zeros(cap * l.size) : EMPTY)),
      dOuts,
      dPre: layers.map((l, i) => {
        if (l.kind === 'dense') return zeros(cap * l.units);
        if (l.kind === 'activation') return i > 0 ? dOuts[i - 1] : zeros(cap * l.size);
        return EMPTY;
      }),
      argPred: new Int32Array(cap),
      argTrue: new Int32Array(cap),
      inputsOf: layers.map(() => EMPTY),
      output: EMPTY,
    };
    return ws;
  }

  function activate(
    kind: PlanActivation,
    out: Float32Array,
    z: Float32Array,
    rows: number,
    cols: number,
    alpha: number,
  ) {
    if (kind === 'softmax') k.softmaxForward(out, z, rows, cols);
    else k.activationForward(kind, out, z, rows * cols, alpha);
  }

  function activateBackward(
    kind: PlanActivation,
    dz: Float32Array,
    dy: Float32Array,
    z: Float32Array,
    y: Float32Array,
    rows: number,
    cols: number,
    alpha: number,
  ) {
    if (kind === 'softmax') k.softmaxBackward(dz, dy, y, rows, cols);
    else k.activationBackward(kind, dz, dy, z, y, rows * cols, alpha);
  }

  /** Forward pass; returns the output array. With skipLastActivation the fused loss kernel
   *  computes the last activation itself. */
  function forward(
    w: Workspace,
    x: Float32Array,
    rows: number,
    training: boolean,
    step: number,
    skipLastActivation: boolean,
  ) {
    let cur = x;
    for (let i = 0; i <= last; i++) {
      const layer = layers[i];
      w.inputsOf[i] = cur;
      if (layer.kind === 'dense') {
        const z = w.pre[i];
        k.gemm(
          false,
          false,
          rows,
          layer.units,
          layer.inputs,
          1,
          cur,
          layer.inputs,
          layer.kernel,
          layer.units,
          0,
          z,
          layer.units,
        );
        if (layer.bias) k.addBias(z, layer.bias, rows, layer.units);
        if (!(skipLastActivation && i === last))
          activate(layer.activation, w.outs[i], z, rows, layer.units, layer.alpha);
        cur = w.outs[i];
      } else if (layer.kind === 'activation') {
        if (!(skipLastActivation && i === last))
          activate(layer.activation, w.outs[i], cur, rows, layer.size, layer.alpha);
        cur = w.outs[i];
      } else if (training) {
        k.dropoutForward(w.outs[i], w.masks[i], cur, rows * layer.size, layer.rate, dropoutSeed(layer.seed, step));
        cur = w.outs[i];
      }
    }
    w.output = cur;
    return cur;
  }

  /** Mean loss of the batch (without regularization); when `withGrad`, the gradient of the last
   *  layer is left in dPre[last] (fused) or dOuts[last]. */
  function loss(w: Workspace, y: Float32Array, rows: number, withGrad: boolean): number {
    const cols = plan.outputs;
    if (fused) {
      const lastLayer = layers[last];
      const logits = lastLayer.kind === 'dense' ? w.pre[last] : w.inputsOf[last];
      return fused === 'softmax'
        ? k.softmaxCrossEntropy(w.outs[last], w.dPre[last], logits, y, rows, cols, sparse)
        : k.sigmoidCrossEntropy(w.outs[last], w.dPre[last], logits, y, rows, cols);
    }
    const out = finalOutput(w);
    const value = k.lossForward(plan.loss, out, y, rows, cols);
    if (withGrad) k.lossBackward(plan.loss, w.dOuts[last], out, y, rows, cols);
    return value;
  }

  /** The network output of the last forward (a trailing dropout is the identity in inference). */
  function finalOutput(w: Workspace): Float32Array {
    return w.output;
  }

  /** Keras kernel regularization: Σ l1·|w| + l2·w², in double. */
  function regularizationLoss(): number {
    let total = 0;
    for (const layer of layers) {
      if (layer.kind !== 'dense' || (layer.l1 === 0 && layer.l2 === 0)) continue;
      let abs = 0;
      let sq = 0;
      for (let i = 0; i < layer.kernel.length; i++) {
        abs += Math.abs(layer.kernel[i]);
        sq += layer.kernel[i] * layer.kernel[i];
      }
      total += layer.l1 * abs + layer.l2 * sq;
    }
    return total;
  }

  /** Adds [metric sums over rows] of out vs y into acc[offset…] (divide by rows for means). */
  function metricSums(
    w: Workspace,
    out: Float32Array,
    y: Float32Array,
    rows: number,
    acc: Float64Array,
    offset: number,
  ) {
    const cols = plan.outputs;
    for (let m = 0; m < metricCount; m++) {
      const metric = plan.metrics[m];
      let sum = 0;
      if (metric === 'accuracy' && (sparse || plan.loss === 'categoricalCrossentropy')) {
        k.argmaxRows(w.argPred, out, rows, cols);
        if (!sparse) k.argmaxRows(w.argTrue, y, rows, cols);
        for (let r = 0; r < rows; r++) if (w.argPred[r] === (sparse ? y[r] : w.argTrue[r])) sum += 1;
      } else {
        const threshold =
          plan.loss === 'binaryCrossentropy' ? 0.5 : plan.loss === 'binaryCrossentropyFromLogits' ? 0 : null;
        for (let r = 0; r < rows; r++) {
          let rowSum = 0;
          for (let c = 0; c < cols; c++) {
            const p = out[r * cols + c];
            const t = sparse ? (y[r] === c ? 1 : 0) : y[r * cols + c];
            if (metric === 'mse') rowSum += (p - t) * (p - t);
            else if (metric === 'mae') rowSum += Math.abs(p - t);
            else if (threshold === null) rowSum += p === t ? 1 : 0;
            else rowSum += (p > threshold ? 1 : 0) === t ? 1 : 0;
          }
          sum += rowSum / cols;
        }
      }
      acc[offset + m] += sum;
    }
  }

  function backward(w: Workspace, rows: number) {
    for (let i = last; i >= 0; i--) {
      const layer = layers[i];
      const fusedHere = fused !== null && i === last;
      if (layer.kind === 'dense') {
        const { inputs, units } = layer;
        const dz = w.dPre[i];
        if (!fusedHere)
          activateBackward(layer.activation, dz, w.dOuts[i], w.pre[i], w.outs[i], rows, units, layer.alpha);
        const p = kernelIndex[i];
        k.gemm(true, false, inputs, units, rows, 1, w.inputsOf[i], inputs, dz, units, 0, grads[p], units);
        if (layer.bias) {
          k.fill(grads[p + 1], 0, units);
          k.addColumnSums(grads[p + 1], dz, rows, units);
        }
        if (i > 0)
          k.gemm(false, true, rows, inputs, units, 1, dz, units, layer.kernel, units, 0, w.dOuts[i - 1], inputs);
      } else if (i === 0) {
        // Nothing below to propagate into.
      } else if (layer.kind === 'activation') {
        if (!fusedHere) {
          activateBackward(
            layer.activation,
            w.dPre[i],
            w.dOuts[i],
            w.inputsOf[i],
            w.outs[i],
            rows,
            layer.size,
            layer.alpha,
          );
        }
      } else {
        k.mul(w.dOuts[i - 1], w.dOuts[i], w.masks[i], rows * layer.size);
      }
    }
    // Regularization gradients: grad += 2·l2·w (axpy), then grad += l1·sign(w).
    for (let i = 0; i <= last; i++) {
      const layer = layers[i];
      if (layer.kind !== 'dense') continue;
      const g = grads[kernelIndex[i]];
      if (layer.l2 !== 0) k.axpy(g, 2 * layer.l2, layer.kernel, g.length);
      if (layer.l1 !== 0) {
        const l1 = layer.l1;
        for (let i = 0; i < g.length; i++) g[i] += l1 * Math.sign(layer.kernel[i]);
      }
    }
  }

  function update(t: number) {
    const o = plan.optimizer;
    const lr = o.learningRate;
    for (let p = 0; p < plan.params.length; p++) {
      const param = plan.params[p];
      const g = grads[p];
      const s = o.slots[p];
      const n = param.length;
      switch (o.kind) {
        case 'sgd':
          k.sgdUpdate(param, g, n, lr);
          break;
        case 'momentum':
          k.momentumUpdate(param, g, s[0], n, lr, o.momentum, o.nesterov);
          break;
        case 'adam':
          k.adamUpdate(param, g, s[0], s[1], n, lr, o.beta1, o.beta2, o.epsilon, t, 0);
          break;
        case 'adamw':
          k.adamUpdate(param, g, s[0], s[1], n, lr, o.beta1, o.beta2, o.epsilon, t, o.weightDecay);
          break;
        case 'rmsprop':
          k.rmspropUpdate(param, g, s[0], s[1], n, lr, o.rho, o.momentum, o.epsilon);
          break;
        case 'adagrad':
          k.adagradUpdate(param, g, s[0], n, lr, o.epsilon);
          break;
      }
    }
  }

  /** One training step on rows indices[from…to); writes [loss, ...metrics] at result[offset…]. */
  function trainStep(
    x: Float32Array,
    y: Float32Array,
    indices: Int32Array,
    from: number,
    to: number,
    step: number,
    result: Float64Array,
    offset: number,
  ) {
    const rows = to - from;
    const w = workspace(rows);
    const yWidth = sparse ? 1 : plan.outputs;
    for (let r = 0; r < rows; r++) {
      const src = indices[from + r];
      for (let c = 0; c < plan.inputs; c++) w.xb[r * plan.inputs + c] = x[src * plan.inputs + c];
      for (let c = 0; c < yWidth; c++) w.yb[r * yWidth + c] = y[src * yWidth + c];
    }
    forward(w, w.xb, rows, true, step, fused !== null);
    result[offset] = loss(w, w.yb, rows, true) + regularizationLoss();
    for (let m = 0; m < metricCount; m++) result[offset + 1 + m] = 0;
    metricSums(w, finalOutput(w), w.yb, rows, result, offset + 1);
    for (let m = 0; m < metricCount; m++) result[offset + 1 + m] /= rows;
    backward(w, rows);
    update(step + 1);
  }

  return {
    predict(x, rows, out) {
      checkData('predict', plan, x, undefined, rows);
      if (!(out instanceof Float32Array) || out.length < rows * plan.outputs) {
        throw new TypeError(`predict: out must be a Float32Array of at least ${rows * plan.outputs} elements`);
      }
      for (let r0 = 0; r0 < rows; r0 += EVAL_ROWS) {
        const n = Math.min(EVAL_ROWS, rows - r0);
        const w = workspace(n);
        const y = forward(w, x.subarray(r0 * plan.inputs, (r0 + n) * plan.inputs), n, false, 0, false);
        out.set(y.subarray(0, n * plan.outputs), r0 * plan.outputs);
      }
    },

    evaluate(x, y, rows) {
      checkData('evaluate', plan, x, y, rows);
      const acc = new Float64Array(1 + metricCount);
      const yWidth = sparse ? 1 : plan.outputs;
      for (let r0 = 0; r0 < rows; r0 += EVAL_ROWS) {
        const n = Math.min(EVAL_ROWS, rows - r0);
        const w = workspace(n);
        const yc = y.subarray(r0 * yWidth, (r0 + n) * yWidth);
        forward(w, x.subarray(r0 * plan.inputs, (r0 + n) * plan.inputs), n, false, 0, fused !== null);
        acc[0] += loss(w, yc, n, false) * n;
        metricSums(w, finalOutput(w), yc, n, acc, 1);
      }
      for (let i = 0; i < acc.length; i++) acc[i] = rows === 0 ? 0 : acc[i] / rows;
      acc[0] += regularizationLoss();
      return acc;
    },

    async trainBatches(x, y, indices, batchSize, firstBatch, lastBatch, step) {
      checkTrainArgs('trainBatches', plan, x, y, indices, batchSize, firstBatch, lastBatch, step);
      if (busy) throw new Error('trainBatches: a previous trainBatches call on this executor is still running');
      busy = true;
      try {
        const stride = 1 + metricCount;
        const result = new Float64Array((lastBatch - firstBatch) * stride);
        let sliceStart = performance.now();
        for (let b = firstBatch; b < lastBatch; b++) {
          const from = b * batchSize;
          const to = Math.min(from + batchSize, indices.length);
          trainStep(x, y, indices, from, to, step + (b - firstBatch), result, (b - firstBatch) * stride);
          if (performance.now() - sliceStart > SLICE_MS && b + 1 < lastBatch) {
            await new Promise(setImmediate);
            sliceStart = performance.now();
          }
        }
        return result;
      } finally {
        busy = false;
      }
    },

    gradients(x, y, rows, step, out) {
      checkData('gradients', plan, x, y, rows);
      if (
        !Array.isArray(out) ||
        out.length !== grads.length ||
        out.some((g, i) => !(g instanceof Float32Array) || g.length !== grads[i].length)
      ) {
        throw new TypeError('gradients: grads must be an array of Float32Arrays shaped like plan.params');
      }
      const w = workspace(rows);
      forward(w, x, rows, true, step, fused !== null);
      const value = loss(w, y, rows, true) + regularizationLoss();
      backward(w, rows);
      grads.forEach((g, i) => out[i].set(g));
      return value;
    },

    dispose() {
      ws = null;
    },
  };
}
