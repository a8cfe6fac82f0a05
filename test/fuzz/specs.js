// Argument specs for every addon function, written from src/backend/backend.ts (the raw addon
// takes the same arguments, with activation/loss names replaced by their index in these lists,
// as src/backend/native/index.ts maps them), plus setNumThreads/getNumThreads.
// Each spec: dims(rand, int) draws valid sizes; args[i] is {kind, need(d)} for a buffer (the
// minimum length the glue must demand) or {kind, value(d, rand, int)} for anything else.
// Kinds: f32, i32, size, num (any number), finite, bool, code, step (integer >= 1),
// rate ([0, 1)), threads (1..256).

const ACTIVATIONS = ['linear', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'elu', 'gelu', 'silu', 'hardSigmoid'];
const LOSSES = [
  'meanSquaredError',
  'binaryCrossentropy',
  'binaryCrossentropyFromLogits',
  'categoricalCrossentropy',
  'sparseCategoricalCrossentropy',
];
const SPARSE_LOSS = LOSSES.indexOf('sparseCategoricalCrossentropy');

const size = (key) => ({ kind: 'size', value: (d) => d[key] });
const buf = (need, extra = {}) => ({ kind: 'f32', need, ...extra });
const num = (lo, hi) => ({ kind: 'num', value: (_d, rand) => lo + (hi - lo) * rand() });
const finite = (lo, hi) => ({ kind: 'finite', value: (_d, rand) => lo + (hi - lo) * rand() });
const bool = (key) => ({ kind: 'bool', value: (d, rand) => (key ? d[key] : rand() < 0.5) });
const vec = (d) => d.n;
const mat = (d) => d.rows * d.cols;

const vectorDims = (_rand, int) => ({ n: int(0, 40) });
const matrixDims = (_rand, int) => ({ rows: int(0, 12), cols: int(0, 12) });
const lossDims = (sparseFromCode) => (rand, int) => {
  const code = int(0, LOSSES.length - 1);
  const sparse = sparseFromCode ? code === SPARSE_LOSS : rand() < 0.5;
  const rows = int(0, 10);
  // sparse targets need a class to point at: cols >= 1 whenever there is a row
  return { code, sparse, rows, cols: int(sparse && rows > 0 ? 1 : 0, 10) };
};
const target = buf((d) => (d.sparse ? d.rows : d.rows * d.cols), { target: true, prob: true });

/** gemm: op(a) (m,k), op(b) (k,n), c (m,n); leading dimensions at least the stored row length. */
function gemmDims(rand, int) {
  const d = { transA: rand() < 0.5, transB: rand() < 0.5, m: int(0, 9), n: int(0, 9), k: int(0, 9) };
  d.aRows = d.transA ? d.k : d.m;
  d.aCols = d.transA ? d.m : d.k;
  d.bRows = d.transB ? d.n : d.k;
  d.bCols = d.transB ? d.k : d.n;
  d.lda = Math.max(1, d.aCols) + (rand() < 0.5 ? 0 : int(1, 3));
  d.ldb = Math.max(1, d.bCols) + (rand() < 0.5 ? 0 : int(1, 3));
  d.ldc = Math.max(1, d.n) + (rand() < 0.5 ? 0 : int(1, 3));
  return d;
}
const stored = (rows, cols, ld) => (rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols);

// conv2d and pooling: a random geometry that fits (kernel ≤ padded input; pooling pads < window).
const posInt = (key) => ({ kind: 'step', value: (d) => d[key] });
const outSize = (inSize, k, stride, dilation, pads) =>
  Math.floor((inSize + pads - dilation * (k - 1) - 1) / stride) + 1;
