/**
 * Recurrent layers: SimpleRNN, LSTM and GRU over [batch, time, features] (TensorFlow.js names,
 * semantics and weight layouts: kernel [features, gates·units], recurrent_kernel [units,
 * gates·units], bias [gates·units] or, for a GRU with resetAfter, [2, gates·units]; gate orders
 * LSTM i f c o, GRU z r h). The state starts at zero for every sequence.
 *
 * On the tape: the input projection of every step is one GEMM over rows·time (plus the bias), the
 * recurrence one `recurrent` call (src/backend/js/recurrent.ts); backward runs `recurrentGrad`
 * (backpropagation through time) and then the projection's GEMMs.
 */

import type { ActivationName } from '../backend';
import { cacheWidth, carryWidth, gateCount, type RecurrentCell } from '../backend/js/recurrent';
import { checkSetting } from '../config/ranges';
import type { Emitted, TapeBuilder } from '../graph/builder';
import { getInitializer, glorotUniform, type Initializer, orthogonal, zeros } from '../initializers';
import type { KerasObject } from '../io/format';
import {
  activationFromFile,
  activationToFile,
  initializerFromFile,
  initializerToFile,
  regularizerFromFile,
  regularizerToFile,
} from '../io/layer-parts';
import { ModelFileError, type StrictObject } from '../io/strict';
import { bool, checkOptions, deriveSeed, positiveInt, seedValue } from '../model/options';
import { getRegularizer, type Regularizer } from '../regularizers';
import { randomSeed } from '../util/random';
import { BASE_ARGS, initRandom, Layer, type LayerArgs } from './layer';
import { type FromFileBase, registerLayer, type ToFileContext } from './registry';
import { formatShape, type Shape, type WeightSpec } from './shape';

export type RecurrentKind = 'SimpleRNN' | 'LSTM' | 'GRU';

/** Activations a recurrent cell applies (elementwise ones; softmax is not one). */
export const RECURRENT_ACTIVATIONS: readonly ActivationName[] = [
  'linear',
  'sigmoid',
  'tanh',
  'relu',
  'gelu',
  'silu',
  'hardSigmoid',
];

export interface RecurrentArgs extends LayerArgs {
  units: number;
  /** The candidate / output activation (tanh). */
  activation?: ActivationName;
  /** The gates' activation (LSTM, GRU): sigmoid here, as Keras and PyTorch (tfjs defaults to hardSigmoid). */
  recurrentActivation?: ActivationName;
  useBias?: boolean;
  /** Output every step [batch, time, units] instead of the last [batch, units]. */
  returnSequences?: boolean;
  /** Multi-output models are not supported yet: false only. */
  returnState?: boolean;
  /** Read the sequence last step first (outputs in that order, as Keras). */
  goBackwards?: boolean;
  kernelInitializer?: string | Initializer;
  recurrentInitializer?: string | Initializer;
  biasInitializer?: string | Initializer;
  /** LSTM: the forget gate's bias starts at 1 (default true). */
  unitForgetBias?: boolean;
  /** GRU: apply the reset gate after the recurrent product (Keras' default and PyTorch's GRU) or
   *  before it (default false: tfjs 4.22 supports only that). */
  resetAfter?: boolean;
  kernelRegularizer?: string | Regularizer;
  recurrentRegularizer?: string | Regularizer;
  biasRegularizer?: string | Regularizer;
  /** Fraction of the inputs dropped while training (a fresh mask per step and time step). */
  dropout?: number;
  /** Dropout on the state between steps: not supported yet (0 only). */
  recurrentDropout?: number;
  /** Accepted for compatibility; the kernels always run the whole sequence. */
  unroll?: boolean;
  /** Not supported (false only). */
  stateful?: boolean;
  seed?: number;
}

const ARG_NAMES = [
  ...BASE_ARGS,
  'units',
  'activation',
  'recurrentActivation',
  'useBias',
  'returnSequences',
  'returnState',
  'goBackwards',
  'kernelInitializer',
  'recurrentInitializer',
  'biasInitializer',
  'kernelRegularizer',
  'recurrentRegularizer',
  'biasRegularizer',
  'dropout',
  'recurrentDropout',
  'unroll',
  'stateful',
  'seed',
];

