/** Functional models exported to ONNX and run by onnxruntime-web: several inputs and outputs
 *  (graph inputs and outputs keep the model's names), every merge layer, a shared layer, a tensor
 *  read by several layers, merges of images (a Concat on the channel axis after convolutions). */
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { expectClose, values } from './support';

const initial = nn.getBackend().name;
beforeAll(() => nn.setBackend('js'));
afterAll(() => nn.setBackend(initial));

async function expectSame(m: nn.Functional, rows = 5): Promise<void> {
  const bytes = m.toOnnx();
  const xs = m.inputs.map((t, i) => {
    const shape = t.shape.slice(1) as number[];
    return { name: t.name, shape, data: values(rows * shape.reduce((a, b) => a * b, 1), 11 + i) };
  });
  const ours = m.predict(xs.map((x) => new nn.Tensor(x.data, [rows, ...x.shape])) as never);
  const ourOutputs = m.outputs.length === 1 ? [ours] : (ours as unknown as nn.Tensor[]);
  const session = await ort.InferenceSession.create(bytes);
  try {
    const feeds = Object.fromEntries(xs.map((x) => [x.name, new ort.Tensor('float32', x.data, [rows, ...x.shape])]));
    const result = await session.run(feeds);
    m.outputNames.forEach((name, k) => {
      expect(result[name].dims).toEqual([rows, ...m.outputs[k].shape.slice(1)]);
      expectClose(result[name].data as Float32Array, ourOutputs[k].data, 1e-5);
    });
  } finally {
    await session.release();
  }
}

describe('functional models in onnxruntime', () => {
  it.each(['add', 'subtract', 'multiply', 'average', 'maximum', 'minimum', 'concatenate'] as const)(
    '%s of a shared layer applied to two inputs',
    async (kind) => {
      const a = nn.input({ shape: [4], name: 'a' });
      const b = nn.input({ shape: [4], name: 'b' });
      const shared = nn.layers.dense({ units: 3, activation: 'tanh' });
      const merged = nn.layers[kind]().apply([shared.apply(a), shared.apply(b)]);
      await expectSame(nn.model({ inputs: [a, b], outputs: nn.layers.dense({ units: 2 }).apply(merged), seed: 1 }));
    },
  );

  it('two inputs, two outputs, a tensor read by three layers', async () => {
    const a = nn.input({ shape: [3], name: 'left' });
    const b = nn.input({ shape: [2], name: 'right' });
    const h = nn.layers.dense({ units: 4, activation: 'relu' }).apply(nn.layers.concatenate().apply([a, b]));
    const p = nn.layers.dense({ units: 3, activation: 'softmax', name: 'kind' }).apply(h);
    const q = nn.layers.add().apply([nn.layers.dense({ units: 4 }).apply(h), h]);
    const r = nn.layers.dense({ units: 1, name: 'size' }).apply(nn.layers.maximum().apply([q, h]));
    await expectSame(nn.model({ inputs: [a, b], outputs: [p, r], seed: 2 }));
  });

  it('images: two convolutions joined on the channel axis, then pooled', async () => {
    const img = nn.input({ shape: [6, 6, 2], name: 'image' });
    const c1 = nn.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(img);
    const c2 = nn.layers.conv2d({ filters: 2, kernelSize: 1 }).apply(img);
    const joined = nn.layers.concatenate().apply([c1, c2]);
    const pooled = nn.layers.globalAveragePooling2d().apply(nn.layers.maxPooling2d({ poolSize: 2 }).apply(joined));
    await expectSame(nn.model({ inputs: img, outputs: nn.layers.dense({ units: 2 }).apply(pooled), seed: 3 }));
  });

  it('one input and one output keep the option names; several refuse them', async () => {
    const x = nn.input({ shape: [3] });
    const m = nn.model({ inputs: x, outputs: nn.layers.dense({ units: 2 }).apply(x), seed: 4 });
    const session = await ort.InferenceSession.create(m.toOnnx({ inputName: 'features', outputName: 'scores' }));
    expect(session.inputNames).toEqual(['features']);
    expect(session.outputNames).toEqual(['scores']);
    await session.release();
    const two = nn.model({
      inputs: x,
      outputs: [nn.layers.dense({ units: 1 }).apply(x), nn.layers.dense({ units: 1 }).apply(x)],
    });
    expect(() => two.toOnnx({ outputName: 'y' })).toThrow(/one input and one output/);
  });
});
