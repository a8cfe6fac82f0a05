/**
 * The functional API's symbolic tensors (TensorFlow.js names): `nn.input({ shape })` makes one,
 * `layer.apply(t)` (or `apply([a, b])` for a merge) makes the next, and `nn.model({ inputs,
 * outputs })` collects the layers between them. A symbolic tensor holds no values: its shape and
 * the node (layer + input tensors) that makes it.
 */

import { describe } from '../backend/check';
import { inRange, RANGES, rangeText } from '../config/ranges';
import { checkOptions, str } from '../model/options';
import type { Layer } from './layer';
import { formatShape, type Shape, sameShape } from './shape';

/** One application of a layer: it reads `inputs` and makes `output`. */
export interface LayerNode {
  readonly layer: Layer;
  readonly inputs: readonly SymbolicTensor[];
  /** Creation order: every node's inputs come from nodes made before it. */
  readonly id: number;
}

let nextId = 0;
let inputCount = 0;

export class SymbolicTensor {
  /** The model-input name (nn.input), or the producing layer's name at the time of printing. */
  private readonly inputName: string | null;
  readonly id = nextId++;

  constructor(
    /** [batch (null), ...dims]. */
    readonly shape: Shape,
    /** The layer application that makes this tensor; null for a model input. */
    readonly node: LayerNode | null,
    inputName: string | null = null,
  ) {
    this.inputName = inputName;
  }

  /** A model input's name ('input_1', …), or the producing layer's name. */
  get name(): string {
    return this.inputName ?? this.node?.layer.name ?? `${this.node?.layer.namePrefix}`;
  }
  /** True for a tensor made by nn.input. */
  get isInput(): boolean {
    return this.node === null;
  }
  toString(): string {
    return `SymbolicTensor ${this.name} ${formatShape(this.shape)}`;
  }
}

export interface InputArgs {
  /** One sample's shape, without the batch dimension. */
  shape?: number[];
  /** [batch (null), ...shape]. */
  batchShape?: (number | null)[];
  name?: string;
  dtype?: 'float32' | 'int32';
}

/** nn.input({ shape: [features] }): a model input. */
export function input(args: InputArgs): SymbolicTensor {
  const fn = 'input';
  const o = checkOptions(fn, args, ['shape', 'batchShape', 'name', 'dtype']);
  if ((o.shape === undefined) === (o.batchShape === undefined))
    throw new TypeError(`${fn}: give shape (one sample's, e.g. [784]) or batchShape, exactly one`);
  const dims = o.shape !== undefined ? o.shape : Array.isArray(o.batchShape) ? o.batchShape.slice(1) : o.batchShape;
  const what = o.shape !== undefined ? 'shape' : 'batchShape';
  if (
    !Array.isArray(dims) ||
    dims.length === 0 ||
    !dims.every((d) => Number.isInteger(d) && inRange(d, RANGES.inputWidth))
  )
    throw new RangeError(
      `${fn}: ${what} must list every size of one sample (${rangeText(RANGES.inputWidth)} each), got ${JSON.stringify(o.shape ?? o.batchShape)}`,
    );
  if (o.dtype !== undefined && o.dtype !== 'float32' && o.dtype !== 'int32')
    throw new RangeError(`${fn}: dtype must be "float32" or "int32", got ${describe(o.dtype)}`);
  const name = o.name === undefined ? `input_${++inputCount}` : str(fn, 'name', o.name);
  return new SymbolicTensor([null, ...(dims as number[])], null, name);
}

/** A layer as apply sees it (merge layers take several tensors). */
interface Applicable {
  readonly name: string | null;
  readonly batchInputShape: Shape | null;
  computeOutputShape(inputShape: Shape): Shape;
  computeMergeShape?(shapes: Shape[]): Shape;
  appliedInputShapes: Shape[] | null;
}

/** layer.apply(inputs): checks the inputs and returns the output tensor. A layer applied again
 *  shares its weights, so it must see the same input shapes. */
export function applyLayer(layer: Layer, inputs: unknown): SymbolicTensor {
  const l = layer as unknown as Applicable;
  const label = layer.name ?? layer.namePrefix;
  const list = Array.isArray(inputs) ? inputs : [inputs];
  list.forEach((t, i) => {
    if (!(t instanceof SymbolicTensor)) {
      const where = Array.isArray(inputs) ? `inputs[${i}]` : 'inputs';
      throw new TypeError(
        `${label}.apply: ${where} must be a symbolic tensor (from nn.input or another layer's apply), got ${describe(t)}; to compute values, put the layer in a model and call predict`,
      );
    }
  });
  const tensors = list as SymbolicTensor[];
  const shapes = tensors.map((t) => t.shape);
  let out: Shape;
  if (l.computeMergeShape) {
    if (!Array.isArray(inputs)) throw new TypeError(`${label}.apply: a merge layer takes an array of tensors`);
    out = l.computeMergeShape(shapes);
  } else {
    if (tensors.length !== 1)
      throw new RangeError(`${label}.apply: this layer takes one tensor, got ${tensors.length}`);
    const declared = l.batchInputShape?.slice(1);
    if (declared && !sameShape(declared, shapes[0].slice(1)))
      throw new RangeError(
        `${label}.apply: the layer declares inputShape ${formatShape([null, ...declared])} but the tensor is ${formatShape(shapes[0])}`,
      );
    out = l.computeOutputShape(shapes[0]);
  }
  if (l.appliedInputShapes === null) l.appliedInputShapes = shapes;
  else if (
    l.appliedInputShapes.length !== shapes.length ||
    l.appliedInputShapes.some((s, i) => !sameShape(s.slice(1), shapes[i].slice(1)))
  )
    throw new RangeError(
      `${label}.apply: the layer was applied to ${l.appliedInputShapes.map(formatShape).join(', ')} before and shares its weights; it cannot take ${shapes.map(formatShape).join(', ')}`,
    );
  const node: LayerNode = { layer, inputs: tensors, id: nextId++ };
  return new SymbolicTensor(out, node);
}
