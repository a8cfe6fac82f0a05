/**
 * Names shared by the model, the optimizers and the model files. How a compiled model runs is the
 * kernel tape (src/graph/tape.ts); these are the settings it is built from.
 */
import type { LayerActivation, MetricName, OptimizerKind, OptimizerSettings } from '../graph/builder';

export type { MetricName, OptimizerKind };
/** 'softmax' is row-wise; the others are elementwise Backend activations. */
export type PlanActivation = LayerActivation;

/** The settings the tape's update calls are built from (OptimizerSettings), the learning rate and the slots. */
export interface OptimizerPlan extends OptimizerSettings {
  /** Read at every trainBatches call, so schedulers may change it between calls. */
  learningRate: number;
  /** Per parameter (in the model's weight order), the state slots of this optimizer, each of the
   *  parameter's length: sgd none; momentum [velocity]; adam/adamw [m, v]; rmsprop [meanSquare,
   *  velocity]; adagrad [accumulator]. Views of the optimizer's slot arena. */
  readonly slots: Float32Array[][];
}
