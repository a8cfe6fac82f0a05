/** The layer registry (issue 9 item 6): file classes are looked up, not listed in src/io. */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { layerClassFor, registeredKerasNames } from '../../src/layers/registry';
import { tempDir, tfjsLoadFromDir, tfReady } from './tfjs-files';

describe('layer registry', () => {
  it('maps each Keras class name to the nativenn class that reads it', () => {
    expect(layerClassFor('Dense')).toBe(nn.layers.Dense);
    expect(layerClassFor('Dropout')).toBe(nn.layers.Dropout);
    for (const k of ['Activation', 'LeakyReLU', 'ELU', 'ReLU', 'Softmax'])
      expect(layerClassFor(k)).toBe(nn.layers.Activation);
    for (const k of ['SimpleRNN', 'LSTM', 'GRU']) expect(layerClassFor(k)).toBe(nn.layers.Recurrent);
    expect(layerClassFor('Bidirectional')).toBe(nn.layers.Bidirectional);
    expect(layerClassFor('TimeDistributed')).toBe(nn.layers.TimeDistributed);
    expect(layerClassFor('RepeatVector')).toBe(nn.layers.RepeatVector);
    expect(layerClassFor('Embedding')).toBe(nn.layers.Embedding);
    expect(layerClassFor('Lambda')).toBeUndefined();
    expect(registeredKerasNames()).toEqual(expect.arrayContaining(['Dense', 'Dropout', 'Softmax']));
  });

  it('refuses to save a layer whose own class is not registered (a subclass would load as its parent)', async () => {
    class MyDense extends nn.layers.Dense {}
    const m = nn.sequential({ layers: [new MyDense({ units: 1, inputShape: [2] })] });
    await expect(m.save(path.join(await tempDir(), 'm'))).rejects.toThrow(
      /"dense_1" \(MyDense\) is not a registered layer class/,
    );
  });

  it('a Softmax layer comes back as a Softmax layer, in nativenn and in TensorFlow.js', async () => {
    const m = nn.sequential({ layers: [nn.layers.dense({ units: 3, inputShape: [2] }), nn.layers.softmax()] });
    const dir = path.join(await tempDir(), 'm');
    await m.save(dir);
    const back = await nn.loadModel(dir);
    expect(back.getConfig().layers.map((l) => l.className)).toEqual(['Dense', 'Softmax']);
    const tf = await tfReady();
    const t = await tfjsLoadFromDir(dir);
    expect(t.layers.map((l) => l.getClassName())).toEqual(['Dense', 'Softmax']);
    const x = [0.5, -1, 2, 0.25];
    const want = m.predict(nn.tensor2d(x, [2, 2])).data;
    const got = (t.predict(tf.tensor2d(x, [2, 2])) as unknown as { dataSync(): Float32Array }).dataSync();
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 6);
  });
});
