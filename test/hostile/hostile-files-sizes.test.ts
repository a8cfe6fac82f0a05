/** Issue 15 items 9 and 11: a manifest naming 100k files is refused before any of them is looked
 *  at, with a short message; save under /proc or /sys is refused at once (recursive mkdir spun). */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import * as nn from '../../src';
import { checkSaveTarget } from '../../src/io/paths';
import { loadError, savedModel } from './hostile-files-helpers';

describe('manifest bounds', () => {
  it('100k shard paths: refused before any stat, in a short message', async () => {
    const { dir } = await savedModel();
    const file = path.join(dir, 'model.json');
    const json = JSON.parse(await fsp.readFile(file, 'utf8'));
    json.weightsManifest[0].paths = Array.from({ length: 100_000 }, (_, i) => `w${i}.bin`);
    await fsp.writeFile(file, JSON.stringify(json));
    const realpath = vi.spyOn(fsp, 'realpath');
    const e = await loadError(dir);
    const shardLookups = realpath.mock.calls.filter((c) => /w\d+\.bin$/.test(String(c[0]))).length;
    realpath.mockRestore();
    expect(e.message).toMatch(/names 100001 groups and weight files \(at most 4096\)/);
    expect(e.message.length).toBeLessThan(300);
    expect(shardLookups).toBe(0);
  });

  it('a weights.bin much larger than promised is refused by its size, and the message stays short', async () => {
    const { dir } = await savedModel();
    const file = path.join(dir, 'model.json');
    const json = JSON.parse(await fsp.readFile(file, 'utf8'));
    json.weightsManifest[0].paths = Array.from({ length: 50 }, () => 'weights.bin');
    await fsp.writeFile(file, JSON.stringify(json));
    const e = await loadError(dir);
    expect(e.message).toMatch(/weights are too large/);
    expect(e.message.length).toBeLessThan(400);
  });

  it('a sparse model.json above 64 MiB is refused by the size of the open handle', async () => {
    const { dir } = await savedModel();
    await fsp.truncate(path.join(dir, 'model.json'), 64 * 1024 * 1024 + 1);
    expect((await loadError(dir)).message).toMatch(/is 67108865 bytes; at most 67108864/);
  });
});

describe.skipIf(process.platform !== 'linux')('save targets on pseudo-filesystems', () => {
  for (const target of ['/proc/nativenn-x', '/proc/self/nativenn/deeper', '/sys/nativenn-x']) {
    it(`save('${target}') is refused at once`, async () => {
      const m = nn.sequential({ layers: [nn.layers.dense({ units: 1, inputShape: [1] })] });
      await expect(m.save(target)).rejects.toThrow(/is on (procfs|sysfs), a kernel pseudo-filesystem/);
      expect(() => checkSaveTarget('--out', target)).toThrow(RangeError);
    }, 10_000);
  }

  it('a symlink into /proc is seen through', async () => {
    const { root } = await savedModel();
    await fsp.symlink('/proc/self', path.join(root, 'p'));
    expect(() => checkSaveTarget('save: dir', path.join(root, 'p', 'model'))).toThrow(/procfs/);
  });

  it('an ordinary target passes and comes back absolute', () => {
    expect(checkSaveTarget('save: dir', 'file:///tmp/some/model')).toBe('/tmp/some/model');
  });
});

describe.skipIf(process.platform !== 'linux')('modelCheckpoint targets', () => {
  it('a checkpoint folder under /proc is refused when the callback is made, before any training', () => {
    expect(() => nn.callbacks.modelCheckpoint({ dir: '/proc/self/ckpt-{epoch}' })).toThrow(/procfs/);
    expect(() => nn.callbacks.modelCheckpoint({ dir: 'indexeddb://ckpt' })).toThrow(/scheme is not supported/);
  });
});

describe('message bounds', () => {
  it('a megabyte-long weight name is refused without being quoted', async () => {
    const { dir } = await savedModel();
    const file = path.join(dir, 'model.json');
    const json = JSON.parse(await fsp.readFile(file, 'utf8'));
    json.weightsManifest[0].weights[0].name = 'x'.repeat(1 << 20);
    await fsp.writeFile(file, JSON.stringify(json));
    const e = await loadError(dir);
    expect(e.message).toMatch(/name must have 1 to 1024 characters, got 1048576/);
    expect(e.message.length).toBeLessThan(300);
  });
});
