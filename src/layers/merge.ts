/**
 * Merge layers (TensorFlow.js names): Concatenate, Add, Subtract, Multiply, Average, Maximum,
 * Minimum. They read several tensors, so they exist only in functional models
 * (`nn.layers.add().apply([a, b])`); they have no weights. Each emits plain tape kernels: copies,
 * axpy, mul, and for maximum/minimum max(a, b) = b + relu(a − b), whose gradient is relu's.
 */

import type { Emitted, TapeBuilder } from '../graph/builder';
import type { KerasObject } from '../io/format';
import type { StrictObject } from '../io/strict';
import { checkOptions } from '../model/options';
import { BASE_ARGS, Layer, type LayerArgs } from './layer';
import { type FromFileBase, registerLayer } from './registry';
import { formatShape, type Shape, type WeightSpec } from './shape';

/** Calls write(dx, i) for each input whose gradient is needed: each written whole, once. */
function inputGrads(b: TapeBuilder, inputs: number[], write: (dx: number, i: number) => void): void {
  inputs.forEach((id, i) => {
    if (!b.needsGrad(id)) return;
    const dx = b.gradOf(id);
    b.firstWrite(dx);
    write(dx, i);
  });
}

export type MergeKind = 'add' | 'subtract' | 'multiply' | 'average' | 'maximum' | 'minimum' | 'concatenate';

const CLASS_NAMES: Record<MergeKind, string> = {
  add: 'Add',
  subtract: 'Subtract',
  multiply: 'Multiply',
  average: 'Average',
  maximum: 'Maximum',
  minimum: 'Minimum',
  concatenate: 'Concatenate',
};

export interface ConcatenateArgs extends LayerArgs {
  /** The axis to join along (default −1, the last); the batch axis (0) cannot be joined. */
  axis?: number;
}

export class Merge extends Layer {
  readonly className: string;
  readonly namePrefix: string;
  readonly axis: number;

  constructor(
    readonly kind: MergeKind,
    args: LayerArgs | ConcatenateArgs = {},
  ) {
    const o = checkOptions(
      kind,
      args as Record<string, unknown>,
      kind === 'concatenate' ? [...BASE_ARGS, 'axis'] : BASE_ARGS,
    );
    super(kind, o);
    this.className = CLASS_NAMES[kind];
    this.namePrefix = kind;
    const axis = o.axis ?? -1;
    if (typeof axis !== 'number' || !Number.isInteger(axis) || axis === 0)
      throw new RangeError(`${kind}: axis must be a non-zero integer (−1: the last axis), got ${JSON.stringify(axis)}`);
    this.axis = axis;
  }

  /** A merge layer reads several tensors: only `apply([a, b, …])` in a functional model uses it. */
  override computeOutputShape(inputShape: Shape): Shape {
    throw new RangeError(
      `${this.label}: a ${this.className} layer merges several tensors; use it in a functional model, ${this.kind}().apply([a, b]) (got one input ${formatShape(inputShape)})`,
    );
  }

  /** The output shape for the input shapes (batch first); a RangeError names what does not fit. */
  computeMergeShape(shapes: Shape[]): Shape {
    const fn = this.label;
    if (shapes.length < 2) throw new RangeError(`${fn}: needs at least 2 inputs, got ${shapes.length}`);
    if (this.kind === 'subtract' && shapes.length !== 2)
      throw new RangeError(`${fn}: subtract takes exactly 2 inputs, got ${shapes.length}`);
    if (this.kind !== 'concatenate') {
      const first = formatShape(shapes[0]);
      shapes.forEach((s, i) => {
        if (formatShape(s) !== first)
          throw new RangeError(
            `${fn}: every input must have the same shape; input 0 is ${first}, input ${i} is ${formatShape(s)}`,
          );
      });
      return [...shapes[0]];
    }
    const rank = shapes[0].length;
    const axis = this.axis < 0 ? rank + this.axis : this.axis;
    if (axis <= 0 || axis >= rank)
      throw new RangeError(
        `${fn}: axis ${this.axis} is not an axis of an input of rank ${rank} (the batch axis cannot be joined)`,
      );
    const out = [...shapes[0]];
    shapes.forEach((s, i) => {
      const same = s.length === rank && s.every((d, k) => k === 0 || k === axis || d === shapes[0][k]);
      if (!same)
        throw new RangeError(
          `${fn}: inputs must match except on axis ${this.axis}; input 0 is ${formatShape(shapes[0])}, input ${i} is ${formatShape(s)}`,
        );
      if (i > 0) out[axis] = (out[axis] as number) + (s[axis] as number);
    });
    return out;
  }

