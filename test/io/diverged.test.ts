/** Issue 15 item 4 (and the checkpoint message of item 16): a fit that diverges to NaN is marked
 *  in History, and neither save nor modelCheckpoint overwrites a good model with NaN weights. */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as nn from '../../src';
import { tempDir } from './tfjs-files';

const x = nn.tensor2d(
  Float32Array.from({ length: 64 }, (_, i) => (i % 7) - 3),
  [16, 4],
);
const y = nn.tensor2d(
  Float32Array.from({ length: 16 }, (_, i) => i),
  [16, 1],
);

function model(learningRate: number): nn.Sequential {
  const m = nn.sequential({
    seed: 1,
    layers: [nn.layers.dense({ units: 8, activation: 'relu', inputShape: [4] }), nn.layers.dense({ units: 1 })],
  });
  m.compile({ optimizer: nn.optimizers.sgd({ learningRate }), loss: 'meanSquaredError' });
  return m;
}

async function filesOf(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await fsp.readdir(dir)) out[f] = (await fsp.readFile(path.join(dir, f))).toString('base64');
  return out;
}

afterEach(() => vi.restoreAllMocks());

describe('a fit that diverges to NaN', () => {
  it('history.nonFinite lists the epochs whose loss or val_loss is not finite', async () => {
    const good = await model(0.001).fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, validationSplit: 0.25 });
    expect(good.nonFinite).toEqual([]);
    const bad = await model(1e4).fit(x, y, { epochs: 4, batchSize: 4, verbose: 0, validationSplit: 0.25 });
    expect(bad.nonFinite.length).toBeGreaterThan(0);
    expect(bad.nonFinite).toEqual(
      bad.epoch.filter((_, i) => !Number.isFinite(bad.history.loss[i]) || !Number.isFinite(bad.history.val_loss[i])),
    );
  });

  it('save refuses NaN weights and leaves the earlier files as they were', async () => {
    const m = model(1e4);
    const dir = path.join(await tempDir(), 'm');
    await m.save(dir, { includeOptimizer: true });
    const before = await filesOf(dir);
    await m.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0 });
    await expect(m.save(dir)).rejects.toThrow(/weight "dense_\d+\/kernel" holds NaN.*diverged.*nothing was written/);
    await expect(m.save(dir)).rejects.toBeInstanceOf(RangeError);
    expect(await filesOf(dir)).toEqual(before);
    await expect(nn.loadModel(dir)).resolves.toBeDefined();
  });

  it('modelCheckpoint skips diverged epochs, keeps the old checkpoint and fit still resolves', async () => {
    const m = model(1e4);
    const dir = path.join(await tempDir(), 'ckpt');
    await m.save(dir);
    const before = await filesOf(dir);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const ckpt = nn.callbacks.modelCheckpoint({ dir });
    const h = await m.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, callbacks: [ckpt] });
    expect(h.nonFinite).toEqual([0, 1, 2]);
    expect(ckpt.refusedNonFinite).toEqual([0, 1, 2]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/epoch 1 not saved: .*holds NaN/);
    expect(await filesOf(dir)).toEqual(before);
  });

  it('modelCheckpoint(saveBestOnly) says val_loss is NaN, not that it is missing', async () => {
    const m = model(1e4);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const ckpt = nn.callbacks.modelCheckpoint({ dir: path.join(await tempDir(), 'best'), saveBestOnly: true });
    await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, validationSplit: 0.25, callbacks: [ckpt] });
    expect(ckpt.lastSavedEpoch).toBeNull();
    const text = warn.mock.calls.map((c) => String(c[0])).join('\n');
    expect(text).toMatch(/val_loss is NaN at epoch 1; not saved/);
    expect(text).not.toMatch(/not in the epoch logs/);
  });
});
