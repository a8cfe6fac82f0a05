// npx tsx examples/readme.ts (the README's "Use it" sample, verbatim)
import * as nn from 'nativenn';

// The article's digits walkthrough: load, min-max scale, one-hot, the 80/20 split.
async function main() {
  const { x, y, split } = nn.datasets.digits(); // x [1797, 64] pixels 0..16, y Int32Array
  const xs = nn.data.minMaxScaler().fitTransform(x);
  const ys = nn.data.oneHot(y, 10);
  const [xTrain, yTrain] = [nn.data.take(xs, split.train), nn.data.take(ys, split.train)];
  const [xTest, yTest] = [nn.data.take(xs, split.test), nn.data.take(ys, split.test)];

  // seed: the initial weights and the dropout masks; fit's seed: the shuffles and validationSplit.
  // Both seeds on the same backend: bit-identical weights and history, run after run.
  const model = nn.sequential({
    seed: 42,
    layers: [
      nn.layers.dense({ units: 64, activation: 'relu', inputShape: [64] }),
      nn.layers.dropout({ rate: 0.2 }),
      nn.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.summary();
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy', 'f1'] });

  const history = await model.fit(xTrain, yTrain, {
    epochs: 100,
    batchSize: 32,
    validationData: [xTest, yTest],
    seed: 1,
    verbose: 0,
    callbacks: [nn.callbacks.earlyStopping({ monitor: 'val_loss', patience: 10, restoreBestWeights: true })],
  });
  console.log('epochs', history.epoch.length, 'last loss', history.history.loss.at(-1));
  console.log(model.evaluate(xTest, yTest)); // { loss, accuracy, f1 }
  const probabilities = model.predict(xTest); // Tensor [360, 10]
  console.log('macro F1', nn.metrics.f1(nn.data.take(y, split.test), probabilities));

  await model.save('digits-model'); // TensorFlow.js Layers format
  const again = await nn.loadModel('digits-model');
  console.log('reloaded accuracy', again.evaluate(xTest, yTest).accuracy);
}

main();
