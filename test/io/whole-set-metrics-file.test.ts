/** Whole-set metrics (precision, f1, auc, r2, …) survive save/load: written under
 *  trainingConfig.nativenn.metrics, where tfjs (which lacks some of them) does not read them. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';

describe('whole-set metrics in model files', () => {
  it('a model compiled with auc and f1 loads compiled with them, and model.json keeps tfjs metrics apart', async () => {
    const m = nn.sequential({
      seed: 1,
      layers: [
        nn.layers.dense({ units: 4, activation: 'relu', inputShape: [3] }),
        nn.layers.dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy', 'auc', 'f1'] });
    const x = nn.tensor2d([
      [0, 1, 2],
      [1, 0, 1],
      [2, 2, 0],
      [0, 0, 1],
    ]);
    const y = Float32Array.of(1, 0, 1, 0);
    await m.fit(x, y, { epochs: 2, verbose: 0, seed: 1 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nn-metrics-'));
    await m.save(dir);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    expect(json.trainingConfig.metrics).toEqual(['accuracy']);
    expect(json.trainingConfig.nativenn.metrics).toEqual(['auc', 'f1']);
    const again = await nn.loadModel(dir);
    expect(Object.keys(again.evaluate(x, y)).sort()).toEqual(['accuracy', 'auc', 'f1', 'loss']);
    expect(again.evaluate(x, y)).toEqual(m.evaluate(x, y));
  });
});
