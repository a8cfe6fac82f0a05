/**
 * The kernel tape: what a compiled model is to the code that runs it. Plain data (JSON-serializable),
 * written once by the tape builder (src/graph/build.ts) from the model's layers, and interpreted by
 * thin executors that know kernels, never layers:
 * - the js executor (src/graph/executor-js.ts) calls the Backend twins (the specification);
 * - the native executor (src/graph/executor-native.ts → native/kernels/tape/) validates the tape
 *   once and runs whole runs of batches on a worker thread with no allocation per step;
 * - the recording executor (test/support) only lists the calls (the shape a GPU executor takes).
 *
 * Buffers. Every buffer has an id (its index in `buffers`). Batched buffers (x, y, activations and
 * their gradients, masks, scratch) hold `width` values per batch row and live in the executor's
 * workspace, sized for the largest row count seen; a smaller batch uses the front of each. Unbatched
 * buffers (params, grads, optimizer slots, non-trainable state) live in arenas: `offset` is in
 * elements from the start of that arena. grads mirror params (same offsets in the grad arena);
 * optimizer slot s of a param at offset o is at s·arena.params + o in the slot arena.
 * `alias` makes a buffer the same memory as an earlier one of the same role and width (a linear
 * dense layer's output is its pre-activation).
 *
 * Arenas. params and state belong to the model's weights (an arena may later be shared by several
 * tapes: a GAN's discriminator and the combined model); grads and optimizer slots belong to the
 * tape (one compiled optimizer). An executor copies nothing per step: JS reads weights out only when
 * it asks (getWeights, save, a callback).
 *
 * Calls. `kernel` names a kernel of the table below; `args` are buffer ids in the kernel's order
 * (-1: none, where the table allows it); `attrs` its static attributes. A size attribute is a number,
 * or { rows: c }: c times the batch row count of the current pass. `when` restricts a call to some
 * passes (default: all): 'train' (a training step), 'eval' (evaluate: loss and metrics, no gradients),
 * 'predict' (outputs only). A call with `result` returns a number that the executor accumulates into
 * the pass's results[result.index]: 'mean' is a mean over the pass's rows (weighted by rows across
 * chunks), 'sum' a sum over rows (divided by the rows at the end), 'once' a term that does not depend
 * on the rows (regularization: added once per pass); an optional `scale` multiplies the value first.
 *
 * Runtime values (never on the tape): rows (per pass), step (0-based update count; Adam's t is
 * step + 1; dropout masks use dropoutSeed(seed, step)), learningRate (read at every call).
 *
 * Passes. predict: forward ('predict'). evaluate: forward ('eval'), loss ('eval'), metrics.
 * train step: forward ('train'), loss ('train'), metrics, backward, update. gradients: forward,
 * loss and backward ('train'), then the grad arena is read.
 */

export const TAPE_VERSION = 1;

export type DType = 'float32' | 'int32';

export type BufferRole = 'x' | 'y' | 'activation' | 'gradient' | 'scratch' | 'param' | 'grad' | 'slot' | 'state';

export interface TapeBuffer {
  /** Readable name: 'dense_1/kernel', 'dense_1/z', 'dense_1/out', 'd(dense_1/out)', … */
  name: string;
  role: BufferRole;
  dtype: DType;
  /** Full shape, the batch dimension as -1 (batched roles) — for validation and messages. */
  shape: number[];
  /** Batched: values per row (the product of shape without the batch dimension). Unbatched: total values. */
  width: number;
  /** Unbatched roles: offset (elements) in the arena of the role; -1 for batched buffers. */
  offset: number;
  /** Id of an earlier buffer of the same role and width whose memory this one shares; -1 if none. */
  alias: number;
}

export type Size = number | { rows: number };
export type AttrValue = number | boolean | string | { rows: number };
export type Pass = 'train' | 'eval' | 'predict';

