/** Losses by name (TensorFlow.js names, Keras aliases). All are means over rows (Keras reduction). */
import type { LossName } from '../backend';
import { resolveName } from '../model/options';

export type CompiledLoss = Exclude<LossName, 'binaryCrossentropyFromLogits'>;

const BY_NAME: Record<string, CompiledLoss> = {
  meanSquaredError: 'meanSquaredError',
  mse: 'meanSquaredError',
  binaryCrossentropy: 'binaryCrossentropy',
  categoricalCrossentropy: 'categoricalCrossentropy',
  sparseCategoricalCrossentropy: 'sparseCategoricalCrossentropy',
};

export const LOSS_NAMES = Object.keys(BY_NAME);

export function getLoss(fn: string, v: unknown): CompiledLoss {
  return resolveName(fn, 'loss', v, BY_NAME);
}

/** nn.losses: the names, so `loss: nn.losses.categoricalCrossentropy` reads like tfjs. */
export const meanSquaredError = 'meanSquaredError' as const;
export const mse = 'meanSquaredError' as const;
export const binaryCrossentropy = 'binaryCrossentropy' as const;
export const categoricalCrossentropy = 'categoricalCrossentropy' as const;
export const sparseCategoricalCrossentropy = 'sparseCategoricalCrossentropy' as const;
