/** Flatten ([batch, ...dims] → [batch, product]) and Reshape ([batch, ...dims] → [batch,
 *  ...targetShape]): the same values in row-major order, so on the tape they are views of their
 *  input (no copy), except over the model input x, which is copied. */

import { describe } from '../backend/check';
import type { Emitted, TapeBuilder } from '../graph/builder';
import type { KerasObject } from '../io/format';
import { ModelFileError, type StrictObject } from '../io/strict';
import { checkOptions } from '../model/options';
import { checkDataFormat } from './image';
import { BASE_ARGS, Layer, type LayerArgs } from './layer';
import { type FromFileBase, registerLayer, type ToFileContext } from './registry';
import { formatShape, type Shape } from './shape';

/** The sample dims of a shape, all known (flatten and reshape need sizes). */
function knownDims(fn: string, inputShape: Shape): number[] {
  const dims = inputShape.slice(1);
  if (dims.length === 0 || dims.some((d) => d === null))
    throw new RangeError(`${fn}: needs an input with known sizes after the batch, got ${formatShape(inputShape)}`);
  return dims as number[];
}

/** Emits `input` under a new shape: a view of it, or a copy when it is the model input. */
function emitReshaped(b: TapeBuilder, name: string, input: number, shape: number[]): Emitted {
  if (b.buffers[input].role !== 'x') {
    return { output: b.view(`${name}/out`, input, shape), backward() {} };
  }
  const out = b.batched(`${name}/out`, 'activation', shape);
  b.fwd('copy', [out, input], { n: { rows: b.width(input) } });
  return { output: out, backward() {} }; // nothing flows back into x
}

export class Flatten extends Layer {
  readonly className = 'Flatten';
  readonly namePrefix = 'flatten';

  constructor(args?: LayerArgs & { dataFormat?: 'channelsLast' }) {
    const o = checkOptions('flatten', args ?? {}, [...BASE_ARGS, 'dataFormat']);
    super('flatten', o);
    checkDataFormat('flatten', o.dataFormat);
  }

  override computeOutputShape(inputShape: Shape): Shape {
    const dims = knownDims(this.label, super.computeOutputShape(inputShape));
    return [inputShape[0], dims.reduce((a, b) => a * b, 1)];
  }

  emit(b: TapeBuilder, input: number): Emitted {
    return emitReshaped(b, this.name ?? 'flatten', input, [b.width(input)]);
  }

  static readonly kerasClassNames = ['Flatten'];
  static fromFileConfig(_className: string, c: StrictObject, base: FromFileBase): Flatten {
    const f = c.has('data_format') ? c.raw('data_format') : 'channels_last';
    if (f !== 'channels_last' && f !== null)
      throw new ModelFileError(`${c.at('data_format')}: only 'channels_last' is supported, got ${describe(f)}`);
    return new Flatten({ ...base });
  }
  override toFileConfigs(): KerasObject[] {
    return [{ class_name: 'Flatten', config: { data_format: 'channels_last', ...this.fileBase() } }];
  }
}

export interface ReshapeArgs extends LayerArgs {
  /** The new sample shape, without the batch dimension; one entry may be -1 (inferred). */
  targetShape: number[];
}

export class Reshape extends Layer {
  readonly className = 'Reshape';
  readonly namePrefix = 'reshape';
  readonly targetShape: number[];

  constructor(args: ReshapeArgs) {
    const o = checkOptions('reshape', args, [...BASE_ARGS, 'targetShape']);
    super('reshape', o);
    const t = o.targetShape;
    if (!Array.isArray(t) || t.length === 0)
      throw new TypeError(`reshape: targetShape must be a non-empty array of sizes, got ${describe(t)}`);
    t.forEach((d, i) => {
      if (!Number.isInteger(d) || (d < 1 && d !== -1))
        throw new RangeError(`reshape: targetShape[${i}] must be a positive integer or -1, got ${describe(d)}`);
    });
    if (t.filter((d) => d === -1).length > 1) throw new RangeError('reshape: targetShape may hold at most one -1');
    this.targetShape = [...t];
  }

  override computeOutputShape(inputShape: Shape): Shape {
    const size = knownDims(this.label, super.computeOutputShape(inputShape)).reduce((a, b) => a * b, 1);
    const known = this.targetShape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const free = this.targetShape.includes(-1);
    if (free ? size % known !== 0 : size !== known) {
      throw new RangeError(
        `${this.label}: cannot reshape an input of ${size} values per sample ${formatShape(inputShape)} into [${this.targetShape.join(', ')}]`,
      );
    }
    return [inputShape[0], ...this.targetShape.map((d) => (d === -1 ? size / known : d))];
  }

  emit(b: TapeBuilder, input: number): Emitted {
    const shape = this.computeOutputShape([null, ...b.shape(input).slice(1)]).slice(1) as number[];
    return emitReshaped(b, this.name ?? 'reshape', input, shape);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), targetShape: [...this.targetShape] };
  }

  static readonly kerasClassNames = ['Reshape'];
  static fromFileConfig(_className: string, c: StrictObject, base: FromFileBase): Reshape {
    const t = c.array('target_shape');
    try {
      return new Reshape({ ...base, targetShape: t as number[] });
    } catch (e) {
      throw new ModelFileError(`${c.at('target_shape')}: ${(e as Error).message}`);
    }
  }
  override toFileConfigs(ctx: ToFileContext): KerasObject[] {
    const resolved = this.computeOutputShape(ctx.inputShape).slice(1);
    return [{ class_name: 'Reshape', config: { target_shape: resolved, ...this.fileBase() } }];
  }
}

registerLayer(Flatten);
registerLayer(Reshape);
