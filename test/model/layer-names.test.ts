/**
 * Automatic layer names are found in linear time (issue 15 item 13: the old search re-scanned
 * every layer for every candidate, cubic in the number of unnamed layers: 4000 layers took 82 s).
 * No timing assertion: the test counts how often the model reads layer names.
 */
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import type { Layer } from '../../src/layers/layer';

/** The number k of an automatic name `<prefix>_<k>`. */
const numberOf = (name: string | null, prefix: string) => {
  const m = new RegExp(`^${prefix}_(\\d+)$`).exec(name ?? '');
  if (!m) throw new Error(`${name} is not an automatic ${prefix} name`);
  return Number(m[1]);
};

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
    const first = numberOf(model.layers[1].name, 'activation');
    expect(numberOf(model.layers[n - 1].name, 'activation')).toBe(first + n / 2 - 1);
  });

  it('4000 unnamed layers get unique dense_k / activation_k names in order', () => {
    const layers: Layer[] = [nn.layers.dense({ units: 1, inputShape: [1] })];
    for (let i = 1; i < 4000; i++)
      layers.push(i % 2 ? nn.layers.activation({ activation: 'relu' }) : nn.layers.dense({ units: 1 }));
    const names = nn.sequential(layers).layers.map((l) => l.name);
    expect(new Set(names).size).toBe(4000);
    const dense0 = numberOf(names[0], 'dense');
    const act0 = numberOf(names[1], 'activation');
    names.forEach((name, i) => {
      expect(name).toBe(i % 2 ? `activation_${act0 + (i - 1) / 2}` : `dense_${dense0 + i / 2}`);
    });
  });

  it('automatic names skip names the user gave, and user names may not repeat', () => {
    const next = numberOf(nn.sequential([nn.layers.dense({ units: 1, inputShape: [1] })]).layers[0].name, 'dense') + 1;
    const taken = `dense_${next}`;
    const model = nn.sequential([
      nn.layers.dense({ units: 2, inputShape: [2], name: taken }),
      nn.layers.dense({ units: 2 }),
      nn.layers.dense({ units: 2, name: 'dense_final' }),
    ]);
    // The counter would give `taken` next: the model skips it.
    expect(model.layers.map((l) => l.name)).toEqual([taken, `dense_${next + 1}`, 'dense_final']);
    expect(() => model.add(nn.layers.dense({ units: 2, name: taken }))).toThrow(`already has a layer named "${taken}"`);
    // The same layer twice is refused; a layer of another model with a free name is taken.
    expect(() => model.add(model.layers[1])).toThrow(`add: layer "dense_${next + 1}" is already in this model`);
    const other = nn.sequential([nn.layers.dense({ units: 2, inputShape: [2], name: 'elsewhere' })]);
    model.add(other.layers[0]);
    expect(model.layers.at(-1)?.name).toBe('elsewhere');
  });

  it('automatic names are unique across models (a counter per prefix for the process, as tfjs)', () => {
    const a = nn.sequential([nn.layers.dense({ units: 1, inputShape: [1] }), nn.layers.dense({ units: 1 })]);
    const b = nn.sequential([nn.layers.dense({ units: 1, inputShape: [1] }), nn.layers.dense({ units: 1 })]);
    const names = [...a.layers, ...b.layers].map((l) => l.name);
    expect(new Set(names).size).toBe(4);
    const weightNames = [a, b].flatMap((m) =>
      m
        .compiledNetwork()
        .tape.buffers.filter((x) => x.role === 'param')
        .map((x) => x.name),
    );
    expect(new Set(weightNames).size).toBe(weightNames.length);
  });
});

describe('a layer in two models', () => {
  it('shares one arena with the other model (see shared-models.test.ts); after a dispose the layer keeps its values', async () => {
    const a = nn.sequential({
      seed: 1,
      layers: [nn.layers.dense({ units: 2, inputShape: [3] }), nn.layers.dense({ units: 1 })],
    });
    a.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = nn.tensor2d([[1, 2, 3]]);
    await a.fit(x, nn.tensor2d([[1]]), { epochs: 1, verbose: 0 });
    const b = nn.sequential([a.layers[0], nn.layers.dense({ units: 1 })]);
    b.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    expect(b.predict(x).shape).toEqual([1, 1]);
    const trained = a.getWeights()[0].data.slice();
    a.dispose();
    expect(b.predict(x).shape).toEqual([1, 1]);
    expect(Array.from(b.getWeights()[0].data)).toEqual(Array.from(trained));
  });
});
