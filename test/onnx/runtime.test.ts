/**
 * Every layer and activation nativenn has, exported and run by onnxruntime-web (wasm, in Node):
 * the same predictions as nativenn within |a − b| ≤ 1e-5·max(1, |b|), for a batch of 1 and a
 * batch of many through the symbolic batch dimension, on every opset from 13 to 17.
 */
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { LAYER_ACTIVATIONS } from '../../src/layers/activations';
import { expectClose, nnPredict, ortPredict, values } from './support';

const FEATURES = 6;

/** A model whose weights are trained a little, so they are not only the initializer's. */
async function trained(layers: nn.layers.Layer[], outputs: number, seed: number): Promise<nn.Sequential> {
  const model = nn.sequential({ seed, layers });
  model.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.05 }), loss: 'meanSquaredError' });
  const rows = 32;
  await model.fit(
    nn.tensor2d(values(rows * FEATURES, seed), [rows, FEATURES]),
    nn.tensor2d(values(rows * outputs, seed + 1, 0, 1), [rows, outputs]),
    {
      epochs: 2,
      batchSize: 8,
      seed,
      verbose: 0,
    },
  );
  return model;
}

async function expectSamePredictions(model: nn.Sequential, opset = 17): Promise<void> {
  const bytes = model.toOnnx({ opset });
  for (const rows of [1, 37]) {
    const x = values(rows * FEATURES, rows * 7 + opset, -3, 3);
    const ours = nnPredict(model, x, rows);
    const theirs = await ortPredict(bytes, x, rows);
    expect(theirs.dims).toEqual([rows, model.outputSize]);
    expectClose(theirs.data, ours);
  }
}

describe('onnxruntime-web predicts what nativenn predicts', () => {
  it.each(LAYER_ACTIVATIONS.map((a) => [a]))('dense with activation %s', async (activation) => {
    const model = await trained(
      [nn.layers.dense({ units: 9, activation, inputShape: [FEATURES] }), nn.layers.dense({ units: 4, activation })],
      4,
      11,
    );
    await expectSamePredictions(model);
  });

  it('dense with leakyRelu and elu of a non-default alpha, and without bias', async () => {
    const model = nn.sequential({ seed: 5, layers: [] });
    model.add(nn.layers.dense({ units: 7, activation: 'leakyRelu', useBias: false, inputShape: [FEATURES] }));
    model.add(nn.layers.dense({ units: 5, activation: 'elu' }));
    model.add(nn.layers.leakyRelu({ alpha: 0.07 }));
    model.add(nn.layers.elu({ alpha: 0.4 }));
    await expectSamePredictions(model);
  });

  it.each(LAYER_ACTIVATIONS.map((a) => [a]))('Activation layer %s', async (activation) => {
    const model = await trained(
      [nn.layers.dense({ units: 5, inputShape: [FEATURES] }), nn.layers.activation({ activation })],
      5,
      12,
    );
    await expectSamePredictions(model);
  });

  it('LeakyReLU, ELU and Softmax layers, and dropout removed', async () => {
    const model = await trained(
      [
        nn.layers.dense({ units: 10, inputShape: [FEATURES] }),
        nn.layers.leakyRelu(),
        nn.layers.dropout({ rate: 0.5 }),
        nn.layers.dense({ units: 8 }),
        nn.layers.elu(),
        nn.layers.dropout({ rate: 0.2, seed: 3 }),
        nn.layers.dense({ units: 3 }),
        nn.layers.softmax(),
      ],
      3,
      13,
    );
    await expectSamePredictions(model);
  });

  it('a model of dropout only exports an Identity', async () => {
    const model = nn.sequential({ seed: 1, layers: [nn.layers.dropout({ rate: 0.3, inputShape: [FEATURES] })] });
    await expectSamePredictions(model);
  });

  it.each([13, 14, 15, 16, 17])('opset %i', async (opset) => {
    const model = await trained(
      [
        nn.layers.dense({ units: 8, activation: 'gelu', inputShape: [FEATURES] }),
        nn.layers.dense({ units: 8, activation: 'silu' }),
        nn.layers.dense({ units: 3, activation: 'softmax' }),
      ],
      3,
      opset,
    );
    await expectSamePredictions(model, opset);
  });

  it('a fixed batch size when dynamicBatch is false', async () => {
    const model = nn.sequential({
      seed: 2,
      layers: [nn.layers.dense({ units: 3, activation: 'tanh', inputShape: [FEATURES] })],
    });
    const bytes = model.toOnnx({ dynamicBatch: false, batchSize: 4, inputName: 'features', outputName: 'scores' });
    const x = values(4 * FEATURES, 3);
    const out = await ortPredict(bytes, x, 4, { input: 'features', output: 'scores' });
    expectClose(out.data, nnPredict(model, x, 4));
    await expect(
      ortPredict(bytes, values(2 * FEATURES, 3), 2, { input: 'features', output: 'scores' }),
    ).rejects.toThrow();
  });

  it('the digits model with its min-max scaler folded in predicts from raw pixels', async () => {
    const { x, y, split } = nn.datasets.digits();
    const train = nn.data.take(x, split.train);
    const scaler = nn.data.minMaxScaler().fit(train);
    const model = nn.sequential({
      seed: 4,
      layers: [
        nn.layers.dense({ units: 32, activation: 'relu', inputShape: [64] }),
        nn.layers.dropout({ rate: 0.2 }),
        nn.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    await model.fit(scaler.transform(train), nn.data.take(y, split.train), { epochs: 2, seed: 1, verbose: 0 });
    const test = nn.data.take(x, split.test);
    const bytes = model.toOnnx({ scaler });
    const out = await ortPredict(bytes, test.data, test.shape[0]);
    expectClose(out.data, model.predict(scaler.transform(test)).data);
  });

  it.each(['standard', 'minMax'])('a %s input scaler and a target scaler folded in', async (kind) => {
    const make = () =>
      kind === 'standard' ? nn.data.standardScaler() : nn.data.minMaxScaler({ featureRange: [-1, 2] });
    const rows = 40;
    const raw = values(rows * FEATURES, 21, -50, 300);
    raw.fill(7, 0, 1); // column 0 …
    for (let r = 0; r < rows; r++) raw[r * FEATURES] = 7; // … constant: its range / std counts as 1
    const xScaler = make().fit(nn.tensor2d(raw, [rows, FEATURES]));
    const yScaler = make().fit(nn.tensor2d(values(rows * 2, 22, 1000, 5000), [rows, 2]));
    const model = nn.sequential({
      seed: 9,
      layers: [nn.layers.dense({ units: 2, activation: 'tanh', inputShape: [FEATURES] })],
    });
    const bytes = model.toOnnx({ scaler: xScaler, targetScaler: yScaler.toJSON() });
    const ours = yScaler.inverseTransform(model.predict(xScaler.transform(nn.tensor2d(raw, [rows, FEATURES])))).data;
    const out = await ortPredict(bytes, raw, rows);
    expectClose(out.data, ours);
  });
});
