/**
 * The Backend interface: every numeric kernel nativenn uses, with identical signatures on the
 * pure-TS reference backend (`backends.js`, the specification) and the native addon
 * (`backends.native`). Conventions, as in BLAS and llm.c:
 * - outputs first, inputs next, sizes last; matrices are row-major Float32Arrays;
 * - kernels that produce parameter gradients accumulate (`+=`), zeroing is `fill(x, 0, n)`;
 * - activation/loss backward kernels overwrite their output;
 * - every call checks its arguments and throws TypeError/RangeError naming the bad one.
 */

export type ActivationName =
  | 'linear'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leakyRelu'
  | 'elu'
  | 'gelu'
  | 'silu'
  | 'hardSigmoid';

/** Loss names. `binaryCrossentropyFromLogits` takes raw scores instead of probabilities. */
export type LossName =
  | 'meanSquaredError'
  | 'binaryCrossentropy'
  | 'binaryCrossentropyFromLogits'
  | 'categoricalCrossentropy'
  | 'sparseCategoricalCrossentropy';

/** The sizes every conv2d kernel takes after its buffers. */
export type Conv2dShapeArgs = [
  batch: number,
  inH: number,
  inW: number,
  inC: number,
  outC: number,
  kH: number,
  kW: number,
  strideH: number,
  strideW: number,
  dilationH: number,
  dilationW: number,
  padTop: number,
  padBottom: number,
  padLeft: number,
  padRight: number,
];
/** The sizes every pooling kernel takes after its buffers. */
export type Pool2dShapeArgs = [
  batch: number,
  inH: number,
  inW: number,
  channels: number,
  kH: number,
  kW: number,
  strideH: number,
  strideW: number,
  padTop: number,
  padBottom: number,
  padLeft: number,
  padRight: number,
];

export type BackendName = 'native' | 'js';

export interface Backend {
  readonly name: BackendName;

