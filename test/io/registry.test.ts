/** The layer registry (issue 9 item 6): file classes are looked up, not listed in src/io. */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { layerClassFor, registeredKerasNames } from '../../src/layers/registry';
import { tempDir } from './tfjs-files';

describe('layer registry', () => {
  it('maps each Keras class name to the nativenn class that reads it', () => {
    expect(layerClassFor('Dense')).toBe(nn.layers.Dense);
    expect(layerClassFor('Dropout')).toBe(nn.layers.Dropout);
    for (const k of ['Activation', 'LeakyReLU', 'ELU', 'ReLU', 'Softmax'])
      expect(layerClassFor(k)).toBe(nn.layers.Activation);
    expect(layerClassFor('Conv2D')).toBeUndefined();
    expect(registeredKerasNames()).toEqual(expect.arrayContaining(['Dense', 'Dropout', 'Softmax']));
  });

  it('refuses to save a layer whose own class is not registered (a subclass would load as its parent)', async () => {
    class MyDense extends nn.layers.Dense {}
    const m = nn.sequential({ layers: [new MyDense({ units: 1, inputShape: [2] })] });
    await expect(m.save(path.join(await tempDir(), 'm'))).rejects.toThrow(
      /"dense_1" \(MyDense\) is not a registered layer class/,
    );
  });

  it('a Softmax layer comes back as a Softmax layer', async () => {
    const m = nn.sequential({ layers: [nn.layers.dense({ units: 3, inputShape: [2] }), nn.layers.softmax()] });
    const dir = path.join(await tempDir(), 'm');
    await m.save(dir);
    const back = await nn.loadModel(dir);
    expect(back.getConfig().layers.map((l) => l.className)).toEqual(['Dense', 'Softmax']);
  });
});
