/** Layers without weights: Activation (and its LeakyReLU / ELU / Softmax forms) and Dropout. */

import { checkOptions, deriveSeed, numberIn, seedValue } from '../model/options';
import type { ActivationPlan, DropoutPlan, PlanActivation } from '../train/plan';
import { checkActivation, defaultAlpha } from './activations';
import { BASE_ARGS, Layer, type LayerArgs } from './layer';

export interface ActivationArgs extends LayerArgs {
  activation: PlanActivation;
}

export class Activation extends Layer {
  readonly className: string;
  readonly namePrefix: string;
  readonly activation: PlanActivation;
  readonly alpha: number;

  /** kind: which factory made it — 'activation', or 'leakyRelu' / 'elu' / 'softmax' (their own
   *  tfjs classes, with alpha for the first two). */
  constructor(args: Record<string, unknown>, kind: 'activation' | 'leakyRelu' | 'elu' | 'softmax' = 'activation') {
    const fn = kind === 'activation' ? 'activation' : kind;
    const o = checkOptions(
      fn,
      args,
      kind === 'activation' ? [...BASE_ARGS, 'activation'] : kind === 'softmax' ? BASE_ARGS : [...BASE_ARGS, 'alpha'],
    );
    super(fn, o);
    if (kind === 'activation') {
      if (o.activation === undefined) throw new TypeError('activation: activation is required');
      this.activation = checkActivation('activation', o.activation);
      this.alpha = defaultAlpha(this.activation);
      this.className = 'Activation';
      this.namePrefix = 'activation';
    } else {
      this.activation = kind;
      this.alpha = o.alpha === undefined ? defaultAlpha(kind) : numberIn(fn, 'alpha', o.alpha, 0);
      this.className = { leakyRelu: 'LeakyReLU', elu: 'ELU', softmax: 'Softmax' }[kind];
      this.namePrefix = { leakyRelu: 'leaky_re_lu', elu: 'elu', softmax: 'softmax' }[kind];
    }
  }

  toPlan(inputSize: number): ActivationPlan {
    return { kind: 'activation', size: inputSize, activation: this.activation, alpha: this.alpha };
  }
  override getConfig(): Record<string, unknown> {
    const base = super.getConfig();
    if (this.className === 'Activation') return { ...base, activation: this.activation };
    if (this.className === 'Softmax') return base;
    return { ...base, alpha: this.alpha };
  }
}

export interface DropoutArgs extends LayerArgs {
  rate: number;
  seed?: number;
}

/** Inverted dropout, active only while training. */
export class Dropout extends Layer {
  readonly className = 'Dropout';
  readonly namePrefix = 'dropout';
  readonly rate: number;
  readonly seed: number | null;

  constructor(args: DropoutArgs) {
    const o = checkOptions('dropout', args, [...BASE_ARGS, 'rate', 'seed']);
    super('dropout', o);
    if (o.rate === undefined) throw new TypeError('dropout: rate is required (the fraction of inputs to drop)');
    this.rate = numberIn('dropout', 'rate', o.rate, 0, 1, true);
    this.seed = o.seed === undefined ? null : seedValue('dropout', 'seed', o.seed);
  }

  toPlan(inputSize: number, seed: number): DropoutPlan {
    return {
      kind: 'dropout',
      size: inputSize,
      rate: this.rate,
      seed: this.seed === null ? deriveSeed(seed, 2) : this.seed & 0x7fffffff,
    };
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}
