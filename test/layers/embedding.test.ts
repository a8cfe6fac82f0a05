/** Embedding and global 1-D pooling (issue 11 groundwork): training against @tensorflow/tfjs with
 *  the same weights, gradients against central differences on every backend, bad ids refused
 *  with the row named, model files both ways, and the ONNX export on onnxruntime. */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { Random } from '../../src/util/random';
import { ortRun } from '../onnx/support';
import { allBackends, maxRelErr } from '../support/backends';

const initial = nn.getBackend().name;
afterAll(() => nn.setBackend(initial));

const ROWS = 6;
const STEPS = 5;
const VOCAB = 7;

/** Token ids: distinct within a row unless `repeats` (equal ids give equal vectors, and tfjs
 *  splits a max pool's gradient over ties where nativenn, like tf.nn.max_pool, picks one). */
function ids(seed: number, repeats = false): Float32Array {
  const rng = new Random(seed);
  const out = new Float32Array(ROWS * STEPS);
  for (let r = 0; r < ROWS; r++) {
    const order = Array.from(rng.permutation(VOCAB));
    for (let s = 0; s < STEPS; s++) out[r * STEPS + s] = repeats ? rng.int(VOCAB) : order[s];
  }
  return out;
}
const targets = (seed: number) => {
  const rng = new Random(seed);
  return Float32Array.from({ length: ROWS * 2 }, () => rng.uniform(-1, 1));
};

function ours(pool: 'avg' | 'max' | 'flatten') {
  const reduce =
    pool === 'avg'
      ? nn.layers.globalAveragePooling1d()
      : pool === 'max'
        ? nn.layers.globalMaxPooling1d()
        : nn.layers.flatten();
  return nn.sequential({
    seed: 4,
    layers: [
      nn.layers.embedding({ inputDim: VOCAB, outputDim: 3, inputShape: [STEPS] }),
      nn.layers.dense({ units: 4, activation: 'tanh' }),
      reduce,
      nn.layers.dense({ units: 2 }),
    ],
  });
}
function theirs(pool: 'avg' | 'max' | 'flatten') {
  const reduce =
    pool === 'avg'
      ? tf.layers.globalAveragePooling1d()
      : pool === 'max'
        ? tf.layers.globalMaxPooling1d()
        : tf.layers.flatten();
  return tf.sequential({
    layers: [
      tf.layers.embedding({ inputDim: VOCAB, outputDim: 3, inputLength: STEPS }),
      tf.layers.dense({ units: 4, activation: 'tanh' }),
      reduce,
      tf.layers.dense({ units: 2 }),
    ],
  });
}

describe.each(allBackends.map((b) => [b.name] as const))('embedding (%s)', (backend) => {
  it.each(['avg', 'max', 'flatten'] as const)('two SGD steps and predictions equal tfjs’s (%s)', async (pool) => {
    nn.setBackend(backend);
    const m = ours(pool);
    m.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.2 }), loss: 'meanSquaredError' });
    const t = theirs(pool);
    t.setWeights(m.getWeights().map((w) => tf.tensor(Array.from(w.data), w.shape)));
    t.compile({ optimizer: tf.train.sgd(0.2), loss: 'meanSquaredError' });
    const x = ids(1);
    const y = targets(2);
    await m.fit(nn.tensor2d(x, [ROWS, STEPS]), nn.tensor2d(y, [ROWS, 2]), {
      epochs: 2,
      batchSize: ROWS,
      shuffle: false, // tfjs's row order, not a random one: the same sums
      verbose: 0,
    });
    await t.fit(tf.tensor2d(Array.from(x), [ROWS, STEPS]), tf.tensor2d(Array.from(y), [ROWS, 2]), {
      epochs: 2,
      batchSize: ROWS,
      shuffle: false,
      verbose: 0,
    });
    const tw = t.getWeights();
    m.getWeights().forEach((w, i) => {
      expect(maxRelErr(w.data, tw[i].dataSync() as Float32Array, 1e-5, 1e-4), `weight ${i}`).toBeLessThanOrEqual(1);
    });
    const probe = ids(3);
    const p = m.predict(nn.tensor2d(probe, [ROWS, STEPS])).data;
    const q = (t.predict(tf.tensor2d(Array.from(probe), [ROWS, STEPS])) as tf.Tensor).dataSync() as Float32Array;
    expect(maxRelErr(p, q, 1e-5, 1e-4)).toBeLessThanOrEqual(1);
  });

  it('gradients of the table match central differences, repeated ids included', () => {
    nn.setBackend(backend);
    const m = ours('avg');
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = ids(5, true);
    const y = targets(6);
    const exec = m.executor();
    const table = m.layers[0].weights()[0];
    const grads = m.layers.flatMap((l) => l.weights()).map((w) => new Float32Array(w.length));
    exec.gradients(x, y, ROWS, 0, grads);
    const h = 1e-2;
    let off = 0;
    for (let i = 0; i < table.length; i++) {
      const saved = table[i];
      table[i] = saved + h;
      const up = exec.evaluate(x, y, ROWS)[0];
      table[i] = saved - h;
      const down = exec.evaluate(x, y, ROWS)[0];
      table[i] = saved;
      const fd = (up - down) / (2 * h);
      if (Math.abs(fd - grads[0][i]) > 1e-3 + 1e-2 * Math.abs(fd)) off++;
    }
    expect(off).toBe(0);
  });
});

