// The data and contenders of the recurrent benchmark (bench/rnn.js), on the two recipes of
// shared/bench/torch_lstm.py:
//   digits: the 8×8 digits as 8 steps × 8 pixels (/16) → LSTM(64) → dense 10 softmax, Adam 1e-2,
//           batch 32, the article's train split (1437 rows);
//   chars:  16 character ids → embedding(vocab, 32) → LSTM(128) (last step) → dense(vocab)
//           softmax, Adam 1e-3, batch 64; windows at 50k seeded random starts of the lowercased
//           Debian word list, the first 90 % for training.
// Every contender trains the same rows: PyTorch reads the arrays this file writes to a temp dir.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const { spawn } = require('node:child_process');

const WORDS = process.env.NATIVENN_BENCH_WORDS || '/usr/share/dict/american-english';

const RECIPES = {
  digits: { units: 64, learningRate: 1e-2, batchSize: 32 },
  chars: { units: 128, embed: 32, learningRate: 1e-3, batchSize: 64 },
};

/** The digits train and test rows as sequences: { task, steps, features, classes, train, test }
 *  where a part is { x: Float32Array [n, 8, 8] in [0, 1], y: Int32Array [n], n }. */
function digitsData(nn) {
  const { x, y, split } = nn.datasets.digits();
  const part = (rows) => {
    const xs = nn.data.take(x, rows).data.map((v) => v / 16);
    return { x: Float32Array.from(xs), y: Int32Array.from(nn.data.take(y, rows)), n: rows.length };
  };
  return {
    task: 'digits',
    steps: 8,
    features: 8,
    classes: 10,
    train: part(split.train),
    test: part(split.test),
    source: 'nn.datasets.digits(), the article’s split',
  };
}

/** mulberry32: a small seeded generator of floats in [0, 1). */
function seeded(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Next-character windows of the lowercased word list (torch_lstm.py --task chars): the sorted
 *  characters are the vocabulary; `windows` starts drawn with a seeded generator; x holds `steps`
 *  ids as floats, y the id that follows; the first 90 % train. null when the file is missing. */
function charsData({ file = WORDS, steps = 16, windows = 50000, seed = 0 } = {}) {
  if (!fs.existsSync(file)) return null;
  const text = Array.from(fs.readFileSync(file, 'utf8').toLowerCase());
  const vocab = [...new Set(text)].sort();
  const index = new Map(vocab.map((c, i) => [c, i]));
  const ids = Int32Array.from(text, (c) => index.get(c));
  const random = seeded(seed);
  const x = new Float32Array(windows * steps);
  const y = new Int32Array(windows);
  for (let w = 0; w < windows; w++) {
    const start = Math.floor(random() * (ids.length - steps - 1));
    for (let t = 0; t < steps; t++) x[w * steps + t] = ids[start + t];
    y[w] = ids[start + steps];
  }
  const n = Math.floor(0.9 * windows);
  return {
    task: 'chars',
    steps,
    features: 1,
    classes: vocab.length,
    train: { x: x.subarray(0, n * steps), y: y.subarray(0, n), n },
    test: { x: x.subarray(n * steps), y: y.subarray(n), n: windows - n },
    source: `${file}: ${text.length.toLocaleString('en-US')} characters, vocabulary ${vocab.length}, ${windows} windows of ${steps} (seed ${seed}), ${n} train`,
  };
}

/** The first `rows` training rows of data (every contender of a comparison trains the same). */
function firstRows(data, rows) {
  const n = Math.min(rows, data.train.n);
  const width = data.steps * data.features;
  return { ...data, train: { x: data.train.x.subarray(0, n * width), y: data.train.y.subarray(0, n), n } };
}

/** Writes the rows for reference/torch_lstm_rounds.py into a fresh temp dir; returns its path. */
function writeForTorch(data) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `nativenn-rnn-${data.task}-`));
  const bytes = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  fs.writeFileSync(path.join(dir, 'x_train.f32'), bytes(data.train.x));
  fs.writeFileSync(path.join(dir, 'y_train.i32'), bytes(data.train.y));
  fs.writeFileSync(path.join(dir, 'x_test.f32'), bytes(data.test.x));
  fs.writeFileSync(path.join(dir, 'y_test.i32'), bytes(data.test.y));
  const meta = { task: data.task, steps: data.steps, features: data.features, vocab: data.classes };
  fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(meta));
  return dir;
}

function oneHot(labels, classes) {
  const out = new Float32Array(labels.length * classes);
  labels.forEach((c, i) => {
    out[i * classes + c] = 1;
  });
  return out;
}

/** nativenn on its current backend: fit(epochs) trains on data.train; accuracy() scores
 *  data.test; predictOne() and predictTest() are inference on one row and on the test rows. */
