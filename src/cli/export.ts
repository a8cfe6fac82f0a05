/**
 * `nativenn export --model RUN_DIR --onnx model.onnx`: the saved model as an ONNX file, with the
 * run's fitted scalers folded in front (input) and behind (a regression target) where ONNX can
 * express them. preprocess.json is read and validated as `nativenn predict` reads it (src/pipeline-schema.ts).
 */
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import * as nn from '../index';
import { loadSequentialModel } from '../pipeline';
import { type Preprocess, readPreprocess } from '../pipeline-schema';
import { formatHelp, type OptionSpec, parseArgs } from './args';
import { CliError } from './errors';

export const EXPORT_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'model',
    value: 'DIR',
    type: 'string',
    default: './nativenn-run/',
    help: 'the folder `nativenn train` wrote (its --out), or a saved model folder',
  },
  { name: 'onnx', value: 'FILE.onnx', type: 'string', help: 'the ONNX file to write' },
  { name: 'opset', type: 'int', min: 13, max: 17, default: 17, help: 'ONNX opset (13 to 17)' },
  { name: 'help', type: 'bool', default: false, help: 'show this help' },
];

export const EXPORT_USAGE =
  'Usage: nativenn export --model DIR --onnx model.onnx [--opset 13..17]\n\nWrites the model as ONNX, with the fitted scalers of preprocess.json folded in, for onnxruntime and other ONNX runtimes.';

interface Run {
  modelDir: string;
  /** The validated preprocess.json of the run (src/pipeline-schema.ts), or null when there is none. */
  preprocess: Preprocess | null;
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

/** The model folder and its run's preprocess.json: RUN_DIR/model + RUN_DIR/preprocess.json, or a
 *  model folder alone (then no preprocess.json, unless its parent holds one). */
async function readRun(dir: string): Promise<Run> {
  const runDir = (await exists(path.join(dir, 'model.json'))) ? path.dirname(path.resolve(dir)) : dir;
  const modelDir = (await exists(path.join(dir, 'model.json'))) ? dir : path.join(dir, 'model');
  if (!(await exists(path.join(modelDir, 'model.json')))) {
    throw new CliError(`--model ${dir}: no model there; give the folder \`nativenn train\` wrote (its --out)`);
  }
  const file = path.join(runDir, 'preprocess.json');
  if (!(await exists(file))) return { modelDir, preprocess: null };
  try {
    return { modelDir, preprocess: await readPreprocess(file) };
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}

/** What of the run's preprocessing ONNX cannot hold: text columns one-hot encoded and missing-value
 *  fills happen before the model's inputs, so the exported graph takes the encoded features. */
function unfoldable(p: Preprocess): string[] {
  const out: string[] = [];
  const categorical = p.columns.filter((c) => c.kind === 'categorical').map((c) => c.name);
  if (categorical.length) out.push(`one-hot encoding of ${categorical.join(', ')}`);
  if (p.columns.some((c) => c.fill !== null)) out.push('missing-value fills');
  return out;
}

export async function exportCommand(argv: readonly string[]): Promise<void> {
  const o = parseArgs(argv, EXPORT_OPTIONS);
  if (o.help) {
    process.stdout.write(formatHelp(EXPORT_USAGE, EXPORT_OPTIONS));
    return;
  }
  if (o.onnx === undefined) throw new CliError('--onnx is required: the file to write, e.g. --onnx model.onnx');
  const run = await readRun(o.model as string);
  let model: nn.Sequential;
  try {
    model = await loadSequentialModel(run.modelDir, 'export');
  } catch (e) {
    throw new CliError(`--model ${o.model}: ${(e as Error).message}`);
  }
  let result: nn.OnnxExportResult;
  try {
    result = await nn.exportOnnx(model, o.onnx as string, {
      opset: o.opset as number,
      scaler: run.preprocess?.scaler ?? null,
      targetScaler: run.preprocess?.targetScaler ?? null,
    });
  } catch (e) {
    if (e instanceof TypeError || e instanceof RangeError) throw new CliError(`--onnx ${o.onnx}: ${e.message}`);
    throw e;
  }
  const kb = (result.bytes / 1024).toFixed(1);
  process.stdout.write(
    `wrote ${o.onnx} (${kb} KiB, ONNX IR 8, opset ${result.opset}): input "input" [batch, ${model.inputShape.join(', ')}] float32 → output "output" [batch, ${model.outputShape.join(', ')}]\n`,
  );
  const outside = run.preprocess ? unfoldable(run.preprocess) : [];
  if (result.folded.length > 0) {
    const feed = outside.length
      ? `feed the encoded features (${outside.join('; ')} stay outside the graph: nn.loadPipeline applies them)`
      : 'feed raw features, as to `nativenn predict`';
    process.stdout.write(`folded in: ${result.folded.join('; ')}: ${feed}\n`);
  } else {
    const why = run.preprocess ? 'preprocess.json has no scaler' : 'no preprocess.json beside the model';
    process.stdout.write(`no preprocessing folded in (${why}): feed the features as the model was trained on them\n`);
  }
  process.stdout.write("class names stay in preprocess.json: output column k is the model's output k\n");
}
