/** readIdx on files that are not what they seem: refused on the open handle, never waited on. */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, promises as fsp, openSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as nn from '../../src';
import { idxBytes, tempDir, writeFile } from '../support/idx-files';

const fifos: string[] = [];

/** Opens each FIFO for writing without blocking: a reader stuck in open() (the bug) is released. */
afterEach(() => {
  vi.restoreAllMocks();
  for (const f of fifos.splice(0)) {
    try {
      closeSync(openSync(f, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      /* no reader waiting */
    }
  }
});

async function readError(p: string): Promise<Error> {
  return nn.data.readIdx(p).then(
    () => {
      throw new Error(`readIdx(${p}) resolved; it should have been refused`);
    },
    (e: Error) => e,
  );
}

describe.skipIf(process.platform === 'win32')('readIdx: FIFOs and devices', () => {
  it('a FIFO: refused, no hang', async () => {
    const fifo = path.join(await tempDir(), 'train-images-idx3-ubyte');
    execFileSync('mkfifo', [fifo]);
    fifos.push(fifo);
    const e = await readError(fifo);
    expect(e).toBeInstanceOf(nn.data.IdxError);
    expect(e.message).toBe(`readIdx: ${fifo}: is not a regular file (a FIFO, socket or device is not read)`);
  }, 15_000);

  it('a FIFO renamed over the file just before it is opened: refused on the handle', async () => {
    const dir = await tempDir();
    const file = await writeFile(dir, 'labels.idx', idxBytes('uint8', [2], [1, 2]));
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    fifos.push(file);
    const open = fsp.open;
    vi.spyOn(fsp, 'open').mockImplementation(async (p, ...rest) => {
      if (String(p) === file) await fsp.rename(fifo, file);
      return open(p, ...(rest as [number]));
    });
    expect((await readError(file)).message).toMatch(/labels\.idx: is not a regular file/);
  }, 15_000);

  it.skipIf(!existsSync('/dev/zero'))('/dev/zero (endless zeros, which look like an IDX magic): refused', async () => {
    expect((await readError('/dev/zero')).message).toMatch(/\/dev\/zero: is not a regular file/);
  });

  it('a symlink to a regular file is followed (data folders are often links)', async () => {
    const dir = await tempDir();
    const file = await writeFile(dir, 'real', idxBytes('int8', [3], [-1, 0, 1]));
    const link = path.join(dir, 'link');
    await fsp.symlink(file, link);
    expect(Array.from((await nn.data.readIdx(link)).data)).toEqual([-1, 0, 1]);
  });
});
