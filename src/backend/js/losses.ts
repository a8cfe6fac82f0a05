/** Losses and their gradients, Keras reductions: mean over rows of the per-row loss, which is the
 *  mean over columns (mse, binary cross-entropy) or the sum (categorical cross-entropies).
 *  Probabilities are clipped to [EPSILON, 1 − EPSILON] as Keras does. */
import type { LossName } from '../backend';
import { sigmoid } from './activations';
import { softmaxForward } from './softmax';

export const EPSILON = 1e-7;
const clip = (p: number) => Math.min(Math.max(p, EPSILON), 1 - EPSILON);

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
}

export function lossForward(
  kind: LossName,
  pred: Float32Array,
  target: Float32Array,
  rows: number,
  cols: number,
): number {
  if (rows === 0) return 0;
  let sum = 0;
  switch (kind) {
    case 'meanSquaredError':
      for (let i = 0; i < rows * cols; i++) sum += (pred[i] - target[i]) ** 2;
      return cols === 0 ? 0 : sum / (rows * cols);
    case 'binaryCrossentropy':
      for (let i = 0; i < rows * cols; i++) {
        const p = clip(pred[i]);
        sum -= target[i] * Math.log(p) + (1 - target[i]) * Math.log(1 - p);
      }
      return cols === 0 ? 0 : sum / (rows * cols);
    case 'binaryCrossentropyFromLogits':
      for (let i = 0; i < rows * cols; i++) sum += softplus(pred[i]) - pred[i] * target[i];
      return cols === 0 ? 0 : sum / (rows * cols);
    case 'categoricalCrossentropy':
      for (let i = 0; i < rows * cols; i++) if (target[i] !== 0) sum -= target[i] * Math.log(clip(pred[i]));
      return sum / rows;
    case 'sparseCategoricalCrossentropy':
      for (let r = 0; r < rows; r++) sum -= Math.log(clip(pred[r * cols + target[r]]));
      return sum / rows;
  }
}

export function lossBackward(
  kind: LossName,
  grad: Float32Array,
  pred: Float32Array,
  target: Float32Array,
  rows: number,
  cols: number,
): void {
  const count = rows * cols;
  switch (kind) {
    case 'meanSquaredError':
      for (let i = 0; i < count; i++) grad[i] = (2 * (pred[i] - target[i])) / count;
      return;
    case 'binaryCrossentropy':
      for (let i = 0; i < count; i++) {
        const p = clip(pred[i]);
        grad[i] = (p - target[i]) / (p * (1 - p)) / count;
      }
      return;
    case 'binaryCrossentropyFromLogits':
      for (let i = 0; i < count; i++) grad[i] = (sigmoid(pred[i]) - target[i]) / count;
      return;
    case 'categoricalCrossentropy':
      for (let i = 0; i < count; i++) grad[i] = -target[i] / clip(pred[i]) / rows;
      return;
    case 'sparseCategoricalCrossentropy':
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) grad[r * cols + c] = 0;
        const i = r * cols + target[r];
        grad[i] = -1 / clip(pred[i]) / rows;
      }
      return;
  }
}

/** probs = softmax(logits); grad = (probs·Σtarget − target)/rows; returns the mean loss via
 *  log-sum-exp. With sparse, target holds class indices. With weights (one per row: the tape's
 *  weightedSoftmaxXent), row r's loss and gradient are multiplied by weights[r] and the mean is
 *  still over the rows (Keras's SUM_OVER_BATCH_SIZE). */
export function softmaxCrossEntropy(
  probs: Float32Array,
  grad: Float32Array,
  logits: Float32Array,
  target: Float32Array,
  rows: number,
  cols: number,
  sparse: boolean,
  weights?: Float32Array,
): number {
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let max = -Infinity;
    for (let c = 0; c < cols; c++) max = Math.max(max, logits[o + c]);
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += Math.exp(logits[o + c] - max);
    const logSumExp = max + Math.log(sum);
    let tSum = 0;
    let loss = 0;
    for (let c = 0; c < cols; c++) {
      const t = sparse ? (c === target[r] ? 1 : 0) : target[o + c];
      if (t !== 0) loss += t * (logSumExp - logits[o + c]);
      tSum += t;
    }
    total += weights ? weights[r] * loss : loss;
    softmaxForward(probs.subarray(o, o + cols), logits.subarray(o, o + cols), 1, cols);
    for (let c = 0; c < cols; c++) {
      const t = sparse ? (c === target[r] ? 1 : 0) : target[o + c];
      grad[o + c] = (probs[o + c] * tSum - t) / rows;
      if (weights) grad[o + c] *= weights[r]; // rounded to float32 twice, as the native kernel
    }
  }
  return rows === 0 ? 0 : total / rows;
}

/** probs = sigmoid(logits); grad = (probs − target)/(rows·cols); returns the mean loss. With
 *  weights (one per row: the tape's weightedSigmoidXent), row r's losses and gradients are
 *  multiplied by weights[r] and the mean is still over rows·cols. */
export function sigmoidCrossEntropy(
  probs: Float32Array,
  grad: Float32Array,
  logits: Float32Array,
  target: Float32Array,
  rows: number,
  cols: number,
  weights?: Float32Array,
): number {
  const count = rows * cols;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    let loss = 0;
    for (let i = r * cols; i < (r + 1) * cols; i++) {
      const z = logits[i];
      const t = target[i];
      loss += softplus(z) - z * t;
      const p = sigmoid(z);
      probs[i] = p;
      grad[i] = (p - t) / count;
      if (weights) grad[i] *= weights[r]; // rounded to float32 twice, as the native kernel
    }
    total += weights ? weights[r] * loss : loss;
  }
  return count === 0 ? 0 : total / count;
}
