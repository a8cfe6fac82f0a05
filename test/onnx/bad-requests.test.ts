/** Bad export requests: a clear error naming what is wrong, and nothing written. */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import type { Emitted } from '../../src/graph/builder';
import { Layer } from '../../src/layers/layer';

/** A layer class with no exporter (as a new layer would be before its exporter is written). */
class StandInLayer extends Layer {
  readonly className = 'StandIn';
  readonly namePrefix = 'stand_in';
  constructor() {
    super('standIn', {});
  }
  outputSize(n: number): number {
    return n;
  }
  emit(_b: unknown, input: number): Emitted {
    return { output: input, backward() {} };
  }
}

const model = () =>
  nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: 2, activation: 'relu', inputShape: [3] })] });

let dir: string;
beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'nativenn-onnx-'));
});
afterEach(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});
const listing = async () => (await fsp.readdir(dir, { recursive: true })).sort();

describe('bad export requests write nothing', () => {
  it('an unsupported layer: its name and class', async () => {
    const m = model();
    m.add(new StandInLayer());
    const target = path.join(dir, 'm.onnx');
    await expect(nn.exportOnnx(m, target)).rejects.toThrow(
      /layer "stand_in_1" \(StandIn\) cannot be exported to ONNX: no ONNX exporter/,
    );
    expect(() => m.toOnnx()).toThrow(TypeError);
    expect(await listing()).toEqual([]);
  });

  it.each([12, 18, 16.5, '17', Number.NaN, null])('opset %o is refused', async (opset) => {
    const target = path.join(dir, 'm.onnx');
    await expect(nn.exportOnnx(model(), target, { opset: opset as number })).rejects.toThrow(
      /exportOnnx: opset must be an integer from 13 to 17, got/,
    );
    expect(await listing()).toEqual([]);
  });

  it('a path that is a folder (existing, or written with a trailing slash)', async () => {
    await fsp.mkdir(path.join(dir, 'out'));
    await expect(nn.exportOnnx(model(), path.join(dir, 'out'))).rejects.toThrow(/exportOnnx: path .*out is a folder/);
    await expect(nn.exportOnnx(model(), `${path.join(dir, 'new')}/`)).rejects.toThrow(/names a folder/);
    expect(await listing()).toEqual(['out']);
    await expect(nn.exportOnnx(model(), '')).rejects.toThrow(TypeError);
    await expect(nn.exportOnnx(model(), 3 as unknown as string)).rejects.toThrow(/path must be a file path/);
  });

  it('a model with no layers (no weights), or something that is not a model', async () => {
    const target = path.join(dir, 'm.onnx');
    await expect(nn.exportOnnx(nn.sequential(), target)).rejects.toThrow(/the model has no layers/);
    await expect(nn.exportOnnx({ layers: [1] }, target)).rejects.toThrow(/model must be a nativenn model/);
    await expect(nn.exportOnnx(null, target)).rejects.toThrow(TypeError);
    expect(await listing()).toEqual([]);
  });

  it('a model whose weights an executor is writing (busy: a trainBatches call pending)', async () => {
    const m = model();
    m.busy = true; // what the model sets while the native executor trains on its own copy
    await expect(nn.exportOnnx(m, path.join(dir, 'm.onnx'))).rejects.toThrow(/the model is training/);
    m.busy = false;
    expect(m.toOnnx().length).toBeGreaterThan(0);
    expect(await listing()).toEqual([]);
  });

  it('weights over the 2 GiB a protobuf message holds, refused before anything is allocated', async () => {
    const m = model();
    const huge = m.layers[0];
    // the sizes only: no 2 GiB array is made
    huge.arenaViews = () => [{ length: 2 ** 29 } as Float32Array];
    await expect(nn.exportOnnx(m, path.join(dir, 'm.onnx'))).rejects.toThrow(
      /weights take 2147483648 bytes; an ONNX file holds at most/,
    );
    expect(await listing()).toEqual([]);
  });

  it('bad options: unknown keys, batchSize with a dynamic batch, names, scalers', async () => {
    const m = model();
    expect(() => m.toOnnx({ opsets: 17 } as never)).toThrow(/unknown option "opsets"/);
    expect(() => m.toOnnx({ batchSize: 4 })).toThrow(/batchSize applies only with dynamicBatch: false/);
    expect(() => m.toOnnx({ dynamicBatch: false, batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
    expect(() => m.toOnnx({ dynamicBatch: 'yes' as never })).toThrow(/dynamicBatch must be a boolean/);
    expect(() => m.toOnnx({ inputName: 'x', outputName: 'x' })).toThrow(/two different non-empty names/);
    expect(() => m.toOnnx({ scaler: nn.data.standardScaler() })).toThrow(/scaler.*not fitted/);
    const wide = nn.data.standardScaler().fit(nn.tensor2d([[1, 2, 3, 4]]));
    expect(() => m.toOnnx({ scaler: wide })).toThrow(/scaler was fitted on 4 features, but the model's input has 3/);
    expect(() => m.toOnnx({ targetScaler: { type: 'standard', mean: [0, 0], std: [-1, 1] } })).toThrow(/std/);
    expect(() => m.toOnnx({ scaler: 'minmax' as never })).toThrow(/scaler must be a fitted scaler/);
    await expect(nn.exportOnnx(m, path.join(dir, 'm.onnx'), { batchSize: 2 })).rejects.toThrow(TypeError);
    expect(await listing()).toEqual([]);
  });

  it('a good export replaces an older file in one rename and leaves no temporary file', async () => {
    const target = path.join(dir, 'm.onnx');
    await fsp.writeFile(target, 'old');
    const m = model();
    const result = await nn.exportOnnx(m, target, { opset: 13 });
    expect(result).toMatchObject({ path: target, opset: 13, folded: [] });
    const bytes = await fsp.readFile(target);
    expect(result.bytes).toBe(bytes.length);
    expect(new Uint8Array(bytes)).toEqual(m.toOnnx({ opset: 13 }));
    expect(await listing()).toEqual(['m.onnx']);
  });
});
