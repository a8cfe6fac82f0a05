/** Activation names a layer accepts (TensorFlow.js names) and their default alpha. */

import { describe } from '../backend/check';
import type { PlanActivation } from '../train/plan';

export const LAYER_ACTIVATIONS: readonly PlanActivation[] = [
  'linear',
  'sigmoid',
  'tanh',
  'relu',
  'leakyRelu',
  'elu',
  'softmax',
  'gelu',
  'silu',
  'hardSigmoid',
];

/** leakyRelu's negative slope (Keras LeakyReLU / tf.layers.leakyReLU: 0.3) and elu's scale (1). */
export function defaultAlpha(activation: PlanActivation): number {
  if (activation === 'leakyRelu') return 0.3;
  if (activation === 'elu') return 1;
  return 0;
}

export function checkActivation(fn: string, v: unknown): PlanActivation {
  if (v === undefined || v === null) return 'linear';
  if (typeof v !== 'string') throw new TypeError(`${fn}: activation must be a string, got ${describe(v)}`);
  if (!(LAYER_ACTIVATIONS as readonly string[]).includes(v)) {
    throw new RangeError(`${fn}: unknown activation "${v}"; valid: ${LAYER_ACTIVATIONS.join(', ')}`);
  }
  return v as PlanActivation;
}
