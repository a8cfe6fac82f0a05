/** A save that fails or is killed half-way never leaves a half-written model where a good one was. */
import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { writeFolderAtomically } from '../../src/io/atomic';
import { tempDir } from './tfjs-files';

describe('atomic model folders', () => {
  it('a write failing half-way leaves the previous model untouched and no temporary files', async () => {
    const parent = await tempDir();
    const dir = path.join(parent, 'model');
    const m = nn.sequential([nn.layers.dense({ units: 2, inputShape: [3] })]);
    await m.save(dir);
    const before = await fsp.readFile(path.join(dir, 'weights.bin'));
    // The second file cannot be created (its folder does not exist): the write fails after the
    // first file of the new model is already on disk.
    await expect(
      writeFolderAtomically(dir, [
        { name: 'weights.bin', data: new Uint8Array(7) },
        { name: 'missing/model.json', data: '{}' },
      ]),
    ).rejects.toThrow(/ENOENT/);
    expect(await fsp.readFile(path.join(dir, 'weights.bin'))).toEqual(before);
    expect(await fsp.readdir(parent)).toEqual(['model']);
    expect((await nn.loadModel(dir)).getWeights().map((w) => Array.from(w.data))).toEqual(
      m.getWeights().map((w) => Array.from(w.data)),
    );
  });

  it('a process killed (SIGKILL) at random moments while saving leaves a whole model', async () => {
    const parent = await tempDir();
    const dir = path.join(parent, 'model');
    const script = path.join(__dirname, 'fixtures', 'save-loop.ts');
    for (let round = 0; round < 4; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
        child.on('exit', (code) => reject(new Error(`save-loop exited early (${code})`)));
      });
      await new Promise((r) => setTimeout(r, 10 + Math.random() * 150));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));

      let model: nn.Sequential;
      try {
        model = await nn.loadModel(dir);
      } catch (e) {
        // Only possible between the two renames: the previous model waits beside it, whole.
        const backup = /left the previous model in (\S+);/.exec((e as Error).message)?.[1];
        expect(backup, (e as Error).message).toBeTruthy();
        await fsp.rename(backup as string, dir);
        model = await nn.loadModel(dir);
      }
      // Whole = kernel and bias from one save (every value the same version k).
      const values = new Set(model.getWeights().flatMap((w) => Array.from(new Set(w.data))));
      expect(values.size).toBe(1);
    }
    // The next save clears what the killed ones left (their temporary folders and backups).
    await (await nn.loadModel(dir)).save(dir);
    expect(await fsp.readdir(parent)).toEqual(['model']);
  });
});
