import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { epochLine, progress } from '../../src/cli/progress';

/** A stream that records what is written; `tty` makes it look like a terminal to cli-progress. */
function recorder(tty: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const s = new PassThrough() as unknown as NodeJS.WriteStream & PassThrough;
  s.on('data', (c: Buffer) => chunks.push(c.toString()));
  Object.assign(s, { isTTY: tty, columns: 160, rows: 40 });
  return { stream: s, text: () => chunks.join('') };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('progress', () => {
  it('epochLine: epoch, milliseconds, each key then its val_ twin', () => {
    const line = epochLine(
      2,
      10,
      12,
      { loss: 0.5, accuracy: 0.875, val_loss: 0.25, val_accuracy: 1 },
      ['loss', 'accuracy'],
      true,
    );
    expect(line).toBe('epoch  3/10 - 12 ms - loss 0.5000 - accuracy 0.8750 - val_loss 0.2500 - val_accuracy 1.0000');
  });

  it('without a terminal: one plain line per epoch and no batch hooks (fit keeps its fast path)', async () => {
    const r = recorder(false);
    const cb = progress({ epochs: 2, keys: ['loss', 'mae'], validation: false, stream: r.stream });
    expect(cb.onBatchEnd).toBeUndefined();
    cb.onEpochBegin?.(0, {});
    cb.onEpochEnd?.(0, { loss: 1.25, mae: 0.5 });
    cb.onEpochBegin?.(1, {});
    cb.onEpochEnd?.(1, { loss: 1, mae: 0.25 });
    await flush();
    const lines = r.text().trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^epoch 2\/2 - \d+ ms - loss 1\.0000 - mae 0\.2500$/);
    expect(r.text()).not.toContain('\u001b');
  });

  it('without a terminal, over 100 epochs: the first 10, every 10th and the last (an early stop)', async () => {
    const r = recorder(false);
    const cb = progress({ epochs: 1000, keys: ['loss'], validation: false, stream: r.stream });
    for (let e = 0; e < 25; e++) {
      cb.onEpochBegin?.(e, {});
      cb.onEpochEnd?.(e, { loss: 1 / (e + 1) });
    }
    cb.onTrainEnd?.({});
    await flush();
    const shown = r
      .text()
      .trim()
      .split('\n')
      .map((l) => Number(/^epoch +(\d+)\//.exec(l)?.[1]));
    expect(shown).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 25]);
  });

  it('on a terminal: a live bar with epoch, batch, ETA, running loss and the validation values', async () => {
    const r = recorder(true);
    const cb = progress({ epochs: 2, keys: ['loss', 'accuracy'], validation: true, stream: r.stream });
    cb.setParams?.({
      epochs: 2,
      batchSize: 10,
      samples: 30,
      validationSamples: 5,
      steps: 3,
      seed: 1,
      metrics: ['loss', 'accuracy'],
    });
    cb.onTrainBegin?.({});
    cb.onEpochBegin?.(0, {});
    cb.onBatchEnd?.(0, { batch: 0, size: 10, loss: 2, accuracy: 0.5 });
    cb.onBatchEnd?.(1, { batch: 1, size: 10, loss: 1, accuracy: 1 });
    await new Promise((res) => setTimeout(res, 120)); // past the bar's redraw interval (fps 10)
    cb.onBatchEnd?.(2, { batch: 2, size: 10, loss: 0, accuracy: 1 });
    cb.onEpochEnd?.(0, { loss: 1, accuracy: 0.8, val_loss: 0.75, val_accuracy: 0.6 });
    cb.onTrainEnd?.({});
    await flush();
    const text = r.text();
    expect(text).toMatch(/epoch 1\/2 \S+ batch 2\/3 \| ETA \S+ \| loss 1\.5000 acc 0\.7500 val_loss +- +val_acc +- /); // running means of batches 1-2
    expect(text).toContain('batch 3/3');
    expect(text).toContain('val_loss 0.7500 val_acc 0.6000');
    expect(text).toContain('\u001b[?25h'); // cursor shown again at the end
  });
});
