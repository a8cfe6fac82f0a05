/** Loads the compiled addon (build/Release/nativenn.node) with `bindings`. Returns null, with
 *  the reason kept, when it is missing: the library then runs on the js backend. */
import * as path from 'node:path';

/** The raw addon: the Backend methods with enum names replaced by integer codes, plus extras. */
export type Addon = Record<string, (...args: any[]) => any>;

let loadError: Error | null = null;

function load(): Addon | null {
  if (process.env.NATIVENN_BACKEND === 'js') {
    loadError = new Error('NATIVENN_BACKEND=js: the native addon was not loaded');
    return null;
  }
  try {
    // Another build of the addon, by path (`npm run test:sanitize` loads its ASan+UBSan build so).
    const explicit = process.env.NATIVENN_ADDON_PATH;
    if (explicit) return require(path.resolve(explicit)) as Addon;
    // bindings searches build/Release, build/Debug, … from the package root.
    const bindings = require('bindings') as (opts: { bindings: string; module_root: string }) => Addon;
    return bindings({ bindings: 'nativenn', module_root: path.join(__dirname, '..', '..', '..') });
  } catch (err) {
    loadError = err as Error;
    return null;
  }
}

export const addon: Addon | null = load();
export function addonLoadError(): Error | null {
  return loadError;
}
export function setAddonLoadError(err: Error): void {
  loadError = err;
}
