/**
 * Layer shapes as TensorFlow.js and Keras write them: the batch dimension first, null where any
 * size goes (the batch, usually): [null, 26, 26, 32]. Printed the Keras way: (None, 26, 26, 32).
 */
import { describe } from '../backend/check';

/** A full shape with the batch dimension first; null for a size that is not fixed. */
export type Shape = readonly (number | null)[];

/** One weight a layer makes for an input shape (Keras trainable_weights / non_trainable_weights). */
export interface WeightSpec {
  name: string;
  shape: number[];
  trainable: boolean;
}

/** A copy of a shape argument after checking it: an array of null or non-negative integers. */
export function checkLayerShape(fn: string, name: string, shape: unknown): (number | null)[] {
  if (!Array.isArray(shape)) {
    throw new TypeError(`${fn}: ${name} must be an array like [null, features], got ${describe(shape)}`);
  }
  const copy = [...shape];
  copy.forEach((d, i) => {
    if (d !== null && (typeof d !== 'number' || !Number.isInteger(d) || d < 0)) {
      throw new RangeError(`${fn}: ${name}[${i}] must be null or a non-negative integer, got ${describe(d)}`);
    }
  });
  return copy;
}

/** The size of the last axis, which the layer's weights depend on (Dense's input features). */
export function lastAxis(fn: string, inputShape: Shape): number {
  const last = inputShape[inputShape.length - 1];
  if (inputShape.length < 2) {
    throw new RangeError(
      `${fn}: the input shape ${formatShape(inputShape)} needs at least 2 dimensions (batch, features)`,
    );
  }
  if (last === null || last < 1) {
    throw new RangeError(
      `${fn}: the last dimension of the input shape ${formatShape(inputShape)} must be known and ≥ 1`,
    );
  }
  return last;
}

/** (None, 26, 26, 32); a one-element shape keeps Python's trailing comma: (None,). */
export function formatShape(shape: Shape): string {
  const dims = shape.map((d) => (d === null ? 'None' : String(d)));
  return `(${dims.join(', ')}${dims.length === 1 ? ',' : ''})`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
