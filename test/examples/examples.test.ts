/** The examples, run with few epochs (the full runs are by hand: npx tsx examples/<name>.ts). */
import { describe, expect, it } from 'vitest';
import { run as kerasDigits } from '../../examples/keras-digits';
import { run as seedDigits } from '../../examples/seed-digits';

describe('examples', () => {
  it('seed-digits tracks train and test loss per epoch and reports test accuracy', async () => {
    const lines: string[] = [];
    const r = await seedDigits({ epochs: 30, log: (l) => lines.push(l) });
    expect(r.trainLoss.length).toBe(30);
    expect(r.testLoss.length).toBe(30);
    // Full-batch gradient descent with lr 0.1 on a smooth loss: every step lowers the train loss.
    for (let i = 1; i < 30; i++) expect(r.trainLoss[i]).toBeLessThan(r.trainLoss[i - 1]);
    expect(r.testLoss[29]).toBeLessThan(r.testLoss[0]);
    expect(r.testAccuracy).toBeGreaterThan(0.1); // above chance after 30 of the 1000 epochs
    expect(lines[lines.length - 1]).toMatch(/^test accuracy \d+\.\d\d%/);
  });

  it('keras-digits learns the digits in a few epochs', async () => {
    const r = await kerasDigits({ epochs: 3, verbose: 0 });
    expect(r.history.epoch).toEqual([0, 1, 2]);
    expect(Object.keys(r.history.history)).toEqual(['loss', 'accuracy', 'val_loss', 'val_accuracy']);
    expect(r.testAccuracy).toBeGreaterThan(0.8);
    expect(r.history.history.val_accuracy[2]).toBe(r.testAccuracy);
  });
});
