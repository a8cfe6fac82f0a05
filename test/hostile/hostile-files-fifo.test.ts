/** Issue 15 item 8: a FIFO where a weights file was (renamed over it between the check and the
 *  open) must be refused on the open handle, never block loadModel. */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, promises as fsp, openSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadError, savedModel } from './hostile-files-helpers';

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

describe.skipIf(process.platform === 'win32')('FIFOs', () => {
  it('a FIFO renamed over weights.bin just before it is opened: refused, no hang', async () => {
    const { root, dir } = await savedModel();
    const fifo = path.join(root, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const weights = await fsp.realpath(path.join(dir, 'weights.bin'));
    fifos.push(weights);
    // Every check of the path has passed when open is called: swap the file for the FIFO then.
    const open = fsp.open;
    vi.spyOn(fsp, 'open').mockImplementation(async (file, ...rest) => {
      if (String(file) === weights) await fsp.rename(fifo, weights);
      return open(file, ...(rest as [number]));
    });
    const e = await loadError(dir);
    expect(e.message).toMatch(/weights\.bin.* is not a regular file/);
  }, 15_000);

  it('a FIFO named explicitly as the model.json: refused, no hang', async () => {
    const { root } = await savedModel();
    const fifo = path.join(root, 'model.json');
    execFileSync('mkfifo', [fifo]);
    fifos.push(fifo);
    expect((await loadError(fifo)).message).toMatch(/not a regular file/);
  }, 15_000);
});
