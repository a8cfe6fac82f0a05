// node examples/readme.cjs: CommonJS has no top-level await, so await inside an async function.
const nn = require('nativenn');

async function main() {
  const { x, y, split } = nn.datasets.digits();
  const xs = nn.data.minMaxScaler().fitTransform(x);
  const model = nn.sequential({
    seed: 7,
    layers: [
      nn.layers.dense({ units: 32, activation: 'relu', inputShape: [64] }),
      nn.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const trainY = nn.data.take(y, split.train); // integer labels: sparseCategoricalCrossentropy
  await model.fit(nn.data.take(xs, split.train), trainY, { epochs: 20, seed: 1, verbose: 0 });
  console.log(model.evaluate(nn.data.take(xs, split.test), nn.data.take(y, split.test)));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