function convDims(_rand, int) {
  const d = { batch: int(0, 3), inH: int(0, 7), inW: int(0, 7), inC: int(0, 3), outC: int(0, 3) };
  Object.assign(d, { kH: int(1, 4), kW: int(1, 4), sH: int(1, 3), sW: int(1, 3), dH: int(1, 2), dW: int(1, 2) });
  // Enough padding for the dilated kernel to fit, split at random.
  const pad = (inSize, k, dil) => Math.max(0, dil * (k - 1) + 1 - inSize) + int(0, 2);
  const ph = pad(d.inH, d.kH, d.dH);
  const pw = pad(d.inW, d.kW, d.dW);
  d.pT = int(0, ph);
  d.pB = ph - d.pT;
  d.pL = int(0, pw);
  d.pR = pw - d.pL;
  d.outH = outSize(d.inH, d.kH, d.sH, d.dH, ph);
  d.outW = outSize(d.inW, d.kW, d.sW, d.dW, pw);
  d.x = d.batch * d.inH * d.inW * d.inC;
  d.filter = d.kH * d.kW * d.inC * d.outC;
  d.out = d.batch * d.outH * d.outW * d.outC;
  d.ws = d.batch === 0 ? 0 : d.outH * d.outW * d.kH * d.kW * d.inC;
  return d;
}
const convShape = [
  size('batch'),
  size('inH'),
  size('inW'),
  size('inC'),
  size('outC'),
  posInt('kH'),
  posInt('kW'),
  posInt('sH'),
  posInt('sW'),
  posInt('dH'),
  posInt('dW'),
  size('pT'),
  size('pB'),
  size('pL'),
  size('pR'),
];
function poolDims(_rand, int) {
  const d = { batch: int(0, 3), inH: int(1, 7), inW: int(1, 7), ch: int(0, 3), kH: int(1, 4), kW: int(1, 4) };
  Object.assign(d, { sH: int(1, 3), sW: int(1, 3) });
  // Padding below the window, and enough of it for the window to fit.
  const pads = (inSize, k) => {
    const before = int(0, k - 1);
    return [before, Math.min(k - 1, Math.max(0, k - inSize - before) + int(0, 1))];
  };
  [d.pT, d.pB] = pads(d.inH, d.kH);
  [d.pL, d.pR] = pads(d.inW, d.kW);
  d.outH = outSize(d.inH, d.kH, d.sH, 1, d.pT + d.pB);
  d.outW = outSize(d.inW, d.kW, d.sW, 1, d.pL + d.pR);
  d.x = d.batch * d.inH * d.inW * d.ch;
  d.out = d.batch * d.outH * d.outW * d.ch;
  return d;
}
const poolShape = [
  size('batch'),
  posInt('inH'),
  posInt('inW'),
  size('ch'),
  posInt('kH'),
  posInt('kW'),
  posInt('sH'),
  posInt('sW'),
  size('pT'),
  size('pB'),
  size('pL'),
  size('pR'),
];
const need = (key) => (d) => d[key];
const argmax = { kind: 'i32', need: need('out') }; // zeros: offsets inside every image