function recurrentActivation(fn: string, name: string, v: unknown, fallback: ActivationName): ActivationName {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string') throw new TypeError(`${fn}: ${name} must be a string, got ${typeof v}`);
  if (!(RECURRENT_ACTIVATIONS as readonly string[]).includes(v))
    throw new RangeError(`${fn}: unknown ${name} "${v}"; valid: ${RECURRENT_ACTIVATIONS.join(', ')}`);
  return v as ActivationName;
}

export class Recurrent extends Layer {
  readonly className: RecurrentKind;
  readonly namePrefix: string;
  readonly units: number;
  readonly activation: ActivationName;
  readonly recurrentActivation: ActivationName;
  readonly useBias: boolean;
  readonly returnSequences: boolean;
  readonly goBackwards: boolean;
  readonly unitForgetBias: boolean;
  readonly resetAfter: boolean;
  readonly kernelInitializer: Initializer;
  readonly recurrentInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly recurrentRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  readonly dropout: number;
  readonly seed: number | null;
  private builtFor = -1;
  /** The options as given (for the reversed copy a Bidirectional makes). */
  private readonly options: Record<string, unknown>;

  constructor(args: RecurrentArgs, kind: RecurrentKind) {
    const fn = kind === 'SimpleRNN' ? 'simpleRNN' : kind.toLowerCase();
    const extra = kind === 'LSTM' ? ['unitForgetBias'] : kind === 'GRU' ? ['resetAfter'] : [];
    const o = checkOptions(fn, args, [...ARG_NAMES, ...extra]);
    super(fn, o);
    this.options = o;
    this.className = kind;
    this.namePrefix = kind === 'SimpleRNN' ? 'simple_rnn' : kind.toLowerCase();
    if (o.units === undefined) throw new TypeError(`${fn}: units is required (the size of the state)`);
    this.units = checkSetting(fn, 'units', positiveInt(fn, 'units', o.units), 'units');
    this.activation = recurrentActivation(fn, 'activation', o.activation, 'tanh');
    this.recurrentActivation = recurrentActivation(fn, 'recurrentActivation', o.recurrentActivation, 'sigmoid');
    const flag = (k: string, d: boolean) => (o[k] === undefined ? d : bool(fn, k, o[k]));
    this.useBias = flag('useBias', true);
    this.returnSequences = flag('returnSequences', false);
    this.goBackwards = flag('goBackwards', false);
    this.unitForgetBias = kind === 'LSTM' && flag('unitForgetBias', true);
    this.resetAfter = kind === 'GRU' && flag('resetAfter', false);
    flag('unroll', false);
    if (flag('returnState', false))
      throw new RangeError(`${fn}: returnState needs multi-output models, which nativenn does not have yet`);
    if (flag('stateful', false)) throw new RangeError(`${fn}: stateful is not supported`);
    this.dropout = o.dropout === undefined ? 0 : checkSetting(fn, 'dropout', o.dropout, 'dropoutRate');
    if (o.recurrentDropout !== undefined && checkSetting(fn, 'recurrentDropout', o.recurrentDropout, 'dropoutRate') > 0)
      throw new RangeError(`${fn}: recurrentDropout is not supported yet (0 only)`);
    this.seed = o.seed === undefined ? null : seedValue(fn, 'seed', o.seed);
    const init = (k: string, d: () => Initializer) => (o[k] === undefined ? d() : getInitializer(fn, k, o[k]));
    this.kernelInitializer = init('kernelInitializer', glorotUniform);
    this.recurrentInitializer = init('recurrentInitializer', orthogonal);
    this.biasInitializer = init('biasInitializer', zeros);
    this.kernelRegularizer = getRegularizer(fn, 'kernelRegularizer', o.kernelRegularizer);
    this.recurrentRegularizer = getRegularizer(fn, 'recurrentRegularizer', o.recurrentRegularizer);
    this.biasRegularizer = getRegularizer(fn, 'biasRegularizer', o.biasRegularizer);
  }

