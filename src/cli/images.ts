/**
 * `nativenn train` on images: IDX files (the MNIST / Fashion-MNIST format, gzipped or not) given as
 * --data and --label-file, pixels scaled by 1/255 to [0, 1]; the test set from --test-data and
 * --test-label-file, or held out by --test-split (0.2, stratified). `--arch cnn` builds the default
 * CNN; predictions run in chunks sized by bytes, so big images never need one huge activation.
 */
import * as nn from '../index';
import { argmaxRows, type PipelinePrediction, probabilities } from '../pipeline';
import { PREPROCESS_FORMAT, PREPROCESS_VERSION, type Preprocess } from '../pipeline-schema';
import type { ParsedOptions } from './args';
import { asUserError } from './dataset';
import { CliError } from './errors';
import type { Prepared } from './train-data';

/** Bytes of activations one predict chunk may take (all layers' outputs of the chunk's rows). */
export const PREDICT_CHUNK_BYTES = 64 * 1024 * 1024;

async function readPart(option: string, file: string, scale?: number): Promise<nn.Tensor> {
  try {
    return await nn.data.readIdx(file, scale ? { scale } : {});
  } catch (e) {
    throw new CliError(`--${option} ${(e as Error).message.replace(/^readIdx: /, '')}`);
  }
}

/** Images [n, h, w] or [n, h, w, c] → NHWC images in [0, 1]. */
async function readImageFile(option: string, file: string): Promise<nn.Tensor> {
  const x = await readPart(option, file, 1 / 255);
  if (x.shape.length !== 3 && x.shape.length !== 4)
    throw new CliError(
      `--${option} ${file}: dims [${x.shape.join(', ')}] are not images (expected [rows, height, width] or [rows, height, width, channels])`,
    );
  return new nn.Tensor(x.data as Float32Array, x.shape.length === 3 ? [...x.shape, 1] : [...x.shape]);
}

/** One integer label per image of `images` (given as --`option`). */
async function readLabels(labelOption: string, file: string, images: nn.Tensor, option: string): Promise<Int32Array> {
  const y = await readPart(labelOption, file);
  if (y.shape.length !== 1 || y.dtype !== 'int32')
    throw new CliError(`--${labelOption} ${file}: dims [${y.shape.join(', ')}] are not one integer label per image`);
  if (y.shape[0] !== images.shape[0])
    throw new CliError(
      `--${labelOption} ${file} holds ${y.shape[0]} labels for the ${images.shape[0]} images of --${option}`,
    );
  return y.data as Int32Array;
}

async function readImages(option: string, labelOption: string, images: string, labels: string | undefined) {
  if (labels === undefined)
    throw new CliError(`--${option} ${images} holds images: --${labelOption} gives their labels`);
  const x = await readImageFile(option, images);
  return { x, labels: await readLabels(labelOption, labels, x, option) };
}

function rowsOf(x: nn.Tensor, positions: Int32Array): nn.Tensor {
  return nn.data.take(x, positions);
}

export function isImageData(o: ParsedOptions): boolean {
  return o['label-file'] !== undefined || o['test-data'] !== undefined || o['test-label-file'] !== undefined;
}

