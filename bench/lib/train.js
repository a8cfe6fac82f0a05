// The contenders of the training benchmarks, each built on the same data and architecture
// (dense ReLU hidden layers, softmax output, categorical cross-entropy, Adam lr 1e-3) and
// exposing one async `fit(epochs)`. Data is plain Float32Arrays: x (n, d), y one-hot (n, classes).
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { nativeThreads } = require('./common');

const LEARNING_RATE = 1e-3;

/** Digits train split, min-max scaled (fit on the train split) and one-hot, through nativenn's
 *  own data API; read from data/ directly (and said so) while that API is not in the build. */
function digitsTrain(nn, report) {
  if (typeof nn.datasets?.digits === 'function' && typeof nn.data?.minMaxScaler === 'function') {
    const { x, y, split } = nn.datasets.digits();
    const xTrain = nn.data.minMaxScaler().fitTransform(nn.data.take(x, split.train));
    const yTrain = nn.data.oneHot(nn.data.take(y, split.train), 10);
    return { x: xTrain.data, y: yTrain.data, n: xTrain.shape[0], d: 64, classes: 10 };
  }
  report?.note('digits: nn.datasets/nn.data not in this build; read data/digits.csv.gz directly for the references');
  const root = path.join(__dirname, '..', '..', 'data');
  const lines = zlib
    .gunzipSync(fs.readFileSync(path.join(root, 'digits.csv.gz')))
    .toString()
    .trim()
    .split('\n')
    .slice(1);
  const { train } = JSON.parse(fs.readFileSync(path.join(root, 'digits-split-seed42.json'), 'utf8'));
  const rows = lines.map((l) => l.split(',').map(Number));
  const n = train.length;
  const x = new Float32Array(n * 64);
  const y = new Float32Array(n * 10);
  train.forEach((r, i) => {
    for (let j = 0; j < 64; j++) x[i * 64 + j] = rows[r][j];
    y[i * 10 + rows[r][64]] = 1;
  });
  for (let j = 0; j < 64; j++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      lo = Math.min(lo, x[i * 64 + j]);
      hi = Math.max(hi, x[i * 64 + j]);
    }
    const range = hi - lo || 1;
    for (let i = 0; i < n; i++) x[i * 64 + j] = (x[i * 64 + j] - lo) / range;
  }
  return { x, y, n, d: 64, classes: 10 };
}

/** Random inputs in [0, 1) and random one-hot labels (throughput does not depend on the values). */
function syntheticData(n, d, classes, seed = 7) {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const x = new Float32Array(n * d).map(next);
  const y = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) y[i * classes + Math.floor(next() * classes)] = 1;
  return { x, y, n, d, classes };
}

/** nativenn on one backend ('native' with a thread count, or 'js'). */
function nativennTrainer(nn, data, hidden, batchSize, backendName, threads) {
  const use = () => {
    nn.setBackend(backendName);
    if (threads && nativeThreads(nn) !== threads) nn.setNumThreads(threads);
  };
  use();
  const layers = hidden.map((units, i) =>
    nn.layers.dense({ units, activation: 'relu', ...(i === 0 ? { inputShape: [data.d] } : {}) }),
  );
  layers.push(nn.layers.dense({ units: data.classes, activation: 'softmax' }));
  const model = nn.sequential(layers);
  const optimizer = nn.optimizers?.adam ? nn.optimizers.adam({ learningRate: LEARNING_RATE }) : 'adam';
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  const x = nn.tensor2d(data.x, [data.n, data.d]);
  const y = nn.tensor2d(data.y, [data.n, data.classes]);
  return {
    model,
    fit: async (epochs) => {
      use();
      await model.fit(x, y, { epochs, batchSize, shuffle: true, verbose: 0 });
    },
  };
}

let tfjs = null;
/** @tensorflow/tfjs with the wasm backend registered; loaded once, on first use. */
function loadTfjs() {
  if (!tfjs) {
    tfjs = require('@tensorflow/tfjs');
    require('@tensorflow/tfjs-backend-wasm');
  }
  return tfjs;
}

/** TensorFlow.js on 'cpu' (plain JS kernels) or 'wasm' (XNNPACK, SIMD). */
async function tfjsTrainer(data, hidden, batchSize, backendName) {
  const tf = loadTfjs();
  const use = async () => {
    if (tf.getBackend() !== backendName) await tf.setBackend(backendName);
    await tf.ready();
  };
  await use();
  const model = tf.sequential();
  hidden.forEach((units, i) =>
    model.add(tf.layers.dense({ units, activation: 'relu', ...(i === 0 ? { inputShape: [data.d] } : {}) })),
  );
  model.add(tf.layers.dense({ units: data.classes, activation: 'softmax' }));
  model.compile({ optimizer: tf.train.adam(LEARNING_RATE), loss: 'categoricalCrossentropy' });
  const x = tf.tensor2d(data.x, [data.n, data.d]);
  const y = tf.tensor2d(data.y, [data.n, data.classes]);
  return {
    fit: async (epochs) => {
      await use();
      await model.fit(x, y, { epochs, batchSize, shuffle: true, verbose: 0 });
    },
  };
}

/** brain.js 1.6 NeuralNetwork: per-sample updates (it has no mini-batches), with Adam
 *  (praxis 'adam') or its default SGD with momentum (praxis null); one activation for every layer
 *  (ReLU here, output included) and its own squared-error loss. */
function brainTrainer(data, hidden, praxis) {
  const brain = require('brain.js');
  const net = new brain.NeuralNetwork({ hiddenLayers: hidden, activation: 'relu' });
  const samples = [];
  for (let i = 0; i < data.n; i++) {
    samples.push({
      input: Array.from(data.x.subarray(i * data.d, (i + 1) * data.d)),
      output: Array.from(data.y.subarray(i * data.classes, (i + 1) * data.classes)),
    });
  }
  return {
    fit: async (epochs) => {
      net.train(samples, {
        iterations: epochs,
        errorThresh: 1e-12,
        praxis,
        learningRate: praxis === 'adam' ? LEARNING_RATE : 0.01,
      });
    },
  };
}

module.exports = { digitsTrain, syntheticData, nativennTrainer, tfjsTrainer, brainTrainer, LEARNING_RATE };
