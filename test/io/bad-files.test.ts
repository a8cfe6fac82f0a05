/**
 * Every bad model file of issue 6 gets a clear error: no crash, no huge allocation, nothing read
 * outside the model folder, and no model returned. The good folder each case breaks is written by
 * TensorFlow.js itself; each case copies it and breaks one thing.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/io/load';
import { tempDir, tfjsSaveToDir, tfReady } from './tfjs-files';

let good: string;
beforeAll(async () => {
  const tf = await tfReady();
  const m = tf.sequential();
  m.add(tf.layers.dense({ units: 6, activation: 'relu', inputShape: [4] }));
  m.add(tf.layers.dense({ units: 3, activation: 'softmax' }));
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  good = await tempDir();
  await tfjsSaveToDir(m, good);
});

/** A copy of the good folder (inside a parent folder, so '..' has somewhere to go). */
async function copyOfGood(): Promise<{ dir: string; parent: string; json: any }> {
  const parent = await tempDir();
  const dir = path.join(parent, 'model');
  await fsp.cp(good, dir, { recursive: true });
  return { dir, parent, json: JSON.parse(await fsp.readFile(path.join(dir, 'model.json'), 'utf8')) };
}

async function writeJson(dir: string, json: unknown): Promise<void> {
  await fsp.writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
}

async function expectRejected(dir: string, message: RegExp): Promise<void> {
  let model: unknown;
  let error: unknown;
  try {
    model = await loadModel(dir);
  } catch (e) {
    error = e;
  }
  expect(model).toBeUndefined(); // no partially built model comes back
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).message).toMatch(message);
}