  override weightSpecs(): WeightSpec[] {
    return [];
  }

  emit(): Emitted {
    throw new Error(`${this.label}: a merge layer is emitted with emitMerge`);
  }

  emitMerge(b: TapeBuilder, inputs: number[]): Emitted {
    const name = this.name ?? this.kind;
    const shapes = inputs.map((id) => [null, ...b.shape(id).slice(1)] as Shape);
    const outShape = this.computeMergeShape(shapes).slice(1) as number[];
    const out = b.batched(`${name}/out`, 'activation', outShape);
    if (this.kind === 'concatenate') return this.emitConcatenate(b, inputs, out, outShape);
    const n = { rows: b.width(out) };
    const k = inputs.length;
    switch (this.kind) {
      case 'add':
      case 'subtract':
        b.fwd('copy', [out, inputs[0]], { n });
        for (let i = 1; i < k; i++) b.fwd('axpy', [out, inputs[i]], { n, alpha: this.kind === 'add' ? 1 : -1 });
        return {
          output: out,
          backward: (b, grad) =>
            inputGrads(b, inputs, (dx, i) => {
              if (this.kind === 'subtract' && i === 1) {
                b.bwd('fill', [dx], { n, value: 0 });
                b.bwd('axpy', [dx, grad], { n, alpha: -1 });
              } else b.bwd('copy', [dx, grad], { n });
            }),
        };
      case 'average':
        b.fwd('fill', [out], { n, value: 0 });
        for (const id of inputs) b.fwd('axpy', [out, id], { n, alpha: 1 / k });
        return {
          output: out,
          backward: (b, grad) =>
            inputGrads(b, inputs, (dx) => {
              b.bwd('fill', [dx], { n, value: 0 });
              b.bwd('axpy', [dx, grad], { n, alpha: 1 / k });
            }),
        };
      case 'multiply':
        b.fwd('mul', [out, inputs[0], inputs[1]], { n });
        for (let i = 2; i < k; i++) b.fwd('mul', [out, out, inputs[i]], { n });
        return {
          output: out,
          // d input i = grad · the product of the other inputs.
          backward: (b, grad) =>
            inputGrads(b, inputs, (dx, i) => {
              let from = grad;
              inputs.forEach((other, j) => {
                if (j === i) return;
                b.bwd('mul', [dx, from, other], { n });
                from = dx;
              });
            }),
        };
      default:
        return this.emitExtremum(b, inputs, out, name);
    }
  }

  /** Concatenation: each input's rows are copied into their columns of the output, where a "row"
   *  is everything from the joined axis on (so any axis is a column copy over outer·batch rows). */
  private emitConcatenate(b: TapeBuilder, inputs: number[], out: number, outShape: number[]): Emitted {
    const rank = outShape.length + 1;
    const axis = this.axis < 0 ? rank + this.axis : this.axis;
    const outer = outShape.slice(0, axis - 1).reduce((a, d) => a * d, 1);
    const widths = inputs.map((id) => b.width(id) / outer);
    const outCols = widths.reduce((a, w) => a + w, 0);
    const rows = { rows: outer };
    const offsets = widths.map((_, i) => widths.slice(0, i).reduce((a, w) => a + w, 0));
    inputs.forEach((id, i) => {
      const attrs = {
        rows,
        n: widths[i],
        xCols: widths[i],
        xOffset: 0,
        outCols,
        outOffset: offsets[i],
        accumulate: false,
      };
      b.fwd('copyColumns', [out, id], attrs);
    });
    return {
      output: out,
      backward: (b, grad) =>
        inputGrads(b, inputs, (dx, i) => {
          const attrs = { rows, n: widths[i], xCols: outCols, xOffset: offsets[i], outCols: widths[i], outOffset: 0 };
          b.bwd('copyColumns', [dx, grad], { ...attrs, accumulate: false });
        }),
    };
  }