export interface TapeCall {
  kernel: string;
  args: number[];
  attrs: Record<string, AttrValue>;
  when?: Pass[];
  /** scale (default 1) multiplies the call's value first: a model's total loss weighs each
   *  output's loss by its lossWeight. */
  result?: { index: number; reduce: 'mean' | 'sum' | 'once'; scale?: number };
}

export interface Tape {
  version: number;
  buffers: TapeBuffer[];
  /** Arena sizes in elements: params (= grads), slots (slotCount · params), state. */
  arena: { params: number; slotCount: number; state: number };
  /** Buffer ids: the batch inputs and targets (gathered rows), and the network output. A tape
   *  compiled for sample weights (fit's sampleWeight / classWeight) holds each row's weight as the
   *  last column of y: the loss section copies the targets and the weights out of it, and the
   *  weighted loss kernels read them (builder.ts, targetBuffers). */
  x: number;
  y: number;
  output: number;
  /** Names of the result slots, in order: ['loss', ...metric names]. */
  results: string[];
  forward: TapeCall[];
  loss: TapeCall[];
  metrics: TapeCall[];
  backward: TapeCall[];
  update: TapeCall[];
}

/**
 * The kernel table: name → argument names (in order; '?' marks an argument that may be -1) and
 * attribute names. Both executors implement exactly these; the validators check calls against it.
 * Shapes: r = the pass's rows (or the given size), n = a size attribute.
 *
 * gemm            a, b, c                      transA, transB, m, n, k, alpha, beta: c (m,n) = alpha·op(a)·op(b) + beta·c,
 *                                              row-major, contiguous (lda = transA ? m : k, ldb = transB ? k : n, ldc = n)
 * addBias         out, bias                    rows, cols: out (rows,cols) += bias (cols)
 * biasActivation  out, z, bias?                rows, cols, fn, alpha: z += bias (if any), out = fn(z) (out may be z)
 * activation      out, x                       n, fn, alpha: out = fn(x) elementwise (fn: an ActivationName)
 * activationGrad  dx, dy, x, y                 n, fn, alpha: dx = dy·fn'(x) given y = fn(x)
 * softmax         out, x                       rows, cols
 * softmaxGrad     dx, dy, y                    rows, cols
 * dropout         out, mask, x                 n, rate, seed: mask from dropoutSeed(seed, step); out = x·mask
 * gaussianNoise   out, x                       n, stddev, seed: out = x + stddev·N(0, 1), the stream from
 *                                              dropoutSeed(seed, step) (src/backend/js/noise.ts)
 * mul             out, a, b                    n: out = a·b elementwise
 * copy            out, x                       n
 * fill            out                          n, value
 * columnSums      out, x                       rows, cols: out (cols) += column sums of x (rows,cols)
 * axpy            y, x                         n, alpha: y += alpha·x
 * l1Grad          g, w                         n, l1: g += l1·sign(w)
 * regularization  w                            n, l1, l2: returns l1·Σ|w| + l2·Σw² (double)
 * loss            pred, target                 rows, cols, loss: returns the mean loss over rows
 * lossGrad        grad, pred, target           rows, cols, loss: grad = d(mean loss)/d(pred)
 * softmaxXent     probs, grad?, logits, target rows, cols, sparse: probs = softmax(logits), grad = (probs − t)/rows; returns the mean
 * sigmoidXent     probs, grad?, logits, target rows, cols: probs = sigmoid(logits), grad = (probs − t)/(rows·cols); returns the mean
 *
 * Sample weights (Keras SUM_OVER_BATCH_SIZE; only in the tape fit compiles for sampleWeight/classWeight):
 * each is the kernel above with row r's loss and gradient times weights[r] (weights: one value per row);
 * the mean still divides by the rows, not by the sum of the weights: Σ_r w_r·loss_r / rows.
 * weightedLoss        pred, target, weights                   rows, cols, loss
 * weightedLossGrad    grad, pred, target, weights             rows, cols, loss
 * weightedSoftmaxXent probs, grad?, logits, target, weights   rows, cols, sparse
 * weightedSigmoidXent probs, grad?, logits, target, weights   rows, cols
 *
 * argmaxAccuracy  pred, target, argPred, argTrue  rows, cols, sparse: returns Σ rows (argmax pred = argmax target | label)
 * rowMeanMetric   pred, target                 rows, cols, metric ('mse' | 'mae' | 'exact' | 'threshold'), threshold, sparse:
 *                                              returns Σ over rows of the row's mean over cols
 * sgd             param, grad                  n
 * momentum        param, grad, velocity        n, momentum, nesterov
 * adam            param, grad, m, v            n, beta1, beta2, epsilon, weightDecay   (t = step + 1)
 * rmsprop         param, grad, meanSquare, mom n, rho, momentum, epsilon
 * adagrad         param, grad, accumulator     n, epsilon
 * clipNorm        g                            n, maxNorm: g ·= maxNorm / max(‖g‖₂, maxNorm) (Keras clipnorm)
 * clipValue       g                            n, value: g = clamp(g, −value, value) (Keras clipvalue)
 *
 * Images (NHWC, src/backend/backend.ts has the kernels' contracts). rows = images; the dims are plain
 * numbers (never { rows }); the output size per axis is TensorFlow's (see convOutputSize).
 * conv2d          out, x, filter, col          rows, inH, inW, inC, outC, kH, kW, strideH, strideW, dilationH, dilationW,
 *                                              padTop, padBottom, padLeft, padRight: out = conv(x, filter); col is a
 *                                              scratch of outH·outW·kH·kW·inC floats per row (the im2col columns, or
 *                                              Winograd's transformed tiles: conv-winograd.ts)
 * conv2dGradInput dx, dy, filter, col          the same + accumulate: dx (+)= ∂/∂x
 * conv2dGradFilter dfilter, x, dy, col         the same + accumulate, columnsReady: dfilter (+)= ∂/∂filter, summed
 *                                              over the rows; columnsReady: col still holds this x's columns from
 *                                              its conv2d call in the same pass (not gathered again; ignored where
 *                                              that call took Winograd, which writes no columns)
 * maxPool2d       out, argmax, x               rows, inH, inW, channels, kH, kW, strideH, strideW, padTop, padBottom,
 *                                              padLeft, padRight: argmax is an int32 scratch shaped like out
 * maxPool2dGrad   dx, dy, argmax               the same + accumulate
 * avgPool2d       out, x                       as maxPool2d (the mean of each window's real cells)
 * avgPool2dGrad   dx, dy                       the same + accumulate
 * conv2dReluPool  out, argmax, x, filter, bias?, scratch   the convolution's attributes + poolH, poolW: out =
 *                                              relu(maxPool(conv(x, filter)) + bias) over poolH × poolW windows tiling
 *                                              the convolution from its corner (stride = window, 'valid'); argmax (int32,
 *                                              shaped like out) is each max's place in its window, ky·poolW + kx;
 *                                              scratch holds poolH·outW·poolW·outC floats per row (outW pooled). Patches
 *                                              kH·kW·inC of at most 32. The builder's fusion of a first convolution
 *                                              layer (src/backend/js/conv-relu-pool.ts)
 * conv2dReluPoolGrad dfilter, dbias?, x, dy, y, argmax   the same + accumulate: dfilter, dbias (+)= ∂/∂filter, ∂/∂bias
 *                                              from dy = ∂/∂out and y = out (no input gradient: a first layer)
 *
 * Batch normalization over the last axis of (rows, channels) (NHWC flattened: rows = images·positions),
 * TensorFlow.js conventions (native/kernels/batchnorm.h). gamma/beta -1 when scale/center are off.
 * batchNormTrain  out, x, gamma?, beta?, movingMean, movingVariance, batchMean, batchInvStd
 *                                              rows, channels, epsilon, momentum: batch statistics (saved in
 *                                              batchMean/batchInvStd, state buffers), moving statistics updated
 * batchNormInfer  out, x, gamma?, beta?, movingMean, movingVariance   rows, channels, epsilon
 * batchNormGrad   dx?, dgamma?, dbeta?, dy, x, gamma?, batchMean, batchInvStd   rows, channels, accumulate (dx)
 * pad2d           out, x                       rows, inH, inW, channels, padTop, padBottom, padLeft, padRight: zeros
 *                                              around each image
 * pad2dGrad       dx, dy                       the same + accumulate: dx (+)= the middle of dy
 * upSampling2d    out, x                       rows, inH, inW, channels, sizeH, sizeW, bilinear: out (rows, inH·sizeH,
 *                                              inW·sizeW, channels), nearest or bilinear as TensorFlow.js resizes
 *                                              (src/backend/js/upsampling.ts)
 * upSampling2dGrad dx, dy                      the same + accumulate: dx (+)= the adjoint
 * embedding       out, ids, table              rows, dim, vocab: out row r = table[ids[r]] (ids: float ids; one
 *                                              that is not an integer in [0, vocab) gives zeros)
 * embeddingGrad   dtable, ids, dy              rows, dim, vocab, accumulate: dtable (+)= dy rows summed by id
 *
 * Recurrent layers over whole sequences (src/backend/js/recurrent.ts is the specification: cells,
 * gate orders, the cache layout). rows = sequences; time and units are dims; cell is one of
 * RECURRENT_CELLS; xProj (rows, time, gates·units) is the input projection x·W + b of every step.
 * recurrent       out, cache, xProj, kernel, recurrentBias?   rows, time, units, cell, activation,
 *                                              recurrentActivation, goBackwards, sequences: out (rows, time, units)
 *                                              when sequences, else (rows, units); cache (scratch, rows·time·cacheWidth)
 *                                              keeps what the backward needs
 * copyColumns     out, x                       rows, n, xCols, xOffset, outCols, outOffset, accumulate: for each row r,
 *                                              out[r·outCols + outOffset + j] (+)= x[r·xCols + xOffset + j], j < n
 *                                              (concatenation, slicing, time reversal, repetition)
 * recurrentGrad   dxProj, dkernel, dRecurrentBias?, dy, cache, kernel, carry   the same + accumulate: dxProj (every
 *                                              value written), dkernel and dRecurrentBias (+)=; carry is a scratch of
 *                                              6·units per row
 */
