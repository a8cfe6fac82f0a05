/** Issue 13 item 4 (file:// and other schemes) and issue 15 item 6 (save replaces only what a
 *  saved model consists of). */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { tempDir, tfjsSaveToDir, tfReady } from './tfjs-files';

function small(): nn.Sequential {
  const m = nn.sequential({ seed: 3, layers: [nn.layers.dense({ units: 2, inputShape: [3] })] });
  m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  return m;
}
const x = nn.tensor2d([[1, 2, 3]]);

describe('file:// and other schemes', () => {
  it('save and loadModel accept file:///abs/path as tfjs-node users write it', async () => {
    const root = await tempDir();
    const dir = path.join(root, 'm');
    const result = await small().save(`file://${dir}`);
    expect(result.dir).toBe(dir);
    expect(await fsp.readdir(root)).toEqual(['m']); // no folder named "file:"
    const a = await nn.loadModel(`file://${dir}`);
    const b = await nn.loadModel(`file://${dir}/model.json`);
    expect(Array.from(a.predict(x).data)).toEqual(Array.from(small().predict(x).data));
    expect(Array.from(b.predict(x).data)).toEqual(Array.from(a.predict(x).data));
  });

  for (const url of [
    'http://example.com/m',
    'https://x/model.json',
    'indexeddb://m',
    'localstorage://m',
    'downloads://m',
  ]) {
    it(`refuses ${url.split('/')[0]}// clearly in save and loadModel`, async () => {
      const scheme = url.split(':')[0];
      const re = new RegExp(`${scheme}:// scheme is not supported`);
      await expect(small().save(url)).rejects.toThrow(re);
      await expect(small().save(url)).rejects.toBeInstanceOf(TypeError);
      await expect(nn.loadModel(url)).rejects.toThrow(re);
    });
  }
});

describe('save replaces only a saved model', () => {
  it("keeps a user's unrelated .bin file beside a model: refused, nothing changed", async () => {
    const dir = path.join(await tempDir(), 'm');
    await small().save(dir);
    await fsp.writeFile(path.join(dir, 'my-data.bin'), 'precious');
    const before = await fsp.readFile(path.join(dir, 'weights.bin'));
    await expect(small().save(dir)).rejects.toThrow(
      /not part of a model \(my-data\.bin\): its model\.json does not list them/,
    );
    expect(await fsp.readFile(path.join(dir, 'my-data.bin'), 'utf8')).toBe('precious');
    expect(await fsp.readFile(path.join(dir, 'weights.bin'))).toEqual(before);
  });

  it('refuses a folder of .bin files with no model.json', async () => {
    const dir = await tempDir();
    await fsp.writeFile(path.join(dir, 'weights.bin'), 'not a model');
    await expect(small().save(dir)).rejects.toThrow(
      /not part of a model \(weights\.bin\): there is no readable model\.json/,
    );
    expect(await fsp.readFile(path.join(dir, 'weights.bin'), 'utf8')).toBe('not a model');
  });

  it('replaces a model folder with the files its manifest lists (tfjs shards too), and an empty folder', async () => {
    const tf = await tfReady();
    const t = tf.sequential({ layers: [tf.layers.dense({ units: 40, inputShape: [30] })] });
    const dir = await tempDir();
    await tfjsSaveToDir(t, dir, { shardBytes: 1024 });
    expect((await fsp.readdir(dir)).length).toBeGreaterThan(3);
    await small().save(dir);
    expect((await fsp.readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']);
    const empty = await tempDir();
    await small().save(empty);
    expect((await fsp.readdir(empty)).sort()).toEqual(['model.json', 'weights.bin']);
  });
});
