/**
 * Metrics: the names compile takes, and the plain functions (nn.metrics.precision(yTrue, yPred)…).
 *
 * compile({ metrics }) names come in two kinds. accuracy, mse and mae are computed inside the
 * training executor, as batch means in training mode (Keras's running values). precision, recall,
 * f1, auc, mape and r2 are computed exactly over the whole set from predictions (whole-set.ts).
 * The history/evaluate key is the name the user gave ('acc' stays 'acc', as in Keras).
 */

import { describe } from '../backend/check';
import type { CompiledLoss } from '../losses';
import type { MetricName } from '../train/plan';
import type { WholeSetMetric, WholeSetMetricName } from './whole-set';

export type { AucOptions, ClassificationOptions } from './classification';
export { auc, f1, precision, recall } from './classification';
export { mae, mape, r2 } from './regression';
export type { MetricValues } from './table';
export type { WholeSetMetric, WholeSetMetricName } from './whole-set';
export { wholeSetLogs } from './whole-set';

/** Computed by the training executors (batch means). */
const BY_NAME: Record<string, MetricName> = {
  accuracy: 'accuracy',
  acc: 'accuracy',
  mse: 'mse',
  meanSquaredError: 'mse',
  mae: 'mae',
  meanAbsoluteError: 'mae',
};

/** Computed over the whole set from predictions (see whole-set.ts). */
const WHOLE_SET_BY_NAME: Record<string, WholeSetMetricName> = {
  precision: 'precision',
  recall: 'recall',
  f1: 'f1',
  f1Score: 'f1',
  auc: 'auc',
  mape: 'mape',
  meanAbsolutePercentageError: 'mape',
  r2: 'r2',
  r2Score: 'r2',
};

const CLASSIFICATION: readonly WholeSetMetricName[] = ['precision', 'recall', 'f1', 'auc'];

export const METRIC_NAMES = [...Object.keys(BY_NAME), ...Object.keys(WHOLE_SET_BY_NAME)];

export interface CompiledMetrics {
  /** Keys and names of the executor's metrics, in the order of its values. */
  keys: string[];
  names: MetricName[];
  /** The whole-set metrics, reported after the executor's. */
  wholeSet: WholeSetMetric[];
}

export function getMetrics(fn: string, v: unknown, loss?: CompiledLoss): CompiledMetrics {
  const compiled: CompiledMetrics = { keys: [], names: [], wholeSet: [] };
  if (v === undefined || v === null) return compiled;
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list)) throw new TypeError(`${fn}: metrics must be an array of names, got ${describe(v)}`);
  const seen = new Set<string>();
  for (const m of list) {
    if (typeof m !== 'string') throw new TypeError(`${fn}: metric must be a string, got ${describe(m)}`);
    if (m === 'loss') throw new RangeError(`${fn}: "loss" is always reported; do not list it as a metric`);
    if (seen.has(m)) throw new RangeError(`${fn}: metric "${m}" is listed twice`);
    seen.add(m);
    if (Object.hasOwn(BY_NAME, m)) {
      compiled.keys.push(m);
      compiled.names.push(BY_NAME[m]);
    } else if (Object.hasOwn(WHOLE_SET_BY_NAME, m)) {
      const name = WHOLE_SET_BY_NAME[m];
      if (loss === 'meanSquaredError' && CLASSIFICATION.includes(name)) {
        throw new RangeError(
          `${fn}: metric "${m}" needs a classification loss (binaryCrossentropy, categoricalCrossentropy or sparseCategoricalCrossentropy), got meanSquaredError`,
        );
      }
      compiled.wholeSet.push({ key: m, name });
    } else {
      throw new RangeError(`${fn}: unknown metric "${m}"; valid: ${METRIC_NAMES.join(', ')}`);
    }
  }
  return compiled;
}

export const accuracy = 'accuracy' as const;
export const meanSquaredError = 'mse' as const;
export const meanAbsoluteError = 'mae' as const;
