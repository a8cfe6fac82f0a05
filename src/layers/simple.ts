/** Layers without weights: Activation (and its LeakyReLU / ELU / Softmax forms) and Dropout. */

import { checkSetting, MAX_SEED } from '../config/ranges';
import type { Emitted, LayerActivation as PlanActivation, TapeBuilder } from '../graph/builder';
import type { KerasObject } from '../io/format';
import { activationFromFile, activationToFile, parametricActivationLayer } from '../io/layer-parts';
import { ModelFileError, type StrictObject } from '../io/strict';
import { checkOptions, deriveSeed, seedValue } from '../model/options';
import { checkActivation, defaultAlpha } from './activations';
import { emitActivation, emitActivationGrad } from './emit-activation';
import { BASE_ARGS, Layer, type LayerArgs } from './layer';
import { type FromFileBase, registerLayer, type ToFileContext } from './registry';

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
      this.alpha = o.alpha === undefined ? defaultAlpha(kind) : checkSetting(fn, 'alpha', o.alpha, 'alpha');
      this.className = { leakyRelu: 'LeakyReLU', elu: 'ELU', softmax: 'Softmax' }[kind];
      this.namePrefix = { leakyRelu: 'leaky_re_lu', elu: 'elu', softmax: 'softmax' }[kind];
    }
  }

  emit(b: TapeBuilder, input: number): Emitted {
    const { activation: fn, alpha } = this;
    const out = b.batched(`${this.name ?? 'activation'}/out`, 'activation', b.shape(input).slice(1));
    const call = emitActivation(b, out, input, fn, alpha);
    return {
      output: out,
      activation: { fn, logits: input, call },
      backward(b, grad, fromLogits, needInput) {
        // From the logits, the fused loss already wrote the input's gradient.
        if (!fromLogits && needInput) emitActivationGrad(b, b.gradOf(input), grad, input, out, fn, alpha);
      },
    };
  }
  static readonly kerasClassNames = ['Activation', 'LeakyReLU', 'ELU', 'ReLU', 'Softmax'];

  static fromFileConfig(className: string, c: StrictObject, base: FromFileBase): Activation {
    switch (className) {
      case 'LeakyReLU': {
        // tfjs writes `alpha`; Keras 3 writes `negative_slope`.
        const key = c.has('negative_slope') ? 'negative_slope' : 'alpha';
        return new Activation({ ...base, alpha: c.setting(key, 'alpha', 0.3) }, 'leakyRelu');
      }
      case 'ELU':
        return new Activation({ ...base, alpha: c.setting('alpha', 'alpha', 1) }, 'elu');
      case 'ReLU':
        c.mustBeNull('max_value', 'ReLU max_value');
        return new Activation({ ...base, activation: 'relu' });
      case 'Softmax': {
        const axis = c.has('axis') ? c.raw('axis') : -1;
        const last = (a: unknown) => a === -1 || a === 1;
        if (!last(axis) && !(Array.isArray(axis) && axis.length === 1 && last(axis[0]))) {
          throw new ModelFileError(
            `${c.at('axis')}: only softmax over the last axis is supported, got ${JSON.stringify(axis).slice(0, 80)}`,
          );
        }
        return new Activation({ ...base }, 'softmax');
      }
      default:
        return new Activation({ ...base, activation: activationFromFile(c.string('activation'), c.at('activation')) });
    }
  }

  override toFileConfigs(_ctx: ToFileContext): KerasObject[] {
    const base = this.fileBase();
    if (this.className === 'Softmax') return [{ class_name: 'Softmax', config: { axis: -1, ...base } }];
    const asString = this.className === 'Activation' ? activationToFile(this.activation, this.alpha) : null;
    if (asString !== null) return [{ class_name: 'Activation', config: { activation: asString, ...base } }];
    return [parametricActivationLayer(this.activation as 'leakyRelu' | 'elu', this.alpha, base.name)];
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
    this.rate = checkSetting('dropout', 'rate', o.rate, 'dropoutRate');
    this.seed = o.seed === undefined ? null : seedValue('dropout', 'seed', o.seed);
  }

  /** Training: out = x·mask (a fresh mask each step); inference: out = x. */
  emit(b: TapeBuilder, input: number, seed: number): Emitted {
    const name = this.name ?? 'dropout';
    const shape = b.shape(input).slice(1);
    const n = { rows: b.width(input) };
    const out = b.batched(`${name}/out`, 'activation', shape);
    const mask = b.batched(`${name}/mask`, 'scratch', shape);
    const maskSeed = this.seed === null ? deriveSeed(seed, 2) : this.seed & 0x7fffffff;
    b.fwd('dropout', [out, mask, input], { n, rate: this.rate, seed: maskSeed }, ['train']);
    b.fwd('copy', [out, input], { n }, ['eval', 'predict']);
    return {
      output: out,
      backward(b, grad, _fromLogits, needInput) {
        if (needInput) b.bwd('mul', [b.gradOf(input), grad, mask], { n });
      },
    };
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }

  static readonly kerasClassNames = ['Dropout'];

  static fromFileConfig(_className: string, c: StrictObject, base: FromFileBase): Dropout {
    const rate = c.setting('rate', 'dropoutRate');
    c.mustBeNull('noise_shape', 'noise_shape');
    return new Dropout({ ...base, rate, ...seedFromFile(c) });
  }

  /** Written with the seed the masks actually use, so a loaded model drops the same units at the
   *  same step. */
  override toFileConfigs(ctx: ToFileContext): KerasObject[] {
    const seed = this.seed === null ? deriveSeed(deriveSeed(ctx.modelSeed, ctx.index), 2) : this.seed & 0x7fffffff;
    return [{ class_name: 'Dropout', config: { rate: this.rate, noise_shape: null, seed, ...this.fileBase() } }];
  }
}

/** A random layer's `seed` in a file: absent, null, or an integer from 0 to MAX_SEED. */
export function seedFromFile(c: StrictObject): { seed?: number } {
  const s = c.raw('seed');
  if (s !== undefined && s !== null && !(Number.isInteger(s) && (s as number) >= 0 && (s as number) <= MAX_SEED)) {
    throw new ModelFileError(
      `${c.at('seed')} must be null or an integer from 0 to ${MAX_SEED}, got ${JSON.stringify(s).slice(0, 80)}`,
    );
  }
  return typeof s === 'number' ? { seed: s } : {};
}

registerLayer(Activation);
registerLayer(Dropout);
