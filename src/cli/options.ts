/** The options of each `nativenn` command and the help texts. Defaults here are the ones --help shows. */
import { RANGES } from '../config/ranges';
import type { OptionSpec } from './args';

export const ACTIVATIONS = ['relu', 'sigmoid', 'tanh', 'leakyRelu', 'elu', 'gelu', 'silu', 'linear'] as const;
export const OPTIMIZERS = ['adam', 'adamw', 'sgd', 'momentum', 'rmsprop', 'adagrad'] as const;
export const LOSSES = [
  'categoricalCrossentropy',
  'sparseCategoricalCrossentropy',
  'binaryCrossentropy',
  'meanSquaredError',
  'mse',
] as const;

export const TRAIN_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'data',
    value: 'digits|FILE.csv',
    type: 'string',
    default: 'digits',
    help: 'digits (the built-in 8×8 digits), a CSV file with a header row, or IDX images (with --label-file)',
  },
  {
    name: 'label-file',
    value: 'FILE',
    type: 'string',
    help: 'the labels of IDX images given as --data (MNIST format, gzipped or not); pixels are scaled by 1/255',
  },
  { name: 'test-data', value: 'FILE', type: 'string', help: 'IDX test images (default: --test-split of --data)' },
  { name: 'test-label-file', value: 'FILE', type: 'string', help: 'the labels of --test-data' },
  {
    name: 'arch',
    type: 'string',
    choices: ['mlp', 'cnn'],
    default: 'mlp',
    help: 'mlp (dense layers, --hidden) or cnn (images: conv 32 → pool → conv 64 → pool → dense 128)',
  },
  {
    name: 'delimiter',
    value: 'CHAR',
    type: 'string',
    help: "the CSV's field separator, e.g. ';' or tab (default: ',' unless the header splits only on ';' or tabs)",
  },
  {
    name: 'decimal',
    type: 'string',
    choices: ['.', ','],
    help: "the decimal separator of numbers (',' for 3,14; needs a delimiter other than ',')",
  },
  {
    name: 'encoding',
    type: 'string',
    choices: ['utf8', 'latin1'],
    help: 'the text encoding of the CSV (default: utf8)',
  },
  {
    name: 'label',
    value: 'COLUMN',
    type: 'string',
    help: 'the label column of the CSV: name or 0-based index (default: the last column)',
  },
  {
    name: 'features',
    value: 'A,B,…',
    type: 'string',
    help: 'the feature columns (default: every column but the label, the --id and the --ignore ones)',
  },
  { name: 'ignore', value: 'A,B,…', type: 'string', help: 'columns to leave out' },
  {
    name: 'id',
    value: 'COLUMN',
    type: 'string',
    help: 'a column that names each row: never a feature, carried through to the predictions',
  },
  {
    name: 'missing',
    type: 'string',
    choices: ['error', 'drop', 'mean', 'median', 'mostFrequent'],
    default: 'error',
    help: 'empty or NA cells: refuse, drop their rows, or fill them (text columns: the most frequent); the fills apply at predict time too',
  },
  {
    name: 'categorical',
    value: 'auto|A,B,…',
    type: 'string',
    default: 'auto',
    help: 'columns to one-hot encode (auto: every text column)',
  },
  {
    name: 'task',
    type: 'string',
    choices: ['classification', 'regression'],
    help: 'classification or regression (default: guessed from the label column)',
  },
  {
    name: 'hidden',
    type: 'intList',
    default: [100],
    max: 1_000_000,
    help: 'hidden layer sizes, comma-separated (e.g. 64,32)',
  },
  {
    name: 'activation',
    value: 'NAME',
    type: 'string',
    choices: ACTIVATIONS,
    default: 'relu',
    help: `activation of the hidden layers: ${ACTIVATIONS.join(', ')}`,
  },
  { name: 'dropout', type: 'number', min: 0, max: 0.95, default: 0, help: 'dropout rate after each hidden layer' },
  {
    name: 'loss',
    value: 'NAME',
    type: 'string',
    choices: LOSSES,
    help: `loss: ${LOSSES.join(', ')} (default: categoricalCrossentropy; regression: meanSquaredError)`,
  },
  {
    name: 'optimizer',
    value: 'NAME',
    type: 'string',
    choices: OPTIMIZERS,
    default: 'adam',
    help: `optimizer: ${OPTIMIZERS.join(', ')}`,
  },
  {
    name: 'lr',
    type: 'number',
    min: 0,
    exclusiveMin: true,
    max: RANGES.learningRate.max, // the range the optimizers and model files accept
    help: "learning rate (default: the optimizer's, 0.001 for adam)",
  },
  {
    name: 'epochs',
    type: 'int',
    min: 1,
    max: 100000,
    default: 1000,
    help: 'the most passes over the training rows (early stopping usually ends sooner)',
  },
  {
    name: 'batch-size',
    type: 'int',
    min: 1,
    max: 2 ** 31 - 1,
    default: 32,
    help: 'rows per update (more than the training rows: one full batch)',
  },
  {
    name: 'validation-split',
    type: 'number',
    min: 0,
    max: 0.9,
    default: 0.1,
    help: 'share of the training rows held out for validation (0: none)',
  },
  {
    name: 'test-split',
    type: 'number',
    min: 0,
    exclusiveMin: true,
    max: 0.9,
    help: "share of the rows held out for the final test (default 0.2; digits: the article's split)",
  },
  {
    name: 'early-stopping',
    value: 'PATIENCE',
    type: 'int',
    min: 0,
    help: 'stop after PATIENCE epochs without a better val_loss and keep the best weights (default: 20; 0: off)',
  },
  {
    name: 'scale',
    type: 'string',
    choices: ['minmax', 'standard', 'none'],
    default: 'standard',
    help: 'feature scaling, fitted on the training rows',
  },
  { name: 'seed', type: 'int', min: 0, default: 42, help: 'seed of the weights, shuffles and splits' },
  {
    name: 'backend',
    type: 'string',
    choices: ['native', 'js'],
    help: 'native (C++) or js (pure TypeScript) (default: native when it is built)',
  },
  { name: 'threads', type: 'int', min: 1, max: 256, help: 'threads of the native kernels' },
  {
    name: 'out',
    value: 'DIR',
    type: 'string',
    default: './nativenn-run/',
    help: 'folder for the model, preprocess.json, history.json and loss.svg',
  },
  {
    name: 'stream',
    type: 'bool',
    default: false,
    help: 'read the CSV from disk every epoch instead of into memory (automatic above 1 GiB): a first pass fits the preprocessing, a hash of each row splits it',
  },
  { name: 'quiet', type: 'bool', default: false, help: 'print only the final results' },
  { name: 'help', type: 'bool', default: false, help: 'show this help' },
];

