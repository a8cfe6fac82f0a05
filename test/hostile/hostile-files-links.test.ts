/** Issue 15 item 7: symlinks out of a model folder, procfs pseudo-files, and errors that must not
 *  echo what a file holds. */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { loadError, savedModel } from './hostile-files-helpers';

const linux = process.platform === 'linux';

describe('symlinks', () => {
  it('refuses a model.json inside the folder that links out of it, without echoing its content', async () => {
    const { root, dir } = await savedModel();
    const secret = path.join(root, 'secret.json');
    await fsp.writeFile(secret, 'root:x:0:0:TOPSECRET');
    await fsp.rm(path.join(dir, 'model.json'));
    await fsp.symlink(secret, path.join(dir, 'model.json'));
    const e = await loadError(dir);
    expect(e.message).toMatch(/symlink that leads out of the model folder/);
    expect(e.message).not.toMatch(/TOPSECRET|root:x/);
  });

  it('refuses a link to a complete model elsewhere too (a folder holds its own model.json)', async () => {
    const a = await savedModel();
    const b = await savedModel();
    await fsp.rm(path.join(b.dir, 'model.json'));
    await fsp.symlink(path.join(a.dir, 'model.json'), path.join(b.dir, 'model.json'));
    expect((await loadError(b.dir)).message).toMatch(/leads out of the model folder/);
  });

  it('accepts a link inside the folder, and an explicitly named link to a regular file', async () => {
    const { root, dir } = await savedModel();
    await fsp.symlink('model.json', path.join(dir, 'alias.json'));
    await expect(nn.loadModel(path.join(dir, 'alias.json'))).resolves.toBeDefined();
    await fsp.symlink(dir, path.join(root, 'link-to-folder'));
    await expect(nn.loadModel(path.join(root, 'link-to-folder'))).resolves.toBeDefined();
  });

  it.skipIf(!linux)('an explicitly named link must end at a regular file (not /dev/zero)', async () => {
    const { dir } = await savedModel();
    await fsp.symlink('/dev/zero', path.join(dir, 'zero.json'));
    expect((await loadError(path.join(dir, 'zero.json'))).message).toMatch(/not a regular file/);
  });
});

describe.skipIf(!linux)('procfs pseudo-files (size 0, content unbounded)', () => {
  it('/proc/self/status named as model.json: refused on the handle, content not echoed', async () => {
    const e = await loadError('/proc/self/status');
    expect(e.message).toMatch(/holds more than the 0 bytes its size says|cannot be read/);
    expect(e.message).not.toMatch(/Name:|VmRSS|State:/);
  });

  it('/proc/self/pagemap does not bypass the 64 MiB cap', async () => {
    const e = await loadError('/proc/self/pagemap');
    expect(e.name).toBe('ModelFileError');
    expect(e.message).toMatch(/pagemap (holds more than the 0 bytes|cannot be read)/);
  });

  it('a folder whose weights.bin links to /proc/self/pagemap is refused (outside the folder)', async () => {
    const { dir } = await savedModel();
    await fsp.rm(path.join(dir, 'weights.bin'));
    await fsp.symlink('/proc/self/pagemap', path.join(dir, 'weights.bin'));
    expect((await loadError(dir)).message).toMatch(/outside the model folder/);
  });

  it('an invalid model.json is reported by position, never by quoting it', async () => {
    const { dir } = await savedModel();
    await fsp.writeFile(path.join(dir, 'model.json'), 'root:x:0:0:root:/root:/bin/bash\n');
    const e = await loadError(dir);
    expect(e.message).toMatch(/is not valid JSON/);
    expect(e.message).not.toMatch(/root|bash/);
  });
});
