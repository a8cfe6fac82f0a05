/** The CPU path switch (native/kernels/cpu_path.h, NATIVENN_CPU): every path the CPU runs gives
 *  the js twin's results, the switch really changes the kernels, and a path the CPU lacks (or a
 *  name that is no path) falls back to the best one with a warning, never an illegal instruction.
 *  NATIVENN_CPU is read when the addon loads, so each path runs in a child process
 *  (cpu-path-child.js, on dist/); the in-process checks use the raw addon's setCpuPath (vitest
 *  runs each test file in its own process). */
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cpuPath } from '../../src';
import type { Addon } from '../../src/backend/native/addon';
import { addon } from '../../src/backend/native/addon';
import { applyCpuPathRequest, CPU_PATHS } from '../../src/backend/native/cpu-path';
import { spawnNode } from '../support/spawn-node';

const child = path.join(__dirname, 'cpu-path-child.js');
const paths: string[] = addon ? addon.cpuPaths() : [];
const best = paths[0];
// The kernel "auto" takes on each path for a small (32x64x64) and a large (1024^3) product.
const KERNELS: Record<string, [string, string]> = {
  avx512: ['avx512', 'avx512'],
  avx2: ['avx2', 'avx2'],
  portable: ['generic', 'generic'],
};

describe('NATIVENN_CPU: the request and its fallbacks (applyCpuPathRequest)', () => {
  /** A stand-in addon whose CPU runs `runs` (best first). */
  function fakeAddon(runs: string[]) {
    let current = runs[0];
    const calls: string[] = [];
    const fake: Addon = {
      cpuPath: () => current,
      setCpuPath: (name: string) => {
        calls.push(name);
        if (!runs.includes(name)) return false;
        current = name;
        return true;
      },
    };
    return { fake, calls, current: () => current };
  }

  it('no request, an empty one or auto: the best path, no call, no warning', () => {
    for (const requested of [undefined, '', 'auto']) {
      const { fake, calls } = fakeAddon(['avx2', 'portable']);
      const warnings: string[] = [];
      applyCpuPathRequest(fake, requested, (m) => warnings.push(m));
      expect(calls).toEqual([]);
      expect(warnings).toEqual([]);
    }
  });

  it('a path the CPU runs is taken silently', () => {
    const { fake, current } = fakeAddon(['avx2', 'portable']);
    const warnings: string[] = [];
    applyCpuPathRequest(fake, 'portable', (m) => warnings.push(m));
    expect(current()).toBe('portable');
    expect(warnings).toEqual([]);
  });

  it('a path the CPU lacks keeps the best one and says which', () => {
    const { fake, current } = fakeAddon(['avx2', 'portable']);
    const warnings: string[] = [];
    applyCpuPathRequest(fake, 'avx512', (m) => warnings.push(m));
    expect(current()).toBe('avx2');
    expect(warnings).toEqual(['NATIVENN_CPU=avx512: this CPU (or build) does not run the avx512 kernels; using avx2']);
  });

  it('a name that is no path is never passed on, and the warning lists the valid ones', () => {
    const { fake, calls } = fakeAddon(['avx2', 'portable']);
    const warnings: string[] = [];
    applyCpuPathRequest(fake, 'AVX2 ', (m) => warnings.push(m));
    expect(calls).toEqual([]);
    expect(warnings).toEqual(['NATIVENN_CPU must be one of avx512, avx2, portable or auto, got "AVX2 "; using avx2']);
  });

  it('an addon built before the switch existed is left alone, with a warning', () => {
    const warnings: string[] = [];
    applyCpuPathRequest({}, 'avx2', (m) => warnings.push(m));
    expect(warnings[0]).toMatch(/NATIVENN_CPU=avx2 ignored/);
  });
});

describe.skipIf(!addon)('the raw addon: cpuPath, cpuPaths, setCpuPath', () => {
  afterAll(() => {
    addon!.setCpuPath(best);
  });

  it('runs the best path by default; portable is always there; nn.cpuPath() reports it', () => {
    expect(CPU_PATHS).toContain(best);
    expect(paths[paths.length - 1]).toBe('portable');
    expect(paths).toEqual(CPU_PATHS.slice(CPU_PATHS.indexOf(best as (typeof CPU_PATHS)[number])));
    expect(addon!.cpuPath()).toBe(best);
    expect(cpuPath()).toBe(best);
  });

  it.each(paths)('switches to %s, and GEMM picks that path’s kernel', (p) => {
    expect(addon!.setCpuPath(p)).toBe(true);
    expect(addon!.cpuPath()).toBe(p);
    expect(cpuPath()).toBe(p);
    expect([addon!._gemmKernelFor(32, 64, 64), addon!._gemmKernelFor(1024, 1024, 1024)]).toEqual(KERNELS[p]);
  });

  it('bad names are a RangeError, bad types a TypeError, and change nothing', () => {
    addon!.setCpuPath('portable');
    expect(() => addon!.setCpuPath('avx1024')).toThrow(
      /setCpuPath: unknown path "avx1024"; valid: portable, avx2, avx512/,
    );
    expect(() => addon!.setCpuPath('avx1024')).toThrow(RangeError);
    expect(() => addon!.setCpuPath(2)).toThrow(TypeError);
    expect(() => addon!.setCpuPath()).toThrow(TypeError);
    expect(() => addon!._gemmKernelFor(1, -1, 1)).toThrow(RangeError);
    expect(addon!.cpuPath()).toBe('portable');
  });
});

describe.skipIf(!addon)('NATIVENN_CPU in a fresh process: each path equals the js twin', () => {
  it.each(paths)('NATIVENN_CPU=%s', async (p) => {
    const r = await spawnNode([child], { env: { NATIVENN_CPU: p }, timeout: 120_000 });
    expect(r.status, r.out).toBe(0);
    expect(r.out).not.toMatch(/Warning/);
    const got = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(got.path).toBe(p);
    expect([got.smallKernel, got.largeKernel]).toEqual(KERNELS[p]);
    expect(got.gemmWorst).toBeLessThanOrEqual(1);
    // Same seed, same data: the native run follows the twin's losses to float32 rounding.
    expect(got.nativeLoss).toHaveLength(3);
    got.nativeLoss.forEach((loss: number, i: number) => {
      expect(Math.abs(loss - got.jsLoss[i])).toBeLessThan(1e-5 * got.jsLoss[i]);
    });
  });

  it('an unknown NATIVENN_CPU runs the best path and warns on stderr', async () => {
    const r = await spawnNode([child], { env: { NATIVENN_CPU: 'sse9' }, timeout: 120_000 });
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(
      /\[NATIVENN_CPU\] Warning: NATIVENN_CPU must be one of avx512, avx2, portable or auto, got "sse9"/,
    );
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!).path).toBe(best);
  });

  it('no NATIVENN_CPU: the best path', async () => {
    const r = await spawnNode([child], { env: { NATIVENN_CPU: undefined }, timeout: 120_000 });
    expect(r.status, r.out).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!).path).toBe(best);
  });
});