export const PREDICT_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'model',
    value: 'DIR',
    type: 'string',
    default: './nativenn-run/',
    help: 'the folder `nativenn train` wrote (its --out)',
  },
  {
    name: 'data',
    value: 'FILE.csv|digits',
    type: 'string',
    help: 'a CSV with the same feature columns (the label column is optional), digits (its test split), or IDX images',
  },
  {
    name: 'label-file',
    value: 'FILE',
    type: 'string',
    help: 'IDX labels of the --data images: the predictions are scored',
  },
  {
    name: 'delimiter',
    value: 'CHAR',
    type: 'string',
    help: "the CSV's field separator, e.g. ';' or tab (default: detected from the header)",
  },
  {
    name: 'decimal',
    type: 'string',
    choices: ['.', ','],
    help: "the decimal separator of numbers (',' for 3,14; default: as in training)",
  },
  {
    name: 'encoding',
    type: 'string',
    choices: ['utf8', 'latin1'],
    help: 'the text encoding of the CSV (default: as in training)',
  },

  {
    name: 'rows',
    type: 'string',
    choices: ['all', 'test'],
    help: 'all rows, or only the test rows train held out of this same file (default: all; digits: test)',
  },
  {
    name: 'out',
    value: 'FILE.csv',
    type: 'string',
    help: 'write the predictions to this CSV file (default: standard output)',
  },
  {
    name: 'backend',
    type: 'string',
    choices: ['native', 'js'],
    help: 'native or js (default: native when it is built)',
  },
  { name: 'help', type: 'bool', default: false, help: 'show this help' },
];

export const BENCH_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'seconds',
    type: 'number',
    min: 0,
    exclusiveMin: true,
    max: 600,
    default: 12,
    help: 'time spent on each of the six measurements',
  },
  { name: 'threads', type: 'int', min: 1, max: 256, help: 'threads of the native kernels' },
  { name: 'help', type: 'bool', default: false, help: 'show this help' },
];

export const MAIN_HELP = `nativenn: neural networks for Node.js on native kernels

Usage:
  nativenn train   [options]   train a network (default: the built-in digits) and save it
  nativenn predict [options]   predict with a saved network
  nativenn bench   [options]   native vs js backend speed, side by side (about 2 minutes)
  nativenn export  [options]   write a saved network as ONNX, its scalers folded in
  nativenn <command> --help    the options of a command

Examples:
  nativenn train
  nativenn train --data houses.csv --label price --hidden 64,32 --epochs 200
  nativenn train --data train-images.gz --label-file train-labels.gz --arch cnn
  nativenn predict --model ./nativenn-run --data new.csv --out preds.csv
`;

export const TRAIN_USAGE =
  'Usage: nativenn train [options]\n\nTrains a feedforward network and writes it, with its preprocessing, history and loss curve, to --out.';
export const PREDICT_USAGE =
  'Usage: nativenn predict --model DIR --data PATH.csv [--out preds.csv]\n\nApplies the saved preprocessing and model to every row: the class and its probabilities, or the value.';
export const BENCH_USAGE =
  'Usage: nativenn bench [options]\n\nMeasures gemm (n=256), a digits training epoch and a digits CNN epoch on the native and js backends.';
