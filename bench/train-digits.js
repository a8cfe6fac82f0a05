// Training throughput, digits MLP 64-64-10 (Adam, batch 32) on the digits train split
// (1437 samples from nn.datasets.digits(), min-max scaled, one-hot); an op is one fit call of
// 10 epochs, so per-call setup is amortized as in PyTorch's 100-epoch loop it is compared with.
const { runWorkload } = require('./lib/common');
const { digitsTrain } = require('./lib/train');
const { trainWorkload } = require('./lib/train-suite');

const EPOCHS_PER_OP = 10;

runWorkload('train-digits', (report) =>
  trainWorkload(report, {
    title: 'digits MLP 64-64-10',
    file: 'train-digits',
    data: digitsTrain,
    hidden: [64],
    batchSize: 32,
    epochsPerOp: EPOCHS_PER_OP,
    brain: true,
    slow: ['nativenn js backend', 'tfjs (cpu)', 'per-sample Adam'],
    torchArgs: ['--data', 'digits', '--hidden', '64', '--batch', '32', '--epochs', '100'],
    // vsTorch: the median (min–max) of the per-round ratios nativenn / PyTorch on one CPU path.
    target: (vsTorch) => ({
      key: 'digits',
      text: '≥ 20× PyTorch (median of round ratios)',
      met: vsTorch ? vsTorch.median >= 20 : undefined,
    }),
  }),
);
