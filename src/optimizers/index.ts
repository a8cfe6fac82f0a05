/**
 * Optimizers (TensorFlow.js names, Keras defaults). An optimizer owns its OptimizerPlan (the
 * numbers the executors read at every trainBatches call, so learningRate may change between
 * calls), its state slots (allocated once, on the first fit) and its update count `iterations`.
 * Defaults: sgd lr 0.01; momentum lr 0.01, momentum 0.9; adam/adamw lr 0.001, β1 0.9, β2 0.999,
 * ε 1e-7 (adamw weightDecay 0.004, Keras AdamW); rmsprop lr 0.001, ρ 0.9, ε 1e-7; adagrad lr 0.01
 * (tfjs-layers' 'adagrad' is train.adagrad(0.01); Keras uses 0.001), initialAccumulatorValue 0.1,
 * ε 1e-7.
 */

import { describe } from '../backend/check';
import { checkSetting, type Setting } from '../config/ranges';
import { Arena } from '../graph/arena';
import { bool, checkOptions, resolveName } from '../model/options';
import type { OptimizerKind, OptimizerPlan } from '../train/plan';

const CLASS_NAMES: Record<OptimizerKind, string> = {
  sgd: 'SGD',
  momentum: 'Momentum',
  adam: 'Adam',
  adamw: 'AdamW',
  rmsprop: 'RMSProp',
  adagrad: 'Adagrad',
};

/** Slots per parameter for each kind (see OptimizerPlan.slots). */
const SLOT_COUNT: Record<OptimizerKind, number> = { sgd: 0, momentum: 1, adam: 2, adamw: 2, rmsprop: 2, adagrad: 1 };

/** The settings every OptimizerPlan starts from; each optimizer overrides what it uses. */
export const OPTIMIZER_DEFAULTS: Readonly<Omit<OptimizerPlan, 'kind' | 'slots'>> = Object.freeze({
  learningRate: 0.001,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-7,
  momentum: 0,
  nesterov: false,
  rho: 0.9,
  weightDecay: 0,
  clipnorm: 0,
  clipvalue: 0,
});

export class Optimizer {
  readonly kind: OptimizerKind;
  readonly plan: OptimizerPlan;
  /** Updates made so far (Keras optimizer.iterations); the Trainer passes it as `step`. */
  iterations = 0;
  readonly initialAccumulatorValue: number;
  private slotLengths: number[] | null = null;
  /** The state of every slot of every parameter, one arena (slot k of the param at offset o is at
   *  k·total + o); plan.slots holds views of it per parameter. */
  private slotArena = new Arena(0);
  private slotViews: Float32Array[][] = [];
  private slotTotal = 0;
  private slotOffsets: number[] = [];
  /** The layers whose weights the slots belong to (one model's), in order. */
  private slotKeys: object[] | null = null;

  constructor(
    kind: OptimizerKind,
    settings: Partial<Omit<OptimizerPlan, 'kind' | 'slots'>>,
    initialAccumulatorValue = 0,
  ) {
    this.kind = kind;
    this.plan = { kind, ...OPTIMIZER_DEFAULTS, ...settings } as OptimizerPlan;
    // Reading plan.slots gets the newest values (an executor may hold newer ones) and marks them
    // written (callers such as loadModel write into them).
    Object.defineProperty(this.plan, 'slots', {
      enumerable: true,
      get: () => {
        this.slotArena.read();
        return this.slotViews;
      },
    });
    this.initialAccumulatorValue = initialAccumulatorValue;
  }

  get learningRate(): number {
    return this.plan.learningRate;
  }
  set learningRate(v: number) {
    this.plan.learningRate = checkSetting(`${this.kind}`, 'learningRate', v, 'learningRate');
  }

