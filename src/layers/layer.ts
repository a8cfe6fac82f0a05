/**
 * Layers: configuration, validation and (for dense) the weights. A layer knows its output width
 * from its input width; the Sequential model chains them and turns them into a NetworkPlan.
 * getConfig() is the TensorFlow.js Layers form (camelCase here; the save helper maps it to
 * model.json's snake_case), className as in tfjs ('Dense', 'Dropout', 'Activation', …).
 */

import { inRange, RANGES, rangeText } from '../config/ranges';
import type { KerasObject } from '../io/format';
import { bool, str } from '../model/options';
import type { LayerPlan } from '../train/plan';
import { Random } from '../util/random';
import type { ToFileContext } from './registry';

export interface LayerArgs {
  name?: string;
  trainable?: boolean;
  /** Input width of the first layer: [features] (Keras inputShape without the batch dimension). */
  inputShape?: number[];
  /** Same as inputShape: [features] (tfjs inputDim). */
  inputDim?: number;
  /** [null, features] (tfjs batchInputShape). */
  batchInputShape?: (number | null)[];
}

export const BASE_ARGS = ['name', 'trainable', 'inputShape', 'inputDim', 'batchInputShape'];

export abstract class Layer {
  abstract readonly className: string;
  /** Name prefix for automatic names: dense → dense_1, dense_2 … */
  abstract readonly namePrefix: string;
  /** Set by the user or, when added to a model, to a unique `<prefix>_<k>`. */
  name: string | null;
  readonly trainable = true;
  /** Input features when this layer was given an input shape. */
  readonly inputSize: number | null;

  constructor(fn: string, args: Record<string, unknown>) {
    this.name = args.name === undefined ? null : str(fn, 'name', args.name);
    if (this.name !== null && !inRange(this.name.length, RANGES.nameLength)) {
      const { min, max } = RANGES.nameLength;
      throw new RangeError(`${fn}: name must have ${min} to ${max} characters, got ${this.name.length}`);
    }
    if (args.trainable !== undefined && !bool(fn, 'trainable', args.trainable)) {
      throw new RangeError(`${fn}: trainable: false is not supported yet (every layer trains)`);
    }
    this.inputSize = inputSizeOf(fn, args);
  }

  /** The output width for an input width (throws when the input does not fit this layer). */
  abstract outputSize(inputSize: number): number;
  /** Number of trainable values for an input width. */
  paramCount(_inputSize: number): number {
    return 0;
  }
  /** Creates the weights for this input width (no-op for layers without weights). The seed is the
   *  one the model derives for this layer; the layer's own initializer seeds win over it. */
  build(_inputSize: number, _seed: number): void {}
  /** The weights, in the TensorFlow.js order (kernel then bias); empty when none. */
  weights(): Float32Array[] {
    return [];
  }
  /** Weight shapes in the same order as weights(). */
  weightShapes(_inputSize: number): number[][] {
    return [];
  }
  abstract toPlan(inputSize: number, seed: number): LayerPlan;
  /** Names of the weights in weights() order, as tfjs names them after the layer (`kernel`, `bias`). */
  weightNames(): string[] {
    return [];
  }
  /** This layer as model-file layers (usually one; see registry.ts). A class that is not
   *  registered has no file form. */
  toFileConfigs(_ctx: ToFileContext): KerasObject[] {
    throw new TypeError(`save: layer "${this.name}" (${this.constructor.name}) has no TensorFlow.js Layers form`);
  }
  /** The keys every file layer config starts with. */
  protected fileBase(): { name: string; trainable: boolean } {
    return { name: this.name as string, trainable: this.trainable };
  }
  /** Configuration in TensorFlow.js Layers terms. */
  getConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = { name: this.name, trainable: this.trainable };
    if (this.inputSize !== null) config.batchInputShape = [null, this.inputSize];
    return config;
  }
}

function inputSizeOf(fn: string, args: Record<string, unknown>): number | null {
  const given = ['inputShape', 'inputDim', 'batchInputShape'].filter((k) => args[k] !== undefined);
  if (given.length > 1) throw new TypeError(`${fn}: give only one of ${given.join(', ')}`);
  const check = (name: string, v: unknown): number => {
    if (typeof v !== 'number' || !inRange(v, RANGES.inputWidth)) {
      throw new RangeError(
        `${fn}: ${name} must hold a number of features (${rangeText(RANGES.inputWidth)}), got ${JSON.stringify(v)}`,
      );
    }
    return v;
  };
  if (args.inputDim !== undefined) return check('inputDim', args.inputDim);
  if (args.inputShape !== undefined) {
    const s = args.inputShape;
    if (!Array.isArray(s) || s.length !== 1) {
      throw new RangeError(
        `${fn}: inputShape must be [features] (dense networks take 1-D rows), got ${JSON.stringify(s)}`,
      );
    }
    return check('inputShape', s[0]);
  }
  if (args.batchInputShape !== undefined) {
    const s = args.batchInputShape;
    if (!Array.isArray(s) || s.length !== 2) {
      throw new RangeError(`${fn}: batchInputShape must be [null, features], got ${JSON.stringify(s)}`);
    }
    return check('batchInputShape', s[1]);
  }
  return null;
}

/** The per-layer generator: the initializer's own seed if it has one, else the model's. */
export function initRandom(own: number | null, fallback: number): Random {
  return new Random(own ?? fallback);
}