  /** The same layer reading the other way, named `name`, without an input shape (Bidirectional's
   *  backward layer; tfjs and Keras make it from the config the same way). */
  reversedCopy(name: string): Recurrent {
    const { inputShape: _s, inputDim: _d, batchInputShape: _b, name: _n, ...rest } = this.options;
    return new Recurrent(
      { ...(rest as unknown as RecurrentArgs), name, goBackwards: !this.goBackwards },
      this.className,
    );
  }

  /** The kernel tape's cell. */
  get cell(): RecurrentCell {
    if (this.className === 'SimpleRNN') return 'simple';
    if (this.className === 'LSTM') return 'lstm';
    return this.resetAfter ? 'gruResetAfter' : 'gru';
  }
  private get gates(): number {
    return gateCount(this.cell) * this.units;
  }

  /** [batch, time, features] → [batch, time, units] (returnSequences) or [batch, units]. */
  override computeOutputShape(inputShape: Shape): Shape {
    const shape = super.computeOutputShape(inputShape);
    if (shape.length !== 3 || shape[1] === null || shape[2] === null)
      throw new RangeError(
        `${this.label}: needs sequences [batch, time, features] of a known length, got ${formatShape(shape)}`,
      );
    return this.returnSequences ? [shape[0], shape[1], this.units] : [shape[0], this.units];
  }

  override weightSpecs(inputShape: Shape): WeightSpec[] {
    this.computeOutputShape(inputShape);
    const features = inputShape[2] as number;
    const specs: WeightSpec[] = [
      { name: 'kernel', shape: [features, this.gates], trainable: true },
      { name: 'recurrent_kernel', shape: [this.units, this.gates], trainable: true },
    ];
    if (this.useBias)
      specs.push({ name: 'bias', shape: this.resetAfter ? [2, this.gates] : [this.gates], trainable: true });
    return specs;
  }
  override weightNames(): string[] {
    return this.useBias ? ['kernel', 'recurrent_kernel', 'bias'] : ['kernel', 'recurrent_kernel'];
  }

  override build(inputShape: Shape | number, seed: number = randomSeed()): void {
    if (typeof inputShape !== 'number') this.computeOutputShape(inputShape);
    const features = typeof inputShape === 'number' ? inputShape : (inputShape[2] as number);
    if (this.builtFor === features) return;
    if (this.builtFor !== -1)
      throw new RangeError(`${this.label}: built for ${this.builtFor} features and cannot be reused with ${features}`);
    const U = this.units;
    const G = this.gates;
    const kernel = new Float32Array(features * G);
    this.kernelInitializer.fill(kernel, features, G, initRandom(this.kernelInitializer.seed, deriveSeed(seed, 0)));
    const recurrent = new Float32Array(U * G);
    // Keras initializes the recurrent kernel as one [units, gates·units] matrix.
    this.recurrentInitializer.fill(recurrent, U, G, initRandom(this.recurrentInitializer.seed, deriveSeed(seed, 1)));
    this.values = [kernel, recurrent];
    if (this.useBias) {
      const bias = new Float32Array(this.resetAfter ? 2 * G : G);
      this.biasInitializer.fill(
        bias,
        features,
        bias.length,
        initRandom(this.biasInitializer.seed, deriveSeed(seed, 2)),
      );
      if (this.unitForgetBias) bias.fill(1, U, 2 * U);
      this.values.push(bias);
    }
    this.builtFor = features;
  }

