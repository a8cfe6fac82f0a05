/** The sequence helpers feed fit() as they are: windows of a period-3 text, ids from charVocab,
 *  through embedding → flatten → dense softmax, learn the next character exactly (issue 11 item 3). */
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { allBackends } from '../support/backends';

const initial = nn.getBackend().name;
afterAll(() => nn.setBackend(initial));

describe.each(allBackends.map((b) => [b.name] as const))('charVocab + slidingWindows train (%s)', (backend) => {
  it('learns the period-3 next character to accuracy 1', async () => {
    nn.setBackend(backend);
    const text = 'abc'.repeat(100);
    const vocab = nn.data.charVocab(text);
    const window = 4;
    const { x, y } = nn.data.slidingWindows(vocab.encode(text), { window });
    const model = nn.sequential({
      seed: 1,
      layers: [
        nn.layers.embedding({ inputDim: vocab.size, outputDim: 4, inputShape: [window] }),
        nn.layers.flatten(),
        nn.layers.dense({ units: vocab.size, activation: 'softmax' }),
      ],
    });
    model.compile({
      optimizer: nn.optimizers.adam({ learningRate: 0.05 }),
      loss: 'sparseCategoricalCrossentropy',
      metrics: ['accuracy'],
    });
    const history = await model.fit(x, y, { epochs: 10, batchSize: 16, seed: 2, verbose: 0 });
    expect(history.history.loss.at(-1)).toBeLessThan(history.history.loss[0]);
    expect(model.evaluate(x, y).accuracy).toBe(1);
    // predictions decode back to text: after "abca" comes "b", after "cabc" comes "a"
    const probe = nn.tensor2d([Array.from(vocab.encode('abca')), Array.from(vocab.encode('cabc'))]);
    const next = model.predict(probe).argMax();
    expect(vocab.decode(next)).toBe('ba');
  });
});