describe('embedding inputs, files and export', () => {
  it.each([
    [7, 'holds 7'],
    [-1, 'holds -1'],
    [2.5, 'holds 2.5'],
  ])('an id of %s is refused with its row, before any weight changes', async (bad, message) => {
    const m = ours('avg');
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const before = m.getWeights().map((w) => Array.from(w.data));
    const x = ids(1);
    x[2 * STEPS + 3] = bad;
    const re = new RegExp(
      `x row 2 \\(position 3\\) ${message.replace('.', '\\.')}; embedding_\\d+ takes integer ids from 0 to 6`,
    );
    await expect(
      m.fit(nn.tensor2d(x, [ROWS, STEPS]), nn.tensor2d(targets(2), [ROWS, 2]), { verbose: 0 }),
    ).rejects.toThrow(re);
    expect(() => m.predict(nn.tensor2d(x, [ROWS, STEPS]))).toThrow(RangeError);
    expect(m.getWeights().map((w) => Array.from(w.data))).toEqual(before);
  });

  it('refuses bad arguments', () => {
    expect(() => nn.layers.embedding({ inputDim: 0, outputDim: 2 })).toThrow(RangeError);
    expect(() => nn.layers.embedding({ outputDim: 2 } as nn.layers.EmbeddingArgs)).toThrow(/inputDim is required/);
    expect(() => nn.layers.embedding({ inputDim: 3, outputDim: 2, maskZero: true })).toThrow(/maskZero/);
    expect(() => nn.sequential({ layers: [nn.layers.globalAveragePooling1d({ inputShape: [4, 4, 2] })] })).toThrow(
      /\(batch, steps, channels\)/,
    );
  });

  it('saves and loads both ways with tfjs, and exports to ONNX', async () => {
    const m = ours('max');
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    await m.fit(nn.tensor2d(ids(1), [ROWS, STEPS]), nn.tensor2d(targets(2), [ROWS, 2]), { epochs: 2, verbose: 0 });
    const probe = ids(9);
    const want = m.predict(nn.tensor2d(probe, [ROWS, STEPS])).data;
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nativenn-embedding-'));
    try {
      await m.save(path.join(dir, 'm'));
      const back = await nn.loadModel(path.join(dir, 'm'));
      expect(Array.from(back.predict(nn.tensor2d(probe, [ROWS, STEPS])).data)).toEqual(Array.from(want));
      const json = JSON.parse(await fs.readFile(path.join(dir, 'm', 'model.json'), 'utf8'));
      const bin = await fs.readFile(path.join(dir, 'm', 'weights.bin'));
      const t = await tf.loadLayersModel(
        tf.io.fromMemory({
          modelTopology: json.modelTopology,
          weightSpecs: json.weightsManifest[0].weights,
          weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
        }),
      );
      const q = (t.predict(tf.tensor2d(Array.from(probe), [ROWS, STEPS])) as tf.Tensor).dataSync() as Float32Array;
      expect(maxRelErr(want, q, 1e-5, 1e-4)).toBeLessThanOrEqual(1);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
    const onnx = await ortRun(m.toOnnx(), probe, [ROWS, STEPS]);
    expect(onnx.dims).toEqual([ROWS, 2]);
    expect(maxRelErr(onnx.data, want, 1e-5, 1e-4)).toBeLessThanOrEqual(1);
  });
});
