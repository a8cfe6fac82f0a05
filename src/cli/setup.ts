/** Pieces `train` puts together: the backend, the output folder check, the targets and the network. */

import { constants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import * as nn from '../index';
import { checkSaveTarget } from '../io/paths';
import type { OutputKind } from '../pipeline-schema';
import type { Task } from './dataset';
import { CliError } from './errors';

/** Activates --backend (default: native when the addon is built, else js with a note on stderr). */
export function useBackend(name: string | undefined, threads?: number): string {
  if (name !== 'js' && nn.backends.native) nn.setBackend('native');
  else if (name === 'js') nn.setBackend('js');
  else {
    const why = (nn.nativeLoadError()?.message ?? 'it is not built').split('\n')[0].replace(/\.?\s*Tried:$/, '');
    if (name === 'native') throw new CliError(`--backend native: the native addon is not available (${why})`);
    process.stderr.write(`note: the native addon is not available (${why}); using the js backend\n`);
    nn.setBackend('js');
  }
  if (threads !== undefined) nn.setNumThreads(threads);
  return nn.getBackend().name;
}

async function statOrNull(p: string) {
  try {
    return await stat(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CliError(`--out ${p}: ${(e as Error).message}`);
  }
}

/** Fails before training when --out cannot take the results (a file, a foreign model/ folder, no write permission). */
export async function checkOutDir(out: string, modelDir: string): Promise<void> {
  try {
    checkSaveTarget('--out', out); // /proc, /sys and other pseudo-filesystems, before any training
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const st = await statOrNull(out);
  if (st && !st.isDirectory()) throw new CliError(`--out ${out} exists and is not a folder`);
  const model = path.join(out, modelDir);
  const mst = st ? await statOrNull(model) : null;
  if (mst && !mst.isDirectory()) throw new CliError(`--out ${out}: ${model} exists and is not a folder`);
  if (mst) {
    const foreign = (await readdir(model)).filter((f) => f !== 'model.json' && !f.endsWith('.bin'));
    if (foreign.length > 0)
      throw new CliError(
        `--out ${out}: ${model} holds files that are not a saved model (${foreign.slice(0, 3).join(', ')})`,
      );
  }
  let existing = path.resolve(out);
  while (!(await statOrNull(existing))) existing = path.dirname(existing);
  try {
    await access(existing, constants.W_OK);
  } catch {
    throw new CliError(`--out ${out}: ${existing} is not writable`);
  }
}

export interface TargetSetup {
  loss: string;
  metrics: string[];
  output: OutputKind;
  units: number;
  train: nn.Tensor | Int32Array;
  test: nn.Tensor | Int32Array;
  targetScaler: nn.data.ScalerJSON | null;
}

const column = (y: Float32Array) => nn.tensor2d(y, [y.length, 1]);

/** The loss, output layer and target encoding for the task (--loss checked against it). */
export function targets(
  task: Task,
  loss: string | undefined,
  classes: string[] | null,
  yTrain: Int32Array | Float32Array,
  yTest: Int32Array | Float32Array,
): TargetSetup {
  if (task === 'regression') {
    if (loss !== undefined && loss !== 'meanSquaredError' && loss !== 'mse') {
      throw new CliError(`--loss ${loss} is for classification; regression uses meanSquaredError`);
    }
    // The network learns the standardized target; predictions are mapped back to the label's units.
    const scaler = nn.data.standardScaler().fit(column(yTrain as Float32Array));
    return {
      loss: 'meanSquaredError',
      metrics: ['mae'],
      output: 'linear',
      units: 1,
      train: scaler.transform(column(yTrain as Float32Array)),
      test: scaler.transform(column(yTest as Float32Array)),
      targetScaler: scaler.toJSON(),
    };
  }
  const k = classes!.length;
  const chosen = loss ?? 'categoricalCrossentropy';
  const labels = (y: Int32Array | Float32Array) => y as Int32Array;
  switch (chosen) {
    case 'categoricalCrossentropy':
      return {
        loss: chosen,
        metrics: ['accuracy'],
        output: 'softmax',
        units: k,
        train: nn.data.oneHot(labels(yTrain), k),
        test: nn.data.oneHot(labels(yTest), k),
        targetScaler: null,
      };
    case 'sparseCategoricalCrossentropy':
      return {
        loss: chosen,
        metrics: ['accuracy'],
        output: 'softmax',
        units: k,
        train: labels(yTrain),
        test: labels(yTest),
        targetScaler: null,
      };
    case 'binaryCrossentropy':
      if (k !== 2)
        throw new CliError(
          `--loss binaryCrossentropy needs exactly 2 classes, the label has ${k}; use categoricalCrossentropy`,
        );
      return {
        loss: chosen,
        metrics: ['accuracy'],
        output: 'sigmoid',
        units: 1,
        train: column(Float32Array.from(yTrain)),
        test: column(Float32Array.from(yTest)),
        targetScaler: null,
      };
    default:
      throw new CliError(
        `--loss ${chosen} is for regression; classification uses categoricalCrossentropy, sparseCategoricalCrossentropy or binaryCrossentropy`,
      );
  }
}

export interface NetworkOptions {
  inputs: number;
  hidden: number[];
  activation: string;
  dropout: number;
  units: number;
  output: OutputKind;
  seed: number;
}

/** 2^28 parameters: 1 GiB of float32 weights, about 4 GiB with gradients and Adam's two slots. */
export const MAX_PARAMETERS = 2 ** 28;

export function network(o: NetworkOptions): nn.Sequential {
  const sizes = [o.inputs, ...o.hidden, o.units];
  let params = 0;
  for (let i = 1; i < sizes.length; i++) params += (sizes[i - 1] + 1) * sizes[i];
  if (params > MAX_PARAMETERS)
    throw new CliError(
      `--hidden ${o.hidden.join(',')}: the network ${sizes.join(' → ')} would have ${params.toLocaleString('en-US')} parameters (${((params * 16) / 2 ** 30).toFixed(1)} GiB to train); the limit is ${MAX_PARAMETERS.toLocaleString('en-US')}`,
    );
  const layers: nn.layers.Layer[] = [];
  o.hidden.forEach((units, i) => {
    layers.push(
      nn.layers.dense({ units, activation: o.activation as 'relu', ...(i === 0 ? { inputShape: [o.inputs] } : {}) }),
    );
    if (o.dropout > 0) layers.push(nn.layers.dropout({ rate: o.dropout }));
  });
  layers.push(
    nn.layers.dense({
      units: o.units,
      activation: o.output,
      ...(o.hidden.length === 0 ? { inputShape: [o.inputs] } : {}),
    }),
  );
  return nn.sequential({ seed: o.seed, layers });
}

export function optimizer(name: string, lr: number | undefined): string | nn.optimizers.Optimizer {
  if (lr === undefined) return name;
  const make = nn.optimizers[name as 'adam'] as (args: { learningRate: number }) => nn.optimizers.Optimizer;
  return make({ learningRate: lr });
}
