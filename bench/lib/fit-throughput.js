// One measurement for bench/baseline.js: loads the nativenn at argv[2] (a checkout's dist/),
// trains one workload through the public API (model.fit) and prints {"samplesPerSecond": …}: the
// median of `ops` fit calls after one untimed warm-up call. Public API only, so that any commit's
// build can be measured the same way.
const path = require('node:path');

const [lib, workload, threadsArg] = process.argv.slice(2);
const nn = require(path.resolve(lib));
const threads = Number(threadsArg) || 1;

const WORKLOADS = {
  // The digits MLP of bench/train-digits.js: 1437 rows, 64-64-10, Adam, batch 32, 10 epochs per op.
  digits: () => {
    const { x, y, split } = nn.datasets.digits();
    const xs = nn.data.minMaxScaler().fitTransform(nn.data.take(x, split.train));
    const ys = nn.data.oneHot(nn.data.take(y, split.train), 10);
    return { x: xs, y: ys, inputs: 64, hidden: [64], batchSize: 32, epochs: 10, rows: xs.shape[0] };
  },
  // The MLP of bench/train-mlp784.js on random data: 8000 rows, 784-256-128-10, Adam, batch 128, 2 epochs per op.
  mlp784: () => {
    const rows = 8000;
    const data = new Float32Array(rows * 784);
    let s = 1;
    for (let i = 0; i < data.length; i++) {
      s = (s * 1103515245 + 12345) >>> 0;
      data[i] = s / 4294967296;
    }
    const labels = Int32Array.from({ length: rows }, (_, i) => (i * 7) % 10);
    return {
      x: nn.tensor2d(data, [rows, 784]),
      y: nn.data.oneHot(labels, 10),
      inputs: 784,
      hidden: [256, 128],
      batchSize: 128,
      epochs: 2,
      rows,
    };
  },
};

async function main() {
  nn.setBackend('native');
  nn.setNumThreads(threads);
  const w = WORKLOADS[workload]();
  const model = nn.sequential({
    seed: 1,
    layers: [
      ...w.hidden.map((units, i) =>
        nn.layers.dense({ units, activation: 'relu', ...(i === 0 ? { inputShape: [w.inputs] } : {}) }),
      ),
      nn.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy' });
  const trainOnce = () => model.fit(w.x, w.y, { epochs: w.epochs, batchSize: w.batchSize, verbose: 0, seed: 1 });
  await trainOnce(); // warm-up: workspace, pool, JIT
  const times = [];
  for (let i = 0; i < 5; i++) {
    const t = process.hrtime.bigint();
    await trainOnce();
    times.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ samplesPerSecond: (w.rows * w.epochs) / times[2] }));
  process.exit(0);
}

main();
