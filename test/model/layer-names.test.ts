/**
 * Automatic layer names are found in linear time (issue 15 item 13: the old search re-scanned
 * every layer for every candidate, cubic in the number of unnamed layers: 4000 layers took 82 s).
 * No timing assertion: the test counts how often the model reads layer names.
 */
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import type { Layer } from '../../src/layers/layer';

/** Counts every read of `name` on the given layers. */
function countNameReads(layers: Layer[]): { reads: number } {
  const counter = { reads: 0 };
  for (const layer of layers) {
    let name = layer.name;
    Object.defineProperty(layer, 'name', {
      get: () => {
        counter.reads++;
        return name;
      },
      set: (v) => {
        name = v;
      },
    });
  }
  return counter;
}

describe('layer names', () => {
  it('naming n unnamed layers reads O(n) names, not O(n^3)', () => {
    const n = 300;
    const layers: Layer[] = [nn.layers.dense({ units: 2, inputShape: [2] })];
    for (let i = 1; i < n; i++)
      layers.push(i % 2 ? nn.layers.activation({ activation: 'relu' }) : nn.layers.dense({ units: 2 }));
    const counter = countNameReads(layers);
    const model = nn.sequential(layers);
    expect(counter.reads).toBeLessThan(10 * n);
    expect(model.layers[0].name).toBe('dense_1');
    expect(model.layers[1].name).toBe('activation_1');
    expect(model.layers[n - 1].name).toBe(`activation_${n / 2}`);
  });

  it('4000 unnamed layers get unique dense_k / activation_k names in order', () => {
    const layers: Layer[] = [nn.layers.dense({ units: 1, inputShape: [1] })];
    for (let i = 1; i < 4000; i++)
      layers.push(i % 2 ? nn.layers.activation({ activation: 'relu' }) : nn.layers.dense({ units: 1 }));
    const names = nn.sequential(layers).layers.map((l) => l.name);
    expect(new Set(names).size).toBe(4000);
    names.forEach((name, i) => {
      expect(name).toBe(i % 2 ? `activation_${(i + 1) / 2}` : `dense_${i / 2 + 1}`);
    });
  });

  it('automatic names skip names the user gave, and user names may not repeat', () => {
    const model = nn.sequential([
      nn.layers.dense({ units: 2, inputShape: [2], name: 'dense_2' }),
      nn.layers.dense({ units: 2 }),
      nn.layers.dense({ units: 2 }),
      nn.layers.dense({ units: 2, name: 'dense_9' }),
    ]);
    expect(model.layers.map((l) => l.name)).toEqual(['dense_2', 'dense_1', 'dense_3', 'dense_9']);
    expect(() => model.add(nn.layers.dense({ units: 2, name: 'dense_3' }))).toThrow(
      'already has a layer named "dense_3"',
    );
    model.add(nn.layers.dense({ units: 2 }));
    expect(model.layers.at(-1)?.name).toBe('dense_4');
    // The same layer twice is refused; a layer of another model with a free name is taken.
    expect(() => model.add(model.layers[1])).toThrow('add: layer "dense_1" is already in this model');
    const other = nn.sequential([nn.layers.dense({ units: 2, inputShape: [2], name: 'elsewhere' })]);
    model.add(other.layers[0]);
    expect(model.layers.at(-1)?.name).toBe('elsewhere');
    // A second model counts from 1 again (names are unique per model, as before).
    expect(nn.sequential([nn.layers.dense({ units: 1, inputShape: [1] })]).layers[0].name).toBe('dense_1');
  });
});
