/** Dense (fully connected): y = activation(x·kernel + bias), kernel [inputs, units] row-major
 *  (the TensorFlow.js layout). */

import { checkSetting } from '../config/ranges';
import type { Emitted, LayerActivation as PlanActivation, TapeBuilder } from '../graph/builder';
import { getInitializer, glorotUniform, type Initializer, zeros } from '../initializers';
import type { KerasObject } from '../io/format';
import { kernelLayerFromFile, kernelLayerToFile } from '../io/layer-parts';
import type { StrictObject } from '../io/strict';
import { bool, checkOptions, deriveSeed, positiveInt } from '../model/options';
import { getRegularizer, type Regularizer } from '../regularizers';
import { randomSeed } from '../util/random';
import { checkActivation, defaultAlpha } from './activations';
import { emitLayerActivation } from './emit-activation';
import { BASE_ARGS, initRandom, Layer, type LayerArgs } from './layer';
import { type FromFileBase, registerLayer, type ToFileContext, uniqueFileName } from './registry';
import { lastAxis, type Shape, type WeightSpec } from './shape';

export interface DenseArgs extends LayerArgs {
  units: number;
  activation?: PlanActivation;
  useBias?: boolean;
  kernelInitializer?: string | Initializer;
  biasInitializer?: string | Initializer;
  kernelRegularizer?: string | Regularizer;
}

export class Dense extends Layer {
  readonly className = 'Dense';
  readonly namePrefix = 'dense';
  readonly units: number;
  readonly activation: PlanActivation;
  readonly alpha: number;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  private builtFor = -1;

  constructor(args: DenseArgs) {
    const o = checkOptions('dense', args, [
      ...BASE_ARGS,
      'units',
      'activation',
      'useBias',
      'kernelInitializer',
      'biasInitializer',
      'kernelRegularizer',
    ]);
    super('dense', o);
    if (o.units === undefined) throw new TypeError('dense: units is required (the number of outputs)');
    this.units = checkSetting('dense', 'units', positiveInt('dense', 'units', o.units), 'units');
    this.activation = checkActivation('dense', o.activation);
    this.alpha = defaultAlpha(this.activation);
    this.useBias = o.useBias === undefined ? true : bool('dense', 'useBias', o.useBias);
    this.kernelInitializer =
      o.kernelInitializer === undefined
        ? glorotUniform()
        : getInitializer('dense', 'kernelInitializer', o.kernelInitializer);
    this.biasInitializer =
      o.biasInitializer === undefined ? zeros() : getInitializer('dense', 'biasInitializer', o.biasInitializer);
    this.kernelRegularizer = getRegularizer('dense', 'kernelRegularizer', o.kernelRegularizer);
  }

  /** Keras semantics: dense acts on the last axis, [batch, …, features] → [batch, …, units]. */
  override computeOutputShape(inputShape: Shape): Shape {
    const shape = super.computeOutputShape(inputShape);
    lastAxis(this.label, shape);
    return [...shape.slice(0, -1), this.units];
  }
  override weightSpecs(inputShape: Shape): WeightSpec[] {
    const features = lastAxis(this.label, super.computeOutputShape(inputShape));
    const kernel = { name: 'kernel', shape: [features, this.units], trainable: true };
    return this.useBias ? [kernel, { name: 'bias', shape: [this.units], trainable: true }] : [kernel];
  }

  override build(inputShape: Shape | number, seed: number = randomSeed()): void {
    const inputSize =
      typeof inputShape === 'number' ? inputShape : lastAxis(this.label, super.computeOutputShape(inputShape));
    if (this.builtFor === inputSize) return;
    if (this.builtFor !== -1) {
      throw new RangeError(
        `dense: layer "${this.name}" was built for ${this.builtFor} inputs and cannot be reused with ${inputSize}`,
      );
    }
    const kernel = new Float32Array(inputSize * this.units);
    this.kernelInitializer.fill(
      kernel,
      inputSize,
      this.units,
      initRandom(this.kernelInitializer.seed, deriveSeed(seed, 0)),
    );
    let bias: Float32Array | null = null;
    if (this.useBias) {
      bias = new Float32Array(this.units);
      this.biasInitializer.fill(
        bias,
        inputSize,
        this.units,
        initRandom(this.biasInitializer.seed, deriveSeed(seed, 1)),
      );
    }
    this.values = bias ? [kernel, bias] : [kernel];
    this.builtFor = inputSize;
  }

