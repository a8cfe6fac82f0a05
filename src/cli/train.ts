/** `nativenn train`: load, split, scale, build, fit with progress, test, report, save. Everything
 *  the user gave is checked before the first epoch; nothing is written to --out before training ends. */
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as nn from '../index';
import { formatHelp, parseArgs } from './args';
import { confusionMatrix, formatConfusion } from './confusion';
import { asUserError, loadTrainingData, splitRows, type Task } from './dataset';
import { CliError } from './errors';
import { TRAIN_OPTIONS, TRAIN_USAGE } from './options';
import {
  argmaxRows,
  MODEL_DIR,
  PREPROCESS_JSON,
  type Preprocess,
  probabilities,
  regressionValues,
  scalerOf,
} from './preprocess';
import { progress } from './progress';
import { checkOutDir, network, optimizer, targets, useBackend } from './setup';
import { historySvg } from './svg';

/** Beyond this many classes the confusion matrix is too wide to print. */
const MAX_CONFUSION_CLASSES = 20;

export async function train(argv: readonly string[]): Promise<void> {
  const o = parseArgs(argv, TRAIN_OPTIONS);
  if (o.help) {
    process.stdout.write(formatHelp(TRAIN_USAGE, TRAIN_OPTIONS));
    return;
  }
  const quiet = o.quiet as boolean;
  const say = (line = '') => {
    if (!quiet) process.stdout.write(`${line}\n`);
  };
  const seed = o.seed as number;
  const outDir = o.out as string;
  const epochs = o.epochs as number;
  const validationSplit = o['validation-split'] as number;
  const patience = o['early-stopping'] as number | undefined;
  if (patience !== undefined && validationSplit === 0) {
    throw new CliError('--early-stopping watches val_loss: it needs --validation-split above 0');
  }
  await checkOutDir(outDir, MODEL_DIR);

  const data = await loadTrainingData(o.data as string, o.label as string | undefined, o.task as Task | undefined);
  const rows = splitRows(data, o['test-split'] as number | undefined, seed);
  const scaler = scalerOf(o.scale as string);
  let xTrain = nn.data.take(data.x, rows.train);
  let xTest = nn.data.take(data.x, rows.test);
  try {
    if (scaler) {
      xTrain = scaler.fitTransform(xTrain);
      xTest = scaler.transform(xTest);
    }
  } catch (e) {
    asUserError(e);
  }
  const yTrain = nn.data.take(data.y, rows.train);
  const yTest = nn.data.take(data.y, rows.test);
  const t = targets(data.task, o.loss as string | undefined, data.classes, yTrain, yTest);
  const fitRows = Math.floor(rows.train.length * (1 - validationSplit));
  if (validationSplit > 0 && (fitRows < 1 || fitRows === rows.train.length)) {
    throw new CliError(
      `--validation-split ${validationSplit} of ${rows.train.length} training rows leaves ${fitRows} to fit on and ${rows.train.length - fitRows} to validate; both need at least one`,
    );
  }

  const backend = useBackend(o.backend as string | undefined, o.threads as number | undefined);
  const model = network({
    inputs: data.x.shape[1],
    hidden: o.hidden as number[],
    activation: o.activation as string,
    dropout: o.dropout as number,
    units: t.units,
    output: t.output,
    seed,
  });
  model.compile({
    optimizer: optimizer(o.optimizer as string, o.lr as number | undefined),
    loss: t.loss,
    metrics: t.metrics,
  });

  const classesText = data.classes ? `, ${data.classes.length} classes` : '';
  say(
    `data: ${data.source}: ${data.x.shape[0]} rows × ${data.x.shape[1]} features${classesText}; label "${data.labelName}"`,
  );
  say(`task: ${data.task} (${data.taskReason})`);
  if (t.targetScaler?.type === 'standard') {
    const [mean, std] = [t.targetScaler.mean[0], t.targetScaler.std[0]];
    say(
      `target: learned standardized (mean ${fmt(mean)}, std ${fmt(std)}); loss and mae while training are in those units`,
    );
  }
  const validationRows = validationSplit > 0 ? rows.train.length - fitRows : 0;
  say(
    `rows: ${fitRows} train, ${validationRows} validation, ${rows.test.length} test${data.articleSplit && o['test-split'] === undefined ? " (the article's split)" : ''}`,
  );
  const lr = model.optimizer?.learningRate;
  say(
    `network: ${[data.x.shape[1], ...(o.hidden as number[]), t.units].join(' → ')} (${o.activation}, ${t.output} output), ${t.loss}, ${o.optimizer} lr ${lr}, ${epochs} epochs of batch ${o['batch-size']}, backend ${backend}${backend === 'native' ? ` (${nn.getNumThreads()} thread${nn.getNumThreads() > 1 ? 's' : ''})` : ''}`,
  );
  say();

  const callbacks: nn.callbacks.Callback[] = [];
  const stopper =
    patience === undefined
      ? null
      : nn.callbacks.earlyStopping({ monitor: 'val_loss', patience, restoreBestWeights: true });
  if (stopper) callbacks.push(stopper);
  if (!quiet)
    callbacks.push(
      progress({ epochs, keys: ['loss', ...t.metrics], validation: validationSplit > 0, stream: process.stdout }),
    );
  const started = performance.now();
  const history = await model.fit(xTrain, t.train, {
    epochs,
    batchSize: o['batch-size'] as number,
    validationSplit: validationSplit > 0 ? validationSplit : undefined,
    callbacks,
    verbose: 0,
    seed,
  });
  const seconds = (performance.now() - started) / 1000;
  const ran = history.epoch.length;
  const stopNote =
    stopper && stopper.stoppedEpoch > 0
      ? `; stopped early, best val_loss at epoch ${stopper.bestEpoch + 1} (weights restored)`
      : '';
  say(`trained ${ran} epoch${ran > 1 ? 's' : ''} in ${seconds.toFixed(2)} s${stopNote}`);
  say();

  const evaluated = model.evaluate(xTest, t.test);
  const outputs = model.predict(xTest);
  const test: Record<string, number> = {};
  const report: string[] = [];
  if (data.classes) {
    const k = data.classes.length;
    const predicted = argmaxRows(probabilities({ output: t.output } as Preprocess, outputs), k);
    test.loss = evaluated.loss;
    test.accuracy = evaluated.accuracy;
    report.push(
      `test loss ${evaluated.loss.toFixed(4)}, test accuracy ${(evaluated.accuracy * 100).toFixed(2)}% (${rows.test.length} rows)`,
    );
    if (k <= MAX_CONFUSION_CLASSES) {
      report.push(
        '',
        'confusion matrix (rows: true class, columns: predicted):',
        formatConfusion(confusionMatrix(yTest, predicted, k), data.classes),
      );
    }
  } else {
    const predicted = regressionValues({ targetScaler: t.targetScaler } as Preprocess, outputs);
    let abs = 0;
    let sq = 0;
    predicted.forEach((p, i) => {
      abs += Math.abs(p - yTest[i]);
      sq += (p - yTest[i]) ** 2;
    });
    test.loss = evaluated.loss;
    test.mae = abs / predicted.length;
    test.rmse = Math.sqrt(sq / predicted.length);
    report.push(
      `test mae ${fmt(test.mae)}, rmse ${fmt(test.rmse)} (in the units of "${data.labelName}"; loss on the standardized target ${evaluated.loss.toFixed(4)}; ${rows.test.length} rows)`,
    );
  }

  const preprocess: Preprocess = {
    format: 'nativenn-preprocess',
    version: 1,
    task: data.task,
    featureNames: data.featureNames,
    labelName: data.labelName,
    classes: data.classes,
    output: t.output,
    scaler: scaler ? scaler.toJSON() : null,
    targetScaler: t.targetScaler,
    data: data.source,
    testRows: data.articleSplit ? Array.from(rows.test) : null,
    test,
  };
  const files = await writeRun(outDir, model, preprocess, history);

  process.stdout.write(`${model.summary({ print: false })}\n\n${report.join('\n')}\n\n`);
  process.stdout.write(`saved to ${outDir}:\n${files.map((f) => `  ${f}`).join('\n')}\n`);
  const dataArg = data.source === 'digits' ? 'digits' : data.source;
  say(`\npredict with: nativenn predict --model ${outDir} --data ${dataArg}`);
}

