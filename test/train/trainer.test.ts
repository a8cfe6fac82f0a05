/** The Trainer: history, batching, seeded shuffles and splits, callbacks, determinism. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as nn from '../../src';
import { Random } from '../../src/util/random';

/** A small 3-class problem: 4 features, the class is where the largest of the first 3 sits. */
function blobs(rows: number, seed = 7) {
  const rng = new Random(seed);
  const x = new Float32Array(rows * 4);
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < 4; c++) x[r * 4 + c] = rng.uniform(-1, 1);
    const row = [x[r * 4], x[r * 4 + 1], x[r * 4 + 2]];
    labels[r] = row.indexOf(Math.max(...row));
  }
  return { x: nn.tensor2d(x, [rows, 4]), labels, y: nn.data.oneHot(labels, 3) };
}

function model(seed = 3, optimizer: string | nn.optimizers.Optimizer = 'adam', dropout = 0) {
  const m = nn.sequential({
    seed,
    layers: [
      nn.layers.dense({ units: 8, activation: 'relu', inputShape: [4] }),
      ...(dropout > 0 ? [nn.layers.dropout({ rate: dropout })] : []),
      nn.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

afterEach(() => vi.restoreAllMocks());

describe('Trainer', () => {
  it('returns a Keras-shaped History with train and validation values per epoch', async () => {
    const { x, y } = blobs(50);
    const m = model();
    const h = await m.fit(x, y, { epochs: 4, batchSize: 16, validationSplit: 0.2, verbose: 0, seed: 1 });
    expect(h.epoch).toEqual([0, 1, 2, 3]);
    expect(Object.keys(h.history)).toEqual(['loss', 'accuracy', 'val_loss', 'val_accuracy']);
    expect(h.params).toMatchObject({ epochs: 4, batchSize: 16, samples: 40, validationSamples: 10, steps: 3, seed: 1 });
    for (const v of Object.values(h.history)) expect(v.every(Number.isFinite)).toBe(true);
    expect(m.optimizer?.iterations).toBe(12);
  });

  it('the epoch loss is the sample-weighted mean of the batch losses', async () => {
    const { x, y } = blobs(10);
    const h = await model().fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, seed: 2, batchLoss: true });
    const batch = h.batchHistory.loss;
    expect(batch.length).toBe(6);
    // batches of 4, 4 and 2 rows
    expect(h.history.loss[1]).toBeCloseTo((4 * batch[3] + 4 * batch[4] + 2 * batch[5]) / 10, 12);
    expect(h.batchHistory.accuracy.length).toBe(6);
  });

  it('learns the problem (loss falls, accuracy rises)', async () => {
    const { x, y } = blobs(300);
    const h = await model(3, nn.optimizers.adam({ learningRate: 0.02 })).fit(x, y, {
      epochs: 40,
      batchSize: 32,
      verbose: 0,
      seed: 1,
    });
    expect(h.history.loss[39]).toBeLessThan(h.history.loss[0] * 0.5);
    expect(h.history.accuracy[39]).toBeGreaterThan(0.85);
  });

  it('the same seeds give bit-identical weights and History; another fit seed does not', async () => {
    const { x, y } = blobs(64);
    const opts = { epochs: 3, batchSize: 8, validationSplit: 0.25, verbose: 0 as const, seed: 11 };
    const a = model(5, 'adam', 0.3);
    const b = model(5, 'adam', 0.3);
    const ha = await a.fit(x, y, opts);
    const hb = await b.fit(x, y, opts);
    expect(hb.history).toEqual(ha.history);
    expect(b.getWeights()).toEqual(a.getWeights());
    const c = model(5, 'adam', 0.3);
    await c.fit(x, y, { ...opts, seed: 12 });
    expect(c.getWeights()).not.toEqual(a.getWeights());
  });

  it('validationSplit holds out a seeded shuffled subset, not the last rows', async () => {
    const { x, y } = blobs(40);
    const m = model(3, nn.optimizers.sgd({ learningRate: 0 })); // weights stay put: val_loss = evaluate(holdout)
    const h = await m.fit(x, y, { epochs: 1, validationSplit: 0.25, verbose: 0, seed: 21 });
    const order = new Random(21).permutation(40);
    const holdout = Array.from(order.subarray(30));
    expect(h.history.val_loss[0]).toBeCloseTo(m.evaluate(nn.data.take(x, holdout), nn.data.take(y, holdout)).loss, 6);
    const last = Array.from({ length: 10 }, (_, i) => 30 + i);
    expect(
      Math.abs(h.history.val_loss[0] - m.evaluate(nn.data.take(x, last), nn.data.take(y, last)).loss),
    ).toBeGreaterThan(1e-4);
  });

  it('batch hooks run batch by batch with the same result as the fast path', async () => {
    const { x, y } = blobs(30);
    const opts = { epochs: 2, batchSize: 7, verbose: 0 as const, seed: 4 };
    const fast = model();
    const hFast = await fast.fit(x, y, opts);
    const slow = model();
    const seen: string[] = [];
    const hSlow = await slow.fit(x, y, {
      ...opts,
      callbacks: [
        {
          onTrainBegin: async () => {
            seen.push('trainBegin');
          },
          onEpochBegin: (e) => {
            seen.push(`epochBegin ${e}`);
          },
          onBatchBegin: (b, logs) => {
            seen.push(`batchBegin ${b} ${logs.size}`);
          },
          onBatchEnd: async (b, logs) => {
            await new Promise((r) => setTimeout(r, 1));
            expect(Number.isFinite(logs.loss)).toBe(true);
            seen.push(`batchEnd ${b}`);
          },
          onEpochEnd: (e, logs) => {
            seen.push(`epochEnd ${e} ${Object.keys(logs).join(',')}`);
          },
          onTrainEnd: () => {
            seen.push('trainEnd');
          },
        },
      ],
    });
    expect(slow.getWeights()).toEqual(fast.getWeights());
    expect(hSlow.history).toEqual(hFast.history);
    expect(seen.slice(0, 4)).toEqual(['trainBegin', 'epochBegin 0', 'batchBegin 0 7', 'batchEnd 0']);
    expect(seen).toContain('batchBegin 4 2');
    expect(seen).toContain('epochEnd 1 loss,accuracy');
    expect(seen[seen.length - 1]).toBe('trainEnd');
  });

  it('sparse labels in every accepted form train identically', async () => {
    const { x, labels } = blobs(24);
    const forms = [
      labels,
      Float32Array.from(labels),
      Array.from(labels),
      new nn.Tensor(Float32Array.from(labels), [24]),
      new nn.Tensor(Float32Array.from(labels), [24, 1]),
    ];
    const results: unknown[] = [];
    for (const labelsForm of forms) {
      const m = nn.sequential({
        seed: 2,
        layers: [nn.layers.dense({ units: 3, activation: 'softmax', inputShape: [4] })],
      });
      m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      results.push((await m.fit(x, labelsForm, { epochs: 2, batchSize: 5, verbose: 0, seed: 1 })).history);
    }
    for (const r of results) expect(r).toEqual(results[0]);
  });

  it('a second fit continues the optimizer steps; full batch is one step per epoch', async () => {
    const { x, y } = blobs(20);
    const m = model();
    await m.fit(x, y, { epochs: 3, batchSize: 100, verbose: 0, seed: 1 });
    expect(m.optimizer?.iterations).toBe(3);
    await m.fit(x, y, { epochs: 2, batchSize: 20, verbose: 0, seed: 1 });
    expect(m.optimizer?.iterations).toBe(5);
  });

  it('nn.Trainer compiles the model and runs the same loop', async () => {
    const { x, y } = blobs(20);
    const m = nn.sequential({
      seed: 3,
      layers: [
        nn.layers.dense({ units: 8, activation: 'relu', inputShape: [4] }),
        nn.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    const trainer = new nn.Trainer(m, { loss: 'categoricalCrossentropy', optimizer: 'adam', metrics: ['accuracy'] });
    const h1 = await trainer.fit(x, y, { epochs: 2, verbose: 0, seed: 1 });
    const h2 = await model().fit(x, y, { epochs: 2, verbose: 0, seed: 1 });
    expect(h1.history).toEqual(h2.history);
    expect(trainer.evaluate(x, y)).toEqual(m.evaluate(x, y));
  });

  it('verbose prints one Keras-like line per epoch', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const { x, y } = blobs(10);
    await model().fit(x, y, { epochs: 2, seed: 1 });
    expect(log).toHaveBeenCalledTimes(2);
    expect(String(log.mock.calls[1][0])).toMatch(/^Epoch 2\/2 - \d+ms - loss: \d\.\d{4} - accuracy: \d\.\d{4}$/);
  });

  it('keeps the event loop responsive while training', async () => {
    const { x, y } = blobs(4000);
    const m = model();
    let ticks = 0;
    const timer = setInterval(() => {
      ticks++;
    }, 1);
    await m.fit(x, y, { epochs: 20, batchSize: 8, verbose: 0, seed: 1 });
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(2);
  });
});

describe('callbacks', () => {
  it('earlyStopping stops after `patience` epochs without improvement', async () => {
    const { x, y } = blobs(20);
    const m = model(3, nn.optimizers.sgd({ learningRate: 0 }));
    // lr 0: the weights stay; the epoch loss moves only by summation order (reshuffled batches).
    const stop = nn.callbacks.earlyStopping({ monitor: 'loss', patience: 2, minDelta: 1e-6 });
    const h = await m.fit(x, y, { epochs: 10, verbose: 0, seed: 1, callbacks: [stop] });
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(stop.stoppedEpoch).toBe(2);
  });

  it('earlyStopping restoreBestWeights brings back the best epoch', async () => {
    const { x, y } = blobs(40);
    const m = model(3, nn.optimizers.sgd({ learningRate: 0.1 }));
    const snapshots: nn.Tensor[][] = [];
    const stop = nn.callbacks.earlyStopping({ monitor: 'val_loss', patience: 1, restoreBestWeights: true });
    const h = await m.fit(x, y, {
      epochs: 30,
      verbose: 0,
      seed: 1,
      validationData: [x, y],
      callbacks: [
        nn.callbacks.learningRateScheduler((epoch) => (epoch < 3 ? 0.1 : 50)), // blows up from epoch 3
        {
          onEpochEnd: () => {
            snapshots.push(m.getWeights());
          },
        },
        stop,
      ],
    });
    expect(h.epoch.length).toBeLessThan(30);
    expect(stop.bestEpoch).toBe(h.history.val_loss.indexOf(Math.min(...h.history.val_loss)));
    expect(m.getWeights()).toEqual(snapshots[stop.bestEpoch]);
  });

  it('learningRateScheduler sets the rate each epoch; reduceLROnPlateau lowers it on a plateau', async () => {
    const { x, y } = blobs(20);
    const m = model(3, nn.optimizers.sgd({ learningRate: 0.1 }));
    const seen: number[] = [];
    await m.fit(x, y, {
      epochs: 3,
      verbose: 0,
      seed: 1,
      callbacks: [
        nn.callbacks.learningRateScheduler((epoch, lr) => (epoch === 0 ? lr : lr / 2)),
        {
          onEpochBegin: () => {
            seen.push(m.optimizer?.learningRate ?? -1);
          },
        },
      ],
    });
    expect(seen).toEqual([0.1, 0.05, 0.025]);
    const flat = model(3, nn.optimizers.sgd({ learningRate: 1e-12 })); // the loss cannot improve by minDelta
    const plateau = nn.callbacks.reduceLROnPlateau({ monitor: 'loss', patience: 2, factor: 0.5 });
    await flat.fit(x, y, { epochs: 6, verbose: 0, seed: 1, callbacks: [plateau] });
    expect(flat.optimizer?.learningRate).toBeCloseTo(0.25e-12, 24);
  });

  it('terminateOnNaN stops when the loss stops being finite', async () => {
    const { x } = blobs(20);
    const m = nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: 1, inputShape: [4] })] });
    m.compile({ optimizer: nn.optimizers.sgd({ learningRate: 1e6 }), loss: 'mse' });
    const yBig = new nn.Tensor(new Float32Array(20).fill(1e18), [20, 1]);
    const nan = nn.callbacks.terminateOnNaN();
    const h = await m.fit(x, yBig, { epochs: 50, batchSize: 4, verbose: 0, seed: 1, callbacks: [nan] });
    expect(nan.stoppedEpoch).not.toBeNull();
    expect(h.epoch.length).toBeLessThan(50);
  });

  it('callbacks validate their settings', () => {
    expect(() => nn.callbacks.earlyStopping({ mode: 'up' as never })).toThrow(
      'earlyStopping: unknown mode "up"; valid: auto, min, max',
    );
    expect(() => nn.callbacks.reduceLROnPlateau({ factor: 1 })).toThrow(
      'reduceLROnPlateau: factor must be a finite number in [0, 1)',
    );
    expect(() => nn.callbacks.learningRateScheduler(0.1 as never)).toThrow('schedule must be a function');
    expect(nn.callbacks.earlyStopping({ monitor: 'val_accuracy' }).mode).toBe('max');
  });
});

describe('while fit runs', () => {
  it('a second fit, compile or add on the same model is refused; the first fit is unharmed', async () => {
    const { x, y } = blobs(200);
    const m = model();
    const first = m.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, seed: 1 });
    await expect(m.fit(x, y, { verbose: 0 })).rejects.toThrow('fit: sequential_');
    expect(() => m.compile({ optimizer: 'sgd', loss: 'mse' })).toThrow('compile: sequential_');
    expect(() => m.add(nn.layers.dense({ units: 2 }))).toThrow('is training (await its fit first)');
    const h = await first;
    expect(h.epoch).toEqual([0, 1]);
    const again = await m.fit(x, y, { epochs: 1, verbose: 0, seed: 1 });
    expect(again.epoch).toEqual([0]);
  });
});