  /** BLAS sgemm, row-major: c (m,n) = alpha·op(a)·op(b) + beta·c; op(a) is (m,k), op(b) is (k,n).
   *  beta == 0 overwrites c (NaN in c does not survive). */
  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    lda: number,
    b: Float32Array,
    ldb: number,
    beta: number,
    c: Float32Array,
    ldc: number,
  ): void;

  /** x[0..n) = value */
  fill(x: Float32Array, value: number, n: number): void;
  /** x[0..n) *= alpha */
  scale(x: Float32Array, alpha: number, n: number): void;
  /** y[0..n) += alpha·x */
  axpy(y: Float32Array, alpha: number, x: Float32Array, n: number): void;
  /** out[i] = a[i]·b[i] (out may alias a or b) */
  mul(out: Float32Array, a: Float32Array, b: Float32Array, n: number): void;
  /** out (rows,cols) += bias (cols), broadcast over rows */
  addBias(out: Float32Array, bias: Float32Array, rows: number, cols: number): void;
  /** out (cols) += column sums of x (rows,cols): the bias gradient */
  addColumnSums(out: Float32Array, x: Float32Array, rows: number, cols: number): void;
  /** out[r] = index of the largest value of row r of x (rows,cols); the first one on ties */
  argmaxRows(out: Int32Array, x: Float32Array, rows: number, cols: number): void;

  /** out = f(x), elementwise; out may alias x. alpha is leakyRelu's slope / elu's scale. */
  activationForward(kind: ActivationName, out: Float32Array, x: Float32Array, n: number, alpha: number): void;
  /** dx = dy · f'(x), given x and y = f(x); dx may alias dy. */
  activationBackward(
    kind: ActivationName,
    dx: Float32Array,
    dy: Float32Array,
    x: Float32Array,
    y: Float32Array,
    n: number,
    alpha: number,
  ): void;
  /** out (rows,cols) = softmax of each row of x, max-subtracted; out may alias x. */
  softmaxForward(out: Float32Array, x: Float32Array, rows: number, cols: number): void;
  /** dx = y ⊙ (dy − rowsum(dy ⊙ y)), given y = softmax(x); dx may alias dy. */
  softmaxBackward(dx: Float32Array, dy: Float32Array, y: Float32Array, rows: number, cols: number): void;

  /** Mean loss over the batch (Keras reduction: mean over rows of the per-row loss; per-row loss
   *  is the mean over columns for mse/bce, the sum for the cross-entropies). For
   *  sparseCategoricalCrossentropy target is (rows) class indices stored as floats and pred is
   *  (rows,cols). Accumulates in double. */
  lossForward(kind: LossName, pred: Float32Array, target: Float32Array, rows: number, cols: number): number;
  /** grad (rows,cols) = d(lossForward)/d(pred). */
  lossBackward(
    kind: LossName,
    grad: Float32Array,
    pred: Float32Array,
    target: Float32Array,
    rows: number,
    cols: number,
  ): void;
  /** Fused softmax + categorical cross-entropy from logits (rows,cols): writes probs = softmax(logits)
   *  and grad = (probs − target)/rows, returns the mean loss (log-sum-exp, stable). If sparse, target
   *  holds (rows) class indices. probs may alias logits. */
  softmaxCrossEntropy(
    probs: Float32Array,
    grad: Float32Array,
    logits: Float32Array,
    target: Float32Array,
    rows: number,
    cols: number,
    sparse: boolean,
  ): number;
  /** Fused sigmoid + binary cross-entropy from logits: probs = sigmoid(logits),
   *  grad = (probs − target)/(rows·cols), returns the mean loss (stable). */
  sigmoidCrossEntropy(
    probs: Float32Array,
    grad: Float32Array,
    logits: Float32Array,
    target: Float32Array,
    rows: number,
    cols: number,
  ): number;

  /** Inverted dropout: mask[i] = 0 with probability rate else 1/(1−rate), out = x·mask.
   *  The mask is a pure function of (seed, i): the same on every backend and thread count. */
  dropoutForward(out: Float32Array, mask: Float32Array, x: Float32Array, n: number, rate: number, seed: number): void;

  /** 2-D convolution, NHWC: x (batch, inH, inW, inC), filter (kH, kW, inC, outC), out (batch,
   *  outH, outW, outC) with outH = (inH + padTop + padBottom − dilationH·(kH − 1) − 1) / strideH + 1
   *  (likewise outW; the kernel must fit the padded input). Padding cells read as 0; convPadding
   *  (src/backend/js/conv-shape.ts) gives TensorFlow's 'same'/'valid' split. workspace: at least
   *  conv2dWorkspaceSize(outH, outW, kH, kW, inC) floats (when batch > 0), scratch for the native
   *  im2col; more slots let more images run in parallel. It must not overlap the other buffers.
   *  out is overwritten. */
  conv2dForward(
    out: Float32Array,
    x: Float32Array,
    filter: Float32Array,
    workspace: Float32Array,
    ...shape: Conv2dShapeArgs
  ): void;
  /** dx (batch, inH, inW, inC) += ∂(Σ dy·out)/∂x, dy shaped like conv2dForward's out (accumulates). */
  conv2dBackwardData(
    dx: Float32Array,
    dy: Float32Array,
    filter: Float32Array,
    workspace: Float32Array,
    ...shape: Conv2dShapeArgs
  ): void;
  /** dfilter (kH, kW, inC, outC) += ∂(Σ dy·out)/∂filter, summed over the batch (accumulates). */
  conv2dBackwardFilter(
    dfilter: Float32Array,
    x: Float32Array,
    dy: Float32Array,
    workspace: Float32Array,
    ...shape: Conv2dShapeArgs
  ): void;
  /** Max pooling, NHWC: x (batch, inH, inW, channels), out and argmax (batch, outH, outW,
   *  channels), outH as for conv2dForward with dilation 1. Padding cells belong to no window
   *  (padTop, padBottom < kH; padLeft, padRight < kW; inH, inW ≥ 1). argmax[i] = the offset of
   *  the max inside its image, (iy·inW + ix)·channels + ch, the first in window order on ties. */
  maxPool2dForward(out: Float32Array, argmax: Int32Array, x: Float32Array, ...shape: Pool2dShapeArgs): void;
  /** dx[image of i][argmax[i]] += dy[i] (accumulates); every argmax is checked to lie in its image. */
  maxPool2dBackward(dx: Float32Array, dy: Float32Array, argmax: Int32Array, ...shape: Pool2dShapeArgs): void;
  /** Average pooling: the mean of the real (non-padding) cells of each window (Keras 'same'). */
  avgPool2dForward(out: Float32Array, x: Float32Array, ...shape: Pool2dShapeArgs): void;
  /** dx += dy spread evenly over the real cells of each window (accumulates). */
  avgPool2dBackward(dx: Float32Array, dy: Float32Array, ...shape: Pool2dShapeArgs): void;

  /** Optimizer updates over flat buffers (Keras / TensorFlow.js rules); state buffers belong to the caller. */
  sgdUpdate(param: Float32Array, grad: Float32Array, n: number, lr: number): void;
  momentumUpdate(
    param: Float32Array,
    grad: Float32Array,
    velocity: Float32Array,
    n: number,
    lr: number,
    momentum: number,
    nesterov: boolean,
  ): void;
  /** step is the 1-based count of updates including this one (bias correction). adamw applies
   *  decoupled weight decay (param -= lr·weightDecay·param); adam passes weightDecay = 0. */
  adamUpdate(
    param: Float32Array,
    grad: Float32Array,
    m: Float32Array,
    v: Float32Array,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    epsilon: number,
    step: number,
    weightDecay: number,
  ): void;
  rmspropUpdate(
    param: Float32Array,
    grad: Float32Array,
    meanSquare: Float32Array,
    velocity: Float32Array,
    n: number,
    lr: number,
    rho: number,
    momentum: number,
    epsilon: number,
  ): void;
  adagradUpdate(
    param: Float32Array,
    grad: Float32Array,
    accumulator: Float32Array,
    n: number,
    lr: number,
    epsilon: number,
  ): void;
}
