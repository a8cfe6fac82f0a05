/**
 * Opening files of a model folder that nobody vouches for: open first, then check the handle.
 *
 * A path is resolved (realpath) and checked by the caller; here it is opened with O_NOFOLLOW (a
 * symlink swapped in meanwhile fails instead of being followed) and O_NONBLOCK (a FIFO or device
 * opens at once instead of hanging a libuv thread), and the *handle* is fstat-ed: only a regular
 * file is read, and its size is the one of what was opened. A pseudo-file that says it has 0 bytes
 * (/proc/self/pagemap) is caught by reading one byte past the size. Errors name the file, never
 * its content.
 */
import { promises as fsp } from 'node:fs';
import { READ_FLAGS } from './paths';
import { ModelFileError } from './strict';

export interface OpenedFile {
  handle: fsp.FileHandle;
  size: number;
}

/** Opens `real` (already resolved) as a regular file no larger than `maxBytes`. */
export async function openRegularFile(real: string, shown: string, maxBytes: number): Promise<OpenedFile> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(real, READ_FLAGS);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ELOOP' ? 'became a symlink while being opened' : `cannot be opened (${code ?? 'error'})`;
    throw new ModelFileError(`${shown} ${why}`);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new ModelFileError(`${shown} is not a regular file`);
    if (st.size > maxBytes) throw new ModelFileError(`${shown} is ${st.size} bytes; at most ${maxBytes} are read`);
    return { handle, size: st.size };
  } catch (e) {
    await handle.close();
    throw e;
  }
}

/** Reads exactly `size` bytes into `out` at `offset`; refuses a file that is not that size. */
export async function readExactly(f: OpenedFile, shown: string, out: Uint8Array, offset: number): Promise<void> {
  const read = async (buf: Uint8Array, at: number, n: number, pos: number): Promise<number> => {
    try {
      return (await f.handle.read(buf, at, n, pos)).bytesRead;
    } catch (e) {
      throw new ModelFileError(`${shown} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  };
  let done = 0;
  while (done < f.size) {
    const bytesRead = await read(out, offset + done, f.size - done, done);
    if (bytesRead === 0) throw new ModelFileError(`${shown} shrank while being read`);
    done += bytesRead;
  }
  if ((await read(new Uint8Array(1), 0, 1, f.size)) !== 0) {
    throw new ModelFileError(
      `${shown} holds more than the ${f.size} bytes its size says (it grew, or is a pseudo-file)`,
    );
  }
}

/** The whole of a small regular file (model.json), opened and checked as above. */
export async function readSmallFile(real: string, shown: string, maxBytes: number): Promise<Uint8Array> {
  const f = await openRegularFile(real, shown, maxBytes);
  try {
    const out = new Uint8Array(f.size);
    await readExactly(f, shown, out, 0);
    return out;
  } finally {
    await f.handle.close();
  }
}
