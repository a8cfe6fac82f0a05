/**
 * preprocess.json: everything besides the model that predictions need (the fitted scalers, the
 * classes, the task, the feature names) and what training reported, next to the saved model. The
 * model itself is saved with model.save (TensorFlow.js Layers format); this file adds no weights.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as nn from '../index';
import type { Task } from './dataset';
import { CliError } from './errors';

/** How the network's outputs become predictions. */
export type OutputKind = 'softmax' | 'sigmoid' | 'linear';

export interface Preprocess {
  format: 'nativenn-preprocess';
  version: 1;
  task: Task;
  featureNames: string[];
  labelName: string;
  /** Class names in output order (classification), else null. */
  classes: string[] | null;
  output: OutputKind;
  /** Fitted on the training rows; null with --scale none. */
  scaler: nn.data.ScalerJSON | null;
  /** Regression: the target's standardization (the model predicts scaled values). */
  targetScaler: nn.data.ScalerJSON | null;
  /** "digits" or the CSV path trained on. */
  data: string;
  /** digits only: the test rows, so that `predict --data digits` scores exactly them. */
  testRows: number[] | null;
  /** The test results train reported. */
  test: Record<string, number>;
}

export const PREPROCESS_JSON = 'preprocess.json';
export const MODEL_DIR = 'model';

export function scalerOf(kind: string): nn.data.Scaler | null {
  if (kind === 'minmax') return nn.data.minMaxScaler();
  if (kind === 'standard') return nn.data.standardScaler();
  return null;
}

export function applyScaler(json: nn.data.ScalerJSON | null, x: nn.Tensor): nn.Tensor {
  return json ? nn.data.scalerFromJSON(json).transform(x) : x;
}

/** Class probabilities [rows, classes] from the outputs (a sigmoid unit is the second class's). */
export function probabilities(p: Preprocess, outputs: nn.Tensor<Float32Array>): Float32Array {
  if (p.output !== 'sigmoid') return outputs.data;
  const rows = outputs.shape[0];
  const out = new Float32Array(rows * 2);
  for (let r = 0; r < rows; r++) {
    out[2 * r] = 1 - outputs.data[r];
    out[2 * r + 1] = outputs.data[r];
  }
  return out;
}

export function argmaxRows(values: Float32Array, cols: number): Int32Array {
  const rows = values.length / cols;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (values[r * cols + c] > values[r * cols + best]) best = c;
    out[r] = best;
  }
  return out;
}

/** Regression outputs in the label's units. */
export function regressionValues(p: Preprocess, outputs: nn.Tensor<Float32Array>): Float32Array {
  return p.targetScaler ? nn.data.scalerFromJSON(p.targetScaler).inverseTransform(outputs).data : outputs.data;
}

/** --model DIR: the folder train wrote (or its model/ subfolder). */
export async function readRun(dir: string): Promise<{ preprocess: Preprocess; modelDir: string }> {
  const candidates = [dir, path.dirname(path.resolve(dir))];
  for (const runDir of candidates) {
    let text: string;
    try {
      text = await readFile(path.join(runDir, PREPROCESS_JSON), 'utf8');
    } catch {
      continue;
    }
    let p: Preprocess;
    try {
      p = JSON.parse(text) as Preprocess;
    } catch (e) {
      throw new CliError(`${path.join(runDir, PREPROCESS_JSON)} is not valid JSON (${(e as Error).message})`);
    }
    if (p?.format !== 'nativenn-preprocess' || p.version !== 1) {
      throw new CliError(`${path.join(runDir, PREPROCESS_JSON)} is not a nativenn preprocess file (format/version)`);
    }
    return { preprocess: p, modelDir: path.join(runDir, MODEL_DIR) };
  }
  throw new CliError(
    `--model ${dir}: no ${PREPROCESS_JSON} there; give the folder \`nativenn train\` wrote (its --out)`,
  );
}
