/** The instruction-set path of the native kernels (native/kernels/cpu_path.h): the best the CPU
 *  runs, unless NATIVENN_CPU asks for a lower one (to measure or test the AVX2 or portable kernels
 *  on a bigger CPU). Applied once, when the addon loads; asking for a path the CPU lacks keeps the
 *  best it has and says so in a process warning, so no kernel meets an illegal instruction. */
import type { Addon } from './addon';

export const CPU_PATHS = ['avx512', 'avx2', 'portable'] as const;
export type CpuPath = (typeof CPU_PATHS)[number];

/** Applies a NATIVENN_CPU value ('', undefined or 'auto': the best path); warn() gets the reason
 *  whenever the request cannot be met. */
export function applyCpuPathRequest(
  addon: Addon,
  requested: string | undefined,
  warn: (message: string) => void,
): void {
  if (requested === undefined || requested === '' || requested === 'auto') return;
  if (typeof addon.setCpuPath !== 'function') {
    warn(`NATIVENN_CPU=${requested} ignored: this build of the addon cannot switch paths; rebuild it`);
    return;
  }
  if (!(CPU_PATHS as readonly string[]).includes(requested)) {
    warn(
      `NATIVENN_CPU must be one of ${CPU_PATHS.join(', ')} or auto, got "${requested.slice(0, 64)}"; ` +
        `using ${addon.cpuPath()}`,
    );
    return;
  }
  if (!addon.setCpuPath(requested)) {
    warn(
      `NATIVENN_CPU=${requested}: this CPU (or build) does not run the ${requested} kernels; using ${addon.cpuPath()}`,
    );
  }
}

/** Reports through process.emitWarning (printed once to stderr, catchable with process.on('warning')). */
export function warnCpuPath(message: string): void {
  process.emitWarning(message, { code: 'NATIVENN_CPU' });
}