  emit(b: TapeBuilder, input: number, seed: number): Emitted {
    const inShape = b.shape(input);
    this.computeOutputShape([null, ...inShape.slice(1)]);
    const [T, F] = [inShape[1], inShape[2]];
    this.build(F, seed);
    const name = this.name ?? this.namePrefix;
    const U = this.units;
    const G = this.gates;
    const cell = this.cell;
    const [kernel, recurrent, bias] = this.arenaViews();
    const W = b.param(`${name}/kernel`, kernel, [F, G]);
    const R = b.param(`${name}/recurrent_kernel`, recurrent, [U, G]);
    // A GRU with resetAfter keeps two biases in one weight: the input one and the recurrent one.
    const B = bias ? b.param(`${name}/bias`, bias.subarray(0, G), [G]) : -1;
    const RB = bias && this.resetAfter ? b.param(`${name}/recurrent_bias`, bias.subarray(G), [G]) : -1;
    const reg = (p: number, r: Regularizer | null) => b.regularize(p, r?.l1 ?? 0, r?.l2 ?? 0);
    reg(W, this.kernelRegularizer);
    reg(R, this.recurrentRegularizer);
    if (B >= 0) reg(B, this.biasRegularizer);
    if (RB >= 0) reg(RB, this.biasRegularizer);

    let x = input;
    let mask = -1;
    if (this.dropout > 0) {
      x = b.batched(`${name}/dropped`, 'activation', [T, F]);
      mask = b.batched(`${name}/mask`, 'scratch', [T, F]);
      const maskSeed = this.seed === null ? deriveSeed(seed, 3) : this.seed & 0x7fffffff;
      const n = { rows: T * F };
      b.fwd('dropout', [x, mask, input], { n, rate: this.dropout, seed: maskSeed }, ['train']);
      b.fwd('copy', [x, input], { n }, ['eval', 'predict']);
    }
    const steps = { rows: T };
    const xProj = b.batched(`${name}/xProj`, 'activation', [T, G]);
    b.fwd('gemm', [x, W, xProj], { transA: false, transB: false, m: steps, n: G, k: F, alpha: 1, beta: 0 });
    if (B >= 0) b.fwd('addBias', [xProj, B], { rows: steps, cols: G });
    const out = b.batched(`${name}/out`, 'activation', this.returnSequences ? [T, U] : [U]);
    const cache = b.batched(`${name}/cache`, 'scratch', [T, cacheWidth(cell, U) / U, U]);
    const attrs = {
      rows: { rows: 1 },
      time: T,
      units: U,
      cell,
      activation: this.activation,
      recurrentActivation: this.recurrentActivation,
      goBackwards: this.goBackwards,
      sequences: this.returnSequences,
    };
    b.fwd('recurrent', [out, cache, xProj, R, RB], attrs);
    const regs = [
      [W, this.kernelRegularizer],
      [R, this.recurrentRegularizer],
      [B, this.biasRegularizer],
      [RB, this.biasRegularizer],
    ] as const;
    return {
      output: out,
      backward(b, grad, _fromLogits, needInput) {
        const dxProj = b.gradOf(xProj);
        const dR = b.gradOf(R);
        const dRB = RB >= 0 ? b.gradOf(RB) : -1;
        const carry = b.batched(`${name}/carry`, 'scratch', [carryWidth(U)]);
        const accumulate = !b.firstWrite(dR);
        if (dRB >= 0) b.firstWrite(dRB);
        b.bwd('recurrentGrad', [dxProj, dR, dRB, grad, cache, R, carry], { ...attrs, accumulate });
        if (B >= 0) {
          const dB = b.gradOf(B);
          if (b.firstWrite(dB)) b.bwd('fill', [dB], { n: G, value: 0 });
          b.bwd('columnSums', [dB, dxProj], { rows: steps, cols: G });
        }
        const dW = b.gradOf(W);
        const beta = b.firstWrite(dW) ? 0 : 1;
        b.bwd('gemm', [x, dxProj, dW], { transA: true, transB: false, m: F, n: G, k: steps, alpha: 1, beta });
        if (needInput) {
          const dx = mask >= 0 ? b.gradOf(x) : b.gradOf(input);
          const betaX = b.firstWrite(dx) ? 0 : 1;
          b.bwd('gemm', [dxProj, W, dx], { transA: false, transB: true, m: steps, n: F, k: G, alpha: 1, beta: betaX });
          if (mask >= 0) {
            const dInput = b.gradOf(input);
            const n = { rows: T * F };
            if (b.firstWrite(dInput)) b.bwd('mul', [dInput, dx, mask], { n });
            else {
              // another reader of the input (a Bidirectional's other direction) wrote first: add
              b.bwd('mul', [dx, dx, mask], { n });
              b.bwd('axpy', [dInput, dx], { n, alpha: 1 });
            }
          }
        }
        for (const [p, r] of regs) if (p >= 0) b.regularizeGrad(p, r?.l1 ?? 0, r?.l2 ?? 0);
      },
    };
  }

