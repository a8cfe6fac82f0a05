/** Embedding: integer ids [batch, ...dims] → vectors [batch, ...dims, outputDim], a lookup in the
 *  table `embeddings` [inputDim, outputDim] (the TensorFlow.js layout). Ids arrive as the model's
 *  float inputs and are checked to be integers in [0, inputDim) before any step. */

import { checkSetting } from '../config/ranges';
import type { Emitted, TapeBuilder } from '../graph/builder';
import { getInitializer, type Initializer, randomUniform } from '../initializers';
import type { KerasObject } from '../io/format';
import { initializerFromFile, initializerToFile } from '../io/layer-parts';
import { ModelFileError, type StrictObject } from '../io/strict';
import { bool, checkOptions, deriveSeed, positiveInt } from '../model/options';
import { randomSeed } from '../util/random';
import { BASE_ARGS, initRandom, Layer, type LayerArgs } from './layer';
import { type FromFileBase, registerLayer } from './registry';
import { formatShape, type Shape, type WeightSpec } from './shape';

export interface EmbeddingArgs extends LayerArgs {
  /** Vocabulary size: ids are integers in [0, inputDim). */
  inputDim: number;
  outputDim: number;
  embeddingsInitializer?: string | Initializer;
  /** Masking is not supported: false only. */
  maskZero?: boolean;
  /** tfjs: the sequence length, same as inputShape [inputLength]. */
  inputLength?: number;
}

export class Embedding extends Layer {
  readonly className = 'Embedding';
  readonly namePrefix = 'embedding';
  readonly inputDim: number;
  readonly outputDim: number;
  readonly embeddingsInitializer: Initializer;
  private built = false;

  constructor(args: EmbeddingArgs) {
    const fn = 'embedding';
    const o = checkOptions(fn, args, [
      ...BASE_ARGS,
      'inputDim',
      'outputDim',
      'embeddingsInitializer',
      'maskZero',
      'inputLength',
    ]);
    // inputDim is the vocabulary here (tfjs), not the layers' input width.
    const { inputDim: _vocab, ...base } = o;
    if (o.inputLength !== undefined) {
      if (o.inputShape !== undefined || o.batchInputShape !== undefined)
        throw new TypeError(`${fn}: give inputLength or inputShape, not both`);
      base.inputShape = [positiveInt(fn, 'inputLength', o.inputLength)];
    }
    super(fn, base);
    if (o.inputDim === undefined) throw new TypeError(`${fn}: inputDim is required (the vocabulary size)`);
    if (o.outputDim === undefined) throw new TypeError(`${fn}: outputDim is required (the vector size)`);
    this.inputDim = checkSetting(fn, 'inputDim', positiveInt(fn, 'inputDim', o.inputDim), 'units');
    this.outputDim = checkSetting(fn, 'outputDim', positiveInt(fn, 'outputDim', o.outputDim), 'units');
    if (o.maskZero !== undefined && bool(fn, 'maskZero', o.maskZero))
      throw new RangeError(`${fn}: maskZero is not supported yet (masking needs the recurrent layers)`);
    this.embeddingsInitializer =
      o.embeddingsInitializer === undefined
        ? randomUniform({ minval: -0.05, maxval: 0.05 })
        : getInitializer(fn, 'embeddingsInitializer', o.embeddingsInitializer);
  }

  override computeOutputShape(inputShape: Shape): Shape {
    const shape = super.computeOutputShape(inputShape);
    if (shape.length < 2 || shape.slice(1).some((d) => d === null))
      throw new RangeError(`${this.label}: needs ids of a known shape [batch, ...], got ${formatShape(shape)}`);
    return [...shape, this.outputDim];
  }

  override weightSpecs(inputShape: Shape): WeightSpec[] {
    this.computeOutputShape(inputShape);
    return [{ name: 'embeddings', shape: [this.inputDim, this.outputDim], trainable: true }];
  }
  override weightNames(): string[] {
    return ['embeddings'];
  }

  override build(inputShape: Shape | number, seed: number = randomSeed()): void {
    if (typeof inputShape !== 'number') this.computeOutputShape(inputShape);
    if (this.built) return;
    const table = new Float32Array(this.inputDim * this.outputDim);
    const rng = initRandom(this.embeddingsInitializer.seed, deriveSeed(seed, 0));
    this.embeddingsInitializer.fill(table, this.inputDim, this.outputDim, rng);
    this.values = [table];
    this.built = true;
  }

  /** Ids must be integers in [0, inputDim): named by row and column, before any weight changes. */
  override checkModelInput(fn: string, name: string, data: Float32Array, width: number): void {
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (!(Number.isInteger(v) && v >= 0 && v < this.inputDim)) {
        throw new RangeError(
          `${fn}: ${name} row ${Math.floor(i / width)} (position ${i % width}) holds ${v}; ${this.label} takes integer ids from 0 to ${this.inputDim - 1} (inputDim ${this.inputDim})`,
        );
      }
    }
  }

  emit(b: TapeBuilder, input: number, seed: number): Emitted {
    const shape = b.shape(input).slice(1);
    this.build([null, ...shape], seed);
    const name = this.name ?? this.namePrefix;
    const [table] = this.arenaViews();
    const W = b.param(`${name}/embeddings`, table, [this.inputDim, this.outputDim]);
    const out = b.batched(`${name}/out`, 'activation', [...shape, this.outputDim]);
    const attrs = { rows: { rows: b.width(input) }, dim: this.outputDim, vocab: this.inputDim };
    b.fwd('embedding', [out, input, W], attrs);
    return {
      output: out,
      backward(b, grad) {
        // Ids are not differentiable: nothing flows into the input.
        const dW = b.gradOf(W);
        b.bwd('embeddingGrad', [dW, input, grad], { ...attrs, accumulate: !b.firstWrite(dW) });
      },
    };
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      embeddingsInitializer: this.embeddingsInitializer.getConfig(),
      maskZero: false,
    };
  }

  static readonly kerasClassNames = ['Embedding'];
  static fromFileConfig(_className: string, c: StrictObject, base: FromFileBase): Embedding {
    const inputDim = c.setting('input_dim', 'units');
    const outputDim = c.setting('output_dim', 'units');
    if (c.nullableBoolean('mask_zero', false, false))
      throw new ModelFileError(`${c.at('mask_zero')}: masking is not supported yet`);
    for (const key of ['embeddings_regularizer', 'activity_regularizer', 'embeddings_constraint'])
      c.mustBeNull(key, `Embedding ${key}`);
    c.ignore('input_length', 'sparse', 'lora_rank');
    const embeddingsInitializer = c.has('embeddings_initializer')
      ? initializerFromFile(c.raw('embeddings_initializer'), c.at('embeddings_initializer'), () =>
          randomUniform({ minval: -0.05, maxval: 0.05 }),
        )
      : randomUniform({ minval: -0.05, maxval: 0.05 });
    return new Embedding({ ...base, inputDim, outputDim, embeddingsInitializer });
  }

  override toFileConfigs(): KerasObject[] {
    return [
      {
        class_name: 'Embedding',
        config: {
          input_dim: this.inputDim,
          output_dim: this.outputDim,
          embeddings_initializer: initializerToFile(this.embeddingsInitializer),
          embeddings_regularizer: null,
          activity_regularizer: null,
          embeddings_constraint: null,
          mask_zero: false,
          ...this.fileBase(),
        },
      },
    ];
  }
}

registerLayer(Embedding);
