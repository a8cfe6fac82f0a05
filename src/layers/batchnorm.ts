/** BatchNormalization over the last axis (channels-last): y = gamma·(x − mean)/sqrt(var + epsilon)
 *  + beta, with the batch's statistics while training and the moving ones in inference. The
 *  moving mean and variance are non-trainable weights (in getWeights and model files, after gamma
 *  and beta, as Keras orders them), kept in the model arena's state part and updated by the
 *  training kernel: moving = moving·momentum + batch·(1 − momentum), the batch variance biased
 *  (TensorFlow.js's rule). */

import { RANGES, rangeText } from '../config/ranges';
import type { Arena } from '../graph/arena';
import type { Emitted, TapeBuilder } from '../graph/builder';
import { getInitializer, type Initializer, ones, zeros } from '../initializers';
import type { KerasObject } from '../io/format';
import { initializerFromFile, initializerToFile } from '../io/layer-parts';
import { ModelFileError, type StrictObject } from '../io/strict';
import { bool, checkOptions, numberIn } from '../model/options';
import { Random } from '../util/random';
import { BASE_ARGS, Layer, type LayerArgs } from './layer';
import { type FromFileBase, registerLayer } from './registry';
import { formatShape, type Shape, type WeightSpec } from './shape';

export interface BatchNormalizationArgs extends LayerArgs {
  /** The channels axis: the last (-1, the default, or its index). */
  axis?: number;
  momentum?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: string | Initializer;
  gammaInitializer?: string | Initializer;
  movingMeanInitializer?: string | Initializer;
  movingVarianceInitializer?: string | Initializer;
}

export class BatchNormalization extends Layer {
  readonly className = 'BatchNormalization';
  readonly namePrefix = 'batch_normalization';
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: Initializer;
  readonly gammaInitializer: Initializer;
  readonly movingMeanInitializer: Initializer;
  readonly movingVarianceInitializer: Initializer;
  /** The last batch's mean and 1/std per channel, saved by the training kernel for its gradient. */
  private batchStats: Float32Array = new Float32Array(0);
  private builtFor = -1;

  constructor(args?: BatchNormalizationArgs) {
    const fn = 'batchNormalization';
    const o = checkOptions(fn, args ?? {}, [
      ...BASE_ARGS,
      'axis',
      'momentum',
      'epsilon',
      'center',
      'scale',
      'betaInitializer',
      'gammaInitializer',
      'movingMeanInitializer',
      'movingVarianceInitializer',
    ]);
    super(fn, o);
    this.stateCount = 2;
    if (o.axis !== undefined && (typeof o.axis !== 'number' || !Number.isInteger(o.axis)))
      throw new TypeError(`${fn}: axis must be an integer (-1: the last axis), got ${String(o.axis)}`);
    this.axis = (o.axis as number | undefined) ?? -1;
    this.momentum = o.momentum === undefined ? 0.99 : numberIn(fn, 'momentum', o.momentum, 0, 1);
    this.epsilon = o.epsilon === undefined ? 1e-3 : numberIn(fn, 'epsilon', o.epsilon, 1e-12, 1);
    this.center = o.center === undefined ? true : bool(fn, 'center', o.center);
    this.scale = o.scale === undefined ? true : bool(fn, 'scale', o.scale);
    const init = (name: string, v: unknown, fallback: () => Initializer) =>
      v === undefined ? fallback() : getInitializer(fn, name, v);
    this.betaInitializer = init('betaInitializer', o.betaInitializer, zeros);
    this.gammaInitializer = init('gammaInitializer', o.gammaInitializer, ones);
    this.movingMeanInitializer = init('movingMeanInitializer', o.movingMeanInitializer, zeros);
    this.movingVarianceInitializer = init('movingVarianceInitializer', o.movingVarianceInitializer, ones);
  }

  /** Channels: the size of the last axis, which `axis` must name. */
  private channels(inputShape: Shape): number {
    const rank = inputShape.length;
    const c = inputShape[rank - 1];
    if (rank < 2 || c === null || c < 1 || c > RANGES.units.max)
      throw new RangeError(
        `${this.label}: needs an input whose last axis is known (${rangeText(RANGES.units)}), got ${formatShape(inputShape)}`,
      );
    if (this.axis !== -1 && this.axis !== rank - 1)
      throw new RangeError(
        `${this.label}: only the last axis (-1 or ${rank - 1}) can be normalized (channels-last), got axis ${this.axis}`,
      );
    return c;
  }

  override computeOutputShape(inputShape: Shape): Shape {
    this.channels(super.computeOutputShape(inputShape));
    return inputShape;
  }

  override weightSpecs(inputShape: Shape): WeightSpec[] {
    const c = this.channels(super.computeOutputShape(inputShape));
    return this.weightNames().map((name) => ({ name, shape: [c], trainable: !name.startsWith('moving') }));
  }

  override weightNames(): string[] {
    return [...(this.scale ? ['gamma'] : []), ...(this.center ? ['beta'] : []), 'moving_mean', 'moving_variance'];
  }

  override build(inputShape: Shape | number, seed = 0): void {
    const c = typeof inputShape === 'number' ? inputShape : this.channels(super.computeOutputShape(inputShape));
    if (this.builtFor === c) return;
    if (this.builtFor !== -1)
      throw new RangeError(
        `batchNormalization: layer "${this.name}" was built for ${this.builtFor} channels, not ${c}`,
      );
    const make = (init: Initializer) => {
      const v = new Float32Array(c);
      init.fill(v, c, c, new Random(init.seed ?? seed));
      return v;
    };
    this.values = [
      ...(this.scale ? [make(this.gammaInitializer)] : []),
      ...(this.center ? [make(this.betaInitializer)] : []),
      make(this.movingMeanInitializer),
      make(this.movingVarianceInitializer),
    ];
    this.batchStats = new Float32Array(2 * c);
    this.builtFor = c;
  }