  /** Allocates the state slots for parameters of these lengths, laid out as the model's arena
   *  (`arenaLength` values; param i at `layout[i].offset`, by default one after another), the
   *  first time (zeros; adagrad's accumulator starts at initialAccumulatorValue). Later calls with
   *  the same layout return the same slots; when the model's weights moved into another arena (a
   *  model sharing its layers), the state moves with them. Returns the slot arena the executors
   *  run on: slot k of the param at offset o is at k·arenaLength + o. */
  allocateSlots(
    lengths: number[],
    arenaLength = lengths.reduce((a, b) => a + b, 0),
    layout?: { key: object; index: number; offset: number }[],
  ): Arena {
    const offsets =
      layout?.map((p) => p.offset) ?? lengths.map((_, i) => lengths.slice(0, i).reduce((a, b) => a + b, 0));
    const keys = layout?.map((p) => p.key) ?? null;
    let previous: Float32Array[][] | null = null;
    if (this.slotLengths) {
      const sameParams =
        lengths.length === this.slotLengths.length &&
        lengths.every((n, i) => n === this.slotLengths?.[i]) &&
        (keys === null || this.slotKeys === null || keys.every((k, i) => k === this.slotKeys?.[i]));
      if (!sameParams)
        throw new RangeError(
          `${this.kind}: this optimizer already holds state for other parameters; give each model its own optimizer`,
        );
      if (arenaLength === this.slotTotal && offsets.every((o, i) => o === this.slotOffsets[i])) return this.slotArena;
      previous = this.plan.slots; // the newest values, pulled from an executor
    }
    const count = SLOT_COUNT[this.kind];
    const arena = new Arena(count * arenaLength);
    if (this.kind === 'adagrad') arena.data.fill(this.initialAccumulatorValue);
    this.slotViews = lengths.map((n, i) =>
      Array.from({ length: count }, (_, k) => {
        const view = arena.view(k * arenaLength + offsets[i], n);
        if (previous) view.set(previous[i][k]);
        return view;
      }),
    );
    this.slotArena = arena;
    this.slotLengths = lengths;
    this.slotTotal = arenaLength;
    this.slotOffsets = offsets;
    this.slotKeys = keys;
    return arena;
  }

  /** TensorFlow.js-style serialization: { className, config }. */
  getConfig(): { className: string; config: Record<string, number | boolean> } {
    const p = this.plan;
    const config: Record<string, number | boolean> = { learningRate: p.learningRate };
    switch (this.kind) {
      case 'momentum':
        Object.assign(config, { momentum: p.momentum, useNesterov: p.nesterov });
        break;
      case 'adam':
        Object.assign(config, { beta1: p.beta1, beta2: p.beta2, epsilon: p.epsilon });
        break;
      case 'adamw':
        Object.assign(config, { beta1: p.beta1, beta2: p.beta2, epsilon: p.epsilon, weightDecay: p.weightDecay });
        break;
      case 'rmsprop':
        Object.assign(config, { rho: p.rho, momentum: p.momentum, epsilon: p.epsilon });
        break;
      case 'adagrad':
        Object.assign(config, { initialAccumulatorValue: this.initialAccumulatorValue, epsilon: p.epsilon });
        break;
    }
    if (p.clipnorm > 0) config.clipnorm = p.clipnorm;
    if (p.clipvalue > 0) config.clipvalue = p.clipvalue;
    return { className: CLASS_NAMES[this.kind], config };
  }
}

type Args = Record<string, number | boolean | undefined>;
const lr = (fn: string, o: Args, dflt: number) =>
  o.learningRate === undefined ? dflt : checkSetting(fn, 'learningRate', o.learningRate, 'learningRate');
/** Option `k` (checked against the range of `setting`, by default the one of the same name). */
const num = (fn: string, o: Args, k: string, dflt: number, setting = k as Setting) =>
  o[k] === undefined ? dflt : checkSetting(fn, k, o[k], setting);

/** Keras gradient clipping, accepted by every optimizer: clipnorm (each parameter's gradient
 *  rescaled to at most this L2 norm) and clipvalue (each value clamped to ±clipvalue). */
export interface Clipping {
  clipnorm?: number;
  clipvalue?: number;
}
const CLIP_KEYS = ['clipnorm', 'clipvalue'];
function clipping(fn: string, o: Args): { clipnorm: number; clipvalue: number } {
  return { clipnorm: num(fn, o, 'clipnorm', 0, 'clip'), clipvalue: num(fn, o, 'clipvalue', 0, 'clip') };
}

/** Plain gradient descent; with momentum > 0 it is the momentum optimizer (Keras SGD). */
export function sgd(args?: { learningRate?: number; momentum?: number; nesterov?: boolean } & Clipping): Optimizer {
  const o = checkOptions('sgd', args, ['learningRate', 'momentum', 'nesterov', ...CLIP_KEYS]) as Args;
  const momentumValue = num('sgd', o, 'momentum', 0);
  const nesterov = o.nesterov === undefined ? false : bool('sgd', 'nesterov', o.nesterov);
  if (momentumValue > 0 || nesterov) {
    return new Optimizer('momentum', {
      learningRate: lr('sgd', o, 0.01),
      momentum: momentumValue,
      nesterov,
      ...clipping('sgd', o),
    });
  }
  return new Optimizer('sgd', { learningRate: lr('sgd', o, 0.01), ...clipping('sgd', o) });
}