const SPECS = [
  {
    name: 'gemm',
    dims: gemmDims,
    args: [
      bool('transA'),
      bool('transB'),
      size('m'),
      size('n'),
      size('k'),
      num(-2, 2),
      buf((d) => stored(d.aRows, d.aCols, d.lda)),
      size('lda'),
      buf((d) => stored(d.bRows, d.bCols, d.ldb)),
      size('ldb'),
      num(-2, 2),
      buf((d) => stored(d.m, d.n, d.ldc)),
      size('ldc'),
    ],
    // [argument index of the leading dimension, row length it must cover]
    ld: (d) => [
      [7, d.aCols],
      [9, d.bCols],
      [12, d.n],
    ],
  },
  { name: 'fill', dims: vectorDims, args: [buf(vec), num(-5, 5), size('n')] },
  { name: 'scale', dims: vectorDims, args: [buf(vec), num(-5, 5), size('n')] },
  { name: 'axpy', dims: vectorDims, args: [buf(vec), num(-5, 5), buf(vec), size('n')] },
  { name: 'mul', dims: vectorDims, args: [buf(vec), buf(vec), buf(vec), size('n')] },
  { name: 'addBias', dims: matrixDims, args: [buf(mat), buf((d) => d.cols), size('rows'), size('cols')] },
  { name: 'addColumnSums', dims: matrixDims, args: [buf((d) => d.cols), buf(mat), size('rows'), size('cols')] },
  {
    name: 'argmaxRows',
    dims: (_rand, int) => ({ rows: int(0, 12), cols: int(1, 12) }),
    args: [{ kind: 'i32', need: (d) => d.rows }, buf(mat), size('rows'), size('cols')],
  },
  {
    name: 'activationForward',
    dims: (_rand, int) => ({ n: int(0, 40), code: int(0, ACTIVATIONS.length - 1) }),
    args: [{ kind: 'code', codes: 'activation', value: (d) => d.code }, buf(vec), buf(vec), size('n'), finite(0, 1)],
  },
  {
    name: 'activationBackward',
    dims: (_rand, int) => ({ n: int(0, 40), code: int(0, ACTIVATIONS.length - 1) }),
    args: [
      { kind: 'code', codes: 'activation', value: (d) => d.code },
      buf(vec),
      buf(vec),
      buf(vec),
      buf(vec),
      size('n'),
      finite(0, 1),
    ],
  },
  { name: 'softmaxForward', dims: matrixDims, args: [buf(mat), buf(mat), size('rows'), size('cols')] },
  { name: 'softmaxBackward', dims: matrixDims, args: [buf(mat), buf(mat), buf(mat), size('rows'), size('cols')] },
  {
    name: 'lossForward',
    dims: lossDims(true),
    args: [
      { kind: 'code', codes: 'loss', value: (d) => d.code },
      buf(mat, { prob: true }),
      target,
      size('rows'),
      size('cols'),
    ],
  },
  {
    name: 'lossBackward',
    dims: lossDims(true),
    args: [
      { kind: 'code', codes: 'loss', value: (d) => d.code },
      buf(mat),
      buf(mat, { prob: true }),
      target,
      size('rows'),
      size('cols'),
    ],
  },
  {
    name: 'softmaxCrossEntropy',
    dims: lossDims(false),
    args: [buf(mat), buf(mat), buf(mat), target, size('rows'), size('cols'), bool('sparse')],
  },
  {
    name: 'sigmoidCrossEntropy',
    dims: matrixDims,
    args: [buf(mat), buf(mat), buf(mat), buf(mat, { prob: true }), size('rows'), size('cols')],
  },
  {
    name: 'dropoutForward',
    dims: vectorDims,
    args: [
      buf(vec),
      buf(vec),
      buf(vec),
      size('n'),
      { kind: 'rate', value: (_d, rand) => 0.9 * rand() },
      { kind: 'size', value: (_d, _rand, int) => int(0, 2 ** 31 - 1) },
    ],
  },
  {
    name: 'conv2dForward',
    dims: convDims,
    args: [buf(need('out')), buf(need('x')), buf(need('filter')), buf(need('ws')), ...convShape],
  },
  {
    name: 'conv2dBackwardData',
    dims: convDims,
    args: [buf(need('x')), buf(need('out')), buf(need('filter')), buf(need('ws')), ...convShape],
  },
  {
    name: 'conv2dBackwardFilter',
    dims: convDims,
    args: [buf(need('filter')), buf(need('x')), buf(need('out')), buf(need('ws')), ...convShape],
  },
  { name: 'maxPool2dForward', dims: poolDims, args: [buf(need('out')), argmax, buf(need('x')), ...poolShape] },
  { name: 'maxPool2dBackward', dims: poolDims, args: [buf(need('x')), buf(need('out')), argmax, ...poolShape] },
  { name: 'avgPool2dForward', dims: poolDims, args: [buf(need('out')), buf(need('x')), ...poolShape] },
  { name: 'avgPool2dBackward', dims: poolDims, args: [buf(need('x')), buf(need('out')), ...poolShape] },
  { name: 'sgdUpdate', dims: vectorDims, args: [buf(vec), buf(vec), size('n'), finite(0, 1)] },
  {
    name: 'momentumUpdate',
    dims: vectorDims,
    args: [buf(vec), buf(vec), buf(vec), size('n'), finite(0, 1), finite(0, 1), bool()],
  },
  {
    name: 'adamUpdate',
    dims: vectorDims,
    args: [
      buf(vec),
      buf(vec),
      buf(vec),
      buf(vec),
      size('n'),
      finite(0, 0.1),
      finite(0, 1),
      finite(0, 1),
      finite(1e-8, 1e-3),
      { kind: 'step', value: (_d, _rand, int) => int(1, 1000) },
      finite(0, 0.1),
    ],
  },
  {
    name: 'rmspropUpdate',
    dims: vectorDims,
    args: [
      buf(vec),
      buf(vec),
      buf(vec),
      buf(vec),
      size('n'),
      finite(0, 0.1),
      finite(0, 1),
      finite(0, 1),
      finite(1e-8, 1e-3),
    ],
  },
  {
    name: 'adagradUpdate',
    dims: vectorDims,
    args: [buf(vec), buf(vec), buf(vec), size('n'), finite(0, 0.1), finite(1e-8, 1e-3)],
  },
  {
    name: 'setNumThreads',
    dims: () => ({}),
    args: [{ kind: 'threads', value: (_d, _rand, int) => int(1, 3) }],
  },
  { name: 'getNumThreads', dims: () => ({}), args: [] },
];

module.exports = { SPECS, ACTIVATIONS, LOSSES };
