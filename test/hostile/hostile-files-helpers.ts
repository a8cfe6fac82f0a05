/** Shared by the hostile-files-* tests: a small saved model to tamper with. */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as nn from '../../src';

export async function savedModel(): Promise<{ root: string; dir: string }> {
  const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'nativenn-hostile-'));
  const dir = path.join(root, 'model');
  const m = nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: 2, inputShape: [3] })] });
  await m.save(dir);
  return { root, dir };
}

/** The error loadModel rejects with (fails the test when it resolves). */
export async function loadError(p: string): Promise<Error> {
  try {
    await nn.loadModel(p);
  } catch (e) {
    return e as Error;
  }
  throw new Error(`loadModel(${p}) resolved; it should have been refused`);
}
