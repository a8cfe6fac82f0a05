/** model.summary() with shapes of any rank (from computeOutputShape) and real parameter totals. */
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import type { Emitted } from '../../src/graph/builder';

/** A weightless-in-training layer with a non-trainable weight per feature, like a batch-norm's
 *  moving mean: it proves the summary counts non-trainable weights rather than printing 0. */
class MovingMean extends nn.layers.Layer {
  readonly className = 'MovingMean';
  readonly namePrefix = 'moving_mean';
  constructor() {
    super('movingMean', {});
  }
  override weightSpecs(inputShape: nn.Shape): nn.WeightSpec[] {
    const shape = this.computeOutputShape(inputShape);
    return [{ name: 'moving_mean', shape: [shape[shape.length - 1] as number], trainable: false }];
  }
  emit(): Emitted {
    throw new Error('not runnable');
  }
}

describe('summary', () => {
  it('prints Keras shapes of any rank and the parameter totals', () => {
    const m = nn.sequential({
      name: 'images',
      layers: [
        nn.layers.dense({ units: 32, activation: 'relu', inputShape: [26, 26, 3] }),
        nn.layers.dropout({ rate: 0.25 }),
        nn.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    const text = m.summary({ print: false });
    expect(text).toContain('Model: "images"');
    expect(text).toMatch(/dense_\d+ \(Dense\)\s+\(None, 26, 26, 32\)\s+128 *$/m);
    expect(text).toMatch(/dropout_\d+ \(Dropout\)\s+\(None, 26, 26, 32\)\s+0 *$/m);
    expect(text).toMatch(/dense_\d+ \(Dense\)\s+\(None, 26, 26, 10\)\s+330 *$/m);
    expect(text).toContain('Total params: 458\n');
    expect(text).toContain('Trainable params: 458\n');
    expect(text).toContain('Non-trainable params: 0\n');
    expect(m.countParams()).toBe(458);
  });

  it('counts non-trainable weights from the layers', () => {
    const m = nn.sequential({
      layers: [nn.layers.dense({ units: 1000, inputShape: [5, 4] }), new MovingMean(), nn.layers.dense({ units: 2 })],
    });
    const text = m.summary({ print: false });
    expect(text).toMatch(/moving_mean_\d+ \(MovingMean\)\s+\(None, 5, 1000\)\s+1000 *$/m);
    expect(text).toContain('Total params: 8,002\n');
    expect(text).toContain('Trainable params: 7,002\n');
    expect(text).toContain('Non-trainable params: 1,000\n');
    expect(m.countParams()).toBe(8002);
  });

  it('an empty model has no parameters', () => {
    const m = nn.sequential({ name: 'empty' });
    expect(m.countParams()).toBe(0);
    expect(m.summary({ print: false })).toContain('Total params: 0\n');
  });
});