  override stateLength(): number {
    return super.stateLength() + this.batchStats.length;
  }
  override adoptArena(arena: Arena, at: { params: number; state: number }): void {
    super.adoptArena(arena, at);
    this.batchStats = arena.stateView(at.state, this.batchStats.length);
    at.state += this.batchStats.length;
  }

  emit(b: TapeBuilder, input: number): Emitted {
    const shape = b.shape(input).slice(1);
    const c = this.channels([null, ...shape]);
    const name = this.name ?? this.namePrefix;
    const views = this.arenaViews();
    let k = 0;
    const G = this.scale ? b.param(`${name}/gamma`, views[k++], [c]) : -1;
    const B = this.center ? b.param(`${name}/beta`, views[k++], [c]) : -1;
    const mean = b.state(`${name}/moving_mean`, views[k++], [c]);
    const variance = b.state(`${name}/moving_variance`, views[k++], [c]);
    const batchMean = b.state(`${name}/batch_mean`, this.batchStats.subarray(0, c), [c]);
    const batchInvStd = b.state(`${name}/batch_inv_std`, this.batchStats.subarray(c), [c]);
    const out = b.batched(`${name}/out`, 'activation', shape);
    const rows = { rows: b.width(input) / c };
    const { epsilon, momentum } = this;
    b.fwd(
      'batchNormTrain',
      [out, input, G, B, mean, variance, batchMean, batchInvStd],
      { rows, channels: c, epsilon, momentum },
      ['train'],
    );
    b.fwd('batchNormInfer', [out, input, G, B, mean, variance], { rows, channels: c, epsilon }, ['eval', 'predict']);
    return {
      output: out,
      backward(b, grad, _fromLogits, needInput) {
        const dx = needInput ? b.gradOf(input) : -1;
        const accumulate = needInput && !b.firstWrite(dx);
        const dG = G >= 0 ? b.gradOf(G) : -1;
        const dB = B >= 0 ? b.gradOf(B) : -1;
        for (const g of [dG, dB]) if (g >= 0 && !b.firstWrite(g)) throw new Error('tape builder: gamma/beta shared');
        b.bwd('batchNormGrad', [dx, dG, dB, grad, input, G, batchMean, batchInvStd], { rows, channels: c, accumulate });
      },
    };
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: this.betaInitializer.getConfig(),
      gammaInitializer: this.gammaInitializer.getConfig(),
      movingMeanInitializer: this.movingMeanInitializer.getConfig(),
      movingVarianceInitializer: this.movingVarianceInitializer.getConfig(),
    };
  }

  static readonly kerasClassNames = ['BatchNormalization'];

  static fromFileConfig(_className: string, c: StrictObject, base: FromFileBase): BatchNormalization {
    const rawAxis = c.has('axis') ? c.raw('axis') : -1;
    const axis = Array.isArray(rawAxis) && rawAxis.length === 1 ? rawAxis[0] : rawAxis;
    if (typeof axis !== 'number' || !Number.isInteger(axis))
      throw new ModelFileError(`${c.at('axis')} must be an integer or a list of one, got ${JSON.stringify(rawAxis)}`);
    const init = (key: string, fallback: () => Initializer) =>
      c.has(key) ? initializerFromFile(c.raw(key), c.at(key), fallback) : fallback();
    for (const key of ['beta_regularizer', 'gamma_regularizer']) c.mustBeNull(key, 'a batch normalization regularizer');
    for (const key of ['beta_constraint', 'gamma_constraint']) c.mustBeNull(key, 'a batch normalization constraint');
    if (c.has('synchronized') && c.raw('synchronized') !== false)
      throw new ModelFileError(`${c.at('synchronized')}: synchronized batch normalization is not supported`);
    c.ignore('renorm_momentum', 'fused');
    for (const key of ['renorm', 'virtual_batch_size', 'adjustment', 'renorm_clipping']) {
      const v = c.raw(key);
      if (v !== undefined && v !== null && v !== false)
        throw new ModelFileError(`${c.at(key)}: ${key} is not supported by nativenn`);
    }
    return new BatchNormalization({
      ...base,
      axis,
      momentum: c.number('momentum', 0, 1, 0.99),
      epsilon: c.number('epsilon', 1e-12, 1, 1e-3),
      center: c.boolean('center', true),
      scale: c.boolean('scale', true),
      betaInitializer: init('beta_initializer', zeros),
      gammaInitializer: init('gamma_initializer', ones),
      movingMeanInitializer: init('moving_mean_initializer', zeros),
      movingVarianceInitializer: init('moving_variance_initializer', ones),
    });
  }

  override toFileConfigs(): KerasObject[] {
    return [
      {
        class_name: 'BatchNormalization',
        config: {
          axis: this.axis,
          momentum: this.momentum,
          epsilon: this.epsilon,
          center: this.center,
          scale: this.scale,
          beta_initializer: initializerToFile(this.betaInitializer),
          gamma_initializer: initializerToFile(this.gammaInitializer),
          moving_mean_initializer: initializerToFile(this.movingMeanInitializer),
          moving_variance_initializer: initializerToFile(this.movingVarianceInitializer),
          beta_regularizer: null,
          gamma_regularizer: null,
          beta_constraint: null,
          gamma_constraint: null,
          ...this.fileBase(),
        },
      },
    ];
  }
}

registerLayer(BatchNormalization);
