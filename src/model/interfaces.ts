/**
 * The narrow views of a model that the Trainer and the callbacks use, so that neither depends on
 * the Sequential class (and the Trainer ↔ Sequential import cycle is gone): a future functional
 * model implements the same views.
 */

import type { Executor } from '../graph/executor';
import type { CompiledLoss } from '../losses';
import type { CompiledMetrics } from '../metrics';
import type { Optimizer } from '../optimizers';
import type { Tensor } from '../tensor';
import type { Targets } from '../train/data';

export interface CompileArgs {
  optimizer: string | Optimizer;
  loss: string;
  metrics?: string[];
}

export interface Compiled {
  optimizer: Optimizer;
  loss: CompiledLoss;
  metrics: CompiledMetrics;
}

/** What the Trainer needs of a model (it hands the model to the callbacks too). */
export interface TrainableModel extends CallbackModel {
  readonly inputSize: number;
  /** One sample's input shape ([features], [height, width, channels], …). */
  readonly inputShape: number[];
  readonly outputSize: number;
  /** One sample's output shape (several outputs: [their values side by side]). */
  readonly outputShape: number[];
  /** Target values per row as the executors read them (y's width). */
  readonly targetWidth: number;
  /** Outputs trained (each with its loss). */
  readonly outputCount: number;
  /** True while an executor call that writes the weights is pending (the one busy guard in JS). */
  busy: boolean;
  /** True from the start to the end of fit. */
  fitting: boolean;
  /** Set by a callback to end fit after the current epoch. */
  stopTraining: boolean;
  compile(args: CompileArgs): void;
  requireCompiled(fn: string): Compiled;
  checkIdle(fn: string): void;
  evaluate(
    x: Tensor,
    y: Targets,
    options?: { sampleWeight?: Tensor | Float32Array | number[] },
  ): Record<string, number>;
  evaluationData(
    fn: string,
    x: unknown,
    y: unknown,
    xName?: string,
    yName?: string,
  ): { x: Float32Array; y: Float32Array; rows: number };
  /** The executor of the active backend; `weighted`: the one whose y rows end with a sample
   *  weight (fit's sampleWeight / classWeight). */
  executor(weighted?: boolean): Executor;
  /** Metrics computed exactly over a whole set from predictions (precision, auc, …), keys prefixed. */
  wholeSetLogs(
    data: { x: Float32Array; y: Float32Array; rows: number },
    prefix?: string,
    predictions?: Tensor<Float32Array>,
  ): Record<string, number>;
}

/** What callbacks may use of the model they are given. */
export interface CallbackModel {
  stopTraining: boolean;
  readonly optimizer: Optimizer | null;
  getWeights(): Tensor[];
  setWeights(weights: Tensor[]): void;
}
