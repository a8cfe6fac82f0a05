/**
 * Where a model lives: the path arguments of save and loadModel, checked before any file is
 * touched.
 *
 * - `file://dir` is how tfjs-node users write a folder (tfjs-node strips the prefix and takes the
 *   rest as a path: `file://./m`, `file:///abs/m`); any other scheme (http://, indexeddb://,
 *   localstorage://, …) is refused: nativenn reads and writes local files only.
 * - Save targets on kernel pseudo-filesystems (/proc, /sys, debugfs, cgroup, …) are refused up
 *   front: there mkdir answers ENOENT for a folder that exists, and Node's recursive mkdir retries
 *   forever. The folders above a target are made one at a time (makeParents), which cannot spin.
 */
import { constants, promises as fsp, statfsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { describe } from '../backend/check';

/** statfs magic numbers of Linux pseudo-filesystems nobody saves a model into. */
const PSEUDO_FILESYSTEMS: Record<number, string> = {
  40864: 'procfs',
  1650812274: 'sysfs',
  1684170528: 'debugfs',
  1953653091: 'tracefs',
  2613483: 'cgroup',
  1667723888: 'cgroup2',
  1935894131: 'securityfs',
  3405662737: 'bpf',
  1650812272: 'configfs',
  1634035564: 'pstore',
  3730735588: 'efivarfs',
  1702057283: 'fusectl',
};
const PSEUDO_ROOTS: Record<string, string> = { '/proc': 'procfs', '/sys': 'sysfs' };

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]+):\/\//;

/**
 * A model path as a plain local path: `file://` stripped, other schemes refused (TypeError naming
 * `what`, e.g. 'save: dir' or 'loadModel: path').
 */
export function localModelPath(what: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0) {
    throw new TypeError(`${what} must be a non-empty path, got ${describe(v)}`);
  }
  if (v.includes('\0')) throw new TypeError(`${what} must not contain a NUL character`);
  const m = SCHEME.exec(v);
  if (!m) return v;
  if (m[1].toLowerCase() !== 'file') {
    throw new TypeError(
      `${what}: the ${m[1]}:// scheme is not supported; nativenn reads and writes local folders (a path, or file://path), got ${JSON.stringify(v.slice(0, 200))}`,
    );
  }
  const rest = v.slice(m[0].length);
  if (rest.length === 0) throw new TypeError(`${what}: file:// needs a path after it`);
  return rest;
}

/** The deepest folder of `abs` that exists, as a real path (or null when none can be read). */
function deepestExisting(abs: string): string | null {
  for (let p = abs; ; p = path.dirname(p)) {
    try {
      statSync(p);
      return p;
    } catch {
      if (path.dirname(p) === p) return null;
    }
  }
}

function pseudoFilesystemOf(abs: string): string | null {
  if (process.platform !== 'linux') return null;
  for (const [root, fs] of Object.entries(PSEUDO_ROOTS)) if (abs === root || abs.startsWith(`${root}/`)) return fs;
  const existing = deepestExisting(abs);
  if (existing === null) return null;
  try {
    return PSEUDO_FILESYSTEMS[Number(statfsSync(existing).type)] ?? null;
  } catch {
    return null;
  }
}

/**
 * Checks a save target before anything is written or trained (exported for the CLI's --out):
 * the scheme, and no kernel pseudo-filesystem. Returns the absolute local path.
 */
export function checkSaveTarget(what: string, dir: unknown): string {
  const abs = path.resolve(localModelPath(what, dir));
  const fs = pseudoFilesystemOf(abs);
  if (fs !== null) {
    throw new RangeError(`${what}: ${abs} is on ${fs}, a kernel pseudo-filesystem; save the model to a real folder`);
  }
  return abs;
}

/** mkdir -p, one level at a time: any refusal is reported (never retried). */
export async function makeParents(abs: string): Promise<void> {
  const missing: string[] = [];
  for (let p = abs; ; p = path.dirname(p)) {
    try {
      const st = await fsp.stat(p);
      if (!st.isDirectory()) throw new Error(`save: ${p} exists and is not a folder`);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || path.dirname(p) === p) throw e;
      missing.push(p);
    }
  }
  for (const p of missing.reverse()) {
    try {
      await fsp.mkdir(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** Flags for opening a file nativenn only reads: never follow a final symlink (the caller
 *  resolved it), never block on a FIFO or device (the handle is fstat-ed before any read). */
export const READ_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);
