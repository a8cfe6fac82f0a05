/** A Reshape with -1 is written resolved, so TensorFlow.js can build the layers after it (tfjs
 *  4.22 cannot build a conv after an unresolved -1, not even from its own files). */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import * as nn from '../../src';
import { maxRelErr } from '../support/backends';

it('writes reshape({ targetShape: [4, -1, 1] }) as [4, 4, 1] and tfjs loads and predicts the same', async () => {
  const m = nn.sequential({
    seed: 2,
    layers: [
      nn.layers.dense({ units: 16, inputShape: [5] }),
      nn.layers.reshape({ targetShape: [4, -1, 1] }),
      nn.layers.conv2d({ filters: 2, kernelSize: 3 }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 3 }),
    ],
  });
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nativenn-reshape-'));
  try {
    await m.save(path.join(dir, 'm'));
    const json = JSON.parse(await fs.readFile(path.join(dir, 'm', 'model.json'), 'utf8'));
    const reshape = json.modelTopology.config.layers.find((l: { class_name: string }) => l.class_name === 'Reshape');
    expect(reshape.config.target_shape).toEqual([4, 4, 1]);
    const bin = await fs.readFile(path.join(dir, 'm', 'weights.bin'));
    const t = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
      }),
    );
    const x = Float32Array.from({ length: 15 }, (_, i) => Math.cos(i));
    const ours = m.predict(nn.tensor2d(x, [3, 5])).data;
    const theirs = (t.predict(tf.tensor2d(Array.from(x), [3, 5])) as tf.Tensor).dataSync() as Float32Array;
    expect(maxRelErr(ours, theirs, 1e-5, 1e-4)).toBeLessThanOrEqual(1);
    expect((await nn.loadModel(path.join(dir, 'm'))).getConfig().layers[1].config.targetShape).toEqual([4, 4, 1]);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