/** The images and labels for train (and the test set), with the preprocess.json that records them. */
export async function prepareImages(o: ParsedOptions, seed: number): Promise<Prepared> {
  const source = o.data as string;
  if (source === 'digits') throw new CliError('--label-file applies to IDX image files given as --data, not to digits');
  const train = await readImages('data', 'label-file', source, o['label-file'] as string | undefined);
  const notes: string[] = ['pixels scaled by 1/255 to [0, 1] (--scale does not apply to images)'];
  let test: { x: nn.Tensor; labels: Int32Array } | null = null;
  if (o['test-data'] !== undefined) {
    if (o['test-split'] !== undefined)
      throw new CliError('--test-split and --test-data both choose the test rows: give one');
    test = await readImages(
      'test-data',
      'test-label-file',
      o['test-data'] as string,
      o['test-label-file'] as string | undefined,
    );
    if (test.x.shape.slice(1).join('x') !== train.x.shape.slice(1).join('x'))
      throw new CliError(
        `--test-data images are ${test.x.shape.slice(1).join('×')}, the --data images ${train.x.shape.slice(1).join('×')}`,
      );
  } else if (o['test-label-file'] !== undefined) throw new CliError('--test-label-file needs --test-data (the images)');

  const all = test ? Int32Array.from([...train.labels, ...test.labels]) : train.labels;
  const values = [...new Set(all)].sort((a, b) => a - b);
  if (values.length < 2)
    throw new CliError(`--label-file holds one class (${values[0]}); classification needs two or more`);
  const index = new Map(values.map((v, i) => [v, i]));
  const classes = values.map(String);
  const y = (labels: Int32Array) => Int32Array.from(labels, (v) => index.get(v)!);

  let xTrain: nn.Tensor = train.x;
  let xTest: nn.Tensor;
  let yTrain: Int32Array = y(train.labels);
  let yTest: Int32Array;
  let testRows: Int32Array = new Int32Array(0);
  let trainRows: Int32Array = Int32Array.from(yTrain.keys());
  if (test) {
    xTest = test.x;
    yTest = y(test.labels);
    testRows = Int32Array.from(yTest.keys()); // rows of --test-data
  } else {
    const n = yTrain.length;
    const testSize = (o['test-split'] as number | undefined) ?? 0.2;
    if (n < 3 || Math.ceil(testSize * n) >= n)
      throw new CliError(
        `--data ${source}: ${n} images are too few to hold out a test split of ${testSize} and still train`,
      );
    const counts = new Int32Array(classes.length);
    for (const c of yTrain) counts[c]++;
    const stratify = counts.every((k) => k >= 2) && Math.ceil(testSize * n) >= classes.length;
    const s = (() => {
      try {
        return nn.data.trainTestSplit(nn.tensor2d(new Float32Array(n), [n, 1]), yTrain, {
          testSize,
          seed,
          stratify: stratify ? yTrain : false,
        });
      } catch (e) {
        return asUserError(e);
      }
    })();
    [trainRows, testRows] = [s.trainIndices, s.testIndices];
    xTest = rowsOf(xTrain, testRows);
    yTest = nn.data.take(yTrain, testRows);
    xTrain = rowsOf(xTrain, trainRows);
    yTrain = nn.data.take(yTrain, trainRows);
  }
  const inputs = xTrain.shape.slice(1).reduce((a, b) => a * b, 1);
  if (o.arch !== 'cnn') {
    // A dense network takes each image as one row of its pixel values.
    xTrain = new nn.Tensor(xTrain.data as Float32Array, [xTrain.shape[0], inputs]);
    xTest = new nn.Tensor(xTest.data as Float32Array, [xTest.shape[0], inputs]);
  }
  const pixel = Array.from({ length: inputs }, (_, i) => `pixel_${i}`);
  return {
    preprocess: {
      format: PREPROCESS_FORMAT,
      version: PREPROCESS_VERSION,
      task: 'classification',
      data: source,
      csv: null,
      // One numeric input per pixel value (row-major, channels last) and the 1/255 scaling as a
      // min-max scaler over [0, 255]: the same file shape as a CSV run's.
      columns: pixel.map((name) => ({ name, kind: 'numeric', fill: null })),
      idColumn: null,
      missing: 'error',
      featureNames: pixel,
      labelName: 'label',
      classes,
      output: 'softmax',
      scaler: { type: 'minMax', featureRange: [0, 1], dataMin: pixel.map(() => 0), dataMax: pixel.map(() => 255) },
      targetScaler: null,
      split: test ? null : { rows: train.labels.length, testRows: Array.from(testRows) },
      test: {},
    },
    labeled: {
      table: {
        source,
        names: [],
        rows: train.labels.length,
        columns: [],
        lines: new Int32Array(0),
      } as unknown as nn.data.CsvTable,
      rows: Int32Array.from(train.labels.keys()),
      y: y(train.labels),
      task: 'classification',
      classes,
      taskReason: 'images with integer labels',
    },
    scaler: null,
    xTrain,
    xTest,
    yTrain,
    yTest,
    trainRows,
    testRows,
    articleSplit: false,
    notes,
  };
}

/** The default CNN for [height, width, channels] images: conv 32 3×3 relu → maxPool 2 → conv 64
 *  3×3 relu → maxPool 2 → flatten → dense 128 relu → dense `units` softmax (the Fashion-MNIST
 *  recipe); small images (under 10 pixels a side) get 'same' padding and one pooling. */
