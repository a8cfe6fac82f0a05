/** The two backends and the active one. `backends.native` is null when the addon did not build
 *  or load; then the js backend is active and `nativeLoadError()` says why. */
import type { Backend, BackendName } from './backend';
import { jsKernels } from './js';
import { nativeKernels } from './native';
import { addon, addonLoadError, setAddonLoadError } from './native/addon';
import type { CpuPath } from './native/cpu-path';
import { withChecks } from './validate';

/** The addon must provide every kernel; a stale or partial build is treated as missing. */
function completeAddon(): typeof addon {
  if (!addon) return null;
  const required = [...Object.keys(jsKernels).filter((k) => k !== 'name'), 'setNumThreads', 'getNumThreads'];
  const missing = required.filter((k) => typeof addon?.[k] !== 'function');
  if (missing.length > 0) {
    setAddonLoadError(
      new Error(`the native addon lacks kernels ${missing.join(', ')}; rebuild it (npm run build:native)`),
    );
    return null;
  }
  return addon;
}
const usableAddon = completeAddon();

export const backends: { readonly js: Backend; readonly native: Backend | null } = Object.freeze({
  js: withChecks(jsKernels),
  native: usableAddon ? withChecks(nativeKernels(usableAddon)) : null,
});

let active: Backend = backends.native ?? backends.js;

export function getBackend(): Backend {
  return active;
}

export function setBackend(name: BackendName): void {
  if (name === 'js') {
    active = backends.js;
  } else if (name === 'native') {
    if (!backends.native) {
      throw new Error(`setBackend: the native backend is not available (${addonLoadError()?.message ?? 'unknown'})`);
    }
    active = backends.native;
  } else {
    throw new RangeError(`setBackend: unknown backend "${String(name)}"; valid: native, js`);
  }
}

export function nativeLoadError(): Error | null {
  return addonLoadError();
}

/** Worker threads used by the native kernels (GEMM and large elementwise work). */
export function setNumThreads(n: number): void {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 256) {
    throw new RangeError(`setNumThreads: n must be an integer from 1 to 256, got ${String(n)}`);
  }
  usableAddon?.setNumThreads(n);
}

export function getNumThreads(): number {
  return usableAddon ? usableAddon.getNumThreads() : 1;
}

/** The instruction-set path the native kernels run on ('avx512', 'avx2' or 'portable': the best
 *  the CPU runs, or the one NATIVENN_CPU asked for), or null without the native addon. */
export function cpuPath(): CpuPath | null {
  return usableAddon && typeof usableAddon.cpuPath === 'function' ? usableAddon.cpuPath() : null;
}

export type { ActivationName, Backend, BackendName, LossName } from './backend';
export type { CpuPath } from './native/cpu-path';
