/** nn.layers: the layer factories (TensorFlow.js names). */
import { Dense, type DenseArgs } from './dense';
import type { LayerArgs } from './layer';
import { Activation, type ActivationArgs, Dropout, type DropoutArgs } from './simple';

export { Dense } from './dense';
export { Layer } from './layer';
export { Activation, Dropout } from './simple';
export type { ActivationArgs, DenseArgs, DropoutArgs, LayerArgs };

export const dense = (args: DenseArgs): Dense => new Dense(args);
export const dropout = (args: DropoutArgs): Dropout => new Dropout(args);
export const activation = (args: ActivationArgs): Activation =>
  new Activation(args as unknown as Record<string, unknown>);
/** LeakyReLU layer: x for x > 0, alpha·x otherwise (alpha 0.3 by default). */
export const leakyRelu = (args?: LayerArgs & { alpha?: number }): Activation =>
  new Activation((args ?? {}) as Record<string, unknown>, 'leakyRelu');
/** ELU layer: x for x > 0, alpha·(eˣ − 1) otherwise (alpha 1 by default). */
export const elu = (args?: LayerArgs & { alpha?: number }): Activation =>
  new Activation((args ?? {}) as Record<string, unknown>, 'elu');
export const softmax = (args?: LayerArgs): Activation =>
  new Activation((args ?? {}) as Record<string, unknown>, 'softmax');
