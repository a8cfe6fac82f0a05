/**
 * Every layer class of the layer registry (the classes model files know) and every class
 * nn.layers can build is either exportable or listed as not exportable, so a layer added later
 * cannot be forgotten.
 */
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { registeredKerasNames } from '../../src/layers/registry';
import { EXPORTERS, NOT_EXPORTABLE } from '../../src/onnx/exporters';
import { MERGE_CLASSES } from '../../src/onnx/merge-exporters';

/** Arguments that build one layer of each factory; a new factory without an entry fails below. */
const SAMPLE_ARGS: Record<string, unknown> = {
  dense: { units: 2 },
  dropout: { rate: 0.5 },
  activation: { activation: 'relu' },
  leakyRelu: {},
  elu: {},
  softmax: {},
  conv2d: { filters: 2, kernelSize: 3 },
  conv1d: { filters: 2, kernelSize: 3 },
  maxPooling2d: {},
  averagePooling2d: {},
  globalMaxPooling2d: {},
  globalAveragePooling2d: {},
  flatten: {},
  reshape: { targetShape: [4] },
  batchNormalization: {},
  zeroPadding2d: {},
  embedding: { inputDim: 5, outputDim: 2 },
  globalAveragePooling1d: {},
  globalMaxPooling1d: {},
  simpleRNN: { units: 2 },
  lstm: { units: 2 },
  gru: { units: 2 },
  bidirectional: { layer: nn.layers.lstm({ units: 2 }) },
  timeDistributed: { layer: nn.layers.dense({ units: 2 }) },
  repeatVector: { n: 2 },
  concatenate: {},
  add: {},
  subtract: {},
  multiply: {},
  average: {},
  maximum: {},
  minimum: {},
  upSampling2d: {},
  conv2dTranspose: { filters: 2, kernelSize: 3 },
  gaussianNoise: { stddev: 0.1 },
};

const factories = Object.entries(nn.layers).filter(([name, v]) => typeof v === 'function' && /^[a-z]/.test(name)) as [
  string,
  (args: unknown) => nn.layers.Layer,
][];

describe('the exporter table covers every layer class', () => {
  it('knows sample arguments for every factory of nn.layers', () => {
    expect(factories.length).toBeGreaterThanOrEqual(6);
    for (const [name] of factories) expect(SAMPLE_ARGS, `a sample for nn.layers.${name}`).toHaveProperty(name);
  });

  it.each(factories.map(([name]) => [name]))('nn.layers.%s builds a class that exports or says why not', (name) => {
    const layer = factories.find(([n]) => n === name)![1](SAMPLE_ARGS[name]);
    expect(layer).toBeInstanceOf(nn.layers.Layer);
    const exportable = layer.className in EXPORTERS || MERGE_CLASSES.includes(layer.className);
    const refused = layer.className in NOT_EXPORTABLE;
    expect(exportable !== refused, `${layer.className}: exactly one of EXPORTERS, NOT_EXPORTABLE`).toBe(true);
  });

  it.each(registeredKerasNames().map((n) => [n]))('registered class %s exports or says why not', (cls) => {
    const exportable = cls in EXPORTERS || MERGE_CLASSES.includes(cls);
    expect(exportable !== cls in NOT_EXPORTABLE, `${cls}: exactly one of EXPORTERS, NOT_EXPORTABLE`).toBe(true);
  });

  it('lists no class in both tables, and every refusal has a reason', () => {
    for (const [cls, why] of Object.entries(NOT_EXPORTABLE)) {
      expect(EXPORTERS).not.toHaveProperty(cls);
      expect(why.length).toBeGreaterThan(10);
    }
  });
});
