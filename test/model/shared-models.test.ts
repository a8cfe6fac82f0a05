/** Layers shared between compiled models (one arena for both) and models used as layers: the
 *  Keras GAN pattern — a discriminator compiled while trainable, then frozen inside a combined
 *  model — stepped with trainOnBatch against @tensorflow/tfjs doing the same, on every backend. */
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { allBackends, maxRelErr, randomF32 } from '../support/backends';

const initial = nn.getBackend().name;
afterAll(() => nn.setBackend(initial));

type Lib = {
  input(a: { shape: number[] }): unknown;
  layers: Record<string, (a: object) => { apply(t: unknown): unknown }>;
  model(a: object): any;
  sequential(a: object): any;
};

/** A generator (noise 3 → 4 features) and a discriminator (4 features → real/fake). */
function gan(lib: Lib, withOptimizer: (lr: number) => unknown, seed: { seed?: number } = {}) {
  const generator = lib.sequential({
    ...seed,
    layers: [
      lib.layers.dense({ units: 5, activation: 'tanh', inputShape: [3], name: 'g1' }),
      lib.layers.dense({ units: 4, name: 'g2' }),
    ],
  });
  const x = lib.input({ shape: [4] });
  const h = lib.layers.dense({ units: 3, activation: 'relu', name: 'd1' }).apply(x);
  const discriminator = lib.model({
    ...seed,
    inputs: x,
    outputs: lib.layers.dense({ units: 1, activation: 'sigmoid', name: 'd2' }).apply(h),
  });
  discriminator.compile({ optimizer: withOptimizer(0.1), loss: 'binaryCrossentropy' });
  const z = lib.input({ shape: [3] });
  discriminator.trainable = false;
  const combined = lib.model({ inputs: z, outputs: discriminator.apply(generator.apply(z)) });
  combined.compile({ optimizer: withOptimizer(0.2), loss: 'binaryCrossentropy' });
  return { generator, discriminator, combined };
}

const NAMES = ['g1', 'g2', 'd1', 'd2'];
/** A fixed initialization: the comparison must not depend on the draw. Adam divides each gradient by
 *  its own running size, so float32 rounding that differs between two correct implementations can
 *  grow over steps; about one draw in eight ends a little past 1e-4 after three rounds. A wrong
 *  frozen/trainable choice moves weights by the learning rate (0.1–0.2), far outside the bound. */
const SEED = 1;

