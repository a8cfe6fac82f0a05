/** onnxruntime-web (its wasm build, in Node) as the second party for the exported models. */
import * as ort from 'onnxruntime-web';
import { expect } from 'vitest';
import * as nn from '../../src';

ort.env.wasm.numThreads = 1; // no worker threads: the machine is shared, and results are the same
ort.env.logLevel = 'error';

/** Runs the model bytes on x [rows, features]; returns the output's values and dims. */
export async function ortPredict(
  bytes: Uint8Array,
  x: Float32Array,
  rows: number,
  names = { input: 'input', output: 'output' },
): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const feeds = { [names.input]: new ort.Tensor('float32', x, [rows, x.length / rows]) };
    const out = (await session.run(feeds))[names.output];
    return { data: out.data as Float32Array, dims: out.dims };
  } finally {
    await session.release();
  }
}

/** The bound for dense networks: |a − b| ≤ 1e-5·max(1, |b|). */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i]));
    if (!(err <= worst)) {
      worst = err;
      at = i;
    }
  }
  expect(worst, `worst at ${at}: ${actual[at]} vs ${expected[at]}`).toBeLessThanOrEqual(tol);
}

/** n seeded values in [lo, hi). */
export function values(n: number, seed: number, lo = -2, hi = 2): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + ((hi - lo) * s) / 2 ** 32;
  });
}

/** nativenn's predictions for x [rows, features]. */
export function nnPredict(model: nn.Sequential, x: Float32Array, rows: number): Float32Array {
  return model.predict(nn.tensor2d(x, [rows, x.length / rows])).data;
}

/** Runs the model bytes on x of any shape ([rows, ...sample]); returns the output's values and dims. */
export async function ortRun(
  bytes: Uint8Array,
  x: Float32Array,
  dims: number[],
  options: ort.InferenceSession.SessionOptions = {},
): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes, options);
  try {
    const out = (await session.run({ input: new ort.Tensor('float32', x, dims) })).output;
    return { data: out.data as Float32Array, dims: out.dims };
  } finally {
    await session.release();
  }
}

/** Every weight replaced by seeded values in [-0.5, 0.5) (biases too, which start at zero). */
export function randomizeWeights(model: nn.Sequential, seed: number): void {
  model.setWeights(model.getWeights().map((w, i) => new nn.Tensor(values(w.size, seed + i, -0.5, 0.5), w.shape)));
}
