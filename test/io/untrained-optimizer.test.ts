/** Issue 15 item 3: a checkpoint with optimizer state saved before any training (by nativenn or
 *  by tfjs) holds only `iter`; it must load, and training from it must match a fresh start. */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { seededValues, tempDir, tfjsSaveToDir, tfReady } from './tfjs-files';

function build(optimizer: string): nn.Sequential {
  const m = nn.sequential({
    seed: 7,
    layers: [nn.layers.dense({ units: 5, activation: 'relu', inputShape: [4] }), nn.layers.dense({ units: 2 })],
  });
  m.compile({ optimizer, loss: 'meanSquaredError' });
  return m;
}

describe('includeOptimizer before the first fit', () => {
  for (const opt of ['sgd', 'momentum', 'adam', 'rmsprop', 'adagrad']) {
    it(`${opt}: nativenn's untrained checkpoint loads and trains like the original`, async () => {
      const m = build(opt);
      const dir = path.join(await tempDir(), 'm');
      await m.save(dir, { includeOptimizer: true });
      const loaded = await nn.loadModel(dir);
      const x = nn.tensor2d(seededValues(32, 1), [8, 4]);
      const y = nn.tensor2d(seededValues(16, 2), [8, 2]);
      await m.fit(x, y, { epochs: 2, batchSize: 4, seed: 1, verbose: 0 });
      await loaded.fit(x, y, { epochs: 2, batchSize: 4, seed: 1, verbose: 0 });
      expect(Array.from(loaded.predict(x).data)).toEqual(Array.from(m.predict(x).data));
    });
  }

  it("tfjs's untrained model saved with includeOptimizer loads", async () => {
    const tf = await tfReady();
    const t = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4], activation: 'relu' })] });
    t.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
    const dir = await tempDir();
    await tfjsSaveToDir(t, dir, { includeOptimizer: true });
    const loaded = await nn.loadModel(dir);
    const x = seededValues(8, 3);
    const want = (t.predict(tf.tensor2d(x, [2, 4])) as (typeof t.outputs)[0] & { dataSync(): Float32Array }).dataSync();
    const got = loaded.predict(nn.tensor2d(x, [2, 4])).data;
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 6);
  });
});
