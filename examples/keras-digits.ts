/**
 * The article's TensorFlow/Keras version of the digits example, in nativenn's Keras-style API:
 * dense 64 relu → dense 10 softmax, adam, categorical cross-entropy, accuracy, validated on the
 * article's test split.
 *
 *   npx tsx examples/keras-digits.ts            (in your own code: import * as nn from 'nativenn')
 */
import * as nn from '../src';

export interface KerasDigitsResult {
  /** The trained classifier (it reads pixels min-max scaled to [0, 1]). */
  model: nn.Sequential;
  history: nn.History;
  testAccuracy: number;
  seconds: number;
}

export async function run(
  options: { epochs?: number; seed?: number; verbose?: 0 | 1 } = {},
): Promise<KerasDigitsResult> {
  const epochs = options.epochs ?? 100;
  const seed = options.seed ?? 42;

  const { x, y, split } = nn.datasets.digits();
  const xScaled = nn.data.minMaxScaler().fitTransform(x);
  const yOneHot = nn.data.oneHot(y, 10);
  const xTrain = nn.data.take(xScaled, split.train);
  const yTrain = nn.data.take(yOneHot, split.train);
  const xTest = nn.data.take(xScaled, split.test);
  const yTest = nn.data.take(yOneHot, split.test);

  const model = nn.sequential({
    seed,
    layers: [
      nn.layers.dense({ units: 64, activation: 'relu', inputShape: [64] }),
      nn.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  if (options.verbose !== 0) model.summary();
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });

  const started = performance.now();
  const history = await model.fit(xTrain, yTrain, {
    epochs,
    batchSize: 32,
    validationData: [xTest, yTest],
    verbose: options.verbose ?? 1,
    seed,
  });
  const seconds = (performance.now() - started) / 1000;
  const { loss, accuracy } = model.evaluate(xTest, yTest);
  if (options.verbose !== 0) {
    console.log(
      `test loss ${loss.toFixed(4)}, test accuracy ${(accuracy * 100).toFixed(2)}% (${epochs} epochs in ${seconds.toFixed(2)} s, backend ${nn.getBackend().name})`,
    );
  }
  return { model, history, testAccuracy: accuracy, seconds };
}

if (typeof require !== 'undefined' && require.main === module) {
  run().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