  override getConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation,
      useBias: this.useBias,
      returnSequences: this.returnSequences,
      returnState: false,
      goBackwards: this.goBackwards,
      kernelInitializer: this.kernelInitializer.getConfig(),
      recurrentInitializer: this.recurrentInitializer.getConfig(),
      biasInitializer: this.biasInitializer.getConfig(),
      kernelRegularizer: this.kernelRegularizer?.getConfig() ?? null,
      recurrentRegularizer: this.recurrentRegularizer?.getConfig() ?? null,
      biasRegularizer: this.biasRegularizer?.getConfig() ?? null,
      dropout: this.dropout,
      recurrentDropout: 0,
    };
    if (this.className !== 'SimpleRNN') config.recurrentActivation = this.recurrentActivation;
    if (this.className === 'LSTM') config.unitForgetBias = this.unitForgetBias;
    if (this.className === 'GRU') config.resetAfter = this.resetAfter;
    return config;
  }

  static readonly kerasClassNames = ['SimpleRNN', 'LSTM', 'GRU'];

  static fromFileConfig(className: string, c: StrictObject, base: FromFileBase): Recurrent {
    const kind = className as RecurrentKind;
    const act = (key: string, fallback: string) => activationOfFile(c.optionalString(key, fallback), c.at(key));
    const init = (key: string, fallback: () => Initializer) =>
      c.has(key) ? initializerFromFile(c.raw(key), c.at(key), fallback) : fallback();
    const reg = (key: string) => regularizerFromFile(c.raw(key), c.at(key));
    const flagTrue = (key: string, feature: string) => {
      if (c.has(key) && c.boolean(key)) throw new ModelFileError(`${c.at(key)}: ${feature} is not supported`);
    };
    flagTrue('return_state', 'return_state (multi-output models)');
    flagTrue('stateful', 'a stateful layer');
    if (c.has('recurrent_dropout') && c.setting('recurrent_dropout', 'dropoutRate', 0) > 0)
      throw new ModelFileError(`${c.at('recurrent_dropout')}: recurrent dropout is not supported yet`);
    for (const key of ['activity_regularizer', 'kernel_constraint', 'recurrent_constraint', 'bias_constraint'])
      c.mustBeNull(key, key.replace('_', ' '));
    c.ignore('implementation', 'unroll', 'time_major', 'use_cudnn', 'zero_output_for_mask', 'cell');
    // the input dropout's seed (nativenn and Keras 3 write it), any integer as the builders take
    const seed = c.raw('seed');
    if (seed !== undefined && seed !== null && !Number.isSafeInteger(seed))
      throw new ModelFileError(`${c.at('seed')} must be null or an integer, got ${JSON.stringify(seed).slice(0, 80)}`);
    const args: RecurrentArgs = {
      ...base,
      units: c.setting('units', 'units'),
      activation: act('activation', 'tanh'),
      useBias: c.boolean('use_bias', true),
      returnSequences: c.boolean('return_sequences', false),
      goBackwards: c.boolean('go_backwards', false),
      kernelInitializer: init('kernel_initializer', glorotUniform),
      recurrentInitializer: init('recurrent_initializer', orthogonal),
      biasInitializer: init('bias_initializer', zeros),
      dropout: c.has('dropout') ? c.setting('dropout', 'dropoutRate', 0) : 0,
      ...(typeof seed === 'number' ? { seed } : {}),
    };
    const kernelRegularizer = reg('kernel_regularizer');
    const recurrentRegularizer = reg('recurrent_regularizer');
    const biasRegularizer = reg('bias_regularizer');
    if (kernelRegularizer) args.kernelRegularizer = kernelRegularizer;
    if (recurrentRegularizer) args.recurrentRegularizer = recurrentRegularizer;
    if (biasRegularizer) args.biasRegularizer = biasRegularizer;
    // Files name the gates' activation; a missing one is the file format's default (hard sigmoid in tfjs).
    if (kind !== 'SimpleRNN') args.recurrentActivation = act('recurrent_activation', 'hard_sigmoid');
    // tfjs writes null for an unset unit_forget_bias and then starts the forget bias at 0.
    if (kind === 'LSTM') args.unitForgetBias = c.nullableBoolean('unit_forget_bias', true, false);
    if (kind === 'GRU') args.resetAfter = c.boolean('reset_after', false);
    return new Recurrent(args, kind);
  }

  /** The seed of the input dropout's masks: the one given, else the one the model derives for the
   *  layer at `index` (written to files, so that a loaded model drops the same inputs; Keras 3 has
   *  the same key, tfjs ignores it). */
  maskSeed(modelSeed: number, index: number): number | null {
    if (this.seed !== null) return this.seed & 0x7fffffff;
    return this.dropout > 0 ? deriveSeed(deriveSeed(modelSeed, index), 3) : null;
  }

  override toFileConfigs(ctx: ToFileContext): KerasObject[] {
    const config: Record<string, unknown> = {
      units: this.units,
      activation: activationOfLayer(this.activation),
      use_bias: this.useBias,
      kernel_initializer: initializerToFile(this.kernelInitializer),
      recurrent_initializer: initializerToFile(this.recurrentInitializer),
      bias_initializer: initializerToFile(this.biasInitializer),
      kernel_regularizer: regularizerToFile(this.kernelRegularizer),
      recurrent_regularizer: regularizerToFile(this.recurrentRegularizer),
      bias_regularizer: regularizerToFile(this.biasRegularizer),
      activity_regularizer: null,
      kernel_constraint: null,
      recurrent_constraint: null,
      bias_constraint: null,
      dropout: this.dropout,
      recurrent_dropout: 0,
      return_sequences: this.returnSequences,
      return_state: false,
      go_backwards: this.goBackwards,
      stateful: false,
      unroll: false,
      ...this.fileBase(),
    };
    // only when there is one: Keras 2 refuses the key (Keras 3 has it, tfjs ignores it)
    const seed = this.maskSeed(ctx.modelSeed, ctx.index);
    if (seed !== null) config.seed = seed;
    // no `implementation`: Keras 3's LSTM and GRU refuse it, tfjs and Keras 2 have a default
    if (this.className !== 'SimpleRNN') config.recurrent_activation = activationOfLayer(this.recurrentActivation);
    if (this.className === 'LSTM') config.unit_forget_bias = this.unitForgetBias;
    if (this.className === 'GRU') config.reset_after = this.resetAfter;
    return [{ class_name: this.className, config }];
  }
}

/** A recurrent activation from a file: the layer activations plus the hard sigmoid (Keras
 *  'hard_sigmoid', tfjs 'hardSigmoid': max(0, min(1, 0.2·x + 0.5))). */
function activationOfFile(name: string, where: string): ActivationName {
  if (name === 'hard_sigmoid' || name === 'hardSigmoid') return 'hardSigmoid';
  const a = activationFromFile(name, where);
  if (a === 'softmax') throw new ModelFileError(`${where}: softmax cannot be a recurrent activation`);
  return a;
}
function activationOfLayer(a: ActivationName): string {
  if (a === 'hardSigmoid') return 'hard_sigmoid';
  const s = activationToFile(a, 0);
  if (s === null) throw new TypeError(`save: a recurrent layer's ${a} activation has no TensorFlow.js name`);
  return s;
}

registerLayer(Recurrent);