describe.each(allBackends.map((b) => [b.name] as const))('models sharing layers (%s)', (backend) => {
  it('a frozen discriminator inside the combined model: alternating trainOnBatch steps equal tfjs’s', async () => {
    nn.setBackend(backend);
    const ours = gan(nn as unknown as Lib, (lr) => nn.optimizers.adam({ learningRate: lr }), { seed: SEED });
    const theirs = gan(tf as unknown as Lib, (lr) => tf.train.adam(lr));
    const layer = (m: { layers: { name: string | null }[] }, name: string) => m.layers.find((l) => l.name === name);
    const ourLayers = NAMES.map((n) => layer(ours.combined, n) as nn.layers.Layer);
    // tfjs keeps the two models as layers of the combined one: find each layer in its model.
    const tfLayer = (name: string) => (name.startsWith('g') ? theirs.generator : theirs.discriminator).getLayer(name);
    for (const l of ourLayers) {
      const t = tfLayer(l.name as string);
      t.setWeights(l.weights().map((w, i) => tf.tensor(Array.from(w), t.getWeights()[i].shape)));
    }
    const real = randomF32(8 * 4, 1);
    const noise = randomF32(8 * 3, 2);
    const ones = new Float32Array(8).fill(1);
    const zeros = new Float32Array(8);
    for (let step = 0; step < 3; step++) {
      const fake = ours.generator.predict(nn.tensor2d(noise, [8, 3])).data;
      const tfFake = (theirs.generator.predict(tf.tensor2d(Array.from(noise), [8, 3])) as tf.Tensor).dataSync();
      expect(maxRelErr(fake, tfFake, 1e-5, 1e-4), `fake step ${step}`).toBeLessThanOrEqual(1);
      const d1 = ourLayers[2].weights()[0].slice();
      const g1 = ourLayers[0].weights()[0].slice();
      const dLoss = await ours.discriminator.trainOnBatch(nn.tensor2d(real, [8, 4]), nn.tensor2d(ones, [8, 1]));
      await ours.discriminator.trainOnBatch(nn.tensor2d(fake, [8, 4]), nn.tensor2d(zeros, [8, 1]));
      expect(Array.from(ourLayers[2].weights()[0])).not.toEqual(Array.from(d1));
      expect(Array.from(ourLayers[0].weights()[0])).toEqual(Array.from(g1)); // not in the discriminator
      const d2 = ourLayers[2].weights()[0].slice();
      const gLoss = await ours.combined.trainOnBatch(nn.tensor2d(noise, [8, 3]), nn.tensor2d(ones, [8, 1]));
      expect(Array.from(ourLayers[2].weights()[0])).toEqual(Array.from(d2)); // frozen in combined
      expect(Array.from(ourLayers[0].weights()[0])).not.toEqual(Array.from(g1));

      // tfjs reads trainable at every step, not at compile as Keras (and nativenn): toggle it.
      theirs.discriminator.trainable = true;
      const tdLoss = await theirs.discriminator.trainOnBatch(
        tf.tensor2d(Array.from(real), [8, 4]),
        tf.tensor2d(Array.from(ones), [8, 1]),
      );
      await theirs.discriminator.trainOnBatch(
        tf.tensor2d(Array.from(fake), [8, 4]),
        tf.tensor2d(Array.from(zeros), [8, 1]),
      );
      theirs.discriminator.trainable = false;
      const tgLoss = await theirs.combined.trainOnBatch(
        tf.tensor2d(Array.from(noise), [8, 3]),
        tf.tensor2d(Array.from(ones), [8, 1]),
      );
      expect(Math.abs((dLoss as number) - (tdLoss as number)), `d loss ${step}`).toBeLessThan(1e-5);
      expect(Math.abs((gLoss as number) - (tgLoss as number)), `g loss ${step}`).toBeLessThan(1e-5);
    }
    for (const l of ourLayers) {
      const t = tfLayer(l.name as string).getWeights();
      l.weights().forEach((w, i) => {
        expect(maxRelErr(w, t[i].dataSync() as Float32Array, 1e-5, 1e-4), `${l.name} weight ${i}`).toBeLessThanOrEqual(
          1,
        );
      });
    }
  });
});

describe('models sharing layers', () => {
  it('a layer in two compiled models trains as one; either model sees the other’s updates', async () => {
    const a = nn.sequential({
      seed: 1,
      layers: [nn.layers.dense({ units: 2, inputShape: [3] }), nn.layers.dense({ units: 1 })],
    });
    a.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const x = nn.tensor2d([[1, 2, 3]]);
    await a.fit(x, nn.tensor2d([[1]]), { epochs: 2, verbose: 0 });
    const b = nn.sequential([a.layers[0], nn.layers.dense({ units: 1 })]);
    b.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const before = a.predict(x).data[0];
    await b.fit(x, nn.tensor2d([[5]]), { epochs: 3, verbose: 0 });
    // b trained the shared first layer: a's prediction moved though a did not train.
    expect(a.predict(x).data[0]).not.toBe(before);
    expect(Array.from(a.getWeights()[0].data)).toEqual(Array.from(b.getWeights()[0].data));
    // a keeps its own optimizer state (moved with its weights into the shared arena) and trains on.
    await a.fit(x, nn.tensor2d([[1]]), { epochs: 2, verbose: 0 });
    expect(a.optimizer?.iterations).toBe(4);
    expect(Array.from(a.getWeights()[0].data)).toEqual(Array.from(b.getWeights()[0].data));
  });

  it('model.apply checks its inputs', () => {
    const a = nn.input({ shape: [2] });
    const b = nn.input({ shape: [2] });
    const inner = nn.model({ inputs: [a, b], outputs: nn.layers.add().apply([a, b]) });
    expect(() => inner.apply(nn.input({ shape: [2] }))).toThrow(/takes 2 inputs, got 1/);
    expect(() => inner.apply([nn.input({ shape: [2] }), nn.input({ shape: [3] })])).toThrow(/input 1 must be/);
    const seq = nn.sequential([nn.layers.dense({ units: 1, inputShape: [2] })]);
    expect(() => seq.apply(nn.input({ shape: [3] }))).toThrow(/declares inputShape/);
    expect(() => seq.apply('x' as never)).toThrow(TypeError);
    const out = inner.apply([nn.input({ shape: [2] }), nn.input({ shape: [2] })]) as nn.SymbolicTensor;
    expect(out.shape).toEqual([null, 2]);
  });
});
