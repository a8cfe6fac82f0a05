/** Metrics by name. The history/evaluate key is the name the user gave ('acc' stays 'acc', as in
 *  Keras); the plan gets the canonical metric. */

import { describe } from '../backend/check';
import { resolveName } from '../model/options';
import type { MetricName } from '../train/plan';

const BY_NAME: Record<string, MetricName> = {
  accuracy: 'accuracy',
  acc: 'accuracy',
  mse: 'mse',
  meanSquaredError: 'mse',
  mae: 'mae',
  meanAbsoluteError: 'mae',
};

export const METRIC_NAMES = Object.keys(BY_NAME);

export interface CompiledMetrics {
  keys: string[];
  names: MetricName[];
}

export function getMetrics(fn: string, v: unknown): CompiledMetrics {
  if (v === undefined || v === null) return { keys: [], names: [] };
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list)) throw new TypeError(`${fn}: metrics must be an array of names, got ${describe(v)}`);
  const keys: string[] = [];
  const names: MetricName[] = [];
  for (const m of list) {
    const name = resolveName(fn, 'metric', m, BY_NAME);
    if (keys.includes(m as string)) throw new RangeError(`${fn}: metric "${m}" is listed twice`);
    if (m === 'loss') throw new RangeError(`${fn}: "loss" is always reported; do not list it as a metric`);
    keys.push(m as string);
    names.push(name);
  }
  return { keys, names };
}

export const accuracy = 'accuracy' as const;
export const meanSquaredError = 'mse' as const;
export const meanAbsoluteError = 'mae' as const;
