/** GaussianNoise: adds N(0, stddev²) noise while training (a fresh draw each step, seeded like
 *  dropout's masks); the identity in evaluate and predict, as tfjs and Keras. */

import { checkSetting } from '../config/ranges';
import type { Emitted, TapeBuilder } from '../graph/builder';
import type { KerasObject } from '../io/format';
import type { StrictObject } from '../io/strict';
import { checkOptions, deriveSeed, seedValue } from '../model/options';
import { BASE_ARGS, Layer, type LayerArgs } from './layer';
import { type FromFileBase, registerLayer, type ToFileContext } from './registry';
import { seedFromFile } from './simple';

export interface GaussianNoiseArgs extends LayerArgs {
  /** Standard deviation of the noise (≥ 0). */
  stddev: number;
  /** Seed of the noise stream (default: derived from the model's seed). */
  seed?: number;
}

export class GaussianNoise extends Layer {
  readonly className = 'GaussianNoise';
  readonly namePrefix = 'gaussian_noise';
  readonly stddev: number;
  readonly seed: number | null;

  constructor(args: GaussianNoiseArgs) {
    const o = checkOptions('gaussianNoise', args, [...BASE_ARGS, 'stddev', 'seed']);
    super('gaussianNoise', o);
    if (o.stddev === undefined) throw new TypeError('gaussianNoise: stddev is required (the noise standard deviation)');
    this.stddev = checkSetting('gaussianNoise', 'stddev', o.stddev, 'stddev');
    this.seed = o.seed === undefined ? null : seedValue('gaussianNoise', 'seed', o.seed);
  }

  /** The seed the noise uses: its own, else one derived from the model's seed for this layer. */
  private streamSeed(layerSeed: number): number {
    return this.seed === null ? deriveSeed(layerSeed, 2) : this.seed & 0x7fffffff;
  }

  /** Training: out = x + noise (a new stream each step); inference: out = x; the gradient passes through. */
  emit(b: TapeBuilder, input: number, seed: number): Emitted {
    const name = this.name ?? this.namePrefix;
    const n = { rows: b.width(input) };
    const out = b.batched(`${name}/out`, 'activation', b.shape(input).slice(1));
    b.fwd('gaussianNoise', [out, input], { n, stddev: this.stddev, seed: this.streamSeed(seed) }, ['train']);
    b.fwd('copy', [out, input], { n }, ['eval', 'predict']);
    return {
      output: out,
      backward(b, grad, _fromLogits, needInput) {
        if (!needInput) return;
        const dx = b.gradOf(input);
        if (b.firstWrite(dx)) b.bwd('copy', [dx, grad], { n });
        else b.bwd('axpy', [dx, grad], { n, alpha: 1 });
      },
    };
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), stddev: this.stddev, seed: this.seed };
  }

  static readonly kerasClassNames = ['GaussianNoise'];

  static fromFileConfig(_className: string, c: StrictObject, base: FromFileBase): GaussianNoise {
    return new GaussianNoise({ ...base, stddev: c.setting('stddev', 'stddev'), ...seedFromFile(c) });
  }

  /** With the seed the noise actually uses (Keras 3 writes a seed; tfjs ignores it), so a loaded
   *  model draws the same noise at the same step. */
  override toFileConfigs(ctx: ToFileContext): KerasObject[] {
    const seed = this.streamSeed(deriveSeed(ctx.modelSeed, ctx.index));
    return [{ class_name: 'GaussianNoise', config: { stddev: this.stddev, seed, ...this.fileBase() } }];
  }
}

registerLayer(GaussianNoise);
