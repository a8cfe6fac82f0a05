/** Callback hooks (TensorFlow.js / Keras names). Any plain object with some of these methods is a
 *  callback; hooks may be async (fit awaits them). Defining onBatchBegin/onBatchEnd makes fit run
 *  batch by batch (slower); without them whole epochs run in one executor call. */

import type { CallbackModel } from '../model/interfaces';
import type { HistoryParams } from '../train/history';

export type Logs = Record<string, number>;

export interface Callback {
  setModel?(model: CallbackModel): void;
  setParams?(params: HistoryParams): void;
  onTrainBegin?(logs: Logs): void | Promise<void>;
  onTrainEnd?(logs: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs: Logs): void | Promise<void>;
}

export const HOOKS = [
  'setModel',
  'setParams',
  'onTrainBegin',
  'onTrainEnd',
  'onEpochBegin',
  'onEpochEnd',
  'onBatchBegin',
  'onBatchEnd',
] as const;

/** Which value a monitor improves by: accuracy-like keys (accuracy, precision, recall, f1, auc,
 *  r2) go up, the rest (losses, errors) go down. */
export function monitorMode(fn: string, mode: unknown, monitor: string): 'min' | 'max' {
  if (mode === undefined || mode === 'auto') return /acc|precision|recall|f1|auc|r2/.test(monitor) ? 'max' : 'min';
  if (mode === 'min' || mode === 'max') return mode;
  throw new RangeError(`${fn}: unknown mode "${String(mode)}"; valid: auto, min, max`);
}
