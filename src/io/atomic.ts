/**
 * Writing a model folder so that a crash never leaves a half-written model where a good one was.
 *
 * All files go into a fresh sibling folder `.<name>.tmp-<pid>-<random>` and are fsynced with it.
 * Then, when the target does not exist, one rename publishes it. When it holds an older model,
 * the old folder is first renamed aside to `.<name>.old-…`, the new one renamed in, and the old one
 * removed; a crash between those two renames leaves no folder at the target but two complete ones
 * beside it (never a mix), and loadModel's "no model.json" error names the backup to restore.
 * Node has no renameat2(RENAME_EXCHANGE), which would close that window.
 *
 * The target must be absent, empty, or a saved model folder: model.json and exactly the weight
 * files its manifest lists, nothing else (no subfolders, no other .bin): saving never deletes a
 * user's other files. The folders above the target are made one level at a time (paths.ts).
 */
import { randomBytes } from 'node:crypto';
import { constants, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { MAX_MODEL_JSON_BYTES, MODEL_JSON } from './format';
import { readSmallFile } from './open-safely';
import { makeParents } from './paths';

export interface FileToWrite {
  name: string;
  data: Uint8Array | string;
}

async function fsyncPath(p: string, flags: number): Promise<void> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(p, flags);
    await fh.sync();
  } catch (e) {
    // Some filesystems refuse fsync on a directory (EINVAL/EISDIR/EPERM): durability is then
    // the filesystem's, the rename is still atomic.
    const code = (e as NodeJS.ErrnoException).code;
    if (!(flags === constants.O_RDONLY && (code === 'EINVAL' || code === 'EISDIR' || code === 'EPERM'))) throw e;
  } finally {
    await fh?.close();
  }
}

async function writeDurably(file: string, data: Uint8Array | string): Promise<void> {
  const fh = await fsp.open(file, 'wx', 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** The files a saved model consists of: model.json and the shard files its manifest names (plain
 *  names in the folder). null when there is no readable model.json: then nothing here is ours. */
async function filesOfSavedModel(dir: string): Promise<Set<string> | null> {
  try {
    const json = JSON.parse(
      new TextDecoder().decode(await readSmallFile(path.join(dir, MODEL_JSON), MODEL_JSON, MAX_MODEL_JSON_BYTES)),
    );
    const manifest: unknown = json?.weightsManifest;
    if (!Array.isArray(manifest)) return null;
    const names = new Set([MODEL_JSON]);
    for (const group of manifest) {
      if (!Array.isArray(group?.paths)) return null;
      for (const p of group.paths) {
        if (typeof p === 'string' && p !== '.' && p !== '..' && !/[\\/]/.test(p)) names.add(p);
      }
    }
    return names;
  } catch {
    return null;
  }
}

/** True when `target` holds a saved model to replace, false when absent (or an empty folder is
 *  there); throws when it holds anything nativenn did not write, so a save never deletes a user's
 *  files. */
async function checkReplaceable(target: string): Promise<boolean> {
  let st: Awaited<ReturnType<typeof fsp.lstat>>;
  try {
    st = await fsp.lstat(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
  if (!st.isDirectory()) throw new Error(`save: ${target} exists and is not a folder`);
  const entries = await fsp.readdir(target, { withFileTypes: true });
  if (entries.length === 0) return true;
  const ours = await filesOfSavedModel(target);
  const foreign = entries.filter((e) => !e.isFile() || !ours?.has(e.name)).map((e) => e.name);
  if (foreign.length > 0) {
    const why = ours ? 'its model.json does not list them' : 'there is no readable model.json';
    throw new Error(
      `save: ${target} holds files that are not part of a model (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}): ${why}; save only replaces a model folder (model.json and the weight files it lists): save each model into its own folder`,
    );
  }
  return true;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes what saves killed earlier left beside `abs`: their temporary folders, and their
 *  backups once a model is back in place. Only our own names, only of processes that are gone. */
async function removeStaleLeftovers(abs: string, targetExists: boolean): Promise<void> {
  const parent = path.dirname(abs);
  const prefix = `.${path.basename(abs)}.`;
  for (const name of await fsp.readdir(parent)) {
    const m = /^\.(tmp|old)-(\d+)-[0-9a-f]{8}$/.exec(name.slice(prefix.length - 1));
    if (!name.startsWith(prefix) || !m) continue;
    if (processAlive(Number(m[2])) || (m[1] === 'old' && !targetExists)) continue;
    await fsp.rm(path.join(parent, name), { recursive: true, force: true });
  }
}

/** Writes `files` as the complete content of folder `target`, atomically (see above). */
export async function writeFolderAtomically(target: string, files: FileToWrite[]): Promise<void> {
  const abs = path.resolve(target);
  const parent = path.dirname(abs);
  const base = path.basename(abs);
  await makeParents(parent);
  const exists = await checkReplaceable(abs);
  await removeStaleLeftovers(abs, exists);
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = path.join(parent, `.${base}.tmp-${tag}`);
  await fsp.mkdir(tmp);
  try {
    for (const f of files) await writeDurably(path.join(tmp, f.name), f.data);
    await fsyncPath(tmp, constants.O_RDONLY);
    if (!exists) {
      await fsp.rename(tmp, abs);
    } else {
      const old = path.join(parent, `.${base}.old-${tag}`);
      await fsp.rename(abs, old);
      try {
        await fsp.rename(tmp, abs);
      } catch (e) {
        await fsp.rename(old, abs); // put the good model back before reporting
        throw e;
      }
      await fsyncPath(parent, constants.O_RDONLY);
      await fsp.rm(old, { recursive: true, force: true });
    }
    await fsyncPath(parent, constants.O_RDONLY);
  } catch (e) {
    await fsp.rm(tmp, { recursive: true, force: true }).catch(() => {});
    throw e;
  }
}

/** Backups an interrupted save left beside `target` (for the error message of loadModel). */
export async function interruptedSaveLeftovers(target: string): Promise<string[]> {
  const abs = path.resolve(target);
  const prefix = `.${path.basename(abs)}.`;
  try {
    const names = await fsp.readdir(path.dirname(abs));
    return names
      .filter((n) => n.startsWith(prefix) && /\.(old|tmp)-\d+-[0-9a-f]+$/.test(n))
      .map((n) => path.join(path.dirname(abs), n));
  } catch {
    return [];
  }
}
