/**
 * Fashion-MNIST with a small CNN: conv(32, 3×3, relu) → maxPool 2 → conv(64, 3×3, relu) →
 * maxPool 2 → flatten → dense 128 relu → dense 10 softmax, Adam 1e-3, batch 64, pixels / 255.
 * Prints train and test loss/accuracy per epoch and saves the model. The same recipe as
 * ../shared/bench/torch_cnn.py (PyTorch, seed 0: test accuracy 0.888 after 3 epochs, 0.900 after 5).
 *
 *   apt-get install dataset-fashion-mnist      (the IDX files, in /usr/share/datasets/fashion-mnist)
 *   npx tsx examples/fashion-mnist-cnn.ts [--epochs 3] [--threads 1] [--train 60000] [--data DIR] [--out DIR]
 */
import * as path from 'node:path';
import * as nn from '../src';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export interface FashionOptions {
  /** Folder of train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-… (gzipped or not). */
  dataDir?: string;
  epochs?: number;
  /** Native thread pool size; the library's default when absent. */
  threads?: number;
  /** Train on the first `trainRows` rows only (all by default). */
  trainRows?: number;
  seed?: number;
  /** Where the model is saved; none when absent. */
  outDir?: string;
  log?: (line: string) => void;
}

export interface EpochLine {
  epoch: number;
  loss: number;
  accuracy: number;
  testLoss: number;
  testAccuracy: number;
  seconds: number;
}

export interface FashionResult {
  epochs: EpochLine[];
  testAccuracy: number;
  samplesPerSecond: number;
  model: nn.Sequential;
}

/** The recipe's model for images of [height, width, 1]. */
export function fashionCnn(height: number, width: number, seed: number): nn.Sequential {
  return nn.sequential({
    seed,
    layers: [
      nn.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [height, width, 1] }),
      nn.layers.maxPooling2d({ poolSize: 2 }),
      nn.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      nn.layers.maxPooling2d({ poolSize: 2 }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 128, activation: 'relu' }),
      nn.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

/** Reads the IDX file whose name starts with `stem`, gzipped (.gz) or not. */
async function readPart(dir: string, stem: string, scale?: number): Promise<nn.Tensor> {
  const gz = path.join(dir, `${stem}.gz`);
  try {
    return await nn.data.readIdx(gz, scale ? { scale } : {});
  } catch (e) {
    if ((e as { code?: string }).code !== 'ENOENT') throw e;
    return nn.data.readIdx(path.join(dir, stem), scale ? { scale } : {});
  }
}

/** Images [n, h, w] (bytes) → [rows, h, w, 1] in [0, 1]; labels → one-hot [rows, 10]. */
async function loadSplit(dir: string, prefix: 'train' | 't10k', rows?: number) {
  const images = await readPart(dir, `${prefix}-images-idx3-ubyte`, 1 / 255);
  const labels = await readPart(dir, `${prefix}-labels-idx1-ubyte`);
  const [n, h, w] = images.shape;
  if (images.shape.length !== 3 || labels.shape.length !== 1 || labels.shape[0] !== n)
    throw new RangeError(
      `${prefix}: images ${JSON.stringify(images.shape)} and labels ${JSON.stringify(labels.shape)} do not match`,
    );
  const take = Math.min(rows ?? n, n);
  const x = new nn.Tensor(images.data.subarray(0, take * h * w), [take, h, w, 1]);
  const y = nn.data.oneHot(Int32Array.from(labels.data.subarray(0, take)), 10);
  return { x, y, h, w };
}

export async function run(options: FashionOptions = {}): Promise<FashionResult> {
  const dir = options.dataDir ?? FASHION_MNIST_DIR;
  const epochs = options.epochs ?? 3;
  const seed = options.seed ?? 0;
  const log = options.log ?? ((line: string) => console.log(line));
  if (options.threads !== undefined) nn.setNumThreads(options.threads);

  const train = await loadSplit(dir, 'train', options.trainRows);
  const test = await loadSplit(dir, 't10k');
  const model = fashionCnn(train.h, train.w, seed);
  model.compile({
    optimizer: nn.optimizers.adam({ learningRate: 1e-3 }),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  log(`train ${train.x.shape[0]} × ${train.h}×${train.w}, test ${test.x.shape[0]}, threads ${nn.getNumThreads()}`);

  const lines: EpochLine[] = [];
  let trainSeconds = 0;
  let epochStart = 0;
  await model.fit(train.x, train.y, {
    epochs,
    batchSize: 64,
    shuffle: true,
    seed,
    verbose: 0,
    callbacks: [
      {
        onEpochBegin: () => {
          epochStart = performance.now();
        },
        onEpochEnd: (epoch, logs) => {
          // Timed before the test set is scored, so the rate is training alone.
          const seconds = (performance.now() - epochStart) / 1000;
          trainSeconds += seconds;
          const scored = model.evaluate(test.x, test.y);
          const line = {
            epoch: epoch + 1,
            loss: logs.loss,
            accuracy: logs.accuracy,
            testLoss: scored.loss,
            testAccuracy: scored.accuracy,
            seconds,
          };
          lines.push(line);
          log(
            `epoch ${line.epoch}/${epochs}: train loss ${line.loss.toFixed(4)} accuracy ${line.accuracy.toFixed(4)}, ` +
              `test loss ${line.testLoss.toFixed(4)} accuracy ${line.testAccuracy.toFixed(4)} (${seconds.toFixed(1)} s)`,
          );
        },
      },
    ],
  });
  const samplesPerSecond = (epochs * train.x.shape[0]) / trainSeconds;
  log(`${Math.round(samplesPerSecond)} samples/s of training`);
  if (options.outDir) {
    await model.save(options.outDir);
    log(`saved to ${options.outDir}`);
  }
  return { epochs: lines, testAccuracy: lines[lines.length - 1]?.testAccuracy ?? Number.NaN, samplesPerSecond, model };
}

/** --epochs N --threads N --train ROWS --seed N --data DIR --out DIR */
export function parseArgs(argv: string[]): FashionOptions {
  const options: FashionOptions = { outDir: 'fashion-mnist-cnn-model' };
  const int = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < (flag === '--seed' ? 0 : 1))
      throw new RangeError(`${flag} must be a positive integer, got ${v ?? 'nothing'}`);
    return n;
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--epochs') options.epochs = int(flag, value);
    else if (flag === '--threads') options.threads = int(flag, value);
    else if (flag === '--train') options.trainRows = int(flag, value);
    else if (flag === '--seed') options.seed = int(flag, value);
    else if (flag === '--data' && value) options.dataDir = value;
    else if (flag === '--out' && value) options.outDir = value;
    else
      throw new RangeError(
        `unknown or incomplete option ${flag}; valid: --epochs --threads --train --seed --data --out`,
      );
  }
  return options;
}

if (typeof require !== 'undefined' && require.main === module) {
  Promise.resolve()
    .then(() => run(parseArgs(process.argv.slice(2))))
    .catch((err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