const GEOMETRY = ['strideH', 'strideW'] as const;
/** Attributes of the convolution calls, in the order of the backend's Conv2dShapeArgs. */
export const CONV_ATTRS = [
  'rows',
  'inH',
  'inW',
  'inC',
  'outC',
  'kH',
  'kW',
  ...GEOMETRY,
  'dilationH',
  'dilationW',
  'padTop',
  'padBottom',
  'padLeft',
  'padRight',
] as const;
/** Attributes of the pooling calls, in the order of the backend's Pool2dShapeArgs. */
export const POOL_ATTRS = [
  'rows',
  'inH',
  'inW',
  'channels',
  'kH',
  'kW',
  ...GEOMETRY,
  'padTop',
  'padBottom',
  'padLeft',
  'padRight',
] as const;

/** Attributes of the zero-padding calls. */
export const PAD_ATTRS = ['rows', 'inH', 'inW', 'channels', 'padTop', 'padBottom', 'padLeft', 'padRight'] as const;

/** Attributes of the up-sampling calls. */
export const UPSAMPLE_ATTRS = ['rows', 'inH', 'inW', 'channels', 'sizeH', 'sizeW', 'bilinear'] as const;

/** Attributes of the recurrent calls, in the order of RecurrentShape. */
export const RECURRENT_ATTRS = [
  'rows',
  'time',
  'units',
  'cell',
  'activation',
  'recurrentActivation',
  'goBackwards',
  'sequences',
] as const;

