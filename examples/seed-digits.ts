/**
 * The seed article's digits walkthrough, step by step, with nn.Trainer (the article's Trainer
 * class): digits → min-max scale → one-hot → the article's 80/20 split → 64 sigmoid units →
 * softmax output → categorical cross-entropy → full-batch gradient descent (lr 0.1, 1000 epochs),
 * train and test loss tracked per epoch, test accuracy printed.
 *
 *   npx tsx examples/seed-digits.ts            (in your own code: import * as nn from 'nativenn')
 */
import * as nn from '../src';

export interface SeedDigitsResult {
  trainLoss: number[];
  testLoss: number[];
  testAccuracy: number;
  seconds: number;
}

export async function run(
  options: { epochs?: number; seed?: number; log?: (line: string) => void } = {},
): Promise<SeedDigitsResult> {
  const epochs = options.epochs ?? 1000;
  const seed = options.seed ?? 42;
  const log = options.log ?? console.log;

  // 1. The data: 1797 8×8 images, pixels 0..16, labels 0..9.
  const { x, y, split } = nn.datasets.digits();
  // 2. Min-max scale every pixel column to [0, 1] (as the article does, over the whole set).
  const xScaled = nn.data.minMaxScaler().fitTransform(x);
  // 3. One-hot labels: 10 columns.
  const yOneHot = nn.data.oneHot(y, 10);
  // 4. The article's split (train_test_split(test_size=0.2, random_state=42)).
  const xTrain = nn.data.take(xScaled, split.train);
  const yTrain = nn.data.take(yOneHot, split.train);
  const xTest = nn.data.take(xScaled, split.test);
  const yTest = nn.data.take(yOneHot, split.test);

  // 5. The network: 64 inputs → 64 sigmoid units → 10 softmax outputs.
  const model = nn.sequential({
    seed,
    layers: [
      nn.layers.dense({ units: 64, activation: 'sigmoid', inputShape: [64], kernelInitializer: 'glorotUniform' }),
      nn.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });

  // 6. The Trainer: categorical cross-entropy, plain gradient descent with learning rate 0.1.
  const trainer = new nn.Trainer(model, {
    loss: 'categoricalCrossentropy',
    optimizer: nn.optimizers.sgd({ learningRate: 0.1 }),
    metrics: ['accuracy'],
  });

  // 7. Full-batch training (one batch = the whole training set), tracking the test loss per epoch.
  const started = performance.now();
  const every = Math.max(1, Math.floor(epochs / 10));
  const history = await trainer.fit(xTrain, yTrain, {
    epochs,
    batchSize: xTrain.rows,
    shuffle: false,
    validationData: [xTest, yTest],
    verbose: 0,
    seed,
    callbacks: [
      {
        onEpochEnd: (epoch, logs) => {
          if ((epoch + 1) % every === 0 || epoch === 0) {
            log(
              `epoch ${String(epoch + 1).padStart(4)}  train loss ${logs.loss.toFixed(4)}  test loss ${logs.val_loss.toFixed(4)}`,
            );
          }
        },
      },
    ],
  });
  const seconds = (performance.now() - started) / 1000;

  // 8. Test accuracy.
  const { accuracy } = trainer.evaluate(xTest, yTest);
  log(
    `test accuracy ${(accuracy * 100).toFixed(2)}%  (${epochs} epochs in ${seconds.toFixed(2)} s, backend ${nn.getBackend().name})`,
  );
  return { trainLoss: history.history.loss, testLoss: history.history.val_loss, testAccuracy: accuracy, seconds };
}

if (typeof require !== 'undefined' && require.main === module) {
  run().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
