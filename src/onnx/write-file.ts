/**
 * One file written so that a crash or an error never leaves a partial file at the target: the
 * bytes go to a sibling `.<name>.tmp-<pid>-<random>`, are fsynced, and one rename publishes them
 * (replacing an older file atomically). The folder-level version for models is src/io/atomic.ts.
 */
import { randomBytes } from 'node:crypto';
import { constants, promises as fsp } from 'node:fs';
import * as path from 'node:path';

/** Writes `data` to `target`; returns the absolute path. Refuses a target that is a folder. */
export async function writeFileAtomically(fn: string, target: string, data: Uint8Array): Promise<string> {
  const abs = path.resolve(target);
  if (/[/\\]$/.test(target))
    throw new RangeError(`${fn}: path ${target} names a folder; give a file path such as model.onnx`);
  const st = await fsp.stat(abs).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw e;
  });
  if (st?.isDirectory())
    throw new RangeError(
      `${fn}: path ${target} is a folder; give a file path such as ${path.join(target, 'model.onnx')}`,
    );
  if (st && !st.isFile()) throw new RangeError(`${fn}: path ${target} exists and is not a regular file`);
  const parent = path.dirname(abs);
  await fsp.mkdir(parent, { recursive: true });
  const tmp = path.join(parent, `.${path.basename(abs)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const fh = await fsp.open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, abs);
  } catch (e) {
    await fsp.rm(tmp, { force: true }).catch(() => {});
    throw e;
  }
  // the rename's durability: fsync the folder (some filesystems refuse; the rename stays atomic)
  const dir = await fsp.open(parent, constants.O_RDONLY).catch(() => null);
  await dir?.sync().catch(() => {});
  await dir?.close();
  return abs;
}
