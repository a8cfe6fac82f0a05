// The contenders of the CNN benchmark (bench/cnn.js), all on the Fashion-MNIST recipe:
// conv 32 3×3 relu → maxPool 2 → conv 64 3×3 relu → maxPool 2 → flatten → dense 128 relu →
// dense 10 softmax, Adam 1e-3, batch 64, 28×28×1 images in [0, 1].
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');
const { spawn } = require('node:child_process');
const { syntheticData } = require('./train');

const FASHION_DIR = process.env.NATIVENN_FASHION_MNIST || '/usr/share/datasets/fashion-mnist';
const BATCH = 64;

/** The first `rows` Fashion-MNIST training images (pixels / 255, one-hot labels) when the Debian
 *  package is installed, else random pixels and labels of the same shape: { x, y, n, source }. */
async function cnnData(nn, rows) {
  const images = path.join(FASHION_DIR, 'train-images-idx3-ubyte.gz');
  if (fs.existsSync(images) && typeof nn.data?.readIdx === 'function') {
    const x = await nn.data.readIdx(images, { scale: 1 / 255 });
    const labels = await nn.data.readIdx(path.join(FASHION_DIR, 'train-labels-idx1-ubyte.gz'));
    const n = Math.min(rows, x.shape[0]);
    const y = new Float32Array(n * 10);
    for (let i = 0; i < n; i++) y[i * 10 + labels.data[i]] = 1;
    return { x: x.data.slice(0, n * 784), y, n, source: `Fashion-MNIST (${FASHION_DIR}), first ${n} train rows` };
  }
  const d = syntheticData(rows, 784, 10);
  return { x: d.x, y: d.y, n: rows, source: `random pixels (no ${images})` };
}

function nativennCnn(nn) {
  const model = nn.sequential({
    seed: 0,
    layers: [
      nn.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
      nn.layers.maxPooling2d({ poolSize: 2 }),
      nn.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      nn.layers.maxPooling2d({ poolSize: 2 }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 128, activation: 'relu' }),
      nn.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy' });
  return model;
}

/** nativenn: fit(rows) trains one epoch over the first rows; predict() scores them all. */
function nativennContender(nn, data) {
  const model = nativennCnn(nn);
  const x = new nn.Tensor(data.x, [data.n, 28, 28, 1]);
  const y = nn.tensor2d(data.y, [data.n, 10]);
  return {
    fit: () => model.fit(x, y, { epochs: 1, batchSize: BATCH, shuffle: true, verbose: 0 }),
    predict: () => model.predict(x),
  };
}

/** TensorFlow.js on `backend` ('cpu' trains; 'wasm' 4.22 cannot: no Conv2DBackpropFilter). */
async function tfjsContender(tf, backend, data, rows) {
  if (tf.getBackend() !== backend) await tf.setBackend(backend);
  await tf.ready();
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 128, activation: 'relu' }));
  model.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const x = tf.tensor4d(data.x.subarray(0, rows * 784), [rows, 28, 28, 1]);
  const y = tf.tensor2d(data.y.subarray(0, rows * 10), [rows, 10]);
  return {
    fit: () => model.fit(x, y, { epochs: 1, batchSize: BATCH, shuffle: true, verbose: 0 }),
    predict: async () => {
      const out = model.predict(x, { batchSize: 256 });
      await out.data();
      out.dispose();
    },
  };
}

/**
 * PyTorch in a child process kept alive between rounds (reference/torch_cnn_rounds.py): it runs
 * its untimed warm-up epoch at start; epoch() asks for one timed epoch and resolves its seconds.
 */
async function torchContender(python, env, threads, rows, synthetic) {
  const script = path.join(__dirname, '..', 'reference', 'torch_cnn_rounds.py');
  const args = [script, '--threads', String(threads), '--train', String(rows)];
  args.push(...(synthetic ? ['--synthetic'] : ['--data', FASHION_DIR]));
  const child = spawn(python, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b) => {
    stderr = (stderr + b).slice(-2000);
  });
  const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`torch_cnn_rounds.py exited: ${stderr.trim().split('\n').pop()}`);
    return value;
  };
  const banner = await next();
  return {
    banner,
    epoch: async () => {
      child.stdin.write('epoch\n');
      return Number(await next());
    },
    close: () => child.stdin.end(),
  };
}

module.exports = { cnnData, nativennContender, tfjsContender, torchContender, FASHION_DIR };
