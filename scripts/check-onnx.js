#!/usr/bin/env node
// Exports a zoo of models (every layer and activation, convolution and pooling, recurrent layers, with and without folded scalers) at every
// opset from 13 to 17 and runs Python's ONNX checker on them (scripts/check-onnx.py). Skipped,
// exit 0, when no python3 with the onnx module is found (Debian: apt-get install python3-onnx).
// Needs dist/ (npm run build:ts). PYTHON=/path/to/python3 picks the interpreter.

const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const nn = require('../dist');

const ACTIVATIONS = ['linear', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'elu', 'softmax', 'gelu', 'silu'];

function findPython() {
  const candidates = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean);
  return candidates.find((p) => spawnSync(p, ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0) ?? null;
}

function zoo() {
  const dense = ACTIVATIONS.map((activation, i) => [
    `dense-${activation}`,
    nn.sequential({
      seed: i,
      layers: [
        nn.layers.dense({ units: 5, activation, inputShape: [4] }),
        nn.layers.dense({ units: 3, activation, useBias: i % 2 === 0 }),
      ],
    }),
  ]);
  const layers = nn.sequential({
    seed: 1,
    layers: [
      nn.layers.dense({ units: 6, inputShape: [4] }),
      nn.layers.leakyRelu({ alpha: 0.1 }),
      nn.layers.dropout({ rate: 0.5 }),
      nn.layers.elu({ alpha: 0.5 }),
      nn.layers.activation({ activation: 'gelu' }),
      nn.layers.dense({ units: 3 }),
      nn.layers.softmax(),
    ],
  });
  const dropoutOnly = nn.sequential({ layers: [nn.layers.dropout({ rate: 0.5, inputShape: [4] })] });
  const x = nn.tensor2d([
    [0, 1, 2, 3],
    [4, 3, 2, 2],
  ]);
  const y = nn.tensor2d([[10], [20]]);
  const regression = nn.sequential({ seed: 2, layers: [nn.layers.dense({ units: 1, inputShape: [4] })] });
  const cnn = nn.sequential({
    seed: 3,
    layers: [
      nn.layers.conv2d({
        filters: 4,
        kernelSize: 3,
        padding: 'same',
        strides: 2,
        activation: 'relu',
        inputShape: [9, 8, 2],
      }),
      nn.layers.batchNormalization(),
      nn.layers.zeroPadding2d({
        padding: [
          [1, 0],
          [0, 2],
        ],
      }),
      nn.layers.maxPooling2d({ poolSize: 3, strides: 1, padding: 'same' }),
      nn.layers.conv2d({ filters: 3, kernelSize: 2, dilationRate: 2, activation: 'softmax' }),
      nn.layers.averagePooling2d({ poolSize: 2 }),
      nn.layers.flatten(),
      nn.layers.batchNormalization({ center: false }),
      nn.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  const sequence = nn.sequential({
    seed: 4,
    layers: [
      nn.layers.dense({ units: 24, inputShape: [5] }),
      nn.layers.reshape({ targetShape: [8, 3] }),
      nn.layers.conv1d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'leakyRelu' }),
      nn.layers.reshape({ targetShape: [4, 2, 4] }),
      nn.layers.globalAveragePooling2d(),
      nn.layers.dense({ units: 2 }),
    ],
  });
  const globalMax = nn.sequential({
    seed: 5,
    layers: [
      nn.layers.conv2d({ filters: 2, kernelSize: 1, useBias: false, inputShape: [3, 3, 2] }),
      nn.layers.globalMaxPooling2d(),
    ],
  });
  const recurrent = nn.sequential({
    seed: 6,
    layers: [
      nn.layers.lstm({ units: 4, returnSequences: true, goBackwards: true, inputShape: [5, 3] }),
      nn.layers.gru({ units: 3, returnSequences: true, resetAfter: true }),
      nn.layers.timeDistributed({ layer: nn.layers.dense({ units: 2, activation: 'relu' }) }),
      nn.layers.gru({ units: 3, activation: 'relu', recurrentActivation: 'tanh', useBias: false }),
      nn.layers.repeatVector({ n: 2 }),
      nn.layers.simpleRNN({ units: 2, activation: 'linear', returnSequences: true }),
    ],
  });
  const bidirectional = nn.sequential({
    seed: 7,
    layers: [
      nn.layers.embedding({ inputDim: 10, outputDim: 4, inputShape: [6] }),
      nn.layers.bidirectional({ layer: nn.layers.lstm({ units: 3, returnSequences: true }) }),
      nn.layers.bidirectional({ layer: nn.layers.gru({ units: 2, goBackwards: true }), mergeMode: 'ave' }),
      nn.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  // gelu and silu: unrolled into per-step nodes
  const unrolled = nn.sequential({
    seed: 8,
    layers: [
      nn.layers.bidirectional({
        layer: nn.layers.lstm({ units: 3, activation: 'gelu', returnSequences: true }),
        inputShape: [4, 2],
      }),
      nn.layers.gru({ units: 2, recurrentActivation: 'silu', resetAfter: true, goBackwards: true }),
    ],
  });
  return [
    ...dense.map(([name, model]) => [name, model, {}]),
    ['activation-layers', layers, {}],
    ['dropout-only', dropoutOnly, {}],
    [
      'minmax-scalers',
      regression,
      { scaler: nn.data.minMaxScaler({ featureRange: [-1, 1] }).fit(x), targetScaler: nn.data.minMaxScaler().fit(y) },
    ],
    [
      'standard-scalers',
      regression,
      { scaler: nn.data.standardScaler().fit(x), targetScaler: nn.data.standardScaler().fit(y) },
    ],
    ['static-batch', layers, { dynamicBatch: false, batchSize: 3 }],
    ['cnn', cnn, {}],
    ['cnn-static-batch', cnn, { dynamicBatch: false, batchSize: 2 }],
    ['conv1d-reshape-global-average', sequence, {}],
    ['conv-global-max', globalMax, {}],
    ['recurrent', recurrent, {}],
    ['recurrent-static-batch', recurrent, { dynamicBatch: false, batchSize: 2 }],
    ['embedding-bidirectional', bidirectional, {}],
    ['recurrent-unrolled', unrolled, {}],
  ];
}

const python = findPython();
if (!python) {
  console.log('check-onnx: skipped (no python3 with the onnx module; Debian: apt-get install python3-onnx)');
  process.exit(0);
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nativenn-check-onnx-'));
try {
  const files = [];
  for (let opset = 13; opset <= 17; opset++) {
    for (const [name, model, options] of zoo()) {
      const file = path.join(dir, `${name}-opset${opset}.onnx`);
      fs.writeFileSync(file, model.toOnnx({ ...options, opset }));
      files.push(file);
    }
  }
  const out = execFileSync(python, [path.join(__dirname, 'check-onnx.py'), ...files], { encoding: 'utf8' });
  process.stdout.write(out);
  console.log(`check-onnx: ${files.length} files passed the checker (opsets 13 to 17)`);
} catch (e) {
  process.stdout.write(e.stdout ?? '');
  console.error(`check-onnx: failed: ${e.message.split('\n')[0]}`);
  process.exitCode = 1;
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