export const KERNELS: Readonly<Record<string, { args: readonly string[]; attrs: readonly string[] }>> = {
  gemm: { args: ['a', 'b', 'c'], attrs: ['transA', 'transB', 'm', 'n', 'k', 'alpha', 'beta'] },
  addBias: { args: ['out', 'bias'], attrs: ['rows', 'cols'] },
  biasActivation: { args: ['out', 'z', 'bias?'], attrs: ['rows', 'cols', 'fn', 'alpha'] },
  activation: { args: ['out', 'x'], attrs: ['n', 'fn', 'alpha'] },
  activationGrad: { args: ['dx', 'dy', 'x', 'y'], attrs: ['n', 'fn', 'alpha'] },
  softmax: { args: ['out', 'x'], attrs: ['rows', 'cols'] },
  softmaxGrad: { args: ['dx', 'dy', 'y'], attrs: ['rows', 'cols'] },
  dropout: { args: ['out', 'mask', 'x'], attrs: ['n', 'rate', 'seed'] },
  mul: { args: ['out', 'a', 'b'], attrs: ['n'] },
  copy: { args: ['out', 'x'], attrs: ['n'] },
  fill: { args: ['out'], attrs: ['n', 'value'] },
  columnSums: { args: ['out', 'x'], attrs: ['rows', 'cols'] },
  axpy: { args: ['y', 'x'], attrs: ['n', 'alpha'] },
  l1Grad: { args: ['g', 'w'], attrs: ['n', 'l1'] },
  regularization: { args: ['w'], attrs: ['n', 'l1', 'l2'] },
  loss: { args: ['pred', 'target'], attrs: ['rows', 'cols', 'loss'] },
  lossGrad: { args: ['grad', 'pred', 'target'], attrs: ['rows', 'cols', 'loss'] },
  softmaxXent: { args: ['probs', 'grad?', 'logits', 'target'], attrs: ['rows', 'cols', 'sparse'] },
  sigmoidXent: { args: ['probs', 'grad?', 'logits', 'target'], attrs: ['rows', 'cols'] },
  argmaxAccuracy: { args: ['pred', 'target', 'argPred', 'argTrue'], attrs: ['rows', 'cols', 'sparse'] },
  rowMeanMetric: { args: ['pred', 'target'], attrs: ['rows', 'cols', 'metric', 'threshold', 'sparse'] },
  sgd: { args: ['param', 'grad'], attrs: ['n'] },
  momentum: { args: ['param', 'grad', 'velocity'], attrs: ['n', 'momentum', 'nesterov'] },
  adam: { args: ['param', 'grad', 'm', 'v'], attrs: ['n', 'beta1', 'beta2', 'epsilon', 'weightDecay'] },
  rmsprop: { args: ['param', 'grad', 'meanSquare', 'mom'], attrs: ['n', 'rho', 'momentum', 'epsilon'] },
  adagrad: { args: ['param', 'grad', 'accumulator'], attrs: ['n', 'epsilon'] },
  clipNorm: { args: ['g'], attrs: ['n', 'maxNorm'] },
  clipValue: { args: ['g'], attrs: ['n', 'value'] },
  conv2d: { args: ['out', 'x', 'filter', 'col'], attrs: CONV_ATTRS },
  conv2dGradInput: { args: ['dx', 'dy', 'filter', 'col'], attrs: [...CONV_ATTRS, 'accumulate'] },
  conv2dGradFilter: { args: ['dfilter', 'x', 'dy', 'col'], attrs: [...CONV_ATTRS, 'accumulate', 'columnsReady'] },
  maxPool2d: { args: ['out', 'argmax', 'x'], attrs: POOL_ATTRS },
  maxPool2dGrad: { args: ['dx', 'dy', 'argmax'], attrs: [...POOL_ATTRS, 'accumulate'] },
  avgPool2d: { args: ['out', 'x'], attrs: POOL_ATTRS },
  avgPool2dGrad: { args: ['dx', 'dy'], attrs: [...POOL_ATTRS, 'accumulate'] },
  batchNormTrain: {
    args: ['out', 'x', 'gamma?', 'beta?', 'movingMean', 'movingVariance', 'batchMean', 'batchInvStd'],
    attrs: ['rows', 'channels', 'epsilon', 'momentum'],
  },
  batchNormInfer: {
    args: ['out', 'x', 'gamma?', 'beta?', 'movingMean', 'movingVariance'],
    attrs: ['rows', 'channels', 'epsilon'],
  },
  batchNormGrad: {
    args: ['dx?', 'dgamma?', 'dbeta?', 'dy', 'x', 'gamma?', 'batchMean', 'batchInvStd'],
    attrs: ['rows', 'channels', 'accumulate'],
  },
  pad2d: { args: ['out', 'x'], attrs: PAD_ATTRS },
  pad2dGrad: { args: ['dx', 'dy'], attrs: [...PAD_ATTRS, 'accumulate'] },
  embedding: { args: ['out', 'ids', 'table'], attrs: ['rows', 'dim', 'vocab'] },
  embeddingGrad: { args: ['dtable', 'ids', 'dy'], attrs: ['rows', 'dim', 'vocab', 'accumulate'] },
  recurrent: { args: ['out', 'cache', 'xProj', 'kernel', 'recurrentBias?'], attrs: RECURRENT_ATTRS },
  recurrentGrad: {
    args: ['dxProj', 'dkernel', 'dRecurrentBias?', 'dy', 'cache', 'kernel', 'carry'],
    attrs: [...RECURRENT_ATTRS, 'accumulate'],
  },
  copyColumns: { args: ['out', 'x'], attrs: ['rows', 'n', 'xCols', 'xOffset', 'outCols', 'outOffset', 'accumulate'] },
  upSampling2d: { args: ['out', 'x'], attrs: UPSAMPLE_ATTRS },
  upSampling2dGrad: { args: ['dx', 'dy'], attrs: [...UPSAMPLE_ATTRS, 'accumulate'] },
  gaussianNoise: { args: ['out', 'x'], attrs: ['n', 'stddev', 'seed'] },
  weightedLoss: { args: ['pred', 'target', 'weights'], attrs: ['rows', 'cols', 'loss'] },
  weightedLossGrad: { args: ['grad', 'pred', 'target', 'weights'], attrs: ['rows', 'cols', 'loss'] },
  weightedSoftmaxXent: { args: ['probs', 'grad?', 'logits', 'target', 'weights'], attrs: ['rows', 'cols', 'sparse'] },
  weightedSigmoidXent: { args: ['probs', 'grad?', 'logits', 'target', 'weights'], attrs: ['rows', 'cols'] },
  conv2dReluPool: {
    args: ['out', 'argmax', 'x', 'filter', 'bias?', 'scratch'],
    attrs: [...CONV_ATTRS, 'poolH', 'poolW'],
  },
  conv2dReluPoolGrad: {
    args: ['dfilter', 'dbias?', 'x', 'dy', 'y', 'argmax'],
    attrs: [...CONV_ATTRS, 'poolH', 'poolW', 'accumulate'],
  },
};

/** The mask seed of a dropout call at training step t (0-based update count): a 31-bit mix, the
 *  same on every executor. */
export function dropoutSeed(layerSeed: number, step: number): number {
  let h = (layerSeed ^ Math.imul(step + 1, 0x27d4eb2d)) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return h & 0x7fffffff;
}

/** The value of a size attribute for a pass of `rows` rows. */
export function sizeOf(v: AttrValue, rows: number): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'object' && v !== null) return v.rows * rows;
  throw new TypeError(`tape: a size attribute must be a number or { rows }, got ${JSON.stringify(v)}`);
}