export function cnnNetwork(shape: readonly number[], units: number, seed: number): nn.Sequential {
  const [h, w, c] = shape;
  const small = Math.min(h, w) < 10;
  const layers: nn.layers.Layer[] = [
    nn.layers.conv2d({
      filters: 32,
      kernelSize: 3,
      activation: 'relu',
      padding: small ? 'same' : 'valid',
      inputShape: [h, w, c],
    }),
    nn.layers.maxPooling2d({ poolSize: 2 }),
  ];
  if (!small)
    layers.push(
      nn.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      nn.layers.maxPooling2d({ poolSize: 2 }),
    );
  layers.push(
    nn.layers.flatten(),
    nn.layers.dense({ units: 128, activation: 'relu' }),
    nn.layers.dense({ units, activation: 'softmax' }),
  );
  return nn.sequential({ seed, layers });
}

/** Each layer's output shape per sample, input first ([28, 28, 1] → [26, 26, 32] → …). */
function sampleShapes(model: nn.Sequential): number[][] {
  const shapes = [model.inputShape];
  for (const layer of model.layers)
    shapes.push(layer.computeOutputShape([null, ...shapes[shapes.length - 1]]).slice(1) as number[]);
  return shapes;
}

/** The network as `28×28×1 → conv2d 26×26×32 → …` for the `network:` line. */
export function describeCnn(model: nn.Sequential): string {
  const shapes = sampleShapes(model);
  const steps = model.layers.map((l, i) => `${l.namePrefix} ${shapes[i + 1].join('×')}`);
  return [shapes[0].join('×'), ...steps].join(' → ');
}

/** Rows per predict chunk: as many as keep the input and every layer's output under `bytes`. */
export function chunkRows(model: nn.Sequential, bytes = PREDICT_CHUNK_BYTES): number {
  const perRow = sampleShapes(model).reduce((sum, s) => sum + s.reduce((a, b) => a * b, 1) * 4, 0);
  return Math.max(1, Math.floor(bytes / perRow));
}

/** How to predict with the run just trained (the test images when they were given apart). */
export function imagePredictHint(o: ParsedOptions, outDir: string): string {
  const [images, labels] =
    o['test-data'] !== undefined ? [o['test-data'], o['test-label-file']] : [o.data, o['label-file']];
  return `predict with (scores every image with labels): nativenn predict --model ${outDir} --data ${images} --label-file ${labels}`;
}

/** A run trained on IDX images (no CSV format, not the digits). */
export function isImageRun(p: Preprocess): boolean {
  return p.csv === null && p.data !== 'digits';
}

/** `nativenn predict` on IDX images: classes and probabilities of every image, in chunks sized by
 *  bytes; scored when --label-file is given. */
export async function predictImages(
  o: ParsedOptions,
  p: Preprocess,
  model: nn.Sequential,
): Promise<PipelinePrediction> {
  if (o.rows === 'test') throw new CliError('--rows test applies to CSV runs; give the test images as --data');
  const x = await readImageFile('data', o.data as string);
  const labelFile = o['label-file'] as string | undefined;
  const labels = labelFile === undefined ? null : await readLabels('label-file', labelFile, x, 'data');
  const perImage = x.shape.slice(1).reduce((a, b) => a * b, 1);
  if (perImage !== model.inputSize)
    throw new CliError(
      `--data ${o.data}: images of ${x.shape.slice(1).join('×')} (${perImage} values); the model takes ${model.inputShape.join('×')}`,
    );
  const rows = x.shape[0];
  const outputs = await model.predictAsync(new nn.Tensor(x.data as Float32Array, [rows, ...model.inputShape]), {
    batchSize: chunkRows(model),
  });
  const classes = p.classes!;
  const probs = probabilities(p, outputs);
  return {
    rows: Int32Array.from({ length: rows }, (_, i) => i),
    ids: null,
    truth: labels ? Array.from(labels, String) : null,
    labels: Array.from(argmaxRows(probs, classes.length), (k) => classes[k]),
    probabilities: probs,
    values: null,
    notes: [],
    classes,
  };
}
