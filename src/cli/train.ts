/** `nativenn train`: load, split, scale, build, fit with progress, test, report, save. Everything
 *  the user gave is checked before the first epoch; nothing is written to --out before training
 *  ends (and nothing at all when it diverged). Ctrl-C stops after the running epoch and saves the
 *  best weights so far (exit 130); a second Ctrl-C quits at once. */
import * as nn from '../index';
import { MODEL_DIR } from '../pipeline';
import { formatHelp, parseArgs } from './args';
import { CliError } from './errors';
import { cnnNetwork, describeCnn, imagePredictHint, isImageData, prepareImages } from './images';
import { TRAIN_OPTIONS, TRAIN_USAGE } from './options';
import { progress } from './progress';
import { testReport } from './report';
import { writeRun } from './run-folder';
import { checkOutDir, network, optimizer, type TargetSetup, targets, useBackend } from './setup';
import { Stopper } from './stopper';
import { prepareData } from './train-data';
import { prepareStream, streamTestReport, wantsStream } from './train-stream';

export const EXIT_INTERRUPTED = 130;
/** Early stopping by default: small sets get the epochs they need, large ones do not overfit. */
const DEFAULT_PATIENCE = 20;
const SHOW_CURSOR = '\u001b[?25h';

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
  const given = o['early-stopping'] as number | undefined;
  if (given !== undefined && given > 0 && validationSplit === 0)
    throw new CliError('--early-stopping watches val_loss: it needs --validation-split above 0');
  const patienceOption = given ?? DEFAULT_PATIENCE;
  const patience = patienceOption > 0 && validationSplit > 0 ? patienceOption : null;
  await checkOutDir(outDir, MODEL_DIR);

  const images = isImageData(o);
  if (o.arch === 'cnn' && !images)
    throw new CliError('--arch cnn trains on images: IDX files given as --data and --label-file');
  const streamed = !images && (await wantsStream(o)) ? await prepareStream(o, seed, validationSplit) : null;
  const d = streamed ? null : images ? await prepareImages(o, seed) : await prepareData(o, seed);
  const p = streamed ? streamed.preprocess : d!.preprocess;
  const t = streamed ? streamed.target : targets(p.task, o.loss as string | undefined, p.classes, d!.yTrain, d!.yTest);
  p.output = t.output;
  p.targetScaler = t.targetScaler;
  const trainRows = streamed ? streamed.train.rows + streamed.validationRows : d!.trainRows.length;
  const fitRows = streamed ? streamed.train.rows : Math.floor(trainRows * (1 - validationSplit));
  const testRows = streamed ? streamed.test.rows : d!.testRows.length;
  if (!streamed && validationSplit > 0 && (fitRows < 1 || fitRows === trainRows)) {
    throw new CliError(
      `--validation-split ${validationSplit} of ${trainRows} training rows leaves ${fitRows} to fit on and ${trainRows - fitRows} to validate; both need at least one`,
    );
  }
  const inputs = d ? d.xTrain.shape.slice(1).reduce((a, b) => a * b, 1) : p.featureNames.length;
  const backend = useBackend(o.backend as string | undefined, o.threads as number | undefined);
  const model =
    o.arch === 'cnn'
      ? cnnNetwork(d!.xTrain.shape.slice(1), t.units, seed)
      : network({
          inputs,
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

  const classesText = p.classes ? `, ${p.classes.length} classes` : '';
  const columnsText = p.columns.length === inputs ? '' : ` (${p.columns.length} columns, text ones one-hot encoded)`;
  say(
    `data: ${p.data}: ${d ? d.labeled.rows.length : trainRows + testRows} rows × ${inputs} features${columnsText}${classesText}; label "${p.labelName}"${p.idColumn ? `, id "${p.idColumn}"` : ''}${streamed ? ', streamed from disk' : ''}`,
  );
  for (const n of d?.notes ?? []) say(`note: ${n}`);
  say(
    `task: ${p.task} (${d ? d.labeled.taskReason : o.task ? 'as asked' : 'guessed from the label column; --task to change'})`,
  );
  if (t.targetScaler?.type === 'standard') {
    const [mean, std] = [t.targetScaler.mean[0], t.targetScaler.std[0]];
    say(
      `target: learned standardized (mean ${fmt(mean)}, std ${fmt(std)}); loss and mae while training are in those units`,
    );
  }
  say(
    `rows: ${fitRows} train, ${trainRows - fitRows} validation, ${testRows} test${d?.articleSplit ? " (the article's split)" : streamed ? ' (a hash of each row decides its part)' : ''}`,
  );
  const batch = Math.min(o['batch-size'] as number, Math.max(1, fitRows));
  say(
    `network: ${o.arch === 'cnn' ? describeCnn(model) : `${[inputs, ...(o.hidden as number[]), t.units].join(' → ')} (${o.activation}, ${t.output} output)`}, ${t.loss}, ${o.optimizer} lr ${model.optimizer?.learningRate}, batch ${batch}, backend ${backend}${backend === 'native' ? ` (${nn.getNumThreads()} thread${nn.getNumThreads() > 1 ? 's' : ''})` : ''}`,
  );
  say(
    patience !== null
      ? `epochs: up to ${epochs}, stopping early after ${patience} epochs without a better val_loss (the best weights are kept; --early-stopping 0 turns this off)`
      : `epochs: ${epochs}${patienceOption > 0 ? ' (no early stopping: it needs --validation-split above 0)' : ''}`,
  );
  say();

  const stopper = new Stopper(validationSplit > 0 ? 'val_loss' : 'loss', patience);
  const callbacks: nn.callbacks.Callback[] = [stopper];
  if (!quiet)
    callbacks.push(
      progress({
        epochs,
        keys: ['loss', ...t.metrics],
        validation: validationSplit > 0,
        stream: process.stdout,
        reading: streamed ? { rows: fitRows, read: streamed.train.progress, batchSize: batch } : undefined,
      }),
    );
  const onSigint = () => {
    if (stopper.interrupted) {
      if (process.stdout.isTTY) process.stdout.write(SHOW_CURSOR);
      process.stderr.write('\nnativenn: interrupted twice: quit without saving\n');
      process.exit(EXIT_INTERRUPTED);
    }
    stopper.interrupted = true;
    process.stderr.write(
      '\nnativenn: interrupted: stopping after this epoch and saving the best weights so far (Ctrl-C again to quit without saving)\n',
    );
  };
  process.on('SIGINT', onSigint);
  const started = performance.now();
  let history: nn.History;
  try {
    history = streamed
      ? await model.fitDataset(streamed.train, {
          epochs,
          validationData: streamed.validation ?? undefined,
          callbacks,
          verbose: 0,
          seed,
        })
      : await model.fit(d!.xTrain, (t as TargetSetup).train, {
          epochs,
          batchSize: batch,
          validationSplit: validationSplit > 0 ? validationSplit : undefined,
          callbacks,
          verbose: 0,
          seed,
        });
  } finally {
    if (process.stdout.isTTY) process.stdout.write(SHOW_CURSOR);
  }
  const seconds = (performance.now() - started) / 1000;
  if (stopper.divergedAt >= 0) {
    process.removeListener('SIGINT', onSigint);
    const loss = history.history.loss?.[stopper.divergedAt];
    throw new CliError(
      `training diverged: the loss became ${loss} at epoch ${stopper.divergedAt + 1}; nothing was saved. Try a smaller --lr, --scale standard, or check the data for huge values`,
    );
  }
  const restored = (patience !== null || stopper.interrupted) && stopper.restoreBest();
  const ran = history.epoch.length;
  const why = stopper.interrupted ? '; interrupted' : stopper.stoppedEarly ? '; stopped early' : '';
  const best = restored ? `, best ${stopper.monitor} at epoch ${stopper.bestEpoch + 1} (its weights kept)` : '';
  say(`trained ${ran} epoch${ran > 1 ? 's' : ''} in ${seconds.toFixed(2)} s${why}${best}`);
  say();

  const report = streamed
    ? await streamTestReport(model, p, streamed.test)
    : await testReport(model, p, d!.xTest, (t as TargetSetup).test, d!.yTest);
  p.test = report.values;
  const files = await writeRun(outDir, model, p, history, stopper.interrupted);
  process.removeListener('SIGINT', onSigint);

  if (!quiet) process.stdout.write(`${model.summary({ print: false })}\n\n`);
  process.stdout.write(`${report.lines.join('\n')}\n\n`);
  process.stdout.write(`saved to ${outDir}:\n${files.map((f) => `  ${f}`).join('\n')}\n`);
  const held = `the ${testRows} test rows held out of training`;
  if (streamed) say(`\npredict with: nativenn predict --model ${outDir} --data FILE.csv`);
  else if (images) say(`\n${imagePredictHint(o, outDir)}`);
  else if (p.data === 'digits')
    say(`\npredict with (scores ${held}): nativenn predict --model ${outDir} --data digits`);
  else
    say(
      `\npredict with (scores ${held}; leave out --rows test for every row): nativenn predict --model ${outDir} --data ${p.data} --rows test`,
    );
  if (stopper.interrupted) {
    process.stderr.write(
      `nativenn: interrupted after ${ran} epoch${ran > 1 ? 's' : ''}; the best weights so far are saved in ${outDir}\n`,
    );
    process.exitCode = EXIT_INTERRUPTED;
  }
}

export function fmt(v: number): string {
  return Math.abs(v) >= 1e6 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : String(Number(v.toPrecision(5)));
}
