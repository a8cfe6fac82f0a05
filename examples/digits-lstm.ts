/**
 * The 8×8 digits read row by row: 8 steps of 8 pixels → LSTM(64) → dense 10 softmax, Adam
 * (learning rate 0.01), batch 32, 20 epochs, on the article's 80/20 split. Prints the train and
 * test loss and accuracy of every epoch. The recipe is PyTorch's (shared/bench/torch_lstm.py
 * --task digits: 0.9944 for seeds 0–2), initialization included: the LSTM's weights and biases
 * start uniform in ±1/√units as torch.nn.LSTM's do. With Keras's defaults instead (glorot,
 * orthogonal, forget bias 1; `keras: true`) Adam at 0.01 is less steady here: 0.969–0.992.
 *
 *   npx tsx examples/digits-lstm.ts [seed]     (in your own code: import * as nn from 'nativenn')
 */
import * as nn from '../src';

export interface DigitsLstmResult {
  history: nn.History;
  testAccuracy: number;
  /** Median seconds per training epoch. */
  epochSeconds: number;
}

export async function run(
  options: {
    epochs?: number;
    seed?: number;
    units?: number;
    /** Keras's default initializers instead of PyTorch's. */
    keras?: boolean;
    verbose?: 0 | 1;
    log?: (line: string) => void;
  } = {},
): Promise<DigitsLstmResult> {
  const epochs = options.epochs ?? 20;
  const seed = options.seed ?? 0;
  const log = options.log ?? console.log;
  const { x, y, split } = nn.datasets.digits();
  const rows = new nn.Tensor(
    x.data.map((v) => v / 16),
    [x.shape[0], 8, 8],
  ); // 0..16 → [0, 1]; sample i is 8 time steps of 8 pixels (one image row each)
  const yOneHot = nn.data.oneHot(y, 10);
  const [xTrain, xTest] = [nn.data.take(rows, split.train), nn.data.take(rows, split.test)];
  const [yTrain, yTest] = [nn.data.take(yOneHot, split.train), nn.data.take(yOneHot, split.test)];

  const units = options.units ?? 64;
  const limit = 1 / Math.sqrt(units);
  const torchInit = () => nn.initializers.randomUniform({ minval: -limit, maxval: limit });
  const init = options.keras
    ? {}
    : {
        kernelInitializer: torchInit(),
        recurrentInitializer: torchInit(),
        biasInitializer: torchInit(),
        unitForgetBias: false,
      };
  const model = nn.sequential({
    seed,
    layers: [
      nn.layers.lstm({ units, inputShape: [8, 8], ...init }),
      nn.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  if (options.verbose !== 0) model.summary();
  model.compile({
    optimizer: nn.optimizers.adam({ learningRate: 0.01 }),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  const seconds: number[] = [];
  let started = 0;
  const history = await model.fit(xTrain, yTrain, {
    epochs,
    batchSize: 32,
    validationData: [xTest, yTest],
    verbose: 0,
    seed,
    callbacks: [
      {
        onEpochBegin: () => {
          started = performance.now();
        },
        onEpochEnd: (epoch, logs) => {
          seconds.push((performance.now() - started) / 1000);
          if (options.verbose === 0) return;
          const f = (v: number | undefined) => (v ?? Number.NaN).toFixed(4);
          log(
            `epoch ${epoch + 1}/${epochs}: train loss ${f(logs.loss)} accuracy ${f(logs.accuracy)}, test loss ${f(logs.val_loss)} accuracy ${f(logs.val_accuracy)}`,
          );
        },
      },
    ],
  });
  const { accuracy } = model.evaluate(xTest, yTest);
  const sorted = [...seconds].sort((a, b) => a - b);
  const epochSeconds = sorted[Math.floor(sorted.length / 2)];
  if (options.verbose !== 0)
    log(
      `test accuracy ${(accuracy * 100).toFixed(2)}% (seed ${seed}), ${(epochSeconds * 1000).toFixed(1)} ms per epoch`,
    );
  return { history, testAccuracy: accuracy, epochSeconds };
}

if (typeof require !== 'undefined' && require.main === module) {
  run({ seed: Number(process.argv[2] ?? 0) }).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
