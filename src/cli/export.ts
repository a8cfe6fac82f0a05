/**
 * `nativenn export --model RUN_DIR --onnx model.onnx`: the saved model as an ONNX file, with the
 * run's fitted scalers folded in front (input) and behind (a regression target) where ONNX can
 * express them. Of preprocess.json it reads only `scaler` and `targetScaler` (ScalerJSON or null).
 */
import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import * as nn from '../index';
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
  scaler: nn.data.ScalerJSON | null;
  targetScaler: nn.data.ScalerJSON | null;
  hasPreprocess: boolean;
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

/** The model folder and the scalers: RUN_DIR/model + RUN_DIR/preprocess.json, or a model folder
 *  alone (then no preprocess.json, unless its parent holds one). */
async function readRunScalers(dir: string): Promise<Run> {
  const runDir = (await exists(path.join(dir, 'model.json'))) ? path.dirname(path.resolve(dir)) : dir;
  const modelDir = (await exists(path.join(dir, 'model.json'))) ? dir : path.join(dir, 'model');
  if (!(await exists(path.join(modelDir, 'model.json')))) {
    throw new CliError(`--model ${dir}: no model there; give the folder \`nativenn train\` wrote (its --out)`);
  }
  const file = path.join(runDir, 'preprocess.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return { modelDir, scaler: null, targetScaler: null, hasPreprocess: false };
  }
  let json: { scaler?: unknown; targetScaler?: unknown };
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CliError(`${file} is not valid JSON (${(e as Error).message})`);
  }
  const pick = (key: 'scaler' | 'targetScaler') => {
    const v = json?.[key];
    return v === undefined || v === null ? null : (v as nn.data.ScalerJSON);
  };
  return { modelDir, scaler: pick('scaler'), targetScaler: pick('targetScaler'), hasPreprocess: true };
}

export async function exportCommand(argv: readonly string[]): Promise<void> {
  const o = parseArgs(argv, EXPORT_OPTIONS);
  if (o.help) {
    process.stdout.write(formatHelp(EXPORT_USAGE, EXPORT_OPTIONS));
    return;
  }
  if (o.onnx === undefined) throw new CliError('--onnx is required: the file to write, e.g. --onnx model.onnx');
  const run = await readRunScalers(o.model as string);
  let model: nn.Sequential;
  try {
    model = await nn.loadModel(run.modelDir);
  } catch (e) {
    throw new CliError(`--model ${o.model}: ${(e as Error).message}`);
  }
  let result: nn.OnnxExportResult;
  try {
    result = await nn.exportOnnx(model, o.onnx as string, {
      opset: o.opset as number,
      scaler: run.scaler,
      targetScaler: run.targetScaler,
    });
  } catch (e) {
    if (e instanceof TypeError || e instanceof RangeError) throw new CliError(`--onnx ${o.onnx}: ${e.message}`);
    throw e;
  }
  const kb = (result.bytes / 1024).toFixed(1);
  process.stdout.write(
    `wrote ${o.onnx} (${kb} KiB, ONNX IR 8, opset ${result.opset}): input "input" [batch, ${model.inputSize}] float32 → output "output" [batch, ${model.outputSize}]\n`,
  );
  if (result.folded.length > 0) {
    process.stdout.write(`folded in: ${result.folded.join('; ')}: feed raw features, as to \`nativenn predict\`\n`);
  } else {
    const why = run.hasPreprocess ? 'preprocess.json has no scaler' : 'no preprocess.json beside the model';
    process.stdout.write(`no preprocessing folded in (${why}): feed the features as the model was trained on them\n`);
  }
  process.stdout.write("class names stay in preprocess.json: output column k is the model's output k\n");
}