export function momentum(
  args?: { learningRate?: number; momentum?: number; useNesterov?: boolean } & Clipping,
): Optimizer {
  const o = checkOptions('momentum', args, ['learningRate', 'momentum', 'useNesterov', ...CLIP_KEYS]) as Args;
  return new Optimizer('momentum', {
    learningRate: lr('momentum', o, 0.01),
    momentum: num('momentum', o, 'momentum', 0.9),
    nesterov: o.useNesterov === undefined ? false : bool('momentum', 'useNesterov', o.useNesterov),
    ...clipping('momentum', o),
  });
}

function adamSettings(fn: string, o: Args) {
  return {
    learningRate: lr(fn, o, 0.001),
    beta1: num(fn, o, 'beta1', 0.9),
    beta2: num(fn, o, 'beta2', 0.999),
    epsilon: num(fn, o, 'epsilon', 1e-7),
    ...clipping(fn, o),
  };
}

export function adam(
  args?: { learningRate?: number; beta1?: number; beta2?: number; epsilon?: number } & Clipping,
): Optimizer {
  const o = checkOptions('adam', args, ['learningRate', 'beta1', 'beta2', 'epsilon', ...CLIP_KEYS]) as Args;
  return new Optimizer('adam', adamSettings('adam', o));
}

export function adamw(
  args?: {
    learningRate?: number;
    beta1?: number;
    beta2?: number;
    epsilon?: number;
    weightDecay?: number;
  } & Clipping,
): Optimizer {
  const o = checkOptions('adamw', args, [
    'learningRate',
    'beta1',
    'beta2',
    'epsilon',
    'weightDecay',
    ...CLIP_KEYS,
  ]) as Args;
  return new Optimizer('adamw', { ...adamSettings('adamw', o), weightDecay: num('adamw', o, 'weightDecay', 0.004) });
}

/** rho is Keras' name; decay is TensorFlow.js' name for the same thing. */
export function rmsprop(
  args?: {
    learningRate?: number;
    rho?: number;
    decay?: number;
    momentum?: number;
    epsilon?: number;
  } & Clipping,
): Optimizer {
  const o = checkOptions('rmsprop', args, [
    'learningRate',
    'rho',
    'decay',
    'momentum',
    'epsilon',
    ...CLIP_KEYS,
  ]) as Args;
  if (o.rho !== undefined && o.decay !== undefined)
    throw new TypeError('rmsprop: give rho or decay, not both (they are the same)');
  const rho = num('rmsprop', o, o.decay !== undefined ? 'decay' : 'rho', 0.9, 'rho');
  return new Optimizer('rmsprop', {
    learningRate: lr('rmsprop', o, 0.001),
    rho,
    momentum: num('rmsprop', o, 'momentum', 0),
    epsilon: num('rmsprop', o, 'epsilon', 1e-7),
    ...clipping('rmsprop', o),
  });
}

export function adagrad(
  args?: {
    learningRate?: number;
    initialAccumulatorValue?: number;
    epsilon?: number;
  } & Clipping,
): Optimizer {
  const o = checkOptions('adagrad', args, ['learningRate', 'initialAccumulatorValue', 'epsilon', ...CLIP_KEYS]) as Args;
  return new Optimizer(
    'adagrad',
    { learningRate: lr('adagrad', o, 0.01), epsilon: num('adagrad', o, 'epsilon', 1e-7), ...clipping('adagrad', o) },
    num('adagrad', o, 'initialAccumulatorValue', 0.1),
  );
}

const BY_NAME: Record<string, () => Optimizer> = { sgd, momentum, adam, adamw, rmsprop, adagrad };
export const OPTIMIZER_NAMES = Object.keys(BY_NAME);

/** An optimizer from its name (fresh, with defaults) or itself. */
export function getOptimizer(fn: string, v: unknown): Optimizer {
  if (v instanceof Optimizer) return v;
  if (typeof v !== 'string')
    throw new TypeError(`${fn}: optimizer must be a name or an nn.optimizers object, got ${describe(v)}`);
  return resolveName(fn, 'optimizer', v, BY_NAME)();
}