  /** [inputs, units] row-major (the TensorFlow.js layout), or null before build. */
  get kernel(): Float32Array | null {
    return this.weights()[0] ?? null;
  }
  /** [units], or null without bias or before build. */
  get bias(): Float32Array | null {
    return this.useBias ? (this.weights()[1] ?? null) : null;
  }

  /** z = x·kernel + bias over the last axis; out = activation(z) (out is z when linear). */
  emit(b: TapeBuilder, input: number, seed: number): Emitted {
    const inShape = b.shape(input);
    const inputs = inShape[inShape.length - 1];
    this.build(inputs, seed);
    const name = this.name ?? 'dense';
    const [kernel, bias] = this.arenaViews();
    const units = this.units;
    const rows = { rows: b.width(input) / inputs };
    const outShape = [...inShape.slice(1, -1), units];
    const W = b.param(`${name}/kernel`, kernel, [inputs, units]);
    const B = this.useBias ? b.param(`${name}/bias`, bias, [units]) : -1;
    const l1 = this.kernelRegularizer?.l1 ?? 0;
    const l2 = this.kernelRegularizer?.l2 ?? 0;
    b.regularize(W, l1, l2);
    const z = b.batched(`${name}/z`, 'activation', outShape);
    b.fwd('gemm', [input, W, z], { transA: false, transB: false, m: rows, n: units, k: inputs, alpha: 1, beta: 0 });
    if (B >= 0) b.fwd('addBias', [z, B], { rows, cols: units });
    const act = emitLayerActivation(b, name, z, this.activation, this.alpha);
    return {
      output: act.out,
      activation: act.activation,
      backward(b, grad, fromLogits, needInput) {
        const dz = act.dz(b, grad, fromLogits);
        const dW = b.gradOf(W);
        const beta = b.firstWrite(dW) ? 0 : 1;
        b.bwd('gemm', [input, dz, dW], { transA: true, transB: false, m: inputs, n: units, k: rows, alpha: 1, beta });
        if (B >= 0) {
          const dB = b.gradOf(B);
          if (b.firstWrite(dB)) b.bwd('fill', [dB], { n: units, value: 0 });
          b.bwd('columnSums', [dB, dz], { rows, cols: units });
        }
        if (needInput) {
          const dx = b.gradOf(input);
          const betaX = b.firstWrite(dx) ? 0 : 1;
          b.bwd('gemm', [dz, W, dx], {
            transA: false,
            transB: true,
            m: rows,
            n: inputs,
            k: units,
            alpha: 1,
            beta: betaX,
          });
        }
        b.regularizeGrad(W, l1, l2);
      },
    };
  }

  override weightNames(): string[] {
    return this.useBias ? ['kernel', 'bias'] : ['kernel'];
  }

  static readonly kerasClassNames = ['Dense'];

  static fromFileConfig(_className: string, c: StrictObject, base: FromFileBase): Dense {
    const units = c.setting('units', 'units');
    return new Dense({ ...base, units, ...kernelLayerFromFile(c) });
  }

  /** Dense, plus a LeakyReLU / ELU layer when the activation has no tfjs string (as Keras does). */
  override toFileConfigs(ctx: ToFileContext): KerasObject[] {
    return kernelLayerToFile('Dense', { units: this.units }, this, this.fileBase(), ctx.taken, uniqueFileName);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer.getConfig(),
      biasInitializer: this.biasInitializer.getConfig(),
      kernelRegularizer: this.kernelRegularizer?.getConfig() ?? null,
    };
  }
}

registerLayer(Dense);
