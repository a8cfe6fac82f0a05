/**
 * nativenn side of the two small tabular tasks made from the digits set (see
 * digits_tabular_torch.py for the PyTorch side, same split and recipe):
 *   binary:     even vs odd digit, 64 → 32 relu → 1 sigmoid, binaryCrossentropy (metric accuracy)
 *   regression: the digit's value 0..9, 64 → 32 relu → 1 linear, meanSquaredError (metric mae)
 * Adam lr 1e-3, batch 32, 60 epochs.   npx tsx test/examples/reference/digits-tabular.ts [seeds...]
 */
import * as nn from '../../../src';

export async function runTask(task: 'binary' | 'regression', seed: number, epochs = 60) {
  const { x, y, split } = nn.datasets.digits();
  const xs = nn.data.minMaxScaler().fitTransform(x);
  const target = new nn.Tensor(
    Float32Array.from(y, (v) => (task === 'binary' ? (v % 2 === 0 ? 1 : 0) : v)),
    [y.length, 1],
  );
  const model = nn.sequential({
    seed,
    layers: [
      nn.layers.dense({ units: 32, activation: 'relu', inputShape: [64] }),
      nn.layers.dense({ units: 1, activation: task === 'binary' ? 'sigmoid' : 'linear' }),
    ],
  });
  model.compile({
    optimizer: 'adam',
    loss: task === 'binary' ? 'binaryCrossentropy' : 'mse',
    metrics: [task === 'binary' ? 'accuracy' : 'mae'],
  });
  await model.fit(nn.data.take(xs, split.train), nn.data.take(target, split.train), {
    epochs,
    batchSize: 32,
    verbose: 0,
    seed,
  });
  return model.evaluate(nn.data.take(xs, split.test), nn.data.take(target, split.test));
}

async function main() {
  const seeds = process.argv.slice(2).map(Number);
  const list = seeds.length > 0 ? seeds : [1, 2, 3, 4, 5];
  for (const [task, metric] of [
    ['binary', 'accuracy'],
    ['regression', 'mae'],
  ] as const) {
    const rs = [];
    for (const s of list) rs.push(await runTask(task, s));
    const mean = (k: string) => rs.reduce((a, r) => a + r[k], 0) / rs.length;
    const losses = rs.map((r) => r.loss);
    console.log(
      `nativenn ${task}: test loss ${mean('loss').toFixed(4)} (min ${Math.min(...losses).toFixed(4)} max ${Math.max(...losses).toFixed(4)}), test ${metric} ${mean(metric).toFixed(4)} over seeds ${list.join(',')} (backend ${nn.getBackend().name})`,
    );
  }
}

if (typeof require !== 'undefined' && require.main === module) main();