function fmt(v: number): string {
  return Math.abs(v) >= 1e6 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : String(Number(v.toPrecision(5)));
}

async function writeRun(
  outDir: string,
  model: nn.Sequential,
  preprocess: Preprocess,
  history: nn.History,
): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const saved = await model.save(path.join(outDir, MODEL_DIR));
  await writeFile(path.join(outDir, PREPROCESS_JSON), `${JSON.stringify(preprocess, null, 1)}\n`);
  const historyJson = { epoch: history.epoch, history: history.history, params: history.params };
  await writeFile(path.join(outDir, 'history.json'), `${JSON.stringify(historyJson, null, 1)}\n`);
  await writeFile(path.join(outDir, 'loss.svg'), historySvg(history.epoch, history.history));
  const rows: [string, string][] = [
    ...saved.files.map((f): [string, string] => [
      `${MODEL_DIR}/${f}`,
      'the model (TensorFlow.js Layers format; nn.loadModel)',
    ]),
    [PREPROCESS_JSON, 'scaler, classes, feature names: what predict applies'],
    ['history.json', 'loss and metrics per epoch'],
    ['loss.svg', `${preprocess.classes ? 'loss and accuracy curves' : 'loss curves'}; open it in a browser`],
  ];
  const width = Math.max(...rows.map(([f]) => f.length)) + 2;
  return rows.map(([f, what]) => `${f.padEnd(width)}${what}`);
}
