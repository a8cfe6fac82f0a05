/** fitDataset on an image model: batches as Tensors [b, h, w, c] or flat Float32Arrays (read as
 *  [b, ...inputShape]) train exactly as fit does on the same full batch. */
import { expect, it } from 'vitest';
import * as nn from '../../src';
import { Random } from '../../src/util/random';

function model() {
  const m = nn.sequential({
    seed: 7,
    layers: [
      nn.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [4, 4, 1] }),
      nn.layers.maxPooling2d(),
      nn.layers.flatten(),
      nn.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  return m;
}

it.each(['tensor', 'flat'] as const)('a full-batch epoch of %s image batches equals fit', async (form) => {
  const rng = new Random(3);
  const rows = 8;
  const x = Float32Array.from({ length: rows * 16 }, () => rng.uniform(0, 1));
  const y = Float32Array.from({ length: rows }, () => rng.int(3));
  const a = model();
  // In the dataset's row order: a shuffled batch sums its rows in another order (last-bit differences).
  await a.fit(nn.tensor(x, [rows, 4, 4, 1]), y, { epochs: 1, batchSize: rows, verbose: 0, shuffle: false });
  const b = model();
  const xs = form === 'tensor' ? nn.tensor(x, [rows, 4, 4, 1]) : x;
  await b.fitDataset([{ xs, ys: y }], { epochs: 1, verbose: 0 });
  b.getWeights().forEach((w, i) => expect(Array.from(w.data)).toEqual(Array.from(a.getWeights()[i].data)));
});
