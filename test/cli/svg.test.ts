import { describe, expect, it } from 'vitest';
import { confusionMatrix, formatConfusion } from '../../src/cli/confusion';
import { historySvg, niceTicks } from '../../src/cli/svg';
import { assertWellFormed } from './support';

describe('loss.svg', () => {
  const history = {
    loss: [2.3, 1.2, 0.7, 0.5],
    val_loss: [2.2, 1.3, 0.9, 0.8],
    accuracy: [0.3, 0.6, 0.8, 0.9],
    val_accuracy: [0.35, 0.55, 0.75, 0.85],
  };
  const svg = historySvg([0, 1, 2, 3], history);

  it('is well-formed SVG with two panels, labelled curves, axes and a legend', () => {
    assertWellFormed(svg);
    expect(svg).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
    expect(svg.match(/<polyline /g)).toHaveLength(4);
    for (const text of [
      'Loss per epoch',
      'Accuracy per epoch',
      'train loss',
      'validation loss',
      'train accuracy',
      'validation accuracy',
      '>epoch<',
    ]) {
      expect(svg).toContain(text);
    }
  });

  it('places the first train-loss point higher on the page than the last (loss falls)', () => {
    const points = svg
      .match(/<polyline[^>]*points="([^"]+)"/)![1]
      .split(' ')
      .map((p) => p.split(',').map(Number));
    expect(points).toHaveLength(4);
    expect(points[0][1]).toBeLessThan(points[3][1]); // SVG y grows downward
    expect(points[0][0]).toBeLessThan(points[3][0]);
  });

  it('draws a single epoch and a loss-only history', () => {
    const one = historySvg([0], { loss: [1.5] });
    assertWellFormed(one);
    expect(one).toContain('<circle');
    expect(one).not.toContain('Accuracy per epoch');
  });
});

describe('niceTicks', () => {
  it('covers the range with round steps', () => {
    expect(niceTicks(0.13, 0.92)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(1, 1).length).toBeGreaterThan(1);
  });
});

describe('confusion matrix', () => {
  it('counts true-vs-predicted pairs and formats a table', () => {
    const m = confusionMatrix([0, 0, 1, 2, 2], [0, 1, 1, 2, 0], 3);
    expect(m).toEqual([
      [1, 1, 0],
      [0, 1, 0],
      [1, 0, 1],
    ]);
    const text = formatConfusion(m, ['a', 'b', 'c']);
    expect(text.split('\n')).toHaveLength(4);
    expect(text.split('\n')[1]).toMatch(/^a\s+1\s+1\s+0$/);
  });
});
