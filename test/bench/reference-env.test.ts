/** The environment the benchmark gives its Python references (bench/lib/rounds.js): the thread
 *  count, the CPU path's instruction set, and glibc malloc keeping freed memory, so that PyTorch
 *  is not timed on page faults (rounds.js says what they cost it). */
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';

const rounds = createRequire(import.meta.url)('../../bench/lib/rounds.js');

const KEYS = ['OPENBLAS_CORETYPE', 'ATEN_CPU_CAPABILITY', 'ONEDNN_MAX_CPU_ISA', 'GLIBC_TUNABLES'] as const;
const saved = Object.fromEntries(KEYS.map((k) => [k, process.env[k]]));
afterEach(() => {
  for (const k of KEYS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

describe('bench referenceEnv', () => {
  it("keeps malloc from returning memory to the OS, at glibc's maximum mmap threshold", () => {
    const env = rounds.referenceEnv('avx512', 1);
    expect(env.GLIBC_TUNABLES).toBe(rounds.MALLOC_TUNABLES);
    const tunables = Object.fromEntries(
      rounds.MALLOC_TUNABLES.split(':').map((t: string) => t.split('=') as [string, string]),
    );
    // 32 MiB is the largest mmap threshold glibc accepts on 64-bit (DEFAULT_MMAP_THRESHOLD_MAX).
    expect(Number(tunables['glibc.malloc.mmap_threshold'])).toBe(32 * 1024 * 1024);
    expect(Number(tunables['glibc.malloc.trim_threshold'])).toBeGreaterThanOrEqual(1 << 30);
  });

  it("sets the thread count and each path's instruction set, replacing what the caller had", () => {
    process.env.OPENBLAS_CORETYPE = 'Prescott';
    process.env.ATEN_CPU_CAPABILITY = 'default';
    process.env.GLIBC_TUNABLES = 'glibc.malloc.check=3';
    const avx512 = rounds.referenceEnv('avx512', 2);
    expect([avx512.OPENBLAS_NUM_THREADS, avx512.OMP_NUM_THREADS]).toEqual(['2', '2']);
    expect(avx512.OPENBLAS_CORETYPE).toBe('SkylakeX');
    expect(avx512.ATEN_CPU_CAPABILITY).toBeUndefined();
    expect(avx512.GLIBC_TUNABLES).toBe(rounds.MALLOC_TUNABLES);
    const avx2 = rounds.referenceEnv('avx2', 1);
    expect([avx2.OPENBLAS_CORETYPE, avx2.ATEN_CPU_CAPABILITY, avx2.ONEDNN_MAX_CPU_ISA]).toEqual([
      'Haswell',
      'avx2',
      'AVX2',
    ]);
    const portable = rounds.referenceEnv('portable', 1);
    expect(portable.OPENBLAS_CORETYPE).toBeUndefined();
  });
});