function nativennContender(nn, data) {
  const r = RECIPES[data.task];
  const layers =
    data.task === 'digits'
      ? [nn.layers.lstm({ units: r.units, inputShape: [data.steps, data.features] })]
      : [
          nn.layers.embedding({ inputDim: data.classes, outputDim: r.embed, inputShape: [data.steps] }),
          nn.layers.lstm({ units: r.units }),
        ];
  layers.push(nn.layers.dense({ units: data.classes, activation: 'softmax' }));
  const model = nn.sequential({ seed: 0, layers });
  // digits: one-hot targets and categorical cross-entropy (as examples/digits-lstm.ts); chars:
  // class ids and the sparse loss. Both fuse softmax with the loss, as CrossEntropyLoss does.
  const sparse = data.task === 'chars';
  model.compile({
    optimizer: nn.optimizers.adam({ learningRate: r.learningRate }),
    loss: sparse ? 'sparseCategoricalCrossentropy' : 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  const shape = data.task === 'digits' ? [data.steps, data.features] : [data.steps];
  const tensors = (part) => ({
    x: new nn.Tensor(part.x, [part.n, ...shape]),
    y: sparse ? new nn.Tensor(Float32Array.from(part.y), [part.n]) : nn.tensor2d(oneHot(part.y, 10), [part.n, 10]),
  });
  const train = tensors(data.train);
  const test = tensors(data.test);
  const one = new nn.Tensor(
    data.test.x.slice(
      0,
      shape.reduce((a, b) => a * b),
    ),
    [1, ...shape],
  );
  return {
    fit: (epochs) => model.fit(train.x, train.y, { epochs, batchSize: r.batchSize, shuffle: true, verbose: 0 }),
    accuracy: () => model.evaluate(test.x, test.y).accuracy,
    predictOne: () => model.predict(one),
    predictTest: () => model.predict(test.x),
  };
}

/** TensorFlow.js on `backend` ('wasm' trains the digits LSTM; 4.22 cannot train an embedding:
 *  no UnsortedSegmentSum, so the char model trains on 'cpu'). sigmoid recurrent activation and
 *  unit forget bias as nativenn and PyTorch (tfjs defaults: hardSigmoid, no unit forget bias). */
async function tfjsContender(tf, backend, data) {
  if (tf.getBackend() !== backend) await tf.setBackend(backend);
  await tf.ready();
  const r = RECIPES[data.task];
  const model = tf.sequential();
  const lstm = { units: r.units, recurrentActivation: 'sigmoid', unitForgetBias: true };
  if (data.task === 'digits') {
    model.add(tf.layers.lstm({ ...lstm, inputShape: [data.steps, data.features] }));
  } else {
    model.add(tf.layers.embedding({ inputDim: data.classes, outputDim: r.embed, inputLength: data.steps }));
    model.add(tf.layers.lstm(lstm));
  }
  model.add(tf.layers.dense({ units: data.classes, activation: 'softmax' }));
  model.compile({ optimizer: tf.train.adam(r.learningRate), loss: 'sparseCategoricalCrossentropy', metrics: ['acc'] });
  const shape = data.task === 'digits' ? [data.steps, data.features] : [data.steps];
  const tensors = (part) => ({
    x: tf.tensor(part.x, [part.n, ...shape]),
    y: tf.tensor1d(Float32Array.from(part.y)),
  });
  const train = tensors(data.train);
  const test = tensors(data.test);
  const one = test.x.slice(0, 1);
  const use = async () => {
    if (tf.getBackend() !== backend) await tf.setBackend(backend);
  };
  return {
    fit: async (epochs) => {
      await use();
      await model.fit(train.x, train.y, { epochs, batchSize: r.batchSize, shuffle: true, verbose: 0 });
    },
    accuracy: async () => {
      await use();
      const [, acc] = model.evaluate(test.x, test.y, { batchSize: 256 });
      return (await acc.data())[0];
    },
    predictOne: () => tf.tidy(() => model.predict(one)).dataSync(),
    predictTest: () => {
      const out = model.predict(test.x, { batchSize: 256 });
      out.dataSync();
      out.dispose();
    },
  };
}

/**
 * PyTorch in a child process kept alive between rounds (reference/torch_lstm_rounds.py, on the
 * rows in `dir`): it runs its untimed warm-up epoch at start. epochs(k) resolves { wall, cpu }
 * seconds of k timed epochs; accuracy(), latency(s) and batch(s) as the script describes.
 */
async function torchContender(python, env, threads, dir) {
  const script = path.join(__dirname, '..', 'reference', 'torch_lstm_rounds.py');
  const child = spawn(python, [script, '--threads', String(threads), '--data', dir], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (b) => {
    stderr = (stderr + b).slice(-2000);
  });
  const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`torch_lstm_rounds.py exited: ${stderr.trim().split('\n').pop()}`);
    return value;
  };
  const ask = async (request) => {
    child.stdin.write(`${request}\n`);
    return (await next()).split(' ').map(Number);
  };
  const banner = await next();
  return {
    banner,
    epochs: async (k) => {
      const [wall, cpu] = await ask(`epochs ${k}`);
      return { wall, cpu };
    },
    accuracy: async () => (await ask('eval'))[0],
    latency: async (seconds) => (await ask(`latency ${seconds}`))[0],
    batch: async (seconds) => (await ask(`batch ${seconds}`))[0],
    close: () => child.stdin.end(),
  };
}

module.exports = {
  RECIPES,
  WORDS,
  digitsData,
  charsData,
  firstRows,
  writeForTorch,
  nativennContender,
  tfjsContender,
  torchContender,
};