describe('bad model files', () => {
  it('the good folder loads (so each failure below is the broken part)', async () => {
    const { dir } = await copyOfGood();
    const model = await loadModel(dir);
    expect(model).toBeTruthy();
  });

  it('missing folder', async () => {
    await expectRejected(path.join(await tempDir(), 'nope'), /does not exist/);
  });

  it('missing model.json', async () => {
    const { dir } = await copyOfGood();
    await fsp.rm(path.join(dir, 'model.json'));
    await expectRejected(dir, /has no model\.json/);
  });

  it('invalid JSON', async () => {
    const { dir } = await copyOfGood();
    await fsp.writeFile(path.join(dir, 'model.json'), '{"modelTopology": {"class_name": ');
    await expectRejected(dir, /model\.json is not valid JSON/);
  });

  it('a topology with an unknown key', async () => {
    const { dir, json } = await copyOfGood();
    json.modelTopology.config.layers[1].config.kernel_sizee = 3;
    await writeJson(dir, json);
    await expectRejected(dir, /layers\[1\] \(Dense\)\.config has an unknown key "kernel_sizee"/);
  });

  it('a topology with a wrong type', async () => {
    const { dir, json } = await copyOfGood();
    json.modelTopology.config.layers[0].config.units = '6';
    await writeJson(dir, json);
    await expectRejected(dir, /layers\[0\] \(Dense\)\.config\.units must be a number, got "6"/);
  });

  it('an unsupported layer and an unsupported activation are named', async () => {
    const a = await copyOfGood();
    a.json.modelTopology.config.layers[1].class_name = 'Lambda';
    await writeJson(a.dir, a.json);
    await expectRejected(a.dir, /unsupported layer class "Lambda"/);
    const b = await copyOfGood();
    b.json.modelTopology.config.layers[1].config.activation = 'selu';
    await writeJson(b.dir, b.json);
    await expectRejected(b.dir, /unsupported activation "selu"/);
  });

  it('a manifest whose shapes do not match the byte length', async () => {
    const { dir, json } = await copyOfGood();
    json.weightsManifest[0].weights[0].shape = [4, 7];
    await writeJson(dir, json);
    await expectRejected(dir, /the manifest's shapes need 220 bytes, weights\.bin \(204 bytes\) hold 204/);
  });

  it('a manifest whose shapes disagree with the topology', async () => {
    const { dir, json } = await copyOfGood();
    json.weightsManifest[0].weights[0].shape = [6, 4]; // same byte length, wrong layout
    await writeJson(dir, json);
    await expectRejected(dir, /has shape \[6, 4\], the topology needs \[4, 6\]/);
  });

  it('truncated weights.bin', async () => {
    const { dir } = await copyOfGood();
    await fsp.truncate(path.join(dir, 'weights.bin'), 100);
    await expectRejected(dir, /weights are truncated: .*need 204 bytes, weights\.bin \(100 bytes\) hold 100/);
  });

  it('oversized weights.bin', async () => {
    const { dir } = await copyOfGood();
    await fsp.appendFile(path.join(dir, 'weights.bin'), Buffer.alloc(8));
    await expectRejected(dir, /weights are too large: .*need 204 bytes, weights\.bin \(212 bytes\) hold 212/);
  });

  it('absurd shapes are refused before anything is allocated', async () => {
    const a = await copyOfGood();
    a.json.modelTopology.config.layers[0].config.units = 2 ** 40;
    await writeJson(a.dir, a.json);
    await expectRejected(a.dir, /units must be an integer from 1 to 16777216, got 1099511627776/);
    const b = await copyOfGood();
    b.json.weightsManifest[0].weights[0].shape = [2 ** 20, 2 ** 20];
    await writeJson(b.dir, b.json);
    await expectRejected(b.dir, /shape \[1048576,1048576\] is too large/);
    // Within the caps but promising far more bytes than the files hold: refused by stat sizes.
    const c = await copyOfGood();
    c.json.modelTopology.config.layers[0].config.units = 2 ** 24;
    c.json.modelTopology.config.layers[1].config.units = 2 ** 5;
    c.json.weightsManifest[0].weights[0].shape = [4, 2 ** 24];
    await writeJson(c.dir, c.json);
    const before = process.memoryUsage().arrayBuffers;
    await expectRejected(c.dir, /weights are truncated/);
    // tolerance: unrelated buffers may come and go; 256 MiB would have been allocated otherwise
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 * 1024 * 1024);
  });

  it('a manifest path escaping with ../ is refused without reading it', async () => {
    const { dir, parent, json } = await copyOfGood();
    // A file of exactly the right size outside the folder: reading it would have "worked".
    await fsp.cp(path.join(dir, 'weights.bin'), path.join(parent, 'outside.bin'));
    json.weightsManifest[0].paths = ['../outside.bin'];
    await writeJson(dir, json);
    await expectRejected(dir, /path "\.\.\/outside\.bin" leaves the model folder/);
    json.weightsManifest[0].paths = ['../../etc/passwd'];
    await writeJson(dir, json);
    await expectRejected(dir, /path "\.\.\/\.\.\/etc\/passwd" leaves the model folder/);
  });

  it('an absolute manifest path is refused', async () => {
    const { dir, parent, json } = await copyOfGood();
    await fsp.cp(path.join(dir, 'weights.bin'), path.join(parent, 'outside.bin'));
    json.weightsManifest[0].paths = [path.join(parent, 'outside.bin')];
    await writeJson(dir, json);
    await expectRejected(dir, /is absolute; shard paths must be relative/);
  });

  it('a symlink in the folder pointing outside it is refused', async () => {
    const { dir, parent } = await copyOfGood();
    await fsp.rename(path.join(dir, 'weights.bin'), path.join(parent, 'outside.bin'));
    await fsp.symlink(path.join(parent, 'outside.bin'), path.join(dir, 'weights.bin'));
    await expectRejected(dir, /resolves \(through a symlink\) outside the model folder/);
  });

  it('a missing shard', async () => {
    const { dir } = await copyOfGood();
    await fsp.rm(path.join(dir, 'weights.bin'));
    await expectRejected(dir, /weights file "weights\.bin" is missing/);
  });

  it('NaN in weights', async () => {
    const { dir } = await copyOfGood();
    const bin = await fsp.readFile(path.join(dir, 'weights.bin'));
    bin.writeFloatLE(Number.NaN, 4 * 5);
    await fsp.writeFile(path.join(dir, 'weights.bin'), bin);
    await expectRejected(dir, /weight "dense_Dense\d+\/kernel" holds NaN at index 5; weights must be finite/);
  });

  it('a weight dtype other than float32', async () => {
    const { dir, json } = await copyOfGood();
    json.weightsManifest[0].weights[1].dtype = 'string';
    await writeJson(dir, json);
    await expectRejected(dir, /has dtype "string"; only float32 weights/);
  });

  it('a weight the topology needs is missing from the manifest', async () => {
    const { dir, json } = await copyOfGood();
    json.weightsManifest[0].weights[1].name = 'other/bias';
    await writeJson(dir, json);
    await expectRejected(dir, /the weights manifest has no "dense_Dense\d+\/bias"/);
  });
});
