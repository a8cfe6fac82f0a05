// Training throughput, MNIST-shaped MLP 784-256-128-10 (Adam, batch 128) on 2048 synthetic
// samples (random pixels in [0, 1), random labels: throughput does not depend on the values);
// an op is 1 epoch.
const { runWorkload } = require('./lib/common');
const { syntheticData } = require('./lib/train');
const { trainWorkload } = require('./lib/train-suite');

const SAMPLES = 2048;

runWorkload('train-mlp784', (report) =>
  trainWorkload(report, {
    title: 'MLP 784-256-128-10',
    file: 'train-mlp784',
    data: () => syntheticData(SAMPLES, 784, 10),
    hidden: [256, 128],
    batchSize: 128,
    epochsPerOp: 1,
    brain: false,
    slow: ['nativenn js backend', 'tfjs (cpu)'],
    torchArgs: [
      '--inputs',
      '784',
      '--hidden',
      '256,128',
      '--samples',
      String(SAMPLES),
      '--batch',
      '128',
      '--epochs',
      '10',
    ],
    // vsTorch: the median (min–max) of the per-round ratios nativenn / PyTorch on one CPU path.
    target: (vsTorch) => ({
      key: 'mlp784',
      text: '≥ 2× PyTorch (median of round ratios)',
      met: vsTorch ? vsTorch.median >= 2 : undefined,
    }),
  }),
);
