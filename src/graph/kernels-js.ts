/**
 * The tape's kernel table for the js executor: each entry maps a tape call onto the Backend's
 * kernels (src/backend), which are the specification. Sizes come resolved for the pass (see
 * sizeOf in tape.ts); `ctx` carries the runtime values. No entry knows about layers.
 */
import type { ActivationName, Backend, LossName } from '../backend';
import type { Conv2dShapeArgs, Pool2dShapeArgs } from '../backend/backend';
import { batchNormBackward, batchNormInfer, batchNormTrain } from '../backend/js/batchnorm';
import { conv2dReluPoolBackward, conv2dReluPoolForward } from '../backend/js/conv-relu-pool';
import { embeddingBackward, embeddingForward } from '../backend/js/embedding';
import { sigmoidCrossEntropy, softmaxCrossEntropy } from '../backend/js/losses';
import { gaussianNoiseForward } from '../backend/js/noise';
import { type Pad2dShape, pad2dBackward, pad2dForward } from '../backend/js/pad';
import { type RecurrentCell, type RecurrentShape, recurrentBackward, recurrentForward } from '../backend/js/recurrent';
import { type UpSampling2dShape, upSampling2dBackward, upSampling2dForward } from '../backend/js/upsampling';
import { weightedLossBackward, weightedLossForward } from '../backend/js/weighted-losses';
import { type AttrValue, CONV_ATTRS, dropoutSeed, POOL_ATTRS } from './tape';

export type Buf = Float32Array | Int32Array;

export interface KernelContext {
  rows: number;
  step: number;
  learningRate: number;
  /** Size attribute → its value for this pass. */
  size(v: AttrValue): number;
  /** A float scratch array of at least n values (for a kernel output nobody reads). */
  scratch(n: number): Float32Array;
}

type Attrs = Record<string, AttrValue>;
type Kernel = (k: Backend, a: Buf[], at: Attrs, ctx: KernelContext) => number | undefined;

const f = (b: Buf | undefined) => b as Float32Array;
const num = (v: AttrValue) => v as number;
const bool = (v: AttrValue) => v === true;
/** The geometry attributes as the backend's shape arguments (rows resolved for the pass). */
const convShape = (at: Attrs, ctx: KernelContext) =>
  CONV_ATTRS.map((name) => (name === 'rows' ? ctx.size(at.rows) : num(at[name]))) as Conv2dShapeArgs;
const convPoolShape = (at: Attrs, ctx: KernelContext) => [...convShape(at, ctx), num(at.poolH), num(at.poolW)];
const poolShape = (at: Attrs, ctx: KernelContext) =>
  POOL_ATTRS.map((name) => (name === 'rows' ? ctx.size(at.rows) : num(at[name]))) as Pool2dShapeArgs;
const padShape = (at: Attrs, ctx: KernelContext): Pad2dShape => ({
  batch: ctx.size(at.rows),
  inH: num(at.inH),
  inW: num(at.inW),
  channels: num(at.channels),
  top: num(at.padTop),
  bottom: num(at.padBottom),
  left: num(at.padLeft),
  right: num(at.padRight),
});
const upSamplingShape = (at: Attrs, ctx: KernelContext): UpSampling2dShape => ({
  batch: ctx.size(at.rows),
  inH: num(at.inH),
  inW: num(at.inW),
  channels: num(at.channels),
  sizeH: num(at.sizeH),
  sizeW: num(at.sizeW),
  bilinear: bool(at.bilinear),
});
/** Zeroes the first n values of a gradient the call overwrites (accumulate false). */
function clearUnlessAccumulating(out: Buf, at: Attrs, n: number): void {
  if (!bool(at.accumulate)) f(out).fill(0, 0, n);
}
const recurrentShape = (at: Attrs, ctx: KernelContext): RecurrentShape => ({
  rows: ctx.size(at.rows),
  time: num(at.time),
  units: num(at.units),
  cell: at.cell as RecurrentCell,
  activation: at.activation as ActivationName,
  recurrentActivation: at.recurrentActivation as ActivationName,
  goBackwards: bool(at.goBackwards),
  sequences: bool(at.sequences),
});
const imageSize = (rows: number, ...dims: number[]) => dims.reduce((a, b) => a * b, rows);

