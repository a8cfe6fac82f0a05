/** The native tape runs flush subnormal floats to zero (native/kernels/float_env.h): inside a
 *  run, a result below 2^-126 is 0 and such an input reads as 0; the caller's floating-point mode
 *  is restored after it (JS arithmetic keeps its subnormals), and the pool's threads run their
 *  GEMM tasks under the same mode, so 1 and 2 threads give the same bits. The js executor (the
 *  specification) keeps IEEE subnormals: the two differ by less than 2^-126 per value. */
import { afterEach, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { addon } from '../../src/backend/native/addon';
import { nativeBackend } from '../support/backends';

const FLT_MIN = 2 ** -126;

/** A linear dense layer of `inputs` → `units` whose every weight is w and bias 0. */
function linear(inputs: number, units: number, w: number) {
  const model = nn.sequential([nn.layers.dense({ units, inputShape: [inputs] })]);
  model.setWeights([
    nn.tensor2d(new Float32Array(inputs * units).fill(w), [inputs, units]),
    nn.tensor1d(new Float32Array(units)),
  ]);
  return model;
}

describe.skipIf(!nativeBackend)('native tape runs flush subnormals to zero', () => {
  const threads = nn.getNumThreads();
  afterEach(() => {
    nn.setBackend('native');
    nn.setNumThreads(threads);
  });

  it('a subnormal output is 0 on native, kept by the js executor; JS arithmetic is unchanged after', () => {
    // x · w = 2^-70 · 2^-70 = 2^-140: a subnormal float32.
    const x = nn.tensor2d(new Float32Array([2 ** -70]), [1, 1]);
    nn.setBackend('js');
    const js = linear(1, 1, 2 ** -70).predict(x).data[0];
    expect(js).toBe(2 ** -140);
    nn.setBackend('native');
    const native = linear(1, 1, 2 ** -70).predict(x).data[0];
    expect(native).toBe(0);
    expect(Math.abs(native - js)).toBeLessThan(FLT_MIN);
    // The main thread's mode was restored: double subnormals still compute (values read at run
    // time, so nothing is folded at compile time).
    const tiny = new Float64Array([Number.MIN_VALUE, 3]);
    expect(tiny[0] * tiny[1]).toBe(3 * Number.MIN_VALUE);
    expect(new Float32Array([2 ** -140])[0] * tiny[1]).toBe(3 * 2 ** -140);
  });

  it('a threaded GEMM flushes on every thread: 1 and 2 threads give the same zeros', () => {
    // 32 × 512 × 512 = 2^23 multiply-adds: the GEMM splits across the pool with 2 threads. Every
    // product is 2^-140; without the flush on a thread its outputs would be 512 · 2^-140 = 2^-131.
    const x = nn.tensor2d(new Float32Array(32 * 512).fill(2 ** -70), [32, 512]);
    const model = linear(512, 512, 2 ** -70);
    nn.setBackend('native');
    const out: Float32Array[] = [];
    for (const t of [1, 2]) {
      nn.setNumThreads(t);
      const jobs = addon!.threadPoolJobs() as number;
      out.push(model.predict(x).data as Float32Array);
      if (t === 2) expect(addon!.threadPoolJobs()).toBeGreaterThan(jobs);
    }
    expect(out[0].every((v) => v === 0)).toBe(true);
    expect(out[1]).toEqual(out[0]);
    nn.setBackend('js');
    expect(linear(512, 512, 2 ** -70).predict(x).data[0]).toBe(2 ** -131);
  });
});