  /** maximum/minimum folded pairwise: m = b + relu(a − b) (maximum) or a − relu(a − b) (minimum). */
  private emitExtremum(b: TapeBuilder, inputs: number[], out: number, name: string): Emitted {
    const n = { rows: b.width(out) };
    const shape = b.shape(out).slice(1);
    const max = this.kind === 'maximum';
    const steps: { a: number; c: number; diff: number; relu: number; m: number }[] = [];
    let acc = inputs[0];
    inputs.slice(1).forEach((c, i) => {
      const last = i === inputs.length - 2;
      const diff = b.batched(`${name}/diff${i}`, 'activation', shape);
      const relu = b.batched(`${name}/relu${i}`, 'activation', shape);
      const m = last ? out : b.batched(`${name}/m${i}`, 'activation', shape);
      b.fwd('copy', [diff, acc], { n });
      b.fwd('axpy', [diff, c], { n, alpha: -1 });
      b.fwd('activation', [relu, diff], { n, fn: 'relu', alpha: 0 });
      b.fwd('copy', [m, max ? c : acc], { n });
      b.fwd('axpy', [m, relu], { n, alpha: max ? 1 : -1 });
      steps.push({ a: acc, c, diff, relu, m });
      acc = m;
    });
    return {
      output: out,
      backward: (b, grad) => {
        // Last fold first: dm splits into da = dm·[a > c] (max) or dm·[a ≤ c] (min), dc = dm − da.
        let dm = grad;
        for (let i = steps.length - 1; i >= 0; i--) {
          const s = steps[i];
          const needA = i > 0 || b.needsGrad(s.a);
          const step = b.batched(`${name}/step${i}`, 'scratch', shape);
          b.bwd('activationGrad', [step, dm, s.diff, s.relu], { n, fn: 'relu', alpha: 0 });
          // step = dm·[a > c]; da gets it for maximum, dm − it for minimum; dc the rest.
          const da = needA ? b.gradOf(s.a) : -1;
          if (da >= 0) {
            b.firstWrite(da);
            if (max) b.bwd('copy', [da, step], { n });
            else {
              b.bwd('copy', [da, dm], { n });
              b.bwd('axpy', [da, step], { n, alpha: -1 });
            }
          }
          if (b.needsGrad(s.c)) {
            const dc = b.gradOf(s.c);
            b.firstWrite(dc);
            if (max) {
              b.bwd('copy', [dc, dm], { n });
              b.bwd('axpy', [dc, step], { n, alpha: -1 });
            } else b.bwd('copy', [dc, step], { n });
          }
          dm = da;
        }
      },
    };
  }

  override getConfig(): Record<string, unknown> {
    const config = super.getConfig();
    if (this.kind === 'concatenate') config.axis = this.axis;
    return config;
  }

  override toFileConfigs(): KerasObject[] {
    const config: Record<string, unknown> = { ...this.fileBase() };
    if (this.kind === 'concatenate') config.axis = this.axis;
    return [{ class_name: this.className, config }];
  }

  static readonly kerasClassNames = Object.values(CLASS_NAMES);

  static fromFileConfig(className: string, c: StrictObject, base: FromFileBase): Merge {
    const kind = (Object.keys(CLASS_NAMES) as MergeKind[]).find((k) => CLASS_NAMES[k] === className) as MergeKind;
    const args: Record<string, unknown> = { name: base.name };
    if (kind === 'concatenate') args.axis = c.has('axis') ? c.raw('axis') : -1;
    return new Merge(kind, args);
  }
}

registerLayer(Merge);
