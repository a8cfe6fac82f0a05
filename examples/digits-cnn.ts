/**
 * The 8×8 digits as images [1797, 8, 8, 1]: conv 16 3×3 same relu → maxPool 2 → flatten →
 * dense 64 relu → dense 10 softmax, Adam, batch 32, 30 epochs, on the article's 80/20 split.
 *
 *   npx tsx examples/digits-cnn.ts [seed]      (in your own code: import * as nn from 'nativenn')
 */
import * as nn from '../src';

export interface DigitsCnnResult {
  history: nn.History;
  testAccuracy: number;
}

export async function run(options: { epochs?: number; seed?: number; verbose?: 0 | 1 } = {}): Promise<DigitsCnnResult> {
  const epochs = options.epochs ?? 30;
  const seed = options.seed ?? 0;
  const { x, y, split } = nn.datasets.digits({ images: true });
  const pixels = new nn.Tensor(
    x.data.map((v) => v / 16),
    x.shape,
  ); // 0..16 → [0, 1]
  const yOneHot = nn.data.oneHot(y, 10);
  const [xTrain, xTest] = [nn.data.take(pixels, split.train), nn.data.take(pixels, split.test)];
  const [yTrain, yTest] = [nn.data.take(yOneHot, split.train), nn.data.take(yOneHot, split.test)];

  const model = nn.sequential({
    seed,
    layers: [
      nn.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [8, 8, 1] }),
      nn.layers.maxPooling2d({ poolSize: 2 }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 64, activation: 'relu' }),
      nn.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  if (options.verbose !== 0) model.summary();
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const history = await model.fit(xTrain, yTrain, {
    epochs,
    batchSize: 32,
    validationData: [xTest, yTest],
    verbose: options.verbose ?? 1,
    seed,
  });
  const { accuracy } = model.evaluate(xTest, yTest);
  if (options.verbose !== 0) console.log(`test accuracy ${(accuracy * 100).toFixed(2)}% (seed ${seed})`);
  return { history, testAccuracy: accuracy };
}

if (typeof require !== 'undefined' && require.main === module) {
  run({ seed: Number(process.argv[2] ?? 0) }).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