export const JS_KERNELS: Readonly<Record<string, Kernel>> = {
  gemm(k, [a, b, c], at, ctx) {
    const m = ctx.size(at.m);
    const n = ctx.size(at.n);
    const kk = ctx.size(at.k);
    const transA = bool(at.transA);
    const transB = bool(at.transB);
    k.gemm(
      transA,
      transB,
      m,
      n,
      kk,
      num(at.alpha),
      f(a),
      transA ? m : kk,
      f(b),
      transB ? kk : n,
      num(at.beta),
      f(c),
      n,
    );
    return undefined;
  },
  addBias(k, [out, bias], at, ctx) {
    k.addBias(f(out), f(bias), ctx.size(at.rows), num(at.cols));
    return undefined;
  },
  biasActivation(k, [out, z, bias], at, ctx) {
    const rows = ctx.size(at.rows);
    const cols = num(at.cols);
    if (bias) k.addBias(f(z), f(bias), rows, cols);
    k.activationForward(at.fn as ActivationName, f(out), f(z), rows * cols, num(at.alpha));
    return undefined;
  },
  activation(k, [out, x], at, ctx) {
    k.activationForward(at.fn as ActivationName, f(out), f(x), ctx.size(at.n), num(at.alpha));
    return undefined;
  },
  activationGrad(k, [dx, dy, x, y], at, ctx) {
    k.activationBackward(at.fn as ActivationName, f(dx), f(dy), f(x), f(y), ctx.size(at.n), num(at.alpha));
    return undefined;
  },
  softmax(k, [out, x], at, ctx) {
    k.softmaxForward(f(out), f(x), ctx.size(at.rows), num(at.cols));
    return undefined;
  },
  softmaxGrad(k, [dx, dy, y], at, ctx) {
    k.softmaxBackward(f(dx), f(dy), f(y), ctx.size(at.rows), num(at.cols));
    return undefined;
  },
  dropout(k, [out, mask, x], at, ctx) {
    k.dropoutForward(f(out), f(mask), f(x), ctx.size(at.n), num(at.rate), dropoutSeed(num(at.seed), ctx.step));
    return undefined;
  },
  mul(k, [out, a, b], at, ctx) {
    k.mul(f(out), f(a), f(b), ctx.size(at.n));
    return undefined;
  },
  copy(_k, [out, x], at, ctx) {
    const n = ctx.size(at.n);
    f(out).set(f(x).subarray(0, n));
    return undefined;
  },
  fill(k, [out], at, ctx) {
    k.fill(f(out), num(at.value), ctx.size(at.n));
    return undefined;
  },
  columnSums(k, [out, x], at, ctx) {
    k.addColumnSums(f(out), f(x), ctx.size(at.rows), num(at.cols));
    return undefined;
  },
  axpy(k, [y, x], at, ctx) {
    k.axpy(f(y), num(at.alpha), f(x), ctx.size(at.n));
    return undefined;
  },
  l1Grad(_k, [g, w], at, ctx) {
    const n = ctx.size(at.n);
    const l1 = num(at.l1);
    const gg = f(g);
    const ww = f(w);
    for (let i = 0; i < n; i++) gg[i] += l1 * Math.sign(ww[i]);
    return undefined;
  },
  regularization(_k, [w], at, ctx) {
    const n = ctx.size(at.n);
    const ww = f(w);
    let abs = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      abs += Math.abs(ww[i]);
      sq += ww[i] * ww[i];
    }
    return num(at.l1) * abs + num(at.l2) * sq;
  },
  loss(k, [pred, target], at, ctx) {
    return k.lossForward(at.loss as LossName, f(pred), f(target), ctx.size(at.rows), num(at.cols));
  },
  lossGrad(k, [grad, pred, target], at, ctx) {
    k.lossBackward(at.loss as LossName, f(grad), f(pred), f(target), ctx.size(at.rows), num(at.cols));
    return undefined;
  },
  softmaxXent(k, [probs, grad, logits, target], at, ctx) {
    const rows = ctx.size(at.rows);
    const cols = num(at.cols);
    const g = grad ? f(grad) : ctx.scratch(rows * cols);
    return k.softmaxCrossEntropy(f(probs), g, f(logits), f(target), rows, cols, bool(at.sparse));
  },
  sigmoidXent(k, [probs, grad, logits, target], at, ctx) {
    const rows = ctx.size(at.rows);
    const cols = num(at.cols);
    const g = grad ? f(grad) : ctx.scratch(rows * cols);
    return k.sigmoidCrossEntropy(f(probs), g, f(logits), f(target), rows, cols);
  },
  weightedLoss(_k, [pred, target, weights], at, ctx) {
    return weightedLossForward(at.loss as LossName, f(pred), f(target), f(weights), ctx.size(at.rows), num(at.cols));
  },
  weightedLossGrad(_k, [grad, pred, target, weights], at, ctx) {
    const rows = ctx.size(at.rows);
    weightedLossBackward(at.loss as LossName, f(grad), f(pred), f(target), f(weights), rows, num(at.cols));
    return undefined;
  },
  weightedSoftmaxXent(_k, [probs, grad, logits, target, weights], at, ctx) {
    const rows = ctx.size(at.rows);
    const cols = num(at.cols);
    const g = grad ? f(grad) : ctx.scratch(rows * cols);
    return softmaxCrossEntropy(f(probs), g, f(logits), f(target), rows, cols, bool(at.sparse), f(weights));
  },
  weightedSigmoidXent(_k, [probs, grad, logits, target, weights], at, ctx) {
    const rows = ctx.size(at.rows);
    const cols = num(at.cols);
    const g = grad ? f(grad) : ctx.scratch(rows * cols);
    return sigmoidCrossEntropy(f(probs), g, f(logits), f(target), rows, cols, f(weights));
  },
  argmaxAccuracy(k, [pred, target, argPred, argTrue], at, ctx) {
    const rows = ctx.size(at.rows);
    const cols = num(at.cols);
    const p = argPred as Int32Array;
    const t = argTrue as Int32Array;
    const y = f(target);
    const sparse = bool(at.sparse);
    k.argmaxRows(p, f(pred), rows, cols);
    if (!sparse) k.argmaxRows(t, y, rows, cols);
    let sum = 0;
    for (let r = 0; r < rows; r++) if (p[r] === (sparse ? y[r] : t[r])) sum += 1;
    return sum;
  },
  rowMeanMetric(_k, [pred, target], at, ctx) {
    const rows = ctx.size(at.rows);
    const cols = num(at.cols);
    const out = f(pred);
    const y = f(target);
    const sparse = bool(at.sparse);
    const metric = at.metric;
    const threshold = num(at.threshold);
    let sum = 0;
    for (let r = 0; r < rows; r++) {
      let rowSum = 0;
      for (let c = 0; c < cols; c++) {
        const p = out[r * cols + c];
        const t = sparse ? (y[r] === c ? 1 : 0) : y[r * cols + c];
        if (metric === 'mse') rowSum += (p - t) * (p - t);
        else if (metric === 'mae') rowSum += Math.abs(p - t);
        else if (metric === 'exact') rowSum += p === t ? 1 : 0;
        else rowSum += (p > threshold ? 1 : 0) === t ? 1 : 0;
      }
      sum += rowSum / cols;
    }
    return sum;
  },
  sgd(k, [param, grad], at, ctx) {
    k.sgdUpdate(f(param), f(grad), ctx.size(at.n), ctx.learningRate);
    return undefined;
  },
  momentum(k, [param, grad, v], at, ctx) {
    k.momentumUpdate(f(param), f(grad), f(v), ctx.size(at.n), ctx.learningRate, num(at.momentum), bool(at.nesterov));
    return undefined;
  },
  adam(k, [param, grad, m, v], at, ctx) {
    k.adamUpdate(
      f(param),
      f(grad),
      f(m),
      f(v),
      ctx.size(at.n),
      ctx.learningRate,
      num(at.beta1),
      num(at.beta2),
      num(at.epsilon),
      ctx.step + 1,
      num(at.weightDecay),
    );
    return undefined;
  },
  rmsprop(k, [param, grad, ms, mom], at, ctx) {
    k.rmspropUpdate(
      f(param),
      f(grad),
      f(ms),
      f(mom),
      ctx.size(at.n),
      ctx.learningRate,
      num(at.rho),
      num(at.momentum),
      num(at.epsilon),
    );
    return undefined;
  },
  adagrad(k, [param, grad, acc], at, ctx) {
    k.adagradUpdate(f(param), f(grad), f(acc), ctx.size(at.n), ctx.learningRate, num(at.epsilon));
    return undefined;
  },
  clipNorm(_k, [g], at, ctx) {
    const n = ctx.size(at.n);
    const gg = f(g);
    let sq = 0;
    for (let i = 0; i < n; i++) sq += gg[i] * gg[i];
    const norm = Math.sqrt(sq);
    const maxNorm = num(at.maxNorm);
    if (norm > maxNorm) {
      const scale = maxNorm / norm;
      for (let i = 0; i < n; i++) gg[i] *= scale;
    }
    return undefined;
  },
  clipValue(_k, [g], at, ctx) {
    const n = ctx.size(at.n);
    const v = num(at.value);
    const gg = f(g);
    for (let i = 0; i < n; i++) gg[i] = Math.min(v, Math.max(-v, gg[i]));
    return undefined;
  },
  conv2d(k, [out, x, filter, col], at, ctx) {
    k.conv2dForward(f(out), f(x), f(filter), f(col), ...convShape(at, ctx));
    return undefined;
  },
  conv2dGradInput(k, [dx, dy, filter, col], at, ctx) {
    const s = convShape(at, ctx);
    clearUnlessAccumulating(dx, at, imageSize(s[0], s[1], s[2], s[3]));
    k.conv2dBackwardData(f(dx), f(dy), f(filter), f(col), ...s);
    return undefined;
  },
  conv2dGradFilter(k, [dfilter, x, dy, col], at, ctx) {
    const s = convShape(at, ctx);
    clearUnlessAccumulating(dfilter, at, imageSize(s[5], s[6], s[3], s[4]));
    k.conv2dBackwardFilter(f(dfilter), f(x), f(dy), f(col), ...s);
    return undefined;
  },
  maxPool2d(k, [out, argmax, x], at, ctx) {
    k.maxPool2dForward(f(out), argmax as Int32Array, f(x), ...poolShape(at, ctx));
    return undefined;
  },
  maxPool2dGrad(k, [dx, dy, argmax], at, ctx) {
    const s = poolShape(at, ctx);
    clearUnlessAccumulating(dx, at, imageSize(s[0], s[1], s[2], s[3]));
    k.maxPool2dBackward(f(dx), f(dy), argmax as Int32Array, ...s);
    return undefined;
  },
  avgPool2d(k, [out, x], at, ctx) {
    k.avgPool2dForward(f(out), f(x), ...poolShape(at, ctx));
    return undefined;
  },
  // Zero padding, up-sampling, Gaussian noise and batch normalization have no Backend entry: the twin is the kernel on every backend.
  embedding(_k, [out, ids, table], at, ctx) {
    embeddingForward(f(out), f(ids), f(table), ctx.size(at.rows), num(at.dim), num(at.vocab));
    return undefined;
  },
  recurrent(_k, [out, cache, xProj, kernel, recurrentBias], at, ctx) {
    recurrentForward(
      f(out),
      f(cache),
      f(xProj),
      f(kernel),
      recurrentBias ? f(recurrentBias) : null,
      recurrentShape(at, ctx),
    );
    return undefined;
  },
  recurrentGrad(_k, [dxProj, dkernel, dbias, dy, cache, kernel, carry], at, ctx) {
    const shape = recurrentShape(at, ctx);
    recurrentBackward(
      f(dxProj),
      f(dkernel),
      dbias ? f(dbias) : null,
      f(dy),
      f(cache),
      f(kernel),
      f(carry),
      shape,
      bool(at.accumulate),
    );
    return undefined;
  },
  copyColumns(_k, [out, x], at, ctx) {
    const rows = ctx.size(at.rows);
    const [n, xCols, xOffset, outCols, outOffset] = [at.n, at.xCols, at.xOffset, at.outCols, at.outOffset].map(num);
    const o = f(out);
    const v = f(x);
    const add = bool(at.accumulate);
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < n; j++) {
        const k = r * outCols + outOffset + j;
        o[k] = (add ? o[k] : 0) + v[r * xCols + xOffset + j];
      }
    return undefined;
  },
  embeddingGrad(_k, [dtable, ids, dy], at, ctx) {
    embeddingBackward(f(dtable), f(ids), f(dy), ctx.size(at.rows), num(at.dim), num(at.vocab), bool(at.accumulate));
    return undefined;
  },
  pad2d(_k, [out, x], at, ctx) {
    pad2dForward(f(out), f(x), padShape(at, ctx));
    return undefined;
  },
  pad2dGrad(_k, [dx, dy], at, ctx) {
    pad2dBackward(f(dx), f(dy), padShape(at, ctx), bool(at.accumulate));
    return undefined;
  },
  upSampling2d(_k, [out, x], at, ctx) {
    upSampling2dForward(f(out), f(x), upSamplingShape(at, ctx));
    return undefined;
  },
  upSampling2dGrad(_k, [dx, dy], at, ctx) {
    upSampling2dBackward(f(dx), f(dy), upSamplingShape(at, ctx), bool(at.accumulate));
    return undefined;
  },
  gaussianNoise(_k, [out, x], at, ctx) {
    gaussianNoiseForward(f(out), f(x), ctx.size(at.n), num(at.stddev), dropoutSeed(num(at.seed), ctx.step));
    return undefined;
  },
  batchNormTrain(_k, [out, x, gamma, beta, mean, variance, batchMean, batchInvStd], at, ctx) {
    batchNormTrain(
      f(out),
      f(x),
      gamma ? f(gamma) : null,
      beta ? f(beta) : null,
      f(mean),
      f(variance),
      f(batchMean),
      f(batchInvStd),
      ctx.size(at.rows),
      num(at.channels),
      num(at.epsilon),
      num(at.momentum),
    );
    return undefined;
  },
  batchNormInfer(_k, [out, x, gamma, beta, mean, variance], at, ctx) {
    batchNormInfer(
      f(out),
      f(x),
      gamma ? f(gamma) : null,
      beta ? f(beta) : null,
      f(mean),
      f(variance),
      ctx.size(at.rows),
      num(at.channels),
      num(at.epsilon),
    );
    return undefined;
  },
  batchNormGrad(_k, [dx, dgamma, dbeta, dy, x, gamma, batchMean, batchInvStd], at, ctx) {
    batchNormBackward(
      dx ? f(dx) : null,
      dgamma ? f(dgamma) : null,
      dbeta ? f(dbeta) : null,
      f(dy),
      f(x),
      gamma ? f(gamma) : null,
      f(batchMean),
      f(batchInvStd),
      ctx.size(at.rows),
      num(at.channels),
      bool(at.accumulate),
    );
    return undefined;
  },
  avgPool2dGrad(k, [dx, dy], at, ctx) {
    const s = poolShape(at, ctx);
    clearUnlessAccumulating(dx, at, imageSize(s[0], s[1], s[2], s[3]));
    k.avgPool2dBackward(f(dx), f(dy), ...s);
    return undefined;
  },
  // The fused first convolution + relu + max pooling: tape-only, its twin on every backend (the
  // scratch is the native kernel's).
  conv2dReluPool(_k, [out, argmax, x, filter, bias], at, ctx) {
    conv2dReluPoolForward(
      f(out),
      argmax as Int32Array,
      f(x),
      f(filter),
      bias ? f(bias) : null,
      ...convPoolShape(at, ctx),
    );
    return undefined;
  },
  conv2dReluPoolGrad(_k, [dfilter, dbias, x, dy, y, argmax], at, ctx) {
    conv2dReluPoolBackward(
      f(dfilter),
      dbias ? f(dbias) : null,
      f(x),
      f(dy),
      f(y),
      argmax as Int32Array,
      bool(at.accumulate),
      ...convPoolShape(at, ctx),
    );
    return undefined;
  },
};
