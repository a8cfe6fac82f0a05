/** Loads the addon with node-gyp-build: a local build (build/Release, made by a source build) if
 *  there is one, else the prebuilt binary for this platform (prebuilds/<platform>-<arch>/), which
 *  must have been built from the shipped native/ sources (its build-info.json says).
 *  scripts/install.js keeps the two consistent: it removes build/Release/nativenn.node when it
 *  chooses the prebuilt binary. Returns null, with the reason kept, when neither loads: the
 *  library then runs on the js backend. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyCpuPathRequest, warnCpuPath } from './cpu-path';

/** The raw addon: the Backend methods (enums by name) plus the tape executor and extras. */
export type Addon = Record<string, (...args: any[]) => any>;

const packageRoot = path.join(__dirname, '..', '..', '..');
let loadError: Error | null = null;
let loadedFrom: string | null = null;

function load(): Addon | null {
  if (process.env.NATIVENN_BACKEND === 'js') {
    loadError = new Error('NATIVENN_BACKEND=js: the native addon was not loaded');
    return null;
  }
  let file = '';
  try {
    // Another build of the addon, by path (`npm run test:sanitize` loads its ASan+UBSan build so).
    const explicit = process.env.NATIVENN_ADDON_PATH;
    if (explicit) {
      file = path.resolve(explicit);
      const addon = require(file) as Addon;
      loadedFrom = file;
      return addon;
    }
    const nodeGypBuild = require('node-gyp-build') as { resolve(dir: string): string };
    file = nodeGypBuild.resolve(packageRoot); // throws "No native build was found for platform=…"
    if (path.basename(path.dirname(path.dirname(file))) === 'prebuilds') checkSources(file);
    const addon = require(file) as Addon;
    loadedFrom = file;
    return addon;
  } catch (err) {
    const e = err as Error;
    loadError = file ? new Error(`could not load ${file}: ${e.message}`, { cause: e }) : e;
    return null;
  }
}

/** Throws unless the prebuilt binary's build-info.json names the hash of the sources beside it. */
function checkSources(file: string): void {
  const info = JSON.parse(fs.readFileSync(path.join(path.dirname(file), 'build-info.json'), 'utf8'));
  const { sourceHash } = require(path.join(packageRoot, 'scripts', 'source-hash.js'));
  if (info.sourceHash !== sourceHash(packageRoot)) {
    throw new Error('it was built from other sources than native/ (npm run prebuilds, or build from source)');
  }
}

export const addon: Addon | null = load();
if (addon) applyCpuPathRequest(addon, process.env.NATIVENN_CPU, warnCpuPath);
export function addonLoadError(): Error | null {
  return loadError;
}
export function setAddonLoadError(err: Error): void {
  loadError = err;
}
/** The file the addon was loaded from (a prebuilt binary or build/Release), or null. */
export function addonPath(): string | null {
  return loadedFrom;
}
